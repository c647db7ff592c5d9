"""A viewer watching a live session on their phone (390 px) opens the live
page, taps 立即购买 on the pinned product and pays with the test card; the
host, with the console open on another tab, sees the order and the GMV
arrive while the session runs, and the split that the payment webhook sets
off pays the host's commission into the ledger. No host link is tapped: the
live room alone credits the session and its host (issue 16).

Nothing is mocked: the shop runs in a live server, localstripe sends the
signed webhook back to it. The host's tab uses 127.0.0.1 and the viewer's
localhost, so the two keep separate cookies in one browser."""

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from brands.models import Role
from revenue.models import AccountKind, JournalLine, Party, Share, ShareRole
from storefront.core.money import format_fen
from storefront.links.services import live_session_create, live_session_pin
from storefront.orders.models import Order, OrderStatus
from tests.browser.buying import checkout_from_cart, pay_with_test_card
from tests.browser.test_shopping_path import ARTIFACTS, phone_browser
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

HOST_BP = 500  # the platform-default agreement's host rate
PASSWORD = "correct horse battery staple"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_the_pinned_product_in_the_live_room_and_the_host_sees_and_earns(
    live_server, stripe_with_webhooks
):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="西沪港渔业工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="西沪港烤虾干", variants=((4680, 10),)
    )
    host = make_user("host_xiaomei", first_name="小美")
    grant(host, Role.LIVESTREAM_HOST, brand)
    now = timezone.now()
    session = live_session_create(
        user=host,
        brand=brand,
        title="西沪港渔港直播",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        product_ids=[product.pk],
    )
    live_session_pin(user=host, session=session, product=product)

    viewer_base = live_server.url
    port = urlsplit(viewer_base).port
    host_base = f"http://127.0.0.1:{port}"
    assert urlsplit(viewer_base).hostname != "127.0.0.1"

    with phone_browser() as page:
        console = page.context.new_page()
        console.goto(f"{host_base}/accounts/login/?next=/host/live/{session.pk}/")
        console.fill("#id_username", "host_xiaomei")
        console.fill("#id_password", PASSWORD)
        console.get_by_role("button", name="登录").click()
        console.wait_for_url(f"**/host/live/{session.pk}/")
        orders = console.locator('[data-figure="orders"]')
        assert orders.inner_text().strip() == "0"

        page.bring_to_front()
        page.goto(f"{viewer_base}/live/{session.pk}/")
        page.locator("[data-pinned]", has_text="西沪港烤虾干").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="立即购买").click()
        page.wait_for_url("**/cart/")
        assert "西沪港烤虾干" in page.locator("main").inner_text()
        checkout_from_cart(page, email="viewer@example.com")
        pay_with_test_card(page, screenshot="live-room-order-paid-390px.png")

        # The console polls figures.json: the sale shows without a reload.
        console.bring_to_front()
        console.wait_for_function(
            "() => document.querySelector('[data-figure=\"orders\"]')"
            ".textContent.trim() === '1'",
            timeout=20_000,
        )
        gmv = console.locator('[data-figure="gmv"]').inner_text().strip()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        console.screenshot(path=str(ARTIFACTS / "live-console-sale-390px.png"))

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert (order.host_id, order.host_link_id, order.live_session_id) == (
        host.pk,
        None,
        session.pk,
    )
    assert gmv == format_fen(order.paid_fen)

    line = order.lines.get()
    share = _wait_for_host_share(order)
    assert share.amount_fen == line.total_fen * HOST_BP // 10_000 == 234
    party = Party.objects.get(host=host)
    assert share.party_id == party.pk
    credited = JournalLine.objects.get(
        account__party=party, account__kind=AccountKind.PAYABLE
    )
    assert credited.amount_fen == -share.amount_fen


def _wait_for_host_share(order, seconds=10) -> Share:
    """The split runs after the webhook's commit, a moment after the order
    page has already said "paid"."""
    deadline = time.monotonic() + seconds
    while True:
        share = Share.objects.filter(order=order, role=ShareRole.HOST).first()
        if share is not None or time.monotonic() > deadline:
            assert share is not None, "the host's share never appeared"
            return share
        time.sleep(0.2)
