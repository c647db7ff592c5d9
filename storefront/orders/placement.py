"""Checkout → order, once.

The order and its stock reservation are made in one transaction under the
checkout's row lock, so a double click, a retry, or 20 buyers racing for the
last 5 units can never oversell or make two orders of one cart. Nothing
leaves the process here: the payment is started after the commit
(storefront.payments.checkout_complete)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from storefront.catalog.inventory import InsufficientStock, stock_reserve
from storefront.checkout.complete import checkout_stock_wanted, checkout_validate
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode, left_in_stock
from storefront.checkout.models import Checkout
from storefront.checkout.selectors import checkout_order_lines, checkout_summary
from storefront.core import hooks
from storefront.core.attribution import Attribution

from .models import Order
from .services import order_create


def order_place(
    *,
    checkout_token,
    user=None,
    expected_total_fen: int | None = None,
    attribution: Attribution | None = None,
) -> Order:
    """The order of this checkout: placed now, or as it was placed by an
    earlier call (whatever tap or total that call brings).

    `expected_total_fen`, when given, is the total the customer saw; if
    prices moved since, nothing is placed and PRICE_CHANGED says so.
    `attribution` is the visitor's latest host-link tap or live-room visit;
    whether it credits the host (`hooks.order_credit`) is decided now, as
    the order is placed."""
    existing = _placed(checkout_token)
    if existing is not None:
        return existing
    return _place(checkout_token, user, expected_total_fen, attribution)


def _placed(checkout_token) -> Order | None:
    try:
        return Order.objects.filter(checkout_token=checkout_token).first()
    except (ValidationError, ValueError, TypeError):
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token") from None


@transaction.atomic
def _place(checkout_token, user, expected_total_fen, attribution) -> Order:
    try:
        checkout = Checkout.objects.select_for_update().get(token=checkout_token)
    except (Checkout.DoesNotExist, ValidationError, ValueError, TypeError):
        # Someone else completed it while we waited for the lock.
        order = _placed(checkout_token)
        if order is not None:
            return order
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token") from None
    summary = checkout_summary(checkout, checkout_order_lines(checkout))
    checkout_validate(checkout, summary)
    if expected_total_fen is not None and expected_total_fen != summary.total_fen:
        raise CheckoutError(CheckoutErrorCode.PRICE_CHANGED, field="total")
    wanted, tracked = checkout_stock_wanted(summary)
    try:
        stock_reserve(wanted=wanted, tracked=tracked)
    except InsufficientStock as short:
        raise CheckoutError(
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
            detail=left_in_stock(short.available),
        ) from None
    buyer = user if user is not None and user.is_authenticated else checkout.user
    credit = next(
        (
            found
            for found in hooks.order_credit(
                attribution=attribution, buyer=buyer, email=checkout.email
            )
            if found
        ),
        {},
    )
    order = order_create(checkout=checkout, summary=summary, user=user, credit=credit)
    checkout.delete()
    return order
