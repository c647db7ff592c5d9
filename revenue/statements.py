"""A party's monthly statement, read from the ledger: what was due to it
when the month began, every share posted to it in the month (sales, shipping,
refund reversals, processor fees) and every payout, and what is due to it at
the end. (Pages word this from the party's side: 应收/待结算, never the
ledger's 应付.) The closing figure is the opening one plus the lines, and both are
sums of the party's payable journal lines, so a statement always agrees with
`party_balance`. Months are calendar months in Asia/Shanghai."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum

from brands.models import Role
from brands.permissions import is_platform_operator, role_targets

from .errors import RevenueError, RevenueErrorCode
from .models import (
    AccountKind,
    EntryKind,
    JournalLine,
    Party,
    PartyKind,
    Share,
    ShareRole,
)
from .selectors import parties_visible_to

TIMEZONE = ZoneInfo("Asia/Shanghai")
# Years a statement may ask for: wide, but far from datetime's limits.
FIRST_YEAR, LAST_YEAR = 1970, 9998
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class LineKind:
    SALE = "sale"
    REFUND = "refund"
    FEE = "fee"
    SHIPPING = "shipping"
    PAYOUT = "payout"


LINE_KINDS = (
    LineKind.SALE,
    LineKind.SHIPPING,
    LineKind.REFUND,
    LineKind.FEE,
    LineKind.PAYOUT,
)


def parse_month(text: str) -> date:
    """ "2026-11" -> date(2026, 11, 1); anything else is INVALID_MONTH."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        year, month = int(match[1]), int(match[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    raise RevenueError(RevenueErrorCode.INVALID_MONTH, field="month")


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: date) -> date:
    if month.month == 12:
        return date(month.year + 1, 1, 1)
    return date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    if month.month == 1:
        return date(month.year - 1, 12, 1)
    return date(month.year, month.month - 1, 1)


def month_start(month: date) -> datetime:
    """The instant the month begins in Asia/Shanghai."""
    return datetime(month.year, month.month, 1, tzinfo=TIMEZONE)


def month_end(month: date) -> datetime:
    """The last second of the month in Asia/Shanghai (2026-12-31 23:59:59):
    the closing time a statement shows. Queries still use the next month's
    start as an exclusive bound, so no fraction of a second is lost."""
    return month_start(next_month(month)) - timedelta(seconds=1)


@dataclass(frozen=True)
class StatementLine:
    posted_at: datetime
    kind: str  # LineKind
    order_number: str  # "" for payouts
    product_name: str  # product and size for sale and refund lines; "" otherwise
    quantity: int | None
    line_total_fen: int | None  # what the customer paid for the order line
    amount_fen: int  # the party's signed amount
    # Our own numbers only (refund R-…, payout batch PB-… and the bank's
    # reference): never a payment processor's id, which means nothing to a
    # village and is not on its bank statement.
    reference: str
    workshop_name: str = ""  # the order line's workshop (a parcel's, for shipping)
    product_key: str = ""  # groups a product's sizes: "p<id>", or its name
    product_title: str = ""  # the product without its size
    correction: bool = False  # a correcting reversal of an earlier entry


@dataclass(frozen=True)
class Statement:
    party: Party
    month: date  # first day of the month (Asia/Shanghai)
    opening_owed_fen: int
    lines: list[StatementLine]  # in posting order
    sales_fen: int  # sales and shipping
    refunds_fen: int
    fees_fen: int
    payouts_fen: int
    closing_owed_fen: int

    @property
    def payouts(self) -> list[StatementLine]:
        return [line for line in self.lines if line.kind == LineKind.PAYOUT]

    @property
    def earned_fen(self) -> int:
        """The month's income net of refunds and fees: negative when refunds
        of earlier sales exceeded this month's sales."""
        return self.sales_fen + self.refunds_fen + self.fees_fen

    @property
    def paid_fen(self) -> int:
        """Paid to the party in the month (positive)."""
        return -self.payouts_fen

    @property
    def closing_at(self) -> datetime:
        return month_end(self.month)


_SHARE_FIELDS = (
    "pk",
    "entry_id",
    "posted_at",
    "role",
    "amount_fen",
    "entry__kind",
    "entry__reverses_id",
    "entry__reverses__kind",
    "entry__refund_id",
    "entry__reverses__refund_id",
    "order__number",
    "order_line_id",
    "order_line__product_id",
    "order_line__product_name",
    "order_line__workshop_name",
    "order_line__variant_name",
    "order_line__quantity",
    "order_line__total_fen",
)

_PAYOUT_FIELDS = (
    "entry_id",
    "amount_fen",
    "entry__posted_at",
    "entry__reverses_id",
    "entry__payout__batch_id",
    "entry__payout__bank_reference",
    "entry__reverses__payout__batch_id",
    "entry__reverses__payout__bank_reference",
)


def _payable_lines(party: Party):
    return JournalLine.objects.filter(
        account__party=party, account__kind=AccountKind.PAYABLE
    )


def _refund_reference(row: dict, prefix: str) -> str:
    refund_id = row[f"{prefix}refund_id"]
    return "" if refund_id is None else f"R-{refund_id}"


def _share_line(row: dict, party: Party) -> StatementLine:
    reversal = row["entry__kind"] == EntryKind.REVERSAL
    # A correcting reversal reads as the kind of entry it takes back.
    cause = row["entry__reverses__kind"] if reversal else row["entry__kind"]
    if row["role"] == ShareRole.FEE:
        kind = LineKind.FEE
    elif cause == EntryKind.REFUND:
        kind = LineKind.REFUND
    elif row["role"] == ShareRole.SHIPPING:
        kind = LineKind.SHIPPING
    else:
        kind = LineKind.SALE
    reference = _refund_reference(row, "entry__reverses__" if reversal else "entry__")
    has_line = kind in (LineKind.SALE, LineKind.REFUND) and row["order_line_id"]
    product, product_key, workshop = "", "", ""
    if kind == LineKind.SHIPPING and party.kind == PartyKind.WORKSHOP:
        workshop = party.name  # a parcel's shipping is paid to its workshop
    if has_line:
        workshop = row["order_line__workshop_name"]
        product_id = row["order_line__product_id"]
        product_key = (
            f"p{product_id}" if product_id else row["order_line__product_name"]
        )
        product = " ".join(
            part
            for part in (
                row["order_line__product_name"],
                row["order_line__variant_name"],
            )
            if part
        )
    return StatementLine(
        posted_at=row["posted_at"],
        kind=kind,
        order_number=row["order__number"] or "",
        product_name=product,
        quantity=row["order_line__quantity"] if has_line else None,
        line_total_fen=row["order_line__total_fen"] if has_line else None,
        amount_fen=row["amount_fen"],
        reference=reference,
        workshop_name=workshop,
        product_key=product_key,
        product_title=row["order_line__product_name"] if has_line else "",
        correction=reversal,
    )


def _payout_line(row: dict) -> StatementLine:
    reversal = row["entry__reverses_id"] is not None
    prefix = "entry__reverses__payout__" if reversal else "entry__payout__"
    batch_id = row[f"{prefix}batch_id"]
    # The batch number is what the bank file's purpose line carries to the
    # party's bank statement; the bank's reference is the transfer's own.
    parts = [
        f"PB-{batch_id:05d}" if batch_id else "",
        row[f"{prefix}bank_reference"] or "",
    ]
    return StatementLine(
        posted_at=row["entry__posted_at"],
        kind=LineKind.PAYOUT,
        order_number="",
        product_name="",
        quantity=None,
        line_total_fen=None,
        # The payable line is a debit: it lowers what the party is owed.
        amount_fen=-row["amount_fen"],
        reference=" ".join(p for p in parts if p),
        correction=reversal,
    )


def owed_before(party: Party, moment: datetime) -> int:
    """What the party was owed just before `moment`: one aggregate."""
    return -(
        _payable_lines(party)
        .filter(entry__posted_at__lt=moment)
        .aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )


def party_lines(party: Party, start: datetime, end: datetime) -> list[StatementLine]:
    """Every movement of the party's balance in [start, end), in posting
    order: its shares, and its payouts and their reversals. Two queries."""
    shares = (
        Share.objects.filter(party=party, posted_at__gte=start, posted_at__lt=end)
        .order_by("posted_at", "entry_id", "pk")
        .values(*_SHARE_FIELDS)
    )
    keyed = []  # (posted_at, entry id, order within the entry, line)
    with_shares = set()
    for row in shares:
        with_shares.add(row["entry_id"])
        keyed.append(
            (row["posted_at"], row["entry_id"], row["pk"], _share_line(row, party))
        )
    # Payouts and their reversals move the payable account without shares.
    others = (
        _payable_lines(party)
        .filter(entry__posted_at__gte=start, entry__posted_at__lt=end)
        .filter(entry__kind__in=(EntryKind.PAYOUT, EntryKind.REVERSAL))
        .values(*_PAYOUT_FIELDS)
    )
    for row in others:
        if row["entry_id"] not in with_shares:
            keyed.append(
                (row["entry__posted_at"], row["entry_id"], 0, _payout_line(row))
            )
    keyed.sort(key=lambda item: item[:3])
    return [item[3] for item in keyed]


def line_totals(lines: list[StatementLine]) -> dict[str, int]:
    """{LineKind: signed fen} over `lines`."""
    totals = dict.fromkeys(LINE_KINDS, 0)
    for line in lines:
        totals[line.kind] += line.amount_fen
    return totals


def party_statement(*, party: Party, month: date) -> Statement:
    """The party's statement for the calendar month that `month` falls in.
    Three queries, however many lines."""
    month = date(month.year, month.month, 1)
    start, end = month_start(month), month_start(next_month(month))
    opening = owed_before(party, start)
    lines = party_lines(party, start, end)
    totals = line_totals(lines)
    movement = sum(totals.values())
    return Statement(
        party=party,
        month=month,
        opening_owed_fen=opening,
        lines=lines,
        sales_fen=totals[LineKind.SALE] + totals[LineKind.SHIPPING],
        refunds_fen=totals[LineKind.REFUND],
        fees_fen=totals[LineKind.FEE],
        payouts_fen=totals[LineKind.PAYOUT],
        closing_owed_fen=opening + movement,
    )


def statement_parties(user) -> list[Party]:
    """The parties whose statements `user` may read, by kind and name."""
    return list(parties_visible_to(user))


def may_see_statements(user) -> bool:
    """Whether to offer the statements link: no query beyond the memberships
    the permissions module caches, unless the user is a livestream host (a
    host's party exists once one of their sales has been split)."""
    if is_platform_operator(user):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    if any(
        role_targets(user, role)
        for role in (Role.WORKSHOP_MANAGER, Role.VILLAGE_TREASURER, Role.BRAND_OPERATOR)
    ):
        return True
    if not role_targets(user, Role.LIVESTREAM_HOST):
        return False
    return Party.objects.filter(host_id=user.pk).exists()
