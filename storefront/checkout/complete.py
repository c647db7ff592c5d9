"""Checkout → order → payment, once.

The order and its stock reservation are made in one transaction under the
checkout's row lock, so a double click, a retry, or 20 buyers racing for the
last 5 units can never oversell or make two orders of one cart. The Stripe
PaymentIntent is made after that commit: if Stripe is down, the order waits
with its stock held and "pay" can be pressed again."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from storefront.links.attribution import Attribution, attribution_for_order
from storefront.orders.models import Order
from storefront.orders.services import order_create
from storefront.payments.models import Payment
from storefront.payments.services import payment_start

from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout
from .reservations import stock_reserve
from .selectors import CheckoutSummary, checkout_order_lines, checkout_summary
from .services import clean_address, is_for_sale


@dataclass
class Completed:
    order: Order
    payment: Payment | None


def checkout_validate(checkout: Checkout, summary: CheckoutSummary) -> None:
    if not summary.lines:
        raise CheckoutError(CheckoutErrorCode.EMPTY, field="lines")
    if not checkout.email:
        raise CheckoutError(CheckoutErrorCode.EMAIL_REQUIRED, field="email")
    clean_address(checkout.address_dict())
    for index, priced in enumerate(summary.lines):
        if not is_for_sale(priced.variant):
            raise CheckoutError(
                CheckoutErrorCode.PRODUCT_UNAVAILABLE, field=f"lines.{index}.variant"
            )


def checkout_complete(
    *,
    checkout_token,
    user=None,
    expected_total_fen: int | None = None,
    attribution: Attribution | None = None,
) -> Completed:
    """`expected_total_fen`, when given, is the total the customer saw; if
    prices moved since, nothing is placed and PRICE_CHANGED says so.
    `attribution` is the visitor's last host-link tap; whether it credits
    the host is decided now, as the order is placed. A repeated call returns
    the order as it was placed, whatever tap it brings."""
    try:
        existing = Order.objects.filter(checkout_token=checkout_token).first()
    except (ValidationError, ValueError, TypeError):
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token") from None
    if existing is None:
        existing = _place_order(checkout_token, user, expected_total_fen, attribution)
    order = existing
    payment = payment_start(order=order) if order.status == "unpaid" else None
    return Completed(order=order, payment=payment)


@transaction.atomic
def _place_order(checkout_token, user, expected_total_fen, attribution) -> Order:
    try:
        checkout = Checkout.objects.select_for_update().get(token=checkout_token)
    except (Checkout.DoesNotExist, ValidationError, ValueError, TypeError):
        # Someone else completed it while we waited for the lock.
        order = Order.objects.filter(checkout_token=checkout_token).first()
        if order is not None:
            return order
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token") from None
    summary = checkout_summary(checkout, checkout_order_lines(checkout))
    checkout_validate(checkout, summary)
    if expected_total_fen is not None and expected_total_fen != summary.total_fen:
        raise CheckoutError(CheckoutErrorCode.PRICE_CHANGED, field="total")
    wanted: dict[int, int] = {}
    tracked: set[int] = set()
    for priced in summary.lines:
        wanted[priced.variant.pk] = priced.quantity
        if priced.variant.track_inventory:
            tracked.add(priced.variant.pk)
    stock_reserve(wanted=wanted, tracked=tracked)
    buyer = user if user is not None and user.is_authenticated else checkout.user
    credit = attribution_for_order(attribution, buyer=buyer)
    order = order_create(checkout=checkout, summary=summary, user=user, credit=credit)
    checkout.delete()
    return order
