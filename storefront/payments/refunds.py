"""Refunds by an operator, through Stripe Refunds."""

from django.db import transaction

from brands.permissions import Action, user_can
from revenue.services import orders_allocate, refund_reverse
from storefront.core.money import format_fen
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderStatus
from storefront.orders.services import clean_restock, lock_order, order_record_refund
from storefront.orders.status import PAID_STATES

from . import gateway
from .models import PaymentStatus, Refund, RefundStatus

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


def _idempotency_key(order: Order, amount: int) -> str:
    """The same key for a retry of the same refund (a lost response rolls
    our transaction back, so nothing below changes), a new one after a
    refund went through or was declined (both are recorded)."""
    failed = order.refunds.filter(status=RefundStatus.FAILED).count()
    return f"gongfu-refund-{order.token}-{order.refunded_fen}-{amount}-{failed}"


def _checked(order: Order, user, amount_fen, restock) -> tuple[int, dict[int, int]]:
    """The amount and restock that may be refunded now, or the OrderError
    that says why not."""
    if not user_can(user, Action.REFUND_ORDER, order):
        raise OrderError(OrderErrorCode.PERMISSION_DENIED)
    if amount_fen is not None and (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or amount_fen <= 0
    ):
        raise OrderError(OrderErrorCode.INVALID_AMOUNT, field="amount")
    if order.status not in PAID_STATES and order.status != OrderStatus.REFUNDED:
        raise OrderError(OrderErrorCode.NOT_PAID, field="order")
    amount = order.refundable_fen if amount_fen is None else amount_fen
    if amount <= 0 or amount > order.refundable_fen:
        most = format_fen(order.refundable_fen)
        raise OrderError(
            OrderErrorCode.REFUND_EXCEEDS_PAID,
            field="amount",
            detail=(f"最多可退 {most}", f"at most {most} remains"),
        )
    return amount, clean_restock(order, restock or {})


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
) -> Refund:
    """Refund `amount_fen` (all that remains when None), optionally putting
    units back in stock ({order line id: units}). With
    `expected_refunded_fen` (what a confirmation page showed as refunded
    already), a refund made meanwhile - the same confirmation sent twice -
    refuses with REFUND_CHANGED instead of paying out again.

    The order row stays locked from the check to the booking, so two
    operators refunding at once can never take back more than was paid.
    The idempotency key is derived from the order's refund position: a retry
    after a lost response reaches Stripe with the same key and is not paid
    out twice."""
    with transaction.atomic():
        order = lock_order(order)
        if (
            expected_refunded_fen is not None
            and order.refunded_fen != expected_refunded_fen
        ):
            raise OrderError(OrderErrorCode.REFUND_CHANGED, field="amount")
        amount, cleaned_restock = _checked(order, user, amount_fen, restock)
        # Split the order now if its task has not yet: whatever could stop the
        # split must stop the refund before Stripe pays anything back.
        orders_allocate(order_ids=[order.pk])
        payment = order.payments.get(status=PaymentStatus.SUCCEEDED)
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount_fen=amount,
            reason=(reason or "")[:200],
            restock={str(k): v for k, v in cleaned_restock.items()},
            created_by=user if user.is_authenticated else None,
        )
        stripe_refund = gateway.create_refund(
            payment_intent_id=payment.payment_intent_id,
            amount_fen=amount,
            metadata={"order_number": order.number, "refund": str(refund.pk)},
            idempotency_key=_idempotency_key(order, amount),
        )
        refund.stripe_refund_id = stripe_refund.id
        refund.status = REFUND_STATUS.get(stripe_refund.status, RefundStatus.PENDING)
        refund.save(update_fields=["stripe_refund_id", "status"])
        if refund.status == RefundStatus.FAILED:
            return refund
        order_record_refund(
            order=order,
            amount_fen=amount,
            restock=cleaned_restock,
            user=user,
            refund_id=stripe_refund.id,
        )
        # The money is gone from the order: its split goes back in proportion,
        # in the same transaction, so the ledger never shows it twice.
        refund_reverse(refund=refund)
    return refund
