from celery import shared_task
from django.utils import timezone

from storefront.orders.errors import OrderError
from storefront.orders.models import Order, OrderStatus
from storefront.payments.errors import PaymentError
from storefront.payments.services import order_cancel_unpaid


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
