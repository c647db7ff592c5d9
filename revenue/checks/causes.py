"""Checks of each entry against its cause: paid orders split once, splits
adding up to paid minus refunded, refunds and payouts booked once for
exactly their amount."""

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from storefront.orders.models import Order
from storefront.payments.models import Refund, RefundStatus

from ..models import (
    AccountKind,
    EntryKind,
    JournalLine,
    Payout,
    PayoutStatus,
    Share,
    ShareRole,
)
from .base import (
    Violation,
    ViolationCode,
    entries_of,
    fen,
    label,
    number_of,
    violation,
)


def sales(limit: int, paid_before) -> list[Violation]:
    """(c) A paid order has exactly one sale entry, an unpaid order none."""
    unsplit = Order.objects.filter(paid_fen__gt=0).exclude(
        Exists(entries_of(EntryKind.SALE, order=OuterRef("pk")))
    )
    if paid_before is not None:
        unsplit = unsplit.filter(paid_at__lt=paid_before)
    found = []
    rows = unsplit.order_by("pk").values_list("pk", "number", "paid_fen")
    for pk, number, paid in rows[: limit + 1]:
        number = number_of(number, pk)
        found.append(
            violation(
                ViolationCode.SALE_MISSING,
                f"订单 {number} 已付 {fen(paid)}，却没有分账凭证",
                f"Order {number} is paid ({fen(paid)}) but has no sale entry",
                order=number,
            )
        )
    twice = (
        entries_of(EntryKind.SALE)
        .values("order_id", "order__number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("order_id")[: limit + 1]
    )
    for row in twice:
        number = number_of(row["order__number"], row["order_id"])
        found.append(
            violation(
                ViolationCode.SALE_DUPLICATED,
                f"订单 {number} 有 {row['n']} 张分账凭证，应只有 1 张",
                f"Order {number} has {row['n']} sale entries, not one",
                order=number,
            )
        )
    unpaid = entries_of(EntryKind.SALE, order__paid_fen=0).order_by("pk")
    for pk, order_id, number in unpaid.values_list("pk", "order_id", "order__number")[
        : limit + 1
    ]:
        number = number_of(number, order_id)
        found.append(
            violation(
                ViolationCode.SALE_UNPAID_ORDER,
                f"订单 {number} 未付款，却有分账凭证 #{pk}",
                f"Order {number} is not paid but has sale entry #{pk}",
                order=number,
                entry=pk,
            )
        )
    return found


def splits(limit: int) -> list[Violation]:
    """(d) A split order's shares (fees aside) add up to what it still holds:
    paid minus refunded."""
    held = (
        Share.objects.filter(order=OuterRef("pk"))
        .exclude(role=ShareRole.FEE)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount_fen"))
        .values("s")
    )
    rows = (
        Order.objects.filter(Exists(entries_of(EntryKind.SALE, order=OuterRef("pk"))))
        .annotate(held=Coalesce(Subquery(held), 0))
        .exclude(held=F("paid_fen") - F("refunded_fen"))
        .order_by("pk")
        .values_list("pk", "number", "held", "paid_fen", "refunded_fen")[: limit + 1]
    )
    found = []
    for pk, number, held_fen, paid, refunded in rows:
        number = number_of(number, pk)
        expected = fen(paid - refunded)
        found.append(
            violation(
                ViolationCode.SPLIT_MISMATCH,
                f"订单 {number} 的分账合计 {fen(held_fen)}，应为已付减已退 {expected}",
                f"The shares of order {number} sum to {fen(held_fen)}, "
                f"not paid − refunded = {expected}",
                order=number,
            )
        )
    return found


def _line_sum(account_filter: Q):
    return Coalesce(
        Subquery(
            JournalLine.objects.filter(account_filter, entry=OuterRef("pk"))
            .order_by()
            .values("entry")
            .annotate(s=Sum("amount_fen"))
            .values("s")
        ),
        0,
    )


def refunds(limit: int) -> list[Violation]:
    """(f) A booked refund (pending or succeeded when it was made; one that
    failed later stays booked) has one refund entry taking exactly its
    amount out of clearing; an order's refund entries add up to its
    refunded amount."""
    missing = (
        Refund.objects.exclude(status=RefundStatus.FAILED)
        .exclude(Exists(entries_of(EntryKind.REFUND, refund=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "order_id", "order__number", "amount_fen")[: limit + 1]
    )
    found = []
    for pk, order_id, number, amount in missing:
        number = number_of(number, order_id)
        found.append(
            violation(
                ViolationCode.REFUND_ENTRY_MISSING,
                f"退款 #{pk}（订单 {number}，{fen(amount)}）没有冲回凭证",
                f"Refund #{pk} (order {number}, {fen(amount)}) has no refund entry",
                refund=pk,
                order=number,
            )
        )
    wrong = (
        entries_of(EntryKind.REFUND)
        .annotate(clearing=_line_sum(Q(account__kind=AccountKind.CLEARING)))
        .filter(
            ~Q(clearing=-F("refund__amount_fen")) | ~Q(order_id=F("refund__order_id"))
        )
        .order_by("pk")
        .values_list(
            "pk", "refund_id", "refund__amount_fen", "clearing", "order__number"
        )[: limit + 1]
    )
    for pk, refund_id, amount, clearing, number in wrong:
        found.append(
            violation(
                ViolationCode.REFUND_ENTRY_AMOUNT,
                f"凭证 #{pk}（订单 {number}）冲回退款 #{refund_id} {fen(amount)}，"
                f"但清算分录为 {fen(clearing)}，或订单不符",
                f"Entry #{pk} (order {number}) books refund #{refund_id} of "
                f"{fen(amount)} but its clearing line is {fen(clearing)}, or its "
                "order differs",
                entry=pk,
                refund=refund_id,
                order=number,
            )
        )
    booked = (
        entries_of(EntryKind.REFUND, order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(s=Sum("refund__amount_fen"))
        .values("s")
    )
    totals = (
        Order.objects.filter(
            Q(refunded_fen__gt=0)
            | Exists(entries_of(EntryKind.REFUND, order=OuterRef("pk")))
        )
        .annotate(booked=Coalesce(Subquery(booked), 0))
        .exclude(booked=F("refunded_fen"))
        .order_by("pk")
        .values_list("pk", "number", "refunded_fen", "booked")[: limit + 1]
    )
    for pk, number, refunded, booked_fen in totals:
        number = number_of(number, pk)
        found.append(
            violation(
                ViolationCode.REFUND_TOTAL_MISMATCH,
                f"订单 {number} 已退 {fen(refunded)}，冲回凭证合计 {fen(booked_fen)}",
                f"Order {number} has refunded {fen(refunded)} but its refund "
                f"entries book {fen(booked_fen)}",
                order=number,
            )
        )
    return found


def payouts(limit: int) -> list[Violation]:
    """(g) A paid payout has one payout entry moving exactly its amount from
    the party's payable to its paid-out account; any other payout, none."""
    has_entry = Exists(entries_of(EntryKind.PAYOUT, payout=OuterRef("pk")))
    found = []
    paid = (
        Payout.objects.filter(status=PayoutStatus.PAID)
        .exclude(has_entry)
        .order_by("pk")
        .values_list("pk", "party__name", "amount_fen")[: limit + 1]
    )
    for pk, name, amount in paid:
        found.append(
            violation(
                ViolationCode.PAYOUT_ENTRY_MISSING,
                f"付款 #{pk}（{name}，{fen(amount)}）已付款，却没有付款凭证",
                f"Payout #{pk} ({name}, {fen(amount)}) is paid but has no payout entry",
                payout=pk,
            )
        )
    unpaid = (
        Payout.objects.exclude(status=PayoutStatus.PAID)
        .filter(has_entry)
        .order_by("pk")
        .values_list("pk", "party__name", "status")[: limit + 1]
    )
    for pk, name, status in unpaid:
        status = label(PayoutStatus, status)
        found.append(
            violation(
                ViolationCode.PAYOUT_ENTRY_UNPAID,
                f"付款 #{pk}（{name}）状态为 {status}，却有付款凭证",
                f"Payout #{pk} ({name}) is {status} but has a payout entry",
                payout=pk,
            )
        )
    party = OuterRef("payout__party_id")
    entries = (
        entries_of(EntryKind.PAYOUT)
        .annotate(
            n=Coalesce(
                Subquery(
                    JournalLine.objects.filter(entry=OuterRef("pk"))
                    .order_by()
                    .values("entry")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            payable=_line_sum(
                Q(account__kind=AccountKind.PAYABLE, account__party_id=party)
            ),
            paid_out=_line_sum(
                Q(account__kind=AccountKind.PAID_OUT, account__party_id=party)
            ),
        )
        .exclude(
            n=2,
            payable=F("payout__amount_fen"),
            paid_out=-F("payout__amount_fen"),
        )
        .order_by("pk")
        .values_list("pk", "payout_id", "payout__amount_fen", "payout__party__name")[
            : limit + 1
        ]
    )
    for pk, payout_id, amount, name in entries:
        found.append(
            violation(
                ViolationCode.PAYOUT_ENTRY_AMOUNT,
                f"凭证 #{pk} 应把付款 #{payout_id} 的 {fen(amount)} 从 {name} "
                "的应付账户转入已付账户，实际不符",
                f"Entry #{pk} should move payout #{payout_id}'s {fen(amount)} from "
                f"{name}'s payable to its paid-out account, and does not",
                entry=pk,
                payout=payout_id,
            )
        )
    return found
