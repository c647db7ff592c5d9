"""A viewer of a livestream taps the host's short link on their phone, buys
with the test card, and the order is credited to the host: the redirect sets
the attribution cookie, checkout carries it onto the order, and the split that
the payment webhook sets off pays the host's commission into the ledger.
Nothing is mocked: the shop runs in a live server and localstripe sends the
signed webhook back to it."""

import time

import pytest

from brands.models import Role
from revenue.models import AccountKind, JournalLine, Party, Share, ShareRole
from storefront.links.services import host_link_create
from storefront.orders.models import Order, OrderStatus
from tests.browser.buying import buy_from_product_page
from tests.browser.test_shopping_path import phone_browser
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

HOST_BP = 500  # the platform-default agreement's host rate


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_follow_a_host_link_buy_and_the_host_earns_the_commission(
    live_server, stripe_with_webhooks
):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    host = make_user("host_xiaomei", first_name="小美")
    grant(host, Role.LIVESTREAM_HOST, brand)
    link = host_link_create(
        user=host, target="product", product=product, utm={"source": "douyin"}
    )

    with phone_browser() as page:
        page.goto(f"{live_server.url}/l/{link.code}")
        page.wait_for_url(f"**/products/{product.slug}/**")
        assert "utm_source=douyin" in page.url
        assert any(c["name"] == "gf_host" for c in page.context.cookies())
        _buy_from_product_page(page, live_server.url)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert (order.host_id, order.host_link_id) == (host.pk, link.pk)

    line = order.lines.get()
    share = _wait_for_host_share(order)
    assert share.amount_fen == line.total_fen * HOST_BP // 10_000 == 2 * 179
    assert share.order_line_id == line.pk
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


def _buy_from_product_page(page, base_url):
    buy_from_product_page(
        page,
        base_url,
        product_name="东门虾皮",
        screenshot="host-link-order-paid-390px.png",
        email="viewer@example.com",
    )
