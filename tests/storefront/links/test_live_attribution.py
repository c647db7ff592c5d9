"""Purchases from a live session's page (/live/<id>/) are credited to the
session and its host (issue 16). The visitor's most recent touch within the
brand's attribution window wins, whether a host-link tap or a live-room
visit (opening the page, or 立即购买 on it, while the session is on air);
a host buying for themselves earns nothing; a host no longer approved for
the brand, or a visit outside the session's start–end, credits nobody; the
host's commission is only on lines of brands the host is approved for; the
console's paid orders and GMV come from the orders credited to the session.
All through the real pages: live page → cart → checkout → order."""

from datetime import timedelta

import pytest
from django.core.signing import get_cookie_signer
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brands.models import Membership, Role
from revenue.models import Party, Share, ShareRole
from revenue.order_split import order_split
from storefront.checkout.models import Checkout
from storefront.checkout.selectors import checkout_order_lines, checkout_summary
from storefront.core.attribution import Attribution
from storefront.links import services
from storefront.links.attribution import COOKIE, SALT
from storefront.links.models import LiveSession
from storefront.orders.models import Order, OrderEventType
from tests.factories import grant, make_user
from tests.revenue.split_helpers import make_scene
from tests.shop_helpers import VALID_ADDRESS, deliver_event, pay_intent
from tests.storefront.links.live_world import make_session, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
NONE = (None, None, None)


def credit(order) -> tuple:
    return (order.host_id, order.host_link_id, order.live_session_id)


def pinned_world(**kwargs):
    world = make_world(**kwargs)
    if world.session is not None:
        services.live_session_pin(
            user=world.host, session=world.session, product=world.products[0]
        )
    return world


def open_live(client, session):
    response = client.get(
        reverse("links:live", args=[session.pk]), HTTP_USER_AGENT=PHONE
    )
    assert response.status_code == 200
    return response


def buy_now_on_live_page(client, session) -> None:
    """立即购买 as the live page's form posts it (the pinned variant)."""
    state = client.get(reverse("links:live-state", args=[session.pk])).json()
    response = client.post(
        reverse("web:cart-add"),
        {
            "variant": state["pinned"]["variant_id"],
            "quantity": "1",
            "live_session": str(session.pk),
        },
    )
    assert response.status_code == 302


def add_to_cart(client, variant) -> None:
    """The product page's add-to-cart form (no live session)."""
    response = client.post(
        reverse("web:cart-add"), {"variant": variant.pk, "quantity": "1"}
    )
    assert response.status_code == 302


def place(client) -> Order:
    checkout = Checkout.objects.latest("pk")
    total = checkout_summary(checkout, checkout_order_lines(checkout)).total_fen
    data = {"email": "buyer@example.com", **VALID_ADDRESS, "expected_total_fen": total}
    response = client.post(reverse("web:checkout"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(checkout_token=checkout.token)


def tap(client, link) -> None:
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)
    assert response.status_code == 302


def plant(client, attribution: Attribution) -> None:
    signer = get_cookie_signer(salt=COOKIE + SALT)
    client.cookies[COOKIE] = signer.sign(attribution.as_value())


def default_variant(product):
    return product.variants.order_by("sort_order", "pk").first()


def test_buying_on_the_live_page_credits_the_session_and_its_host(client):
    world = pinned_world()
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)
    order = place(client)

    assert credit(order) == (world.host.pk, None, world.session.pk)
    placed = order.events.get(type=OrderEventType.PLACED)
    assert placed.data["live_session_id"] == world.session.pk


def test_a_live_visit_after_a_product_link_tap_wins(client):
    """The issue's case: a product link tapped before, then the live room."""
    world = pinned_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    link = services.host_link_create(
        user=other_host, target="product", product=world.products[0]
    )
    tap(client, link)
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)

    assert credit(place(client)) == (world.host.pk, None, world.session.pk)


def test_a_link_tapped_after_the_live_visit_wins_when_bought_elsewhere(client):
    world = pinned_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    link = services.host_link_create(
        user=other_host, target="product", product=world.products[1]
    )
    open_live(client, world.session)
    tap(client, link)
    add_to_cart(client, default_variant(world.products[1]))

    assert credit(place(client)) == (other_host.pk, link.pk, None)


def test_buy_now_in_the_live_room_is_itself_the_latest_touch(client):
    """Live page opened, another host's link tapped in another tab, then
    立即购买 back in the live room: the live room wins."""
    world = pinned_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    link = services.host_link_create(
        user=other_host, target="product", product=world.products[1]
    )
    open_live(client, world.session)
    tap(client, link)
    buy_now_on_live_page(client, world.session)

    assert credit(place(client)) == (world.host.pk, None, world.session.pk)


def test_a_session_link_then_the_live_page_credits_link_and_session(client):
    world = pinned_world()
    link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    tap(client, link)
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)

    assert credit(place(client)) == (world.host.pk, link.pk, world.session.pk)


def test_a_revoked_session_link_tapped_mid_session_credits_the_room_not_the_link(
    client,
):
    world = pinned_world()
    link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    services.host_link_revoke(user=world.host, link=link)
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == f"/live/{world.session.pk}/"
    buy_now_on_live_page(client, world.session)

    assert credit(place(client)) == (world.host.pk, None, world.session.pk)


def test_a_link_revoked_mid_session_after_its_tap_loses_the_link_only(client):
    world = pinned_world()
    link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    tap(client, link)
    open_live(client, world.session)
    services.host_link_revoke(user=world.host, link=link)
    buy_now_on_live_page(client, world.session)

    assert credit(place(client)) == (world.host.pk, None, world.session.pk)


def test_a_revoked_product_link_tapped_mid_session_keeps_the_live_credit(client):
    """A revoked link's tap records nothing, so the earlier live visit stands."""
    world = pinned_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    link = services.host_link_create(
        user=other_host, target="product", product=world.products[0]
    )
    services.host_link_revoke(user=other_host, link=link)
    open_live(client, world.session)
    tap(client, link)
    add_to_cart(client, default_variant(world.products[0]))

    assert credit(place(client)) == (world.host.pk, None, world.session.pk)


@pytest.mark.parametrize(
    ("starts_in", "phase", "text"),
    [
        (timedelta(hours=1), "upcoming", "直播尚未开始"),
        (timedelta(hours=-3), "ended", "本场直播已结束"),
    ],
)
def test_outside_its_times_the_live_page_says_so_and_credits_nobody(
    client, starts_in, phase, text
):
    world = make_world(with_session=False)
    session = make_session(world, starts_in=starts_in)  # two hours long
    services.live_session_pin(
        user=world.host, session=session, product=world.products[0]
    )

    response = open_live(client, session)
    page = response.content.decode()
    assert f'data-live-phase="{phase}"' in page and text in page
    assert COOKIE not in response.cookies
    assert (
        client.get(reverse("links:live-state", args=[session.pk])).json()["phase"]
        == phase
    )
    buy_now_on_live_page(client, session)

    assert credit(place(client)) == NONE


def test_an_earlier_tap_stands_when_the_live_page_is_visited_after_the_end(client):
    world = make_world(with_session=False)
    ended = make_session(world, starts_in=timedelta(hours=-3))
    link = services.host_link_create(
        user=world.host, target="product", product=world.products[0]
    )
    tap(client, link)
    open_live(client, ended)
    add_to_cart(client, default_variant(world.products[0]))

    assert credit(place(client)) == (world.host.pk, link.pk, None)


def test_a_visit_outside_the_sessions_times_is_not_credited_even_if_signed(client):
    """A session moved after the visit: its new times decide."""
    world = pinned_world()
    visited = int(timezone.now().timestamp())
    plant(client, Attribution(None, world.host.pk, world.session.pk, visited))
    LiveSession.objects.filter(pk=world.session.pk).update(
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    add_to_cart(client, default_variant(world.products[0]))

    assert credit(place(client)) == NONE


def test_a_visit_during_the_session_counts_for_the_brands_window(client):
    """Bought after the session ended but within the window: credited;
    past the window: not."""
    world = pinned_world()
    world.brand.attribution_window_days = 2
    world.brand.save(update_fields=["attribution_window_days"])
    start = timezone.now() - timedelta(days=3)
    LiveSession.objects.filter(pk=world.session.pk).update(
        starts_at=start, ends_at=start + timedelta(days=2, hours=12)
    )
    inside = int((start + timedelta(days=2)).timestamp())  # a day ago
    plant(client, Attribution(None, world.host.pk, world.session.pk, inside))
    add_to_cart(client, default_variant(world.products[0]))
    assert credit(place(client)) == (world.host.pk, None, world.session.pk)

    too_old = int((start + timedelta(hours=1)).timestamp())  # 3 days ago
    plant(client, Attribution(None, world.host.pk, world.session.pk, too_old))
    add_to_cart(client, default_variant(world.products[0]))
    assert credit(place(client)) == NONE


def test_a_forged_host_on_a_live_visit_is_not_credited(client):
    world = pinned_world()
    someone = make_user()
    grant(someone, Role.LIVESTREAM_HOST, world.brand)
    now = int(timezone.now().timestamp())
    plant(client, Attribution(None, someone.pk, world.session.pk, now))
    add_to_cart(client, default_variant(world.products[0]))

    assert credit(place(client)) == NONE


def test_a_host_buying_in_their_own_live_room_earns_nothing(client):
    world = pinned_world()
    client.force_login(world.host)
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)

    order = place(client)
    assert order.user_id == world.host.pk
    assert credit(order) == NONE


def test_a_host_no_longer_approved_for_the_brand_is_not_credited(client):
    world = pinned_world()
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)
    Membership.objects.filter(user=world.host, role=Role.LIVESTREAM_HOST).delete()

    assert credit(place(client)) == NONE


def test_bots_opening_the_live_page_leave_no_touch(client):
    world = pinned_world()
    response = client.get(
        reverse("links:live", args=[world.session.pk]),
        HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)",
    )
    assert response.status_code == 200
    assert COOKIE not in response.cookies


def pay(client, order) -> Order:
    intent = pay_intent(order.payments.get())
    response = deliver_event(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    return order


def test_commission_only_on_lines_of_brands_the_host_sells(client):
    """One cart from the live room: the session brand's product earns the
    host's commission, another brand's (the host is not approved for) not."""
    scene = make_scene()
    other = make_scene()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, scene.brand)
    sold = scene.variant(10000)
    foreign = other.variant(5000)
    now = timezone.now()
    session = services.live_session_create(
        user=host,
        brand=scene.brand,
        title="直播",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        product_ids=[sold.product_id],
    )
    services.live_session_pin(user=host, session=session, product=sold.product)
    open_live(client, session)
    buy_now_on_live_page(client, session)
    add_to_cart(client, foreign)
    order = pay(client, place(client))
    assert credit(order) == (host.pk, None, session.pk)

    order_split(order=order)
    party = Party.objects.get(host=host)
    host_shares = Share.objects.filter(order=order, role=ShareRole.HOST)
    assert {(s.party_id, s.order_line.variant_id) for s in host_shares} == {
        (party.pk, sold.pk)
    }
    assert sum(s.amount_fen for s in host_shares) == 500  # 5 % of 100.00


def test_the_console_counts_the_rooms_paid_orders_while_it_runs(client):
    world = pinned_world()
    buyer = client
    open_live(buyer, world.session)
    buy_now_on_live_page(buyer, world.session)
    order = pay(buyer, place(buyer))
    # An order not from the room does not count.
    stranger = Client()
    add_to_cart(stranger, default_variant(world.products[1]))
    pay(stranger, place(stranger))

    host = Client()
    host.force_login(world.host)
    figures = host.get(reverse("links:console-figures", args=[world.session.pk])).json()
    assert figures["orders"] == 1
    assert figures["gmv_fen"] == order.paid_fen > 0


def test_pinning_an_unpublished_product_is_refused_with_a_clear_message(client):
    world = make_world()
    hidden = world.products[0]
    hidden.is_published = False
    hidden.save()
    client.force_login(world.host)

    page = client.post(
        reverse("links:console-pin", args=[world.session.pk]),
        {"product": hidden.pk},
        follow=True,
    ).content.decode()

    assert "该商品未上架，不能推广或置顶" in page
    assert "This product is not on sale and cannot be linked or pinned" in page
    world.session.refresh_from_db()
    assert world.session.pinned_product is None
    state = client.get(reverse("links:live-state", args=[world.session.pk])).json()
    assert state["pinned"] is None


def test_a_host_checking_out_as_a_guest_with_their_own_email_earns_nothing(client):
    world = pinned_world()
    world.host.email = "host@example.com"
    world.host.save(update_fields=["email"])
    open_live(client, world.session)
    buy_now_on_live_page(client, world.session)
    checkout = Checkout.objects.latest("pk")
    total = checkout_summary(checkout, checkout_order_lines(checkout)).total_fen
    data = {"email": "HOST@example.com", **VALID_ADDRESS, "expected_total_fen": total}
    assert client.post(reverse("web:checkout"), data).status_code == 302

    assert credit(Order.objects.get(checkout_token=checkout.token)) == NONE


def test_a_live_session_s_buy_now_of_another_brand_s_product_records_no_touch(
    client,
):
    """The live form's session sent with another brand's product (a crafted
    post) must not displace the touch that brand's own host earned."""
    world = pinned_world()
    other = default_variant(world.other_products[0])
    response = client.post(
        reverse("web:cart-add"),
        {"variant": other.pk, "quantity": "1", "live_session": str(world.session.pk)},
    )
    assert response.status_code == 302
    assert COOKIE not in response.cookies
