"""A party's year, for a village assembly: the income returned to it month
by month (twelve Asia/Shanghai months), by workshop and by product, and the
payouts it received. Read from the same statement lines as the monthly
statements, so each month's row is that month's statement, to the fen.
Three queries, however long the year."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from .breakdowns import Breakdown, by_product, by_workshop
from .errors import RevenueError, RevenueErrorCode
from .models import Party
from .statements import (
    FIRST_YEAR,
    LAST_YEAR,
    TIMEZONE,
    LineKind,
    StatementLine,
    line_totals,
    owed_before,
    party_lines,
)

_YEAR = re.compile(r"[0-9]{4}")


def parse_year(text: str) -> int:
    """ "2026" -> 2026; anything else is INVALID_YEAR."""
    if isinstance(text, str) and _YEAR.fullmatch(text):
        year = int(text)
        if FIRST_YEAR <= year <= LAST_YEAR:
            return year
    raise RevenueError(RevenueErrorCode.INVALID_YEAR, field="year")


def year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=TIMEZONE)


@dataclass(frozen=True)
class MonthRow:
    month: date
    sales_fen: int  # sales and shipping
    refunds_fen: int
    fees_fen: int
    paid_fen: int  # payouts received (positive)

    @property
    def earned_fen(self) -> int:
        return self.sales_fen + self.refunds_fen + self.fees_fen


@dataclass(frozen=True)
class AnnualReport:
    party: Party
    year: int
    opening_owed_fen: int  # due to the party on 1 January, 00:00
    months: list[MonthRow]  # twelve, January first
    by_workshop: Breakdown
    by_product: Breakdown
    payouts: list[StatementLine]  # received this year, oldest first
    closing_owed_fen: int  # due at 31 December, 23:59:59

    @property
    def sales_fen(self) -> int:
        return sum(m.sales_fen for m in self.months)

    @property
    def refunds_fen(self) -> int:
        return sum(m.refunds_fen for m in self.months)

    @property
    def fees_fen(self) -> int:
        return sum(m.fees_fen for m in self.months)

    @property
    def earned_fen(self) -> int:
        return sum(m.earned_fen for m in self.months)

    @property
    def paid_fen(self) -> int:
        return sum(m.paid_fen for m in self.months)

    @property
    def is_empty(self) -> bool:
        """Nothing moved this year: no sale, refund, fee or payout."""
        return not (self.by_workshop or self.payouts)


def party_annual_report(*, party: Party, year: int) -> AnnualReport:
    start, end = year_start(year), year_start(year + 1)
    opening = owed_before(party, start)
    lines = party_lines(party, start, end)
    per_month: list[list[StatementLine]] = [[] for _ in range(12)]
    for line in lines:
        per_month[line.posted_at.astimezone(TIMEZONE).month - 1].append(line)
    months = []
    for number, month_lines in enumerate(per_month, start=1):
        totals = line_totals(month_lines)
        months.append(
            MonthRow(
                month=date(year, number, 1),
                sales_fen=totals[LineKind.SALE] + totals[LineKind.SHIPPING],
                refunds_fen=totals[LineKind.REFUND],
                fees_fen=totals[LineKind.FEE],
                paid_fen=-totals[LineKind.PAYOUT],
            )
        )
    return AnnualReport(
        party=party,
        year=year,
        opening_owed_fen=opening,
        months=months,
        by_workshop=by_workshop(lines),
        by_product=by_product(lines),
        payouts=[line for line in lines if line.kind == LineKind.PAYOUT],
        closing_owed_fen=opening + sum(line.amount_fen for line in lines),
    )
