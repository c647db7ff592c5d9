"""Writes to a cart: lines, contact, address. Keyword-only; each validates and
raises CheckoutError with the field it concerns, changing nothing on error."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from storefront.catalog.models import ProductVariant
from storefront.core.address import (
    ADDRESS_FIELDS,
    Province,
    is_mainland_mobile,
    normalise_mobile,
)

from .errors import CheckoutError, CheckoutErrorCode, left_in_stock
from .models import (
    MAX_LINE_QUANTITY,
    MAX_LINES,
    NOTE_MAX_LENGTH,
    Checkout,
    CheckoutLine,
)


def clean_quantity(value, *, field: str = "quantity", allow_zero: bool = False) -> int:
    """Whole numbers only: '2' and 2 pass; 2.5, '2.0', True, -1 and 'abc' do not."""
    if isinstance(value, bool):
        raise CheckoutError(CheckoutErrorCode.INVALID_QUANTITY, field=field)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii():
            raise CheckoutError(CheckoutErrorCode.INVALID_QUANTITY, field=field)
        value = int(text)
    if not isinstance(value, int):
        raise CheckoutError(CheckoutErrorCode.INVALID_QUANTITY, field=field)
    if value < (0 if allow_zero else 1):
        raise CheckoutError(CheckoutErrorCode.INVALID_QUANTITY, field=field)
    if value > MAX_LINE_QUANTITY:
        raise CheckoutError(CheckoutErrorCode.QUANTITY_TOO_LARGE, field=field)
    return value


def variant_for_sale(variant_id) -> ProductVariant:
    """The variant if a customer may buy it now, else PRODUCT_UNAVAILABLE."""
    try:
        variant = ProductVariant.objects.select_related(
            "product__brand", "product__workshop", "stock"
        ).get(pk=variant_id)
    except (ProductVariant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise CheckoutError(
            CheckoutErrorCode.PRODUCT_UNAVAILABLE, field="variant"
        ) from None
    if not is_for_sale(variant):
        raise CheckoutError(CheckoutErrorCode.PRODUCT_UNAVAILABLE, field="variant")
    return variant


def is_for_sale(variant: ProductVariant) -> bool:
    return variant.product.is_on_sale


def available_quantity(variant: ProductVariant) -> int | None:
    """Units a customer may still take; None when the workshop doesn't count."""
    if not variant.track_inventory:
        return None
    stock = getattr(variant, "stock", None)
    return stock.quantity_available if stock else 0


def _check_stock(variant: ProductVariant, quantity: int, field: str) -> None:
    available = available_quantity(variant)
    if available is None:
        return
    if available <= 0:
        raise CheckoutError(
            CheckoutErrorCode.INSUFFICIENT_STOCK, field=field, detail=left_in_stock(0)
        )
    if quantity > available:
        raise CheckoutError(
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field=field,
            detail=left_in_stock(available),
        )


def checkout_create(
    *, user=None, email: str = "", lines: Iterable[tuple[object, object]] = ()
) -> Checkout:
    """A new cart with its (variant id, quantity) lines. The lines are
    checked before anything is written, so a bad one leaves no cart."""
    checkout = Checkout(user=user if user and user.is_authenticated else None)
    if email:
        checkout.email = _clean_email(email)
    elif checkout.user and checkout.user.email:
        checkout.email = checkout.user.email
    _, new = _lines_plan(checkout, {}, lines)
    with transaction.atomic(savepoint=False):
        checkout.save()
        CheckoutLine.objects.bulk_create(new)
    return checkout


@transaction.atomic
def checkout_lines_add(
    *, checkout: Checkout, lines: Iterable[tuple[object, object]]
) -> Checkout:
    """Add (variant id, quantity) pairs; a variant already in the cart grows."""
    checkout = _locked(checkout)
    existing = {line.variant_id: line for line in checkout.lines.all()}
    grown, new = _lines_plan(checkout, existing, lines)
    for line in grown:
        line.save(update_fields=["quantity"])
    CheckoutLine.objects.bulk_create(new)
    _touch(checkout)
    return checkout


MAX_ID = 2**63 - 1


def variants_for_sale(variant_ids: Iterable[object]) -> dict[int, ProductVariant]:
    """{pk: variant} of those a customer may buy now, in one query; ids that
    name no such variant are left out."""
    pks = set()
    for variant_id in variant_ids:
        try:
            pk = ProductVariant._meta.pk.to_python(variant_id)
        except ValidationError:
            continue
        # No row has an id outside a 64-bit key, and SQLite refuses one in IN.
        if isinstance(pk, int) and 0 < pk <= MAX_ID:
            pks.add(pk)
    found = ProductVariant.objects.select_related(
        "product__brand", "product__workshop", "stock"
    ).filter(pk__in=pks)
    return {variant.pk: variant for variant in found if is_for_sale(variant)}


def _lines_plan(
    checkout: Checkout, existing: dict, lines: Iterable[tuple[object, object]]
) -> tuple[list[CheckoutLine], list[CheckoutLine]]:
    """(existing lines grown, new lines unsaved) for adding `lines`, or the
    CheckoutError of the first bad one, checked in input order."""
    lines = list(lines)
    variants = variants_for_sale(variant_id for variant_id, _ in lines)
    wanted: dict[int, int] = {}
    first_index: dict[int, int] = {}
    for index, (variant_id, quantity) in enumerate(lines):
        field = f"lines.{index}"
        quantity = clean_quantity(quantity, field=f"{field}.quantity")
        try:
            pk = ProductVariant._meta.pk.to_python(variant_id)
        except ValidationError:
            pk = None
        if pk not in variants:
            raise CheckoutError(
                CheckoutErrorCode.PRODUCT_UNAVAILABLE, field=f"{field}.variant"
            )
        first_index.setdefault(pk, index)
        wanted[pk] = wanted.get(pk, 0) + quantity
    if len(set(existing) | set(wanted)) > MAX_LINES:
        raise CheckoutError(CheckoutErrorCode.TOO_MANY_LINES, field="lines")
    grown, new = [], []
    for variant_id, quantity in wanted.items():
        line = existing.get(variant_id)
        total = quantity + (line.quantity if line else 0)
        field = f"lines.{first_index[variant_id]}.quantity"
        total = clean_quantity(total, field=field)
        _check_stock(variants[variant_id], total, field)
        if line:
            line.quantity = total
            grown.append(line)
        else:
            new.append(
                CheckoutLine(checkout=checkout, variant_id=variant_id, quantity=total)
            )
    return grown, new


@transaction.atomic
def checkout_lines_update(
    *, checkout: Checkout, lines: Iterable[tuple[object, object]]
) -> Checkout:
    """Set (variant id, quantity) pairs; quantity 0 removes the line."""
    checkout = _locked(checkout)
    existing = {line.variant_id: line for line in checkout.lines.all()}
    for index, (variant_id, quantity) in enumerate(lines):
        field = f"lines.{index}"
        quantity = clean_quantity(quantity, field=f"{field}.quantity", allow_zero=True)
        try:
            line = existing[int(variant_id)]
        except (KeyError, ValueError, TypeError):
            raise CheckoutError(
                CheckoutErrorCode.LINE_NOT_FOUND, field=f"{field}.variant"
            ) from None
        if quantity == 0:
            line.delete()
            continue
        if quantity > line.quantity:
            # Lowering a quantity is always allowed, even for a sold-out item.
            _check_stock(
                variant_for_sale(line.variant_id), quantity, f"{field}.quantity"
            )
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    _touch(checkout)
    return checkout


@transaction.atomic
def checkout_lines_delete(
    *, checkout: Checkout, variant_ids: Iterable[object]
) -> Checkout:
    checkout = _locked(checkout)
    existing = {line.variant_id: line for line in checkout.lines.all()}
    doomed = []
    for index, variant_id in enumerate(variant_ids):
        try:
            doomed.append(existing[int(variant_id)])
        except (KeyError, ValueError, TypeError):
            raise CheckoutError(
                CheckoutErrorCode.LINE_NOT_FOUND, field=f"variantIds.{index}"
            ) from None
    for line in doomed:
        line.delete()
    _touch(checkout)
    return checkout


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise CheckoutError(CheckoutErrorCode.EMAIL_REQUIRED, field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise CheckoutError(CheckoutErrorCode.EMAIL_INVALID, field="email") from None
    return email


def checkout_email_update(*, checkout: Checkout, email: str) -> Checkout:
    return checkout_fields_set(checkout, email=_clean_email(email))


def clean_address(data: dict) -> dict[str, str]:
    """Every field required, the province from the list, a mainland mobile."""
    cleaned = {}
    for name in ADDRESS_FIELDS:
        value = str(data.get(name) or "").strip()
        if not value:
            raise CheckoutError(CheckoutErrorCode.ADDRESS_REQUIRED, field=name)
        max_length = Checkout._meta.get_field(name).max_length
        if len(value) > max_length:
            raise CheckoutError(
                CheckoutErrorCode.ADDRESS_INVALID, field=name, detail=f"≤ {max_length}"
            )
        cleaned[name] = value
    if cleaned["province"] not in Province.values:
        raise CheckoutError(CheckoutErrorCode.ADDRESS_INVALID, field="province")
    if not is_mainland_mobile(cleaned["phone"]):
        raise CheckoutError(CheckoutErrorCode.PHONE_INVALID, field="phone")
    cleaned["phone"] = normalise_mobile(cleaned["phone"])
    return cleaned


def checkout_shipping_address_update(*, checkout: Checkout, address: dict) -> Checkout:
    return checkout_fields_set(checkout, **clean_address(address))


def checkout_note_update(*, checkout: Checkout, note: str) -> Checkout:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise CheckoutError(CheckoutErrorCode.NOTE_TOO_LONG, field="note")
    return checkout_fields_set(checkout, note=note)


def checkout_fields_set(checkout: Checkout, **values) -> Checkout:
    """One UPDATE of already-validated fields; NOT_FOUND if the cart became
    an order meanwhile (no row left to update)."""
    values["updated_at"] = timezone.now()
    if not Checkout.objects.filter(pk=checkout.pk).update(**values):
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
    for name, value in values.items():
        setattr(checkout, name, value)
    return checkout


@transaction.atomic
def checkout_attach_to_user(*, checkout: Checkout, user) -> Checkout:
    """At sign-in the guest cart joins the account's cart: quantities of the
    same variant add up (capped by what is in stock), details fill gaps."""
    owned = (
        Checkout.objects.select_for_update()
        .filter(user=user)
        .exclude(pk=checkout.pk)
        .order_by("-updated_at")
        .first()
    )
    if owned is None:
        checkout.user = user
        if not checkout.email:
            checkout.email = user.email or ""
        checkout.save(update_fields=["user", "email", "updated_at"])
        return checkout
    kept = {
        line.variant_id: line for line in owned.lines.select_related("variant__stock")
    }
    for line in checkout.lines.select_related("variant__stock"):
        target = kept.get(line.variant_id)
        if target is None:
            if len(kept) < MAX_LINES:
                line.checkout = owned
                line.save(update_fields=["checkout"])
                kept[line.variant_id] = line
            continue
        total = min(target.quantity + line.quantity, MAX_LINE_QUANTITY)
        available = available_quantity(line.variant)
        if available is not None:
            total = max(min(total, available), target.quantity)
        target.quantity = total
        target.save(update_fields=["quantity"])
    for name in ("email", "note", *ADDRESS_FIELDS):
        if not getattr(owned, name) and getattr(checkout, name):
            setattr(owned, name, getattr(checkout, name))
    owned.save()
    checkout.delete()
    return owned


def checkouts_delete_of_user(*, user) -> int:
    """A deleted account's carts, with the email, address and note they hold
    (PIPL). Carts reserve no stock, so nothing else has to be undone."""
    deleted, _ = Checkout.objects.filter(user=user).delete()
    return deleted


def _locked(checkout: Checkout) -> Checkout:
    """The checkout's row, locked; NOT_FOUND once it has become an order."""
    locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
    if locked is None:
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
    return locked


def _touch(checkout: Checkout) -> None:
    checkout.save(update_fields=["updated_at"])
