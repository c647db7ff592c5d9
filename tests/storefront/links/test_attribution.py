"""Attribution onto the order: a visitor taps a host's /l/<code> link (the
real redirect sets the signed cookie), fills the cart, and places the order
on the checkout page; the order then names the host, the link and the live
session, when the tap still counts as the order is placed: within the
brand's window, the link neither revoked nor expired, the host still
approved for the brand and not the buyer. Last tap wins; a tampered cookie
is ignored without an error."""

import json
from datetime import timedelta

import pytest
from django.core.signing import get_cookie_signer
from django.urls import reverse
from django.utils import timezone

from brands.models import Membership, Role
from storefront.checkout.models import Checkout
from storefront.checkout.selectors import checkout_order_lines, checkout_summary
from storefront.core.attribution import Attribution
from storefront.graphql.ids import checkout_global_id
from storefront.links.attribution import COOKIE, SALT
from storefront.links.models import HostLink
from storefront.links.services import (
    host_link_create,
    host_link_revoke,
    live_session_create,
)
from storefront.orders.models import Order, OrderEventType
from storefront.payments.checkout_complete import checkout_complete
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import VALID_ADDRESS, make_variant
from tests.shop_helpers import ready_checkout as service_checkout

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
NONE = (None, None, None)


def approved_host(brand):
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    return host


@pytest.fixture
def brand():
    return make_brand(name="斑斓海岸")


@pytest.fixture
def variant(brand):
    workshop = make_workshop(brands=[brand])
    return make_variant(3580, 10, workshop=workshop, brand=brand, name="东门虾皮")


@pytest.fixture
def host(brand):
    return approved_host(brand)


@pytest.fixture
def link(host, variant):
    return host_link_create(user=host, target="product", product=variant.product)


def tap(client, link) -> None:
    """Follow the short link as a phone browser does."""
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)
    assert response.status_code == 302
    assert COOKIE in response.cookies


def plant_cookie(client, value: str, *, salt: str = SALT) -> None:
    """The cookie as HttpResponse.set_signed_cookie writes it, for taps made
    in the past."""
    client.cookies[COOKIE] = get_cookie_signer(salt=COOKIE + salt).sign(value)


def tapped_ago(link, age: timedelta) -> str:
    clicked = int((timezone.now() - age).timestamp())
    return Attribution(link.pk, link.host_id, link.live_session_id, clicked).as_value()


def buy(client, variant) -> Order:
    """Cart → checkout page → order placed (the pay page is next)."""
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})
    checkout = Checkout.objects.latest("pk")
    total = checkout_summary(checkout, checkout_order_lines(checkout)).total_fen
    data = {"email": "buyer@example.com", **VALID_ADDRESS, "expected_total_fen": total}
    response = client.post(reverse("web:checkout"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/pay/" in response["Location"]
    return Order.objects.get(checkout_token=checkout.token)


def credit(order) -> tuple:
    return (order.host_id, order.host_link_id, order.live_session_id)


def test_a_tap_then_a_purchase_credits_the_host_and_the_link(client, link, variant):
    tap(client, link)
    order = buy(client, variant)

    assert credit(order) == (link.host_id, link.pk, None)
    placed = order.events.get(type=OrderEventType.PLACED)
    assert placed.data["host_link_id"] == link.pk


def test_a_live_session_link_credits_the_session_too(client, host, brand, variant):
    now = timezone.now()
    session = live_session_create(
        user=host,
        brand=brand,
        title="渔港直播",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        product_ids=[variant.product_id],
    )
    link = host_link_create(user=host, target="live_session", live_session=session)
    tap(client, link)

    assert credit(buy(client, variant)) == (host.pk, link.pk, session.pk)


def test_without_a_tap_nobody_is_credited(client, variant):
    order = buy(client, variant)
    assert credit(order) == NONE
    assert "host_link_id" not in order.events.get(type=OrderEventType.PLACED).data


def test_the_last_tap_wins(client, brand, link, variant):
    other_host = approved_host(brand)
    second = host_link_create(
        user=other_host, target="product", product=variant.product
    )
    tap(client, link)
    tap(client, second)

    assert credit(buy(client, variant)) == (other_host.pk, second.pk, None)


def test_a_tap_older_than_the_brands_window_credits_nobody(
    client, brand, link, variant
):
    brand.attribution_window_days = 1
    brand.save(update_fields=["attribution_window_days"])
    plant_cookie(client, tapped_ago(link, timedelta(days=2)))

    assert credit(buy(client, variant)) == NONE


@pytest.mark.parametrize(
    ("window_days", "age_days", "credited"),
    [(30, 10, True), (7, 10, False), (7, 6, True), (1, 0, True)],
)
def test_each_brand_has_its_own_window(
    client, brand, link, variant, window_days, age_days, credited
):
    brand.attribution_window_days = window_days
    brand.save(update_fields=["attribution_window_days"])
    plant_cookie(client, tapped_ago(link, timedelta(days=age_days, minutes=1)))

    order = buy(client, variant)
    assert credit(order) == ((link.host_id, link.pk, None) if credited else NONE)


def test_a_link_revoked_after_the_tap_credits_nobody(client, host, link, variant):
    tap(client, link)
    host_link_revoke(user=host, link=link)

    assert credit(buy(client, variant)) == NONE


def test_a_link_expired_after_the_tap_credits_nobody(client, link, variant):
    tap(client, link)
    HostLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert credit(buy(client, variant)) == NONE


def test_a_tap_on_a_revoked_link_still_redirects_but_credits_nobody(
    client, host, link, variant
):
    host_link_revoke(user=host, link=link)
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)
    assert response.status_code == 302
    assert COOKIE not in response.cookies

    assert credit(buy(client, variant)) == NONE


def _tampered(link) -> dict[str, tuple[str, str]]:
    good = tapped_ago(link, timedelta(minutes=5))
    signed = get_cookie_signer(salt=COOKIE + SALT).sign(good)
    other_link = good.replace(f"{link.pk}:", f"{link.pk + 1}:", 1)
    return {
        # Another link's id with the original signature.
        "bad-signature": signed.replace(good, other_link),
        "unsigned": good,
        "garbage": "%%%;not a cookie\x7f",
        "another-salt": get_cookie_signer(salt=COOKIE + "other").sign(good),
        "signed-nonsense": get_cookie_signer(salt=COOKIE + SALT).sign("a:b:c"),
        "enormous": "9" * 4000,
    }


@pytest.mark.parametrize(
    "kind",
    [
        "bad-signature",
        "unsigned",
        "garbage",
        "another-salt",
        "signed-nonsense",
        "enormous",
    ],
)
def test_a_tampered_cookie_is_ignored_without_an_error(client, link, variant, kind):
    client.cookies[COOKIE] = _tampered(link)[kind]

    order = buy(client, variant)
    assert credit(order) == NONE


def test_a_host_buying_through_their_own_link_is_not_credited(
    client, host, link, variant
):
    client.force_login(host)
    tap(client, link)

    order = buy(client, variant)
    assert order.user_id == host.pk
    assert credit(order) == NONE


def test_another_signed_in_buyer_through_the_link_is_credited(client, link, variant):
    client.force_login(make_user())
    tap(client, link)

    assert credit(buy(client, variant)) == (link.host_id, link.pk, None)


def test_a_host_no_longer_approved_for_the_brand_is_not_credited(
    client, host, link, variant
):
    tap(client, link)
    Membership.objects.filter(user=host, role=Role.LIVESTREAM_HOST).delete()

    assert credit(buy(client, variant)) == NONE


def test_completing_again_returns_the_order_as_first_placed(brand, link, variant):
    checkout = service_checkout([variant])
    first = checkout_complete(
        checkout_token=checkout.token,
        attribution=Attribution(link.pk, link.host_id, None, time_now()),
    )
    second_link = host_link_create(
        user=approved_host(brand), target="product", product=variant.product
    )
    again = checkout_complete(
        checkout_token=checkout.token,
        attribution=Attribution(second_link.pk, second_link.host_id, None, time_now()),
    )

    assert again.order.pk == first.order.pk
    again.order.refresh_from_db()
    assert credit(again.order) == (link.host_id, link.pk, None)
    assert Order.objects.count() == 1


def time_now() -> int:
    return int(timezone.now().timestamp())


# --- GraphQL ---------------------------------------------------------------------

COMPLETE = """mutation($id: ID!) {
  checkoutComplete(id: $id) {
    order { number }
    errors { field code message }
    paymentErrors { field code message }
  }
}"""


def complete_over_graphql(client, checkout) -> dict:
    response = client.post(
        "/graphql/",
        data=json.dumps(
            {"query": COMPLETE, "variables": {"id": checkout_global_id(checkout)}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["checkoutComplete"]


def test_checkout_complete_over_graphql_credits_the_tap(client, link, variant):
    tap(client, link)
    checkout = service_checkout([variant])

    payload = complete_over_graphql(client, checkout)
    assert payload["errors"] == [] and payload["paymentErrors"] == [], payload

    order = Order.objects.get(number=payload["order"]["number"])
    assert credit(order) == (link.host_id, link.pk, None)


def test_a_tampered_cookie_over_graphql_is_ignored(client, link, variant):
    client.cookies[COOKIE] = _tampered(link)["bad-signature"]
    checkout = service_checkout([variant])

    payload = complete_over_graphql(client, checkout)
    assert payload["errors"] == [], payload
    assert credit(Order.objects.get(number=payload["order"]["number"])) == NONE
