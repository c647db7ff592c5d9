"""Cart services: lines, quantities, availability, contact and address.

Every refusal is a CheckoutError with a code and a field, and leaves the
database exactly as it was."""

import pytest

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.checkout.services import (
    checkout_attach_to_user,
    checkout_create,
    checkout_email_update,
    checkout_lines_add,
    checkout_lines_delete,
    checkout_lines_update,
    checkout_note_update,
    checkout_shipping_address_update,
)
from storefront.core.address import ADDRESS_FIELDS
from tests.factories import make_user
from tests.shop_helpers import VALID_ADDRESS, make_variant, set_stock

pytestmark = pytest.mark.django_db


def lines_of(checkout) -> dict[int, int]:
    return dict(
        CheckoutLine.objects.filter(checkout=checkout).values_list(
            "variant_id", "quantity"
        )
    )


@pytest.fixture
def cart():
    return checkout_create(email="buyer@example.com")


@pytest.fixture
def variant():
    return make_variant(1280, 10)


# --- adding, updating and removing lines ---------------------------------


def test_adding_lines_creates_them_and_adding_again_adds_up(cart, variant):
    other = make_variant(500, 3)
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 2), (other.pk, "1")])
    assert lines_of(cart) == {variant.pk: 2, other.pk: 1}

    checkout_lines_add(checkout=cart, lines=[(variant.pk, 3), (variant.pk, 1)])
    assert lines_of(cart) == {variant.pk: 6, other.pk: 1}
    assert CheckoutLine.objects.filter(checkout=cart).count() == 2


def test_update_sets_the_quantity_and_zero_removes_the_line(cart, variant):
    other = make_variant(500, 3)
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 2), (other.pk, 1)])

    checkout_lines_update(checkout=cart, lines=[(variant.pk, 7), (other.pk, 0)])

    assert lines_of(cart) == {variant.pk: 7}


def test_lowering_a_quantity_is_allowed_even_when_sold_out(cart, variant):
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 4)])
    set_stock(variant, reserved=10)

    checkout_lines_update(checkout=cart, lines=[(variant.pk, 2)])
    assert lines_of(cart) == {variant.pk: 2}

    with pytest.raises(CheckoutError) as caught:
        checkout_lines_update(checkout=cart, lines=[(variant.pk, 3)])
    assert caught.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    assert lines_of(cart) == {variant.pk: 2}


def test_updating_a_line_not_in_the_cart_is_refused(cart, variant):
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 2)])
    stranger = make_variant()
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_update(checkout=cart, lines=[(variant.pk, 5), (stranger.pk, 1)])
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.LINE_NOT_FOUND,
        "lines.1.variant",
    )
    assert lines_of(cart) == {variant.pk: 2}


def test_delete_removes_lines(cart, variant):
    other = make_variant()
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 2), (other.pk, 1)])

    checkout_lines_delete(checkout=cart, variant_ids=[str(other.pk)])

    assert lines_of(cart) == {variant.pk: 2}


@pytest.mark.parametrize("bad_id", ["abc", None, 0])
def test_deleting_an_unknown_line_deletes_nothing(cart, variant, bad_id):
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 2)])
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_delete(checkout=cart, variant_ids=[variant.pk, bad_id])
    assert caught.value.code == CheckoutErrorCode.LINE_NOT_FOUND
    assert lines_of(cart) == {variant.pk: 2}


# --- quantities ---------------------------------------------------------------

BAD_QUANTITIES = [
    (-1, CheckoutErrorCode.INVALID_QUANTITY),
    (0, CheckoutErrorCode.INVALID_QUANTITY),
    (1000, CheckoutErrorCode.QUANTITY_TOO_LARGE),
    (10**12, CheckoutErrorCode.QUANTITY_TOO_LARGE),
    (2.5, CheckoutErrorCode.INVALID_QUANTITY),
    (2.0, CheckoutErrorCode.INVALID_QUANTITY),
    ("2.0", CheckoutErrorCode.INVALID_QUANTITY),
    ("abc", CheckoutErrorCode.INVALID_QUANTITY),
    ("-1", CheckoutErrorCode.INVALID_QUANTITY),
    ("", CheckoutErrorCode.INVALID_QUANTITY),
    ("２", CheckoutErrorCode.INVALID_QUANTITY),  # a full-width digit
    (True, CheckoutErrorCode.INVALID_QUANTITY),
    (None, CheckoutErrorCode.INVALID_QUANTITY),
]


@pytest.mark.parametrize(("quantity", "code"), BAD_QUANTITIES)
def test_adding_a_bad_quantity_writes_nothing(cart, quantity, code):
    plenty = make_variant(100, 5000)
    first = make_variant()
    with pytest.raises(CheckoutError) as caught:
        # The good first line must not be written either.
        checkout_lines_add(checkout=cart, lines=[(first.pk, 1), (plenty.pk, quantity)])
    assert caught.value.code == code
    assert caught.value.field == "lines.1.quantity"
    assert not CheckoutLine.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(q, c) for q, c in BAD_QUANTITIES if q not in (0,)],
)
def test_updating_to_a_bad_quantity_changes_nothing(cart, quantity, code):
    plenty = make_variant(100, 5000)
    checkout_lines_add(checkout=cart, lines=[(plenty.pk, 3)])
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_update(checkout=cart, lines=[(plenty.pk, quantity)])
    assert caught.value.code == code
    assert lines_of(cart) == {plenty.pk: 3}


def test_a_line_can_not_grow_past_999(cart):
    plenty = make_variant(100, 5000)
    checkout_lines_add(checkout=cart, lines=[(plenty.pk, 999)])
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(plenty.pk, 1)])
    assert caught.value.code == CheckoutErrorCode.QUANTITY_TOO_LARGE
    assert lines_of(cart) == {plenty.pk: 999}


# --- what may be bought --------------------------------------------------------


def _unpublished():
    return make_variant(published=False)


def _inactive_brand():
    variant = make_variant()
    brand = variant.product.brand
    brand.is_active = False
    brand.save()
    return variant


def _inactive_workshop():
    variant = make_variant()
    workshop = variant.product.workshop
    workshop.is_active = False
    workshop.save()
    return variant


@pytest.mark.parametrize("make", [_unpublished, _inactive_brand, _inactive_workshop])
def test_variants_not_on_sale_cannot_be_added(cart, make):
    variant = make()
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(variant.pk, 1)])
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.PRODUCT_UNAVAILABLE,
        "lines.0.variant",
    )
    assert not CheckoutLine.objects.exists()


@pytest.mark.parametrize("variant_id", [987654321, "abc", None, "1; DROP TABLE"])
def test_unknown_variants_cannot_be_added(cart, variant_id):
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(variant_id, 1)])
    assert caught.value.code == CheckoutErrorCode.PRODUCT_UNAVAILABLE
    assert not CheckoutLine.objects.exists()


def test_a_sold_out_variant_cannot_be_added(cart):
    sold_out = make_variant(1280, 0)
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(sold_out.pk, 1)])
    assert caught.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    assert not CheckoutLine.objects.exists()


def test_units_held_by_unpaid_orders_are_not_available(cart):
    variant = make_variant(1280, 5)
    set_stock(variant, reserved=5)
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(variant.pk, 1)])
    assert caught.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK


def test_more_than_is_in_stock_cannot_be_added(cart, variant):
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 8)])
    with pytest.raises(CheckoutError) as caught:
        checkout_lines_add(checkout=cart, lines=[(variant.pk, 3)])
    assert caught.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    # Carts hold no stock: all 10 are still there, but not 8 + 3.
    assert "only 10 left" in caught.value.message
    assert lines_of(cart) == {variant.pk: 8}


def test_untracked_variants_are_made_to_order(cart):
    variant = make_variant(1280, 0, track_inventory=False)
    checkout_lines_add(checkout=cart, lines=[(variant.pk, 999)])
    assert lines_of(cart) == {variant.pk: 999}


# --- address --------------------------------------------------------------


@pytest.mark.parametrize("field", ADDRESS_FIELDS)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_an_address_missing_a_field_is_refused_naming_it(cart, field, blank):
    address = {**VALID_ADDRESS, field: blank}
    if blank is None:
        del address[field]
    with pytest.raises(CheckoutError) as caught:
        checkout_shipping_address_update(checkout=cart, address=address)
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.ADDRESS_REQUIRED,
        field,
    )
    cart.refresh_from_db()
    assert all(value == "" for value in cart.address_dict().values())


def test_a_valid_address_is_stored(cart):
    checkout_shipping_address_update(
        checkout=cart, address={**VALID_ADDRESS, "city": "  舟山市  "}
    )
    cart.refresh_from_db()
    assert cart.address_dict() == VALID_ADDRESS


def test_a_province_outside_the_list_is_refused(cart):
    with pytest.raises(CheckoutError) as caught:
        checkout_shipping_address_update(
            checkout=cart, address={**VALID_ADDRESS, "province": "Zhejiang"}
        )
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.ADDRESS_INVALID,
        "province",
    )
    cart.refresh_from_db()
    assert cart.province == ""


def test_an_overlong_street_address_is_refused(cart):
    with pytest.raises(CheckoutError) as caught:
        checkout_shipping_address_update(
            checkout=cart, address={**VALID_ADDRESS, "street_address": "路" * 201}
        )
    assert caught.value.code == CheckoutErrorCode.ADDRESS_INVALID
    cart.refresh_from_db()
    assert cart.street_address == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("19912345678", "19912345678"),
    ],
)
def test_mainland_mobiles_are_accepted_and_normalised(cart, typed, stored):
    checkout_shipping_address_update(
        checkout=cart, address={**VALID_ADDRESS, "phone": typed}
    )
    cart.refresh_from_db()
    assert cart.phone == stored


@pytest.mark.parametrize(
    "phone",
    [
        "0571-87654321",  # a Hangzhou landline
        "057187654321",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12345678901",  # no mobile range starts 12
        "+1 415 555 0100",
        "1380013800a",
    ],
)
def test_numbers_that_are_not_mainland_mobiles_are_refused(cart, phone):
    with pytest.raises(CheckoutError) as caught:
        checkout_shipping_address_update(
            checkout=cart, address={**VALID_ADDRESS, "phone": phone}
        )
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.PHONE_INVALID,
        "phone",
    )
    cart.refresh_from_db()
    assert cart.phone == "" and cart.recipient_name == ""


# --- contact and note --------------------------------------------------------


def test_email_is_validated(cart):
    for bad, code in [
        ("not-an-email", CheckoutErrorCode.EMAIL_INVALID),
        ("a@b", CheckoutErrorCode.EMAIL_INVALID),
        ("", CheckoutErrorCode.EMAIL_REQUIRED),
        ("   ", CheckoutErrorCode.EMAIL_REQUIRED),
    ]:
        with pytest.raises(CheckoutError) as caught:
            checkout_email_update(checkout=cart, email=bad)
        assert (caught.value.code, caught.value.field) == (code, "email")
        cart.refresh_from_db()
        assert cart.email == "buyer@example.com"

    checkout_email_update(checkout=cart, email=" new@example.com ")
    cart.refresh_from_db()
    assert cart.email == "new@example.com"


def test_a_bad_email_at_creation_creates_no_cart():
    with pytest.raises(CheckoutError) as caught:
        checkout_create(email="nope")
    assert caught.value.code == CheckoutErrorCode.EMAIL_INVALID
    assert not Checkout.objects.exists()


def test_a_note_of_up_to_200_characters_is_kept(cart):
    checkout_note_update(checkout=cart, note="请" * 200)
    cart.refresh_from_db()
    assert cart.note == "请" * 200

    with pytest.raises(CheckoutError) as caught:
        checkout_note_update(checkout=cart, note="请" * 201)
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.NOTE_TOO_LONG,
        "note",
    )
    cart.refresh_from_db()
    assert cart.note == "请" * 200


# --- the guest cart at sign-in -------------------------------------------------


def test_a_guest_cart_becomes_the_users_when_they_have_none():
    user = make_user(email="member@example.com")
    variant = make_variant()
    guest = checkout_create()
    checkout_lines_add(checkout=guest, lines=[(variant.pk, 2)])

    kept = checkout_attach_to_user(checkout=guest, user=user)

    assert kept.pk == guest.pk
    guest.refresh_from_db()
    assert guest.user == user
    assert guest.email == "member@example.com"
    assert lines_of(guest) == {variant.pk: 2}


def test_a_guest_cart_merges_into_the_users_cart_capped_by_stock():
    user = make_user(email="member@example.com")
    scarce = make_variant(1280, 4)
    other = make_variant(500, 10)
    owned = checkout_create(user=user)
    checkout_lines_add(checkout=owned, lines=[(scarce.pk, 2)])
    guest = checkout_create(email="guest@example.com")
    checkout_lines_add(checkout=guest, lines=[(scarce.pk, 3), (other.pk, 1)])
    checkout_shipping_address_update(checkout=guest, address=VALID_ADDRESS)

    kept = checkout_attach_to_user(checkout=guest, user=user)

    assert kept.pk == owned.pk
    assert not Checkout.objects.filter(pk=guest.pk).exists()
    # 2 + 3 wanted, 4 in stock.
    assert lines_of(owned) == {scarce.pk: 4, other.pk: 1}
    owned.refresh_from_db()
    assert owned.email == "member@example.com"  # the account's wins
    assert owned.address_dict() == VALID_ADDRESS  # gaps are filled
    assert Checkout.objects.filter(user=user).count() == 1


def test_merging_adds_quantities_when_stock_allows():
    user = make_user()
    variant = make_variant(1280, 50)
    owned = checkout_create(user=user)
    checkout_lines_add(checkout=owned, lines=[(variant.pk, 2)])
    guest = checkout_create()
    checkout_lines_add(checkout=guest, lines=[(variant.pk, 3)])

    checkout_attach_to_user(checkout=guest, user=user)

    assert lines_of(owned) == {variant.pk: 5}
