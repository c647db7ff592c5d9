"""A host's commission per order, as the ledger has it: earned (the sale
entry's credit to the host's payable account), reversed by refunds (the
refund entries' debits, and correcting reversals), paid out and pending.

Payouts pay a party's balance, not particular orders, so "paid" per order
is an allocation: each payout, when it was made, settles the oldest orders
still owed (first in, first out), which is how a host reads it ("the
earlier sales have been paid"); an order refunded after its commission was
paid shows a negative pending, kept back from a later payout. The totals are the
ledger's own sums over the host party's payable account, so
    earned − reversed − paid = pending = what the platform owes the host
(revenue.selectors.party_balance), and `ledger_check` proves the account's
balance equals its lines. Only for viewers who may see the host's account
(user_can VIEW_PARTY_ACCOUNTS): the host and platform operators.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from brands.permissions import Action, user_can
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalLine,
    Party,
    PartyKind,
)
from storefront.orders.models import Order

ORDERS_SHOWN = 100

PENDING = "pending"
PAID = "paid"
PARTLY_PAID = "partly_paid"
REVERSED = "reversed"
TO_DEDUCT = "to_deduct"
LABELS = {
    TO_DEDUCT: "退款待扣回 Refund to deduct",
    PENDING: "待结算 Pending",
    PAID: "已结算 Paid",
    PARTLY_PAID: "部分结算 Partly paid",
    REVERSED: "已冲回 Reversed",
}


@dataclass
class OrderCommission:
    order: Order
    first_posted: datetime
    earned_fen: int
    reversed_fen: int
    paid_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.earned_fen - self.reversed_fen

    @property
    def pending_fen(self) -> int:
        return self.net_fen - self.paid_fen

    @property
    def state(self) -> str:
        if self.pending_fen < 0:
            return TO_DEDUCT
        if self.net_fen <= 0 and self.reversed_fen:
            return REVERSED
        if self.pending_fen <= 0:
            return PAID
        return PARTLY_PAID if self.paid_fen else PENDING

    @property
    def state_label(self) -> str:
        return LABELS[self.state]


@dataclass
class HostMoney:
    earned_fen: int = 0
    reversed_fen: int = 0
    paid_fen: int = 0
    pending_fen: int = 0
    # Newest first, at most ORDERS_SHOWN; the totals cover every order.
    orders: list[OrderCommission] = field(default_factory=list)
    order_count: int = 0


def _paid_lines() -> Q:
    """Payouts, and corrections of payouts."""
    return Q(entry__kind=EntryKind.PAYOUT) | Q(
        entry__kind=EntryKind.REVERSAL, entry__reverses__kind=EntryKind.PAYOUT
    )


def _allocate(rows: dict[int, list], paid: int) -> None:
    """A payout (or, negative, its correction) settles what was owed when it
    was made: oldest orders first, each up to its earned − reversed − paid
    so far. An order refunded after it was paid goes below zero pending:
    the platform keeps that much back from a later payout."""
    if paid < 0:  # a corrected payout: undo from the newest orders
        for row in reversed(list(rows.values())):
            back = min(row[3], -paid)
            row[3] -= back
            paid += back
        return
    for row in rows.values():  # insertion order: oldest first
        due = row[1] - row[2] - row[3]
        if due > 0 and paid > 0:
            part = min(due, paid)
            row[3] += part
            paid -= part


def host_money(*, user, host) -> HostMoney | None:
    """None when `user` may not see the host's account. Three queries,
    however many orders: the account, its lines in the order they were
    posted (read in chunks), the orders shown."""
    account = (
        Account.objects.filter(
            party__kind=PartyKind.HOST, party__host=host, kind=AccountKind.PAYABLE
        )
        .select_related("party")
        .first()
    )
    party = account.party if account else Party(kind=PartyKind.HOST, host=host)
    if not user_can(user, Action.VIEW_PARTY_ACCOUNTS, party):
        return None
    money = HostMoney()
    if account is None:
        return money
    lines = (
        JournalLine.objects.filter(account=account)
        .annotate(
            is_paid=Case(When(_paid_lines(), then=Value(1)), default=Value(0)),
            order_ref=Coalesce(
                "entry__order_id",
                "entry__reverses__order_id",
                output_field=IntegerField(),
            ),
        )
        .order_by("entry__posted_at", "entry_id", "pk")
        .values_list(
            "entry__kind", "entry__posted_at", "is_paid", "order_ref", "amount_fen"
        )
    )
    rows: dict[int, list] = {}  # order id → [first posted, earned, reversed, paid]
    for kind, posted_at, is_paid, order_id, amount in lines.iterator(chunk_size=2000):
        money.pending_fen -= amount
        if is_paid:
            money.paid_fen += amount
            _allocate(rows, amount)
            continue
        if kind == EntryKind.SALE:
            money.earned_fen -= amount
        if order_id is None:
            continue
        row = rows.setdefault(order_id, [posted_at, 0, 0, 0])
        if kind == EntryKind.SALE:
            row[1] -= amount
        else:
            row[2] += amount
    money.reversed_fen = money.earned_fen - money.paid_fen - money.pending_fen
    money.order_count = len(rows)
    allocated = [(row[0], pk, row[1], row[2], row[3]) for pk, row in rows.items()]
    shown = allocated[-ORDERS_SHOWN:][::-1]
    orders = Order.objects.select_related("host_link", "live_session").in_bulk(
        [row[1] for row in shown]
    )
    money.orders = [
        OrderCommission(
            order=orders[order_id],
            first_posted=first,
            earned_fen=earned,
            reversed_fen=reversed_fen,
            paid_fen=paid,
        )
        for first, order_id, earned, reversed_fen, paid in shown
        if order_id in orders
    ]
    return money
