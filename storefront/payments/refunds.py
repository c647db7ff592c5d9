"""Refunds by an operator, through Stripe Refunds."""

from django.db import transaction

from brands.permissions import Action, user_can
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order
from storefront.orders.services import clean_restock, lock_order, order_record_refund
from storefront.orders.status import PAID_STATES

from . import gateway
from .models import PaymentStatus, Refund, RefundStatus


def order_refund(
    *,
    order: Order,
    user,
    amount_fen: int | None = None,
    restock: dict | None = None,
    reason: str = "",
) -> Refund:
    """Refund `amount_fen` (all that remains when None), optionally putting
    units back in stock ({order line id: units}).

    The order row stays locked from the check to the booking, so two
    operators refunding at once can never take back more than was paid.
    The idempotency key is derived from the order's refund position: a retry
    after a lost response reaches Stripe with the same key and is not paid
    out twice."""
    if not user_can(user, Action.REFUND_ORDER, order):
        raise OrderError(OrderErrorCode.PERMISSION_DENIED)
    if amount_fen is not None and (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or amount_fen <= 0
    ):
        raise OrderError(OrderErrorCode.INVALID_AMOUNT, field="amount")
    with transaction.atomic():
        order = lock_order(order)
        if order.status not in PAID_STATES:
            raise OrderError(OrderErrorCode.NOT_PAID, field="order")
        amount = order.refundable_fen if amount_fen is None else amount_fen
        if amount <= 0 or amount > order.refundable_fen:
            raise OrderError(
                OrderErrorCode.REFUND_EXCEEDS_PAID,
                field="amount",
                detail=f"最多 at most {order.refundable_fen}",
            )
        cleaned_restock = clean_restock(order, restock or {})
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
            idempotency_key=f"gongfu-refund-{order.token}-{order.refunded_fen}-{amount}",
        )
        refund.stripe_refund_id = stripe_refund.id
        refund.status = (
            RefundStatus.FAILED
            if stripe_refund.status == "failed"
            else RefundStatus.SUCCEEDED
        )
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
    return refund
