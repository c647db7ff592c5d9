"""Product pages are cached whole for anonymous visitors, yet each visitor's
add-to-cart form carries their own CSRF token: the stored copy holds a
placeholder, filled with get_token(request) on every hit and miss."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from storefront.checkout.models import Checkout, CheckoutLine
from storefront.web.page_cache import csrf_placeholder, page_for_cache, page_key
from tests.shop_helpers import make_variant

pytestmark = pytest.mark.django_db

ADD = reverse("web:cart-add")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def token_in(response) -> str:
    tokens = set(TOKEN.findall(response.content.decode()))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def without_token(response) -> str:
    return TOKEN.sub("", response.content.decode())


def stored_page(url, cart_count=0) -> bytes:
    key = page_key(
        language="zh-hans", host="testserver", path=url, cart_count=cart_count
    )
    return cache.get(key)


@pytest.fixture
def variant():
    return make_variant(1280, 10, name="象山活黄鱼")


@pytest.fixture
def url(variant):
    return reverse("web:product", args=[variant.product.slug])


def test_two_visitors_of_one_cached_page_each_get_their_own_token(variant, url):
    alice = Client(enforce_csrf_checks=True)
    bob = Client(enforce_csrf_checks=True)

    first = alice.get(url)
    second = bob.get(url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    alice_token, bob_token = token_in(first), token_in(second)
    assert alice_token != bob_token
    # The hit set Bob's CSRF cookie, as the miss set Alice's.
    assert second.cookies["csrftoken"].value
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # Apart from the token the pages are the same page.
    assert without_token(first) == without_token(second)

    for visitor, token in ((alice, alice_token), (bob, bob_token)):
        response = visitor.post(
            ADD, {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302, response.content[:300]
    assert Checkout.objects.count() == 2
    assert list(CheckoutLine.objects.values_list("quantity", flat=True)) == [1, 1]


def test_the_stored_page_holds_a_placeholder_and_no_ones_token(url):
    alice = Client(enforce_csrf_checks=True)
    token = token_in(alice.get(url))
    bob_token = token_in(Client(enforce_csrf_checks=True).get(url))

    stored = stored_page(url)

    assert stored is not None
    assert csrf_placeholder() in stored
    assert token.encode() not in stored and bob_token.encode() not in stored
    assert b"csrfmiddlewaretoken" in stored


def test_a_post_without_a_token_is_refused(variant, url):
    carol = Client(enforce_csrf_checks=True)
    assert carol.get(url)["X-Page-Cache"] == "miss"

    response = carol.post(ADD, {"variant": variant.pk, "quantity": 1})

    assert response.status_code == 403
    assert not Checkout.objects.exists()


def test_someone_elses_token_is_refused(variant, url):
    alice = Client(enforce_csrf_checks=True)
    mallory = Client(enforce_csrf_checks=True)
    alice_token = token_in(alice.get(url))
    mallory.get(url)

    response = mallory.post(
        ADD, {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": alice_token}
    )

    assert response.status_code == 403
    assert not Checkout.objects.exists()


def test_a_placeholder_is_not_a_token(variant, url):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(url)

    response = visitor.post(
        ADD,
        {
            "variant": variant.pk,
            "quantity": 1,
            "csrfmiddlewaretoken": csrf_placeholder().decode(),
        },
    )

    assert response.status_code == 403


def test_no_ones_cart_shows_on_anothers_cached_page(variant, url):
    """The header's cart count is part of the key: Alice sees her 3 items,
    Bob (an empty cart) the copy stored before Alice added anything."""
    alice = Client(enforce_csrf_checks=True)
    bob = Client(enforce_csrf_checks=True)
    token = token_in(alice.get(url))
    alice.post(
        ADD, {"variant": variant.pk, "quantity": 3, "csrfmiddlewaretoken": token}
    )

    for_alice = alice.get(url)
    for_bob = bob.get(url)

    assert for_alice["X-Page-Cache"] == "miss" and for_bob["X-Page-Cache"] == "hit"
    assert alice.get(url)["X-Page-Cache"] == "hit"
    cart = reverse("web:cart")

    def header(response):
        html = response.content.decode()
        return re.search(r'<header class="site-header">.*?</header>', html, re.S)[0]

    assert f'<a class="link-button cart-link" href="{cart}">购物车</a>' in header(
        for_bob
    )
    assert '<span class="cart-count">3<' in header(for_alice)
    assert stored_page(url, cart_count=3) is not None


def test_pages_without_a_form_set_no_cookie_on_a_hit(variant):
    client = Client(enforce_csrf_checks=True)
    home = reverse("web:home")
    client.get(home)

    response = client.get(home)

    assert response["X-Page-Cache"] == "hit"
    assert "csrftoken" not in response.cookies
    assert csrf_placeholder() not in stored_page(home)


def test_signed_in_visitors_get_a_fresh_page_with_their_token(variant, url):
    from tests.factories import make_user

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())

    response = client.get(url)

    assert "X-Page-Cache" not in response
    token = token_in(response)
    response = client.post(
        ADD, {"variant": variant.pk, "quantity": 1, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_pages_that_cannot_be_stored_safely_are_not_stored():
    placeholder = csrf_placeholder()
    token = b"a" * 64
    form = b'<input type="hidden" name="csrfmiddlewaretoken" value="' + token + b'">'

    assert page_for_cache(form) == form.replace(token, placeholder)
    # The token elsewhere on the page, or text that already holds the placeholder.
    assert page_for_cache(form + b'<meta name="csrf" content="' + token + b'">') is None
    assert page_for_cache(b"<p>" + placeholder + b"</p>") is None
    assert page_for_cache(b"<p>nothing personal</p>") == b"<p>nothing personal</p>"


def test_the_placeholder_follows_the_secret_key(settings):
    first = csrf_placeholder()
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert csrf_placeholder() != first
