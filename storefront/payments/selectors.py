"""Reads about an order's payment that pages and the API share."""

from django.utils import timezone

from storefront.orders.models import Order, OrderEventType, OrderStatus

from .models import PaymentStatus

# Stripe statuses in which a payment may still land on its own.
IN_FLIGHT = frozenset({"processing", "requires_capture", "succeeded"})


def order_is_expired(order: Order) -> bool:
    """Whether the order ran out of time unpaid: released by the expiry (the
    sweep or `order_expire_if_due`), or past its deadline and not yet
    released because Stripe could not be asked. An order whose payment
    Stripe reports in flight is not expired: it is waiting for Stripe."""
    if order.status == OrderStatus.CANCELLED:
        return order.events.filter(type=OrderEventType.RESERVATION_EXPIRED).exists()
    if order.status != OrderStatus.UNPAID:
        return False
    if order.reserved_until is None or order.reserved_until > timezone.now():
        return False
    return not order.payments.filter(
        status=PaymentStatus.PENDING, provider_status__in=IN_FLIGHT
    ).exists()
