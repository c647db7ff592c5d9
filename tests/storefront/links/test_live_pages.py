"""The live session page, its polled state.json and the host console."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Role
from storefront.links import services
from storefront.links.models import HostLink, LiveSession
from storefront.orders.models import Order
from tests.factories import grant, make_user
from tests.shop_helpers import paid_order, place_order
from tests.storefront.links.live_world import make_world

pytestmark = pytest.mark.django_db

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40"
)


def test_live_page_shows_the_pinned_product_with_a_buy_form(client):
    world = make_world()
    pinned = world.products[1]
    services.live_session_pin(user=world.host, session=world.session, product=pinned)
    response = client.get(reverse("links:live", args=[world.session.pk]))
    assert response.status_code == 200
    assert (
        "no-cache" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )
    page = response.content.decode()
    assert world.session.title in page
    assert world.brand.name in page
    assert f'data-product-id="{pinned.pk}"' in page
    default_variant = pinned.variants.order_by("sort_order", "pk").first()
    assert f'name="variant" value="{default_variant.pk}"' in page
    assert reverse("web:cart-add") in page
    assert "¥13.80" in page  # 1280 + 100 fen, the default variant
    assert 'name="csrfmiddlewaretoken"' in page
    assert "links/live.js" in page and 'http-equiv="refresh"' in page
    # Featured products in the host's order.
    featured = page[page.index('id="featured-heading"') :]
    positions = [featured.index(p.name) for p in world.products]
    assert positions == sorted(positions)


def test_buy_button_adds_the_pinned_variant_to_the_cart(client):
    world = make_world()
    pinned = world.products[2]
    services.live_session_pin(user=world.host, session=world.session, product=pinned)
    state = client.get(reverse("links:live-state", args=[world.session.pk])).json()
    response = client.post(
        reverse("web:cart-add"),
        {"variant": state["pinned"]["variant_id"], "quantity": "1"},
    )
    assert response.status_code == 302
    cart = client.get(reverse("web:cart")).content.decode()
    assert pinned.name in cart


def test_state_changes_after_a_pin_in_one_query(client):
    world = make_world()
    url = reverse("links:live-state", args=[world.session.pk])
    before = client.get(url)
    assert (
        before["Cache-Control"].startswith("no-store")
        or "no-store" in before["Cache-Control"]
    )
    assert before.json()["pinned"] is None
    assert before.json()["is_live"] is True
    assert before.json()["title"] == world.session.title

    services.live_session_pin(
        user=world.host, session=world.session, product=world.products[0]
    )
    with CaptureQueriesContext(connection) as queries:
        after = client.get(url).json()
    assert len(queries) == 1
    assert after["pinned"]["product_id"] == world.products[0].pk
    assert after["pinned"]["name"] == world.products[0].name
    assert after["pinned"]["price_fen"] == 1280
    assert after["pinned"]["price"] == "¥12.80"
    assert after["pinned"]["url"] == reverse(
        "web:product", args=[world.products[0].slug]
    )
    assert after["pinned_at"]

    services.live_session_pin(
        user=world.host, session=world.session, product=world.products[1]
    )
    assert client.get(url).json()["pinned"]["product_id"] == world.products[1].pk


def test_state_hides_a_pinned_product_that_went_off_sale(client):
    world = make_world()
    services.live_session_pin(
        user=world.host, session=world.session, product=world.products[0]
    )
    world.products[0].is_published = False
    world.products[0].save()
    url = reverse("links:live-state", args=[world.session.pk])
    assert client.get(url).json()["pinned"] is None
    page = client.get(reverse("links:live", args=[world.session.pk])).content.decode()
    assert world.products[0].name not in page


def test_unknown_session_is_404(client):
    assert client.get("/live/999999/").status_code == 404
    assert client.get("/live/999999/state.json").status_code == 404
    huge = "9" * 30
    assert client.get(f"/live/{huge}/").status_code == 404
    assert client.get(f"/live/{huge}/state.json").status_code == 404
    client.force_login(make_user(staff=True))
    assert client.get(f"/host/live/{huge}/").status_code == 404


def test_views_count_people_once_per_visit_but_not_bots(client):
    world = make_world()
    url = reverse("links:live", args=[world.session.pk])
    client.get(url, HTTP_USER_AGENT=PHONE)
    client.get(url, HTTP_USER_AGENT=PHONE)  # a reload in the same visit
    client.get(url, HTTP_USER_AGENT="facebookexternalhit/1.1")
    client.get(url)  # no user agent: a script
    from django.test import Client

    Client().get(url, HTTP_USER_AGENT=PHONE)  # another visitor
    assert LiveSession.objects.get(pk=world.session.pk).views == 2


# The host console


def test_console_permissions(client):
    world = make_world()
    url = reverse("links:console", args=[world.session.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]

    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    client.force_login(other_host)
    assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("links:console-pin", args=[world.session.pk]),
            {"product": world.products[0].pk},
        ).status_code
        == 403
    )
    assert (
        client.get(
            reverse("links:console-figures", args=[world.session.pk])
        ).status_code
        == 403
    )
    world.session.refresh_from_db()
    assert world.session.pinned_product is None

    other_operator = make_user()
    grant(other_operator, Role.BRAND_OPERATOR, world.other_brand)
    client.force_login(other_operator)
    assert client.get(url).status_code == 403

    for allowed in (world.host, world.operator, make_user(staff=True)):
        client.force_login(allowed)
        response = client.get(url)
        assert response.status_code == 200, allowed
        assert world.session.title in response.content.decode()


def test_console_pins_and_unpins(client):
    world = make_world()
    client.force_login(world.host)
    pin_url = reverse("links:console-pin", args=[world.session.pk])
    response = client.post(pin_url, {"product": world.products[2].pk}, follow=True)
    assert response.status_code == 200
    assert "已置顶" in response.content.decode()
    world.session.refresh_from_db()
    assert world.session.pinned_product == world.products[2]

    client.post(pin_url, {"product": ""})
    world.session.refresh_from_db()
    assert world.session.pinned_product is None


def test_console_pin_refusals_show_the_message(client):
    world = make_world()
    hidden = world.products[0]
    hidden.is_published = False
    hidden.save()
    client.force_login(world.host)
    pin_url = reverse("links:console-pin", args=[world.session.pk])
    for value, text in (
        (hidden.pk, "该商品未上架"),
        (world.other_products[0].pk, "不在本场直播"),
        ("99999999999999999999999", "找不到"),
        ("abc", "找不到"),
    ):
        page = client.post(pin_url, {"product": value}, follow=True).content.decode()
        assert text in page
    world.session.refresh_from_db()
    assert world.session.pinned_product is None


def test_console_pin_needs_csrf(client):
    from django.test import Client

    world = make_world()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.host)
    response = strict.post(
        reverse("links:console-pin", args=[world.session.pk]),
        {"product": world.products[0].pk},
    )
    assert response.status_code == 403
    world.session.refresh_from_db()
    assert world.session.pinned_product is None


def test_console_figures_count_views_clicks_paid_orders_and_gmv(
    client, stripe_settings
):
    world = make_world()
    link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    HostLink.objects.filter(pk=link.pk).update(clicks=7)
    client.get(reverse("links:live", args=[world.session.pk]), HTTP_USER_AGENT=PHONE)

    variant = world.products[0].variants.order_by("sort_order", "pk").first()
    unpaid, _ = place_order([(variant, 2)])
    paid = paid_order(client, [(variant, 1)])
    part_refunded = paid_order(client, [(variant, 3)])
    other_session = paid_order(client, [(variant, 1)])
    # Crediting orders to the session is the attribution's job (tested there);
    # here only the counting is under test.
    Order.objects.filter(pk__in=[unpaid.pk, paid.pk, part_refunded.pk]).update(
        live_session=world.session
    )
    Order.objects.filter(pk=part_refunded.pk).update(
        status="partially_refunded", refunded_fen=500
    )
    assert other_session.live_session_id is None

    client.force_login(world.operator)
    figures = client.get(
        reverse("links:console-figures", args=[world.session.pk])
    ).json()
    assert figures["views"] == 1
    assert figures["clicks"] == 7
    assert figures["orders"] == 2
    assert figures["gmv_fen"] == paid.paid_fen + part_refunded.paid_fen - 500
    assert figures["gmv_fen"] == 1280 + 3 * 1280 + 2 * 1000 - 500  # with shipping
    page = client.get(
        reverse("links:console", args=[world.session.pk])
    ).content.decode()
    assert figures["gmv"] in page
