"""A party's income over a period, broken down by workshop and by product:
sums of the statement lines it already has (no query of its own), so every
breakdown adds up to the period's income (sales, shipping, refunds, fees).
For a village these are the shares it got from each workshop's and each
product's order lines; a processor fee belongs to an order, not to one line,
so it is a row of its own, and so is shipping in the product breakdown."""

from dataclasses import dataclass

from .statements import LineKind, StatementLine


class RowKind:
    WORKSHOP = "workshop"
    PRODUCT = "product"
    SHIPPING = "shipping"
    FEE = "fee"


@dataclass(frozen=True)
class BreakdownRow:
    kind: str  # RowKind
    name: str  # the workshop or product ("" for shipping and fee rows)
    workshop_name: str  # a product's workshop
    sales_fen: int  # sales and shipping
    refunds_fen: int  # refund reversals (≤ 0)
    fees_fen: int  # processor fees (≤ 0)

    @property
    def net_fen(self) -> int:
        return self.sales_fen + self.refunds_fen + self.fees_fen


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]

    @property
    def sales_fen(self) -> int:
        return sum(row.sales_fen for row in self.rows)

    @property
    def refunds_fen(self) -> int:
        return sum(row.refunds_fen for row in self.rows)

    @property
    def fees_fen(self) -> int:
        return sum(row.fees_fen for row in self.rows)

    @property
    def net_fen(self) -> int:
        return sum(row.net_fen for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def _add(groups: dict, key, head: tuple, line: StatementLine) -> None:
    sums = groups.setdefault(key, [head, 0, 0, 0])
    slot = {LineKind.REFUND: 2, LineKind.FEE: 3}.get(line.kind, 1)
    sums[slot] += line.amount_fen


def _breakdown(groups: dict) -> Breakdown:
    rows = [
        BreakdownRow(*head, sales_fen=sales, refunds_fen=refunds, fees_fen=fees)
        for head, sales, refunds, fees in groups.values()
    ]
    # Named rows by income, largest first; shipping and fees after them.
    order = {RowKind.SHIPPING: 1, RowKind.FEE: 2}
    rows.sort(key=lambda r: (order.get(r.kind, 0), -r.net_fen, r.name))
    return Breakdown(rows)


def _other(groups: dict, line: StatementLine) -> bool:
    """File a line that belongs to no product or workshop; False if it does."""
    if line.kind == LineKind.FEE:
        _add(groups, RowKind.FEE, (RowKind.FEE, "", ""), line)
        return True
    return False


def by_workshop(lines: list[StatementLine]) -> Breakdown:
    groups: dict = {}
    for line in lines:
        if line.kind == LineKind.PAYOUT or _other(groups, line):
            continue
        if not line.workshop_name:
            head = (RowKind.SHIPPING, "", "")
            _add(groups, RowKind.SHIPPING, head, line)
            continue
        head = (RowKind.WORKSHOP, line.workshop_name, "")
        _add(groups, ("w", line.workshop_name), head, line)
    return _breakdown(groups)


def by_product(lines: list[StatementLine]) -> Breakdown:
    groups: dict = {}
    for line in lines:
        if line.kind == LineKind.PAYOUT or _other(groups, line):
            continue
        if not line.product_key:
            _add(groups, RowKind.SHIPPING, (RowKind.SHIPPING, "", ""), line)
            continue
        head = (RowKind.PRODUCT, line.product_title, line.workshop_name)
        _add(groups, ("p", line.product_key), head, line)
    return _breakdown(groups)
