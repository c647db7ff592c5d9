"""What Saleor's checkout API keeps beside the cart: metadata, a billing
address, the chosen delivery method, the language, and detaching the
customer. Each validates first and changes nothing on error."""

from django.db import transaction

from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout
from .services import checkout_fields_set, clean_address

# The one delivery method: every workshop's parcel by courier.
COURIER = "courier"
METADATA_MAX_KEYS = 50
METADATA_MAX_LENGTH = 2000


@transaction.atomic
def checkout_metadata_update(*, checkout: Checkout, items: dict[str, str]) -> Checkout:
    """Add or replace keys; Checkout.DoesNotExist once it became an order."""
    locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
    metadata = {**(locked.metadata or {}), **items}
    if len(metadata) > METADATA_MAX_KEYS or any(
        len(k) + len(str(v)) > METADATA_MAX_LENGTH for k, v in items.items()
    ):
        raise CheckoutError(CheckoutErrorCode.NOTE_TOO_LONG, field="input")
    return checkout_fields_set(checkout, metadata=metadata)


def checkout_billing_address_update(*, checkout: Checkout, address: dict) -> Checkout:
    """The same rules as the delivery address (a mainland address)."""
    return checkout_fields_set(checkout, billing_address=clean_address(address))


def checkout_delivery_method_update(*, checkout: Checkout, method: str) -> Checkout:
    return checkout_fields_set(checkout, delivery_method=method)


def checkout_language_update(*, checkout: Checkout, language_code: str) -> Checkout:
    return checkout_fields_set(checkout, language_code=language_code[:10])


def checkout_customer_detach(*, checkout: Checkout) -> Checkout:
    return checkout_fields_set(checkout, user=None)
