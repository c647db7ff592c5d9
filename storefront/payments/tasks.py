from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from storefront.orders.errors import OrderError
from storefront.orders.models import Order, OrderStatus

from . import gateway
from .errors import PaymentError
from .models import Payment, PaymentStatus
from .refund_emails import refund_email_send, refund_emails_send_unsent
from .refunds import refund_finish_stuck, refunds_stuck
from .services import (
    LATE_REFUNDED,
    late_refunds_owed,
    order_cancel_unpaid,
    payment_refund_late,
    payment_settle,
)

# A payment younger than this is still being paid in the customer's browser.
RECONCILE_AFTER = timedelta(minutes=2)


@shared_task
def reconcile_pending_payments() -> dict:
    """Ask Stripe about every payment still pending, in case a webhook was
    lost; settle what Stripe says. Idempotent: run it as often as you like.
    Late payments whose refund Stripe has not confirmed are refunded again
    (by the same idempotency key) and counted under `late_refunds`; refunds
    whose Stripe answer was never booked are asked again by their key and
    booked, counted under `stuck_refunds`."""
    cutoff = timezone.now() - RECONCILE_AFTER
    ids = list(
        Payment.objects.filter(
            status=PaymentStatus.PENDING, created_at__lt=cutoff
        ).values_list("payment_intent_id", flat=True)[:500]
    )
    outcomes = {"checked": 0, "unreachable": 0}
    for intent_id in ids:
        try:
            intent = gateway.retrieve_payment_intent(intent_id)
        except PaymentError:
            outcomes["unreachable"] += 1
            continue
        payment_settle(intent=intent, source="reconciliation")
        outcomes["checked"] += 1
    owed = list(late_refunds_owed()[:100])
    if owed:
        refunded = sum(payment_refund_late(payment=p) == LATE_REFUNDED for p in owed)
        outcomes["late_refunds"] = {"refunded": refunded, "owed": len(owed) - refunded}
    stuck = list(refunds_stuck()[:100])
    if stuck:
        booked = sum(refund_finish_stuck(refund=r) for r in stuck)
        outcomes["stuck_refunds"] = {"booked": booked, "waiting": len(stuck) - booked}
    return outcomes


@shared_task
def release_expired_reservations() -> dict:
    """Cancel unpaid orders whose reservation ran out and give their stock
    back — unless Stripe says the payment went through meanwhile."""
    released = kept = 0
    due = Order.objects.filter(
        status=OrderStatus.UNPAID, reserved_until__lt=timezone.now()
    ).values_list("pk", flat=True)[:500]
    for order_id in list(due):
        order = Order.objects.filter(pk=order_id, status=OrderStatus.UNPAID).first()
        if order is None:
            continue
        try:
            order_cancel_unpaid(order=order, expired=True)
            released += 1
        except (OrderError, PaymentError):
            kept += 1
    return {"released": released, "kept": kept}


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_refund_email(self, email_id: int) -> bool:
    """The shopper's "refunded" email, once (storefront.payments.refund_emails);
    past its retries, the sweep takes over."""
    try:
        return refund_email_send(email_id=email_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_unsent_refund_emails() -> int:
    """Mail every booked refund whose email is due and was never sent."""
    return refund_emails_send_unsent()
