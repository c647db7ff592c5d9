"""The address paste (cpca, CPU heavy, open to guests at the checkout) is
limited per client address and per signed-in user, counted in the cache
(Redis on PostgreSQL runs), and refuses a text over 200 characters. Over the
limit the page answers 429 and shows why, in Chinese and English."""

import pytest
from django.test import override_settings
from django.urls import reverse

from storefront.checkout.models import Checkout
from tests.factories import make_user
from tests.shop_helpers import make_variant

pytestmark = pytest.mark.django_db

BOOK_PASTE = reverse("account:address-paste")
CHECKOUT = reverse("web:checkout")
FILL = reverse("web:checkout-address")
PASTED = "王小明 13800138000 浙江省宁波市象山县黄避岙乡高泥村 1 号"
TOO_OFTEN = ("识别地址的次数太多", "Too many address pastes")
TOO_LONG = ("粘贴的文字太长（最多 200 字）", "200 characters at most")


def _guest_cart(client):
    variant = make_variant()
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})


@override_settings(ADDRESS_PASTE_RATE_PER_IP="3/10m")
def test_a_guest_over_the_rate_gets_429_on_the_checkout_page(client):
    _guest_cart(client)
    for _ in range(3):
        assert client.post(FILL, {"text": PASTED})["Location"] == CHECKOUT
        assert client.get(CHECKOUT).context["form"].initial["district"] == "象山县"

    response = client.post(FILL, {"text": PASTED.replace("象山县", "宁海县")})

    assert response.status_code == 429
    page = response.content.decode()
    assert all(part in page for part in TOO_OFTEN)
    assert response.context["form"].initial["district"] != "宁海县"
    # The message was shown once, not kept for the next visit.
    assert TOO_OFTEN[0] not in client.get(CHECKOUT).content.decode()


@override_settings(ADDRESS_PASTE_RATE_PER_IP="2/10m")
def test_the_limit_is_per_client_address(client):
    _guest_cart(client)
    for _ in range(2):
        client.post(FILL, {"text": PASTED}, REMOTE_ADDR="203.0.113.7")
    assert (
        client.post(FILL, {"text": PASTED}, REMOTE_ADDR="203.0.113.7").status_code
        == 429
    )

    other = client.post(FILL, {"text": PASTED}, REMOTE_ADDR="198.51.100.20")

    assert other.status_code == 302


@override_settings(ADDRESS_PASTE_RATE_PER_IP="2/10m", TRUSTED_PROXY_COUNT=1)
def test_a_forged_forwarded_for_does_not_buy_fresh_counts(client):
    """Behind one proxy of ours only the entry it appended counts: what the
    client wrote to the left of it is ignored."""
    _guest_cart(client)
    for forged in ("10.0.0.1", "10.0.0.2"):
        client.post(
            FILL,
            {"text": PASTED},
            HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7",
        )

    response = client.post(
        FILL, {"text": PASTED}, HTTP_X_FORWARDED_FOR="10.0.0.3, 203.0.113.7"
    )

    assert response.status_code == 429


@override_settings(
    ADDRESS_PASTE_RATE_PER_IP="100/10m", ADDRESS_PASTE_RATE_PER_USER="2/10m"
)
def test_a_signed_in_user_is_limited_whatever_the_address(client):
    client.force_login(make_user("xiaoming", email="xiaoming@example.cn"))
    for address in ("203.0.113.1", "203.0.113.2"):
        assert (
            client.post(BOOK_PASTE, {"text": PASTED}, REMOTE_ADDR=address).status_code
            == 200
        )

    response = client.post(BOOK_PASTE, {"text": PASTED}, REMOTE_ADDR="203.0.113.3")

    assert response.status_code == 429
    error = response.context["paste_form"].errors["text"]
    assert len(error) == 1 and all(part in error[0] for part in TOO_OFTEN)
    assert all(part in response.content.decode() for part in TOO_OFTEN)
    assert "pasted" not in response.context or not response.context["pasted"]


@override_settings(ADDRESS_PASTE_RATE_PER_IP="2/10m")
def test_the_limit_holds_across_book_and_checkout(client):
    """One count per client for both places the paste is offered."""
    user = make_user("lilei", email="lilei@example.cn")
    client.force_login(user)
    checkout = Checkout.objects.create(user=user, email=user.email)
    checkout.lines.create(variant=make_variant(), quantity=1)
    client.post(BOOK_PASTE, {"text": PASTED})
    client.post(FILL, {"text": PASTED})

    assert client.post(BOOK_PASTE, {"text": PASTED}).status_code == 429
    assert client.post(FILL, {"text": PASTED}).status_code == 429


def test_a_paste_over_200_characters_is_refused_with_its_own_message(client):
    client.force_login(make_user("hanmeimei", email="hmm@example.cn"))
    long_text = PASTED.ljust(201, "号")

    response = client.post(BOOK_PASTE, {"text": long_text})

    assert response.status_code == 400
    error = response.context["paste_form"].errors["text"][0]
    assert all(part in error for part in TOO_LONG)
    assert response.context["form"].initial == {}
    assert client.post(BOOK_PASTE, {"text": PASTED.ljust(200, "号")}).status_code == 200


def test_a_long_paste_at_the_checkout_says_it_is_too_long(client):
    _guest_cart(client)

    client.post(FILL, {"text": PASTED.ljust(201, "号")})
    response = client.get(CHECKOUT)

    assert all(part in response.content.decode() for part in TOO_LONG)
    assert response.context["form"].initial["district"] == ""
