"""Refunds by an operator, through Stripe Refunds.

Three steps, so that Stripe is never waited for under the order's lock:
a pending Refund row is committed under the lock (it counts against what
may still be refunded at once), Stripe is asked with no transaction open,
and the answer is booked in a second transaction."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from brands.permissions import Action, user_can
from storefront.core import hooks
from storefront.core.money import format_fen
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderStatus
from storefront.orders.services import clean_restock, lock_order, order_record_refund
from storefront.orders.status import PAID_STATES

from . import gateway
from .errors import PaymentError
from .models import PaymentStatus, Refund, RefundStatus
from .refund_emails import refund_email_schedule

log = logging.getLogger(__name__)

# Stripe's refund statuses. A pending refund is booked at once: Stripe has
# accepted it, and counting it keeps a second refund from exceeding the paid
# amount. Should it fail later, Stripe's refund.failed event marks it.
REFUND_STATUS = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}


def _in_flight(order: Order) -> tuple[int, dict[int, int]]:
    """What refunds asked of Stripe but not yet answered hold: their amount
    and {order line id: units} to restock."""
    rows = order.refunds.filter(
        status=RefundStatus.PENDING, stripe_refund_id__isnull=True
    ).values_list("amount_fen", "restock")
    amount = 0
    units: dict[int, int] = {}
    for row_amount, restock in rows:
        amount += row_amount
        for line_id, qty in (restock or {}).items():
            units[int(line_id)] = units.get(int(line_id), 0) + qty
    return amount, units


def _idempotency_key(order: Order, amount: int) -> str:
    """The key the next refund of `amount` is sent to Stripe with, stored on
    its row. The same for a retry of the same refund (a request Stripe did
    not answer leaves no row behind), a new one after a refund went through
    or was declined (both are recorded), or while another is in flight."""
    held, _ = _in_flight(order)
    failed = order.refunds.filter(status=RefundStatus.FAILED).count()
    key = f"gongfu-refund-{order.token}-{order.refunded_fen + held}-{amount}-{failed}"
    taken = set(
        Refund.objects.filter(idempotency_key__startswith=key).values_list(
            "idempotency_key", flat=True
        )
    )
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}-{n}"
    return candidate


def _checked(
    order: Order, user, amount_fen, restock, authority=None
) -> tuple[int, dict[int, int]]:
    """The amount and restock that may be refunded now, or the OrderError
    that says why not. Refunds in flight count as refunded."""
    if authority is not None and getattr(authority, "order_id", None) != order.pk:
        raise OrderError(OrderErrorCode.PERMISSION_DENIED)
    if not user_can(user, Action.REFUND_ORDER, authority or order):
        raise OrderError(OrderErrorCode.PERMISSION_DENIED)
    if amount_fen is not None and (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or amount_fen <= 0
    ):
        raise OrderError(OrderErrorCode.INVALID_AMOUNT, field="amount")
    if order.status not in PAID_STATES and order.status != OrderStatus.REFUNDED:
        raise OrderError(OrderErrorCode.NOT_PAID, field="order")
    held, held_units = _in_flight(order)
    refundable = order.refundable_fen - held
    amount = refundable if amount_fen is None else amount_fen
    if amount <= 0 or amount > refundable:
        most = format_fen(max(refundable, 0))
        raise OrderError(
            OrderErrorCode.REFUND_EXCEEDS_PAID,
            field="amount",
            detail=(f"最多可退 {most}", f"at most {most} remains"),
        )
    cleaned = clean_restock(order, restock or {})
    if held_units:
        lines = {line.pk: line for line in order.lines.filter(pk__in=cleaned)}
        for line_id, units in cleaned.items():
            line = lines[line_id]
            left = line.quantity - line.quantity_restocked - held_units.get(line_id, 0)
            if units > left:
                raise OrderError(OrderErrorCode.INVALID_RESTOCK, field="restock")
    return amount, cleaned


def refunded_so_far(order: Order) -> int:
    """Booked and in flight: what a confirmation page showed as refunded is
    compared with this."""
    held, _ = _in_flight(order)
    return order.refunded_fen + held


def order_refund_check(
    *, order: Order, user, amount_fen: int | None = None, restock: dict | None = None
) -> int:
    """What `order_refund` would refund with these arguments right now (for
    a confirmation page), or the OrderError it would refuse with. Changes
    nothing; `order_refund` checks again under the order's lock."""
    amount, _ = _checked(order, user, amount_fen, restock)
    return amount


def order_refund(
    *,
    order: Order,
    user,
    amount_fen: int | None = None,
    restock: dict | None = None,
    reason: str = "",
    expected_refunded_fen: int | None = None,
    authority=None,
    notify_shopper: bool = True,
) -> Refund:
    """Refund `amount_fen` (all that remains when None), optionally putting
    units back in stock ({order line id: units}). `authority` is what the
    refund is made for when not an operator's own say-so (an approved
    after-sales request of this order, a `Scoped` object naming who may
    refund it). With
    `expected_refunded_fen` (what a confirmation page showed as refunded
    already), a refund made meanwhile - the same confirmation sent twice -
    refuses with REFUND_CHANGED instead of paying out again.

    The pending row is committed under the order's lock before Stripe is
    asked, so two operators refunding at once can never take back more than
    was paid. Its idempotency key goes to Stripe: a retry after a lost
    response reaches Stripe with the same key and is not paid out twice.
    The shopper is mailed once the refund is booked, unless `notify_shopper`
    is False (a flow that tells them itself, as after-sales does)."""
    refund = _refund_open(
        order=order,
        user=user,
        amount_fen=amount_fen,
        restock=restock,
        reason=reason,
        expected_refunded_fen=expected_refunded_fen,
        authority=authority,
        notify_shopper=notify_shopper,
    )
    try:
        # Whatever would stop the order's split must stop the refund before
        # Stripe pays anything back (revenue splits it now if not yet).
        hooks.order_refunding(order=refund.order)
        stripe_refund = _ask_stripe(refund)
    except Exception:
        # No answer, a refusal, or a split that cannot be made: nothing is
        # booked and the amount is free again; a retry gets the same key, so
        # Stripe replays a refund it made without telling us instead of
        # paying twice.
        Refund.objects.filter(pk=refund.pk, stripe_refund_id__isnull=True).delete()
        raise
    return _refund_settle(refund=refund, stripe_refund=stripe_refund, user=user)


@transaction.atomic
def _refund_open(
    *,
    order,
    user,
    amount_fen,
    restock,
    reason,
    expected_refunded_fen,
    authority,
    notify_shopper,
) -> Refund:
    order = lock_order(order)
    if (
        expected_refunded_fen is not None
        and refunded_so_far(order) != expected_refunded_fen
    ):
        raise OrderError(OrderErrorCode.REFUND_CHANGED, field="amount")
    amount, cleaned_restock = _checked(order, user, amount_fen, restock, authority)
    payment = order.payments.get(status=PaymentStatus.SUCCEEDED)
    return Refund.objects.create(
        order=order,
        payment=payment,
        amount_fen=amount,
        reason=(reason or "")[:200],
        restock={str(k): v for k, v in cleaned_restock.items()},
        created_by=user if user.is_authenticated else None,
        idempotency_key=_idempotency_key(order, amount),
        notify_shopper=notify_shopper,
    )


def _ask_stripe(refund: Refund):
    # Only what the key stands for goes with it: Stripe refuses a key sent
    # again with different parameters, and a retry's row has a new pk.
    return gateway.create_refund(
        payment_intent_id=refund.payment.payment_intent_id,
        amount_fen=refund.amount_fen,
        metadata={
            "order_number": refund.order.number,
            "refund": refund.idempotency_key,
        },
        idempotency_key=refund.idempotency_key,
    )


# Longer than a refund request may take with Stripe's retries, so the sweep
# never races the request that opened the row.
STUCK_AFTER = timedelta(minutes=10)


def refunds_stuck():
    """Refunds whose row was committed but whose answer from Stripe was never
    booked (the process died, or booking failed, in between): they still
    hold their amount."""
    return Refund.objects.filter(
        status=RefundStatus.PENDING,
        stripe_refund_id__isnull=True,
        created_at__lt=timezone.now() - STUCK_AFTER,
    ).select_related("order", "payment", "created_by")


def refund_finish_stuck(*, refund: Refund) -> bool:
    """Ask Stripe again with the row's own key (a replay if Stripe made the
    refund, the refund the operator asked for if it never arrived) and book
    the answer. False, changing nothing, when Stripe cannot be reached."""
    try:
        stripe_refund = _ask_stripe(refund)
    except PaymentError as error:
        log.warning("refund %s still unanswered by Stripe: %s", refund.pk, error)
        return False
    _refund_settle(refund=refund, stripe_refund=stripe_refund, user=refund.created_by)
    return True


@transaction.atomic
def _refund_settle(*, refund: Refund, stripe_refund, user) -> Refund:
    order = lock_order(refund.order)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.stripe_refund_id:
        # Booked already, by the request or by the sweep.
        return refund
    refund.order = order
    refund.stripe_refund_id = stripe_refund.id
    refund.status = REFUND_STATUS.get(stripe_refund.status, RefundStatus.PENDING)
    refund.save(update_fields=["stripe_refund_id", "status"])
    if refund.status == RefundStatus.FAILED:
        return refund
    order_record_refund(
        order=order,
        amount_fen=refund.amount_fen,
        restock={int(k): v for k, v in refund.restock.items()},
        user=user,
        refund_id=stripe_refund.id,
    )
    # The money is gone from the order: its split goes back in proportion,
    # in the same transaction, so the ledger never shows it twice.
    hooks.refund_booked(refund=refund)
    refund_email_schedule(refund=refund)
    return refund
