"""The address book pages (/account/addresses/) and the address tools on the
checkout page: per-field errors in both languages, one default, another
user's address answered with 404, the paste that fills the fields for the
shopper to check, and account deletion emptying the book and the carts."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from storefront.accounts import addresses as book
from storefront.accounts.models import Address
from storefront.checkout.models import Checkout
from tests.factories import make_user
from tests.shop_helpers import VALID_ADDRESS, make_variant

pytestmark = pytest.mark.django_db

BOOK = reverse("account:addresses")
PASTE = reverse("account:address-paste")
CHECKOUT = reverse("web:checkout")
FILL = reverse("web:checkout-address")
PASTED = "王小明 13800138000 浙江省宁波市象山县黄避岙乡高泥村 1 号"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def shopper(client):
    user = make_user("xiaoming", email="xiaoming@example.cn")
    client.force_login(user)
    return user


def _address(user, **changes):
    return book.address_create(user=user, data={**VALID_ADDRESS, **changes})


def test_address_book_needs_sign_in(client):
    assert client.get(BOOK).status_code == 302


def test_add_an_address(client, shopper):
    response = client.post(BOOK, {**VALID_ADDRESS, "postal_code": "202450"})

    assert response.status_code == 302
    address = Address.objects.get(user=shopper)
    assert address.is_default and address.postal_code == "202450"
    page = client.get(response["Location"]).content.decode()
    assert "菜园镇 1 号" in page and "默认" in page


def test_missing_and_invalid_fields_each_say_what_is_wrong(client, shopper):
    response = client.post(
        BOOK,
        {
            **VALID_ADDRESS,
            "recipient_name": "",
            "city": "",
            "phone": "12345",
            "province": "火星",
            "postal_code": "abc",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"recipient_name", "city", "phone", "province"}
    assert "收件人" in errors["recipient_name"][0]
    assert "recipient" in errors["recipient_name"][0]
    assert "城市" in errors["city"][0] and "city" in errors["city"][0]
    assert "手机号" in errors["phone"][0] and "mobile" in errors["phone"][0]
    assert not Address.objects.exists()


def test_bad_postal_code_is_refused_by_the_service(client, shopper):
    response = client.post(BOOK, {**VALID_ADDRESS, "postal_code": "abc"})

    assert response.status_code == 400
    assert "6 位数字" in response.context["form"].errors["postal_code"][0]
    assert not Address.objects.exists()


def test_a_second_default_replaces_the_first(client, shopper):
    first = _address(shopper)

    client.post(BOOK, {**VALID_ADDRESS, "city": "宁波市", "is_default": "on"})

    assert Address.objects.filter(user=shopper, is_default=True).count() == 1
    first.refresh_from_db()
    assert not first.is_default


def test_edit_set_default_and_delete(client, shopper):
    first = _address(shopper)
    second = _address(shopper, recipient_name="李雷")

    edit = reverse("account:address-edit", args=[second.pk])
    assert "李雷" in client.get(edit).content.decode()
    client.post(edit, {**VALID_ADDRESS, "recipient_name": "韩梅梅"})
    client.post(reverse("account:address-default", args=[second.pk]))
    client.post(reverse("account:address-delete", args=[first.pk]))

    assert list(Address.objects.values_list("recipient_name", "is_default")) == [
        ("韩梅梅", True)
    ]


def test_another_users_address_is_404(client, shopper):
    theirs = _address(make_user())

    for name, method in (
        ("account:address-edit", client.get),
        ("account:address-edit", client.post),
        ("account:address-default", client.post),
        ("account:address-delete", client.post),
    ):
        response = method(reverse(name, args=[theirs.pk]), VALID_ADDRESS)
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.recipient_name == "王小明" and theirs.is_default


def test_paste_fills_the_form_without_saving(client, shopper):
    response = client.post(PASTE, {"text": PASTED})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["district"] == "象山县"
    assert form.initial["street_address"] == "黄避岙乡高泥村 1 号"
    assert 'value="13800138000"' in response.content.decode()
    assert not Address.objects.exists()


@pytest.mark.parametrize("text", ["hello world 12345", ""])
def test_paste_that_is_not_an_address_changes_nothing(client, shopper, text):
    _address(shopper)

    response = client.post(PASTE, {"text": text})

    assert response.status_code == 400
    error = response.context["paste_form"].errors["text"][0]
    assert "没能" in error and "No province" in error
    assert Address.objects.count() == 1


@pytest.fixture
def cart(client, shopper):
    variant = make_variant()
    checkout = Checkout.objects.create(user=shopper, email=shopper.email)
    checkout.lines.create(variant=variant, quantity=1)
    return checkout


def test_checkout_preselects_the_default_address(client, shopper, cart):
    _address(shopper, recipient_name="李雷")
    default = _address(shopper, city="宁波市", district="象山县", is_default=True)
    book.address_set_default(user=shopper, address_id=default.pk)

    response = client.get(CHECKOUT)

    form = response.context["form"]
    assert form.initial["city"] == "宁波市" and form.initial["district"] == "象山县"
    assert response.context["chosen_address"] == default.pk
    assert "收货地址簿" in response.content.decode()


def test_checkout_picks_a_saved_address(client, shopper, cart):
    _address(shopper)
    other = _address(shopper, recipient_name="李雷", city="宁波市")

    response = client.post(FILL, {"address": other.pk})

    assert response["Location"] == CHECKOUT
    form = client.get(CHECKOUT).context["form"]
    assert form.initial["recipient_name"] == "李雷"
    assert form.initial["city"] == "宁波市"


def test_checkout_refuses_another_users_address(client, shopper, cart):
    theirs = _address(make_user(), recipient_name="陌生人")

    client.post(FILL, {"address": theirs.pk})

    response = client.get(CHECKOUT)
    assert response.context["form"].initial["recipient_name"] != "陌生人"
    assert "找不到这个地址" in response.content.decode()


def test_checkout_paste_fills_the_fields(client, shopper, cart):
    client.post(FILL, {"text": PASTED})

    form = client.get(CHECKOUT).context["form"]

    assert form.initial["recipient_name"] == "王小明"
    assert form.initial["province"] == "浙江省"
    assert form.initial["street_address"] == "黄避岙乡高泥村 1 号"
    cart.refresh_from_db()
    assert cart.street_address == ""  # nothing saved until the order is placed


def test_checkout_paste_that_is_not_an_address_changes_nothing(client, cart):
    client.post(FILL, {"text": "明天下午三点开会"})

    response = client.get(CHECKOUT)

    assert "没能从这段文字中识别出" in response.content.decode()
    assert response.context["form"].initial["street_address"] == ""


def test_a_guest_checkout_can_paste_but_has_no_book(client):
    variant = make_variant()
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})

    client.post(FILL, {"text": PASTED})
    response = client.get(CHECKOUT)

    assert response.context["saved_addresses"] == []
    assert response.context["form"].initial["district"] == "象山县"


def test_account_deletion_empties_the_book_and_the_carts(client, shopper, cart):
    _address(shopper)

    response = client.post(reverse("account:delete"), {"password": PASSWORD})

    assert response["Location"] == reverse("web:account-deleted")
    assert not Address.objects.exists()
    assert not Checkout.objects.filter(pk=cart.pk).exists()
    assert not get_user_model().objects.get(pk=shopper.pk).is_active
