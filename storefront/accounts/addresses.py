"""The address book: a shopper's saved delivery addresses, one of them the
default. The fields are checked with the checkout's rules (every field of
AddressFields required and within its length, a province from the list, a
mainland mobile); the checkout checks them again when an order is placed."""

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from storefront.core.address import (
    ADDRESS_FIELDS,
    Province,
    is_mainland_mobile,
    normalise_mobile,
)

from .errors import AccountError, AccountErrorCode
from .models import MAX_ADDRESSES, Address

# Each field's name in its messages, so that empty fields do not all say the
# same thing (the checkout form names them alike).
FIELD_NAMES = {
    "recipient_name": ("收件人", "recipient"),
    "phone": ("手机号", "mobile number"),
    "province": ("省份", "province"),
    "city": ("城市", "city"),
    "district": ("区县", "district or county"),
    "street_address": ("详细地址", "street address"),
    "postal_code": ("邮政编码", "postal code"),
}
_POSTAL_CODE = re.compile(r"^\d{6}$")


def clean_address(data: dict) -> dict:
    """The address fields as saved; AccountError naming the first bad field."""
    cleaned = {}
    for name in ADDRESS_FIELDS:
        value = str(data.get(name) or "").strip()
        if not value:
            raise AccountError(
                AccountErrorCode.ADDRESS_REQUIRED, field=name, detail=FIELD_NAMES[name]
            )
        max_length = Address._meta.get_field(name).max_length
        if len(value) > max_length or "\x00" in value:
            zh, en = FIELD_NAMES[name]
            raise AccountError(
                AccountErrorCode.ADDRESS_INVALID,
                field=name,
                detail=(f"{zh} ≤ {max_length}", f"{en} ≤ {max_length}"),
            )
        cleaned[name] = value
    if cleaned["province"] not in Province.values:
        raise AccountError(
            AccountErrorCode.ADDRESS_INVALID,
            field="province",
            detail=FIELD_NAMES["province"],
        )
    if not is_mainland_mobile(cleaned["phone"]):
        raise AccountError(AccountErrorCode.INVALID_MOBILE, field="phone")
    cleaned["phone"] = normalise_mobile(cleaned["phone"])
    postal_code = str(data.get("postal_code") or "").strip()
    if postal_code and not _POSTAL_CODE.match(postal_code):
        raise AccountError(AccountErrorCode.POSTAL_CODE_INVALID, field="postal_code")
    cleaned["postal_code"] = postal_code
    return cleaned


def addresses_of(user) -> QuerySet[Address]:
    """The default first, then the most recently changed."""
    if not user.is_authenticated:
        return Address.objects.none()
    return Address.objects.filter(user=user)


def address_of(user, address_id) -> Address:
    """The user's own address; Address.DoesNotExist for anyone else's (or
    none), alike, which the pages answer with 404."""
    try:
        address_id = int(address_id)
    except (TypeError, ValueError, OverflowError):
        raise Address.DoesNotExist from None
    return addresses_of(user).get(pk=address_id)


def default_address(user) -> Address | None:
    return addresses_of(user).filter(is_default=True).first()


def _clear_default(user, *, keep_pk=None) -> None:
    Address.objects.filter(user=user, is_default=True).exclude(pk=keep_pk).update(
        is_default=False
    )


@transaction.atomic
def address_create(*, user, data: dict, is_default: bool = False) -> Address:
    """The first address becomes the default whatever was asked."""
    cleaned = clean_address(data)
    # The user's row serialises two adds (the count, the default) per user.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    count = Address.objects.filter(user=user).count()
    if count >= MAX_ADDRESSES:
        raise AccountError(AccountErrorCode.TOO_MANY_ADDRESSES)
    is_default = is_default or count == 0
    if is_default:
        _clear_default(user)
    return Address.objects.create(user=user, is_default=is_default, **cleaned)


@transaction.atomic
def address_update(*, user, address_id, data: dict, is_default: bool = False):
    """Unticking the default does not leave the book without one: only
    choosing another address moves it."""
    cleaned = clean_address(data)
    address = address_of(user, address_id)
    address = Address.objects.select_for_update().get(pk=address.pk)
    for name, value in cleaned.items():
        setattr(address, name, value)
    if is_default and not address.is_default:
        _clear_default(user, keep_pk=address.pk)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_set_default(*, user, address_id) -> Address:
    address = address_of(user, address_id)
    _clear_default(user, keep_pk=address.pk)
    try:
        with transaction.atomic():
            Address.objects.filter(pk=address.pk).update(is_default=True)
    except IntegrityError:
        # Another request made a different address the default meanwhile.
        _clear_default(user, keep_pk=address.pk)
        Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def address_delete(*, user, address_id) -> None:
    """Deleting the default makes the most recently changed one the default."""
    address = address_of(user, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-updated_at").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)


def addresses_delete_all(*, user) -> int:
    """What account deletion does to the book."""
    deleted, _ = Address.objects.filter(user=user).delete()
    return deleted
