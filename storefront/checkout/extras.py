"""What Saleor's checkout API keeps beside the cart: metadata, a billing
address, the chosen delivery method, the language, and detaching the
customer. Each validates first and changes nothing on error."""

from django.db import transaction
from django.utils import timezone

from .errors import CheckoutError, CheckoutErrorCode
from .models import Checkout
from .services import clean_address

# The one delivery method: every workshop's parcel by courier.
COURIER = "courier"
METADATA_MAX_KEYS = 50
METADATA_MAX_LENGTH = 2000


def _update(checkout: Checkout, **values) -> Checkout:
    values["updated_at"] = timezone.now()
    if not Checkout.objects.filter(pk=checkout.pk).update(**values):
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
    for name, value in values.items():
        setattr(checkout, name, value)
    return checkout


@transaction.atomic
def checkout_metadata_update(*, checkout: Checkout, items: dict[str, str]) -> Checkout:
    """Add or replace keys; Checkout.DoesNotExist once it became an order."""
    locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
    metadata = {**(locked.metadata or {}), **items}
    if len(metadata) > METADATA_MAX_KEYS or any(
        len(k) + len(str(v)) > METADATA_MAX_LENGTH for k, v in items.items()
    ):
        raise CheckoutError(CheckoutErrorCode.NOTE_TOO_LONG, field="input")
    return _update(checkout, metadata=metadata)


def checkout_billing_address_update(*, checkout: Checkout, address: dict) -> Checkout:
    """The same rules as the delivery address (a mainland address)."""
    return _update(checkout, billing_address=clean_address(address))


def checkout_delivery_method_update(*, checkout: Checkout, method: str) -> Checkout:
    return _update(checkout, delivery_method=method)


def checkout_language_update(*, checkout: Checkout, language_code: str) -> Checkout:
    return _update(checkout, language_code=language_code[:10])


def checkout_customer_detach(*, checkout: Checkout) -> Checkout:
    return _update(checkout, user=None)
