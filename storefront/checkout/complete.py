"""What completing a checkout asks of it. The order itself is placed by
storefront.orders.placement, the payment started by
storefront.payments.checkout_complete: layers only point down."""

from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout
from .selectors import CheckoutSummary
from .services import clean_address, is_for_sale


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


def checkout_stock_wanted(summary: CheckoutSummary) -> tuple[dict[int, int], set[int]]:
    """({variant pk: units}, {pks whose stock is counted}) to reserve."""
    wanted: dict[int, int] = {}
    tracked: set[int] = set()
    for priced in summary.lines:
        wanted[priced.variant.pk] = priced.quantity
        if priced.variant.track_inventory:
            tracked.add(priced.variant.pk)
    return wanted, tracked
