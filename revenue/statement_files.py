"""A month's statement as a CSV file: UTF-8 with a byte-order mark (Excel
on Chinese Windows reads it right), or GBK for older accounting software, as
the bank file offers (bank_file.csv_codec: one list of accepted encodings).

The file reads top to bottom like the page: the balance due at the start,
one row per line with the balance after it, the balance due at the end
(dated the month's last second, Asia/Shanghai), the next payout in one
sentence, then the breakdowns by workshop and by product. Amounts are plain
yuan numbers (-12.30 for a negative one); text cells are formula-safe."""

import io
from datetime import datetime

from django.utils import timezone
from django.utils.text import slugify

from storefront.core import csv_safe
from storefront.core.money import fen_to_yuan

from .bank_file import csv_codec, unencodable_char
from .breakdowns import Breakdown, by_product, by_workshop
from .errors import RevenueError, RevenueErrorCode
from .models import Party, PartyKind
from .payout_schedule import NextPayout
from .statement_words import CLOSING, OPENING, reason, row_name
from .statements import TIMEZONE, Statement, month_label, month_start

HEADERS = (
    "日期 date",
    "事由 reason",
    "订单号 order",
    "商品 product",
    "工坊 workshop",
    "数量 quantity",
    "订单行金额（元）line total (CNY)",
    "金额（元）amount (CNY)",
    "待结算余额（元）balance due (CNY)",
    "参考号 reference",
)
BREAKDOWN_AMOUNTS = (
    "销售分成（元）sales (CNY)",
    "退款冲回（元）refunds (CNY)",
    "支付手续费（元）fees (CNY)",
    "合计（元）net (CNY)",
)
# What GBK lacks but has a look-alike for: the yen sign of the sentences.
_GBK_LOOKALIKES = str.maketrans({"¥": "￥"})
_WHEN = "%Y-%m-%d %H:%M:%S"


def _yuan(fen: int | None):
    return None if fen is None else fen_to_yuan(fen)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment, TIMEZONE).strftime(_WHEN)


def _balance_row(moment: datetime, label: tuple[str, str], name: str, fen: int):
    return [
        _when(moment),
        f"{label[0]} {label[1].lower()}",
        "",
        name,
        "",
        "",
        "",
        "",
        _yuan(fen),
        "",
    ]


def _line_rows(statement: Statement) -> list[list]:
    party, owed = statement.party.name, statement.opening_owed_fen
    rows = [_balance_row(month_start(statement.month), OPENING, party, owed)]
    for line in statement.lines:
        owed += line.amount_fen
        zh, en = reason(line)
        rows.append(
            [
                _when(line.posted_at),
                f"{zh} {en.lower()}",
                line.order_number,
                line.product_name,
                line.workshop_name,
                line.quantity,
                _yuan(line.line_total_fen),
                _yuan(line.amount_fen),
                _yuan(owed),
                line.reference,
            ]
        )
    rows.append(_balance_row(statement.closing_at, CLOSING, party, owed))
    return rows


def _breakdown_rows(title: str, names: tuple, breakdown: Breakdown) -> list[list]:
    rows = [[title], [*names, *BREAKDOWN_AMOUNTS]]
    for row in breakdown.rows:
        zh, en = row_name(row)
        name = f"{zh} {en.lower()}" if en else zh
        cells = [name, row.workshop_name][: len(names)]
        amounts = (row.sales_fen, row.refunds_fen, row.fees_fen, row.net_fen)
        rows.append([*cells, *(_yuan(fen) for fen in amounts)])
    total = (
        breakdown.sales_fen,
        breakdown.refunds_fen,
        breakdown.fees_fen,
        breakdown.net_fen,
    )
    pad = [""] * (len(names) - 1)
    rows.append(["合计 total", *pad, *(_yuan(fen) for fen in total)])
    return rows


def statement_rows(statement: Statement, next_payout: NextPayout | None) -> list:
    rows = [list(HEADERS), *_line_rows(statement)]
    if next_payout is not None:
        sentence = f"{next_payout.sentence_zh} {next_payout.sentence_en}"
        rows += [[], ["下次付款 next payout", sentence]]
    if statement.lines:
        workshops = by_workshop(statement.lines)
        products = by_product(statement.lines)
        if workshops:
            rows += [
                [],
                *_breakdown_rows("按工坊 by workshop", ("工坊 workshop",), workshops),
            ]
        if products:
            names = ("商品 product", "工坊 workshop")
            rows += [[], *_breakdown_rows("按商品 by product", names, products)]
    return rows


def statement_csv_bytes(
    statement: Statement,
    *,
    next_payout: NextPayout | None = None,
    encoding: str = "utf-8",
) -> bytes:
    """The whole file, or NOT_ENCODABLE naming the first character GBK
    cannot write (a rare name: the UTF-8 file always works). An unknown
    encoding is a ValueError."""
    codec = csv_codec(encoding)
    rows = statement_rows(statement, next_payout)
    if codec == "gbk":
        rows = [
            [c.translate(_GBK_LOOKALIKES) if isinstance(c, str) else c for c in row]
            for row in rows
        ]
        for number, row in enumerate(rows, start=1):
            char = unencodable_char(row, codec)
            if char is not None:
                raise RevenueError(
                    RevenueErrorCode.NOT_ENCODABLE,
                    field="encoding",
                    detail=(f"第 {number} 行的“{char}”", f"'{char}' in row {number}"),
                )
    out = io.StringIO(newline="")
    csv_safe.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(codec)


def statement_file_stem(party: Party, period: str) -> str:
    """statement-village-gaoni-2026-11 (ASCII: safe in any download header)."""
    if party.kind == PartyKind.PLATFORM:
        return f"statement-platform-{period}"
    target = party.workshop or party.village or party.brand
    slug = slugify(getattr(target, "slug", "") or "")
    return f"statement-{party.kind}-{slug or party.pk}-{period}"


def statement_filename(statement: Statement, encoding: str) -> str:
    stem = statement_file_stem(statement.party, month_label(statement.month))
    suffix = "-gbk" if csv_codec(encoding) == "gbk" else ""
    return f"{stem}{suffix}.csv"
