"""Checkout → order → payment, once: the order is placed (reserved and
written in one transaction), then its PaymentIntent is opened with no
transaction open. If Stripe is down, the order waits with its stock held
and "pay" can be pressed again: the result says so, it does not raise."""

from dataclasses import dataclass

from storefront.core.attribution import Attribution
from storefront.orders.models import Order, OrderStatus
from storefront.orders.placement import order_place

from .errors import PaymentError
from .models import Payment
from .services import payment_start


@dataclass
class CheckoutCompleted:
    order: Order
    # None once the order is paid (or cancelled), or when payment_error says
    # why the PaymentIntent could not be opened.
    payment: Payment | None
    payment_error: PaymentError | None = None


def checkout_complete(
    *,
    checkout_token,
    user=None,
    expected_total_fen: int | None = None,
    attribution: Attribution | None = None,
) -> CheckoutCompleted:
    """Place the order (storefront.orders.placement.order_place: a
    CheckoutError means nothing was placed) and start its payment. A
    repeated call returns the order as it was placed and its live
    PaymentIntent."""
    order = order_place(
        checkout_token=checkout_token,
        user=user,
        expected_total_fen=expected_total_fen,
        attribution=attribution,
    )
    if order.status != OrderStatus.UNPAID:
        return CheckoutCompleted(order=order, payment=None)
    try:
        payment = payment_start(order=order)
    except PaymentError as error:
        return CheckoutCompleted(order=order, payment=None, payment_error=error)
    return CheckoutCompleted(order=order, payment=payment)
