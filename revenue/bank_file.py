"""The bank-transfer file of a payout batch: one row per bank payout, for an
operator to upload to the bank (GBK, for Chinese banking software) or to read
in a spreadsheet (UTF-8 with a byte-order mark, which Excel needs to show
Chinese). The whole file is built before it is returned: a payout that cannot
be written refuses the file, never yields half of one."""

import io

from storefront.core import csv_safe
from storefront.core.money import fen_to_yuan

from .errors import RevenueError, RevenueErrorCode
from .models import PayoutBatch, PayoutBatchStatus, PayoutMethod, PayoutStatus

HEADER = (
    "序号 No.",
    "收款户名 Account name",
    "收款账号 Account number",
    "开户行 Bank",
    "金额(元) Amount (yuan)",
    "用途 Purpose",
    "批次 Batch",
    "付款编号 Payout id",
)
# Python codec per accepted name; "utf-8-sig" writes the BOM.
CODECS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk"}
PURPOSE = "共富工坊分账"
READY = (PayoutBatchStatus.APPROVED, PayoutBatchStatus.COMPLETED)


def bank_memo(batch: PayoutBatch) -> str:
    """The transfer's purpose (用途/附言): what the receiving account's
    statement shows, so it is also what a payout notice tells them to look for."""
    return f"{PURPOSE} {batch}"


def _rows(batch: PayoutBatch):
    payouts = (
        batch.payouts.filter(method=PayoutMethod.BANK)
        .exclude(status=PayoutStatus.CANCELLED)
        .select_related("party")
        .order_by("pk")
    )
    for number, payout in enumerate(payouts, start=1):
        text = (
            payout.bank_account_name,
            payout.bank_account_number,
            payout.bank_name,
        )
        yield (
            payout,
            [
                number,
                *text,
                fen_to_yuan(payout.amount_fen),
                bank_memo(batch),
                str(batch),
                payout.pk,
            ],
        )


def csv_codec(encoding: str) -> str:
    """The Python codec for an accepted encoding name ("utf-8", "gbk")."""
    codec = CODECS.get(str(encoding).strip().lower())
    if codec is None:
        raise ValueError(f"unknown CSV encoding: {encoding!r}")
    return codec


def unencodable_char(row, codec: str) -> str | None:
    """The first character of `row`'s cells that `codec` cannot write."""
    for cell in row:
        try:
            str(cell).encode(codec)
        except UnicodeEncodeError as exc:
            return exc.object[exc.start : exc.end]
    return None


def _check_encodable(payout, row: list, codec: str) -> None:
    char = unencodable_char(row, codec)
    if char is not None:
        raise RevenueError(
            RevenueErrorCode.NOT_ENCODABLE,
            field="encoding",
            detail=(
                f"{payout.party.name}（付款 {payout.pk}）的“{char}”",
                f"'{char}' for {payout.party.name} (payout {payout.pk})",
            ),
        )


def bank_file(*, batch: PayoutBatch, encoding: str = "utf-8") -> bytes:
    """CSV bytes of the batch's bank payouts that are not cancelled, in
    `encoding` ("utf-8" or "gbk"). Only an approved (or completed) batch has
    one: amounts may still be lowered at approval."""
    codec = csv_codec(encoding)
    if batch.status not in READY:
        raise RevenueError(
            RevenueErrorCode.INVALID_TRANSITION,
            field="batch",
            detail=("批次尚未批准", "the batch is not approved"),
        )
    out = io.StringIO()
    writer = csv_safe.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for payout, row in _rows(batch):
        _check_encodable(payout, row, codec)
        writer.writerow(row)
    return out.getvalue().encode(codec)
