"""The host's commission in the split: an order placed through a host's link
pays the host the agreement's host rate on each line of a brand the host is
approved to sell, and nothing on other lines (their host share goes where
the agreement sends unattributed sales); a host buying through their own
link earns nothing. Orders are placed with checkout_complete and a real
attribution, paid at localstripe through the signed webhook."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Membership, Role
from revenue.models import AccountKind, JournalLine, Party, Share, ShareRole
from revenue.order_split import order_split, orders_split
from storefront.core.attribution import Attribution
from storefront.links.codes import new_code
from storefront.links.models import HostLink, LinkTarget
from storefront.orders.models import Order, OrderStatus
from storefront.payments.checkout_complete import checkout_complete
from tests.factories import grant, make_user
from tests.revenue.split_helpers import (
    assert_ledger_consistent,
    make_scene,
    owed,
    share_table,
)
from tests.shop_helpers import deliver_event, pay_intent, ready_checkout

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _no_processor_fee(settings):
    # Without the fee every share is exactly its rate of the line.
    settings.REVENUE_PROCESSOR_FEE_BP = 0
    settings.REVENUE_PROCESSOR_FEE_FIXED_FEN = 0


def approved_host(*brands):
    host = make_user()
    for brand in brands:
        grant(host, Role.LIVESTREAM_HOST, brand)
    return host


def link_to(host, product) -> HostLink:
    return HostLink.objects.create(
        code=new_code(),
        host=host,
        brand=product.brand,
        target=LinkTarget.PRODUCT,
        product=product,
    )


def tapped(link) -> Attribution:
    return Attribution(
        link_id=link.pk,
        host_id=link.host_id,
        live_session_id=link.live_session_id,
        clicked_at=int(timezone.now().timestamp()),
    )


def paid_through(client, items, attribution, *, user=None) -> Order:
    """Checkout → order (attributed at placement) → paid by the webhook."""
    checkout = ready_checkout(items, user=user)
    completed = checkout_complete(
        checkout_token=checkout.token, user=user, attribution=attribution
    )
    intent = pay_intent(completed.payment)
    assert deliver_event(client, "payment_intent.succeeded", intent).status_code == 200
    order = Order.objects.get(pk=completed.order.pk)
    assert order.status == OrderStatus.PAID
    return order


def host_shares(order) -> dict[int, int]:
    return dict(
        Share.objects.filter(order=order, role=ShareRole.HOST).values_list(
            "order_line_id", "amount_fen"
        )
    )


def test_an_attributed_order_pays_the_host_their_rate_of_the_line(client):
    scene = make_scene()  # host_bp 500
    variant = scene.variant(10000, scene.w2)  # free shipping from 99.00
    host = approved_host(scene.brand)
    link = link_to(host, variant.product)

    order = paid_through(client, [(variant, 1)], tapped(link))
    assert (order.host_id, order.host_link_id) == (host.pk, link.pk)
    assert order_split(order=order)

    line = order.lines.get()
    host_party = Party.objects.get(host=host)
    assert share_table(order)[(line.pk, "host", host_party.pk)] == 500
    assert owed(host) == 500
    # In the ledger: the host's payable account was credited 5.00.
    assert (
        JournalLine.objects.get(
            account__party=host_party, account__kind=AccountKind.PAYABLE
        ).amount_fen
        == -500
    )
    assert owed(scene.v2) == 1000  # the village keeps only its own 10 %
    assert_ledger_consistent()


def test_a_line_of_a_brand_the_host_does_not_sell_earns_no_commission(client):
    hosted, other = make_scene(), make_scene(unattributed_host_share_to="village")
    ours = hosted.variant(10000, hosted.w2)
    theirs = other.variant(20000, other.w2)
    host = approved_host(hosted.brand)
    link = link_to(host, ours.product)

    order = paid_through(client, [(ours, 1), (theirs, 1)], tapped(link))
    assert order.host_id == host.pk
    order_split(order=order)

    lines = {line.brand_id: line.pk for line in order.lines.all()}
    assert host_shares(order) == {lines[hosted.brand.pk]: 500}
    assert owed(host) == 500
    # The other brand's 5 % went to its village, as if no host had sold it.
    assert owed(other.v2) == 2000 + 1000
    assert owed(hosted.v2) == 1000
    assert_ledger_consistent()


def test_a_host_buying_through_their_own_link_earns_nothing(client):
    scene = make_scene()
    variant = scene.variant(10000, scene.w2)
    host = approved_host(scene.brand)
    link = link_to(host, variant.product)

    order = paid_through(client, [(variant, 1)], tapped(link), user=host)
    assert (order.host_id, order.host_link_id, order.user_id) == (None, None, host.pk)
    order_split(order=order)

    assert host_shares(order) == {}
    assert not Party.objects.filter(host=host).exists()
    assert owed(scene.v2) == 1500  # its 10 % and the unattributed 5 %
    assert_ledger_consistent()


def test_a_host_approval_withdrawn_before_the_split_earns_nothing(client):
    scene = make_scene()
    variant = scene.variant(10000, scene.w2)
    host = approved_host(scene.brand)
    order = paid_through(client, [(variant, 1)], tapped(link_to(host, variant.product)))
    assert order.host_id == host.pk
    Membership.objects.filter(user=host, role=Role.LIVESTREAM_HOST).delete()

    order_split(order=order)
    assert host_shares(order) == {}
    assert owed(scene.v2) == 1500
    assert_ledger_consistent()


def test_approvals_are_read_once_for_a_whole_batch(client):
    scene = make_scene()
    orders = []
    for _ in range(3):
        variant = scene.variant(10000, scene.w2)
        host = approved_host(scene.brand)
        link = link_to(host, variant.product)
        orders.append(paid_through(client, [(variant, 1)], tapped(link)))

    with CaptureQueriesContext(connection) as queries:
        assert orders_split(order_ids=[o.pk for o in orders]) == 3
    membership_reads = [
        q["sql"] for q in queries.captured_queries if "brands_membership" in q["sql"]
    ]
    assert len(membership_reads) == 1
    for order in orders:
        assert list(host_shares(order).values()) == [500]
        assert owed(order.host) == 500
    assert_ledger_consistent()
