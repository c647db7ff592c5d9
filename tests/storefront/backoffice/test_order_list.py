"""The operator's order list and page for the workshop portal: filters by
workshop, brand, host, status and paid date with those columns (no query per
row), the host and live session credited, and the events as readable lines."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from storefront.links.models import HostProfile, LiveSession
from storefront.orders.models import Fulfillment, Order, OrderStatus
from storefront.orders.shipping import fulfillment_ship
from tests.factories import make_user
from tests.shop_helpers import make_variant, paid_order, place_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

LIST = reverse("admin:orders_order_changelist")
SF_NUMBER = "SF1234567890123"


def change_url(order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(staff=True))
    return client


@pytest.fixture
def world(client):
    """Two paid orders from two workshops of two brands, one credited to a
    host in a live session, and an unpaid one."""
    prawn = make_variant(1280, 20, name="东海虾干")
    laver = make_variant(990, 20, name="嵊泗紫菜")
    host = make_user("host_ling")
    HostProfile.objects.create(user=host, slug="ling", display_name="阿玲")
    now = timezone.now()
    session = LiveSession.objects.create(
        host=host,
        brand=prawn.product.brand,
        title="渔村夜市直播",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    hosted = paid_order(client, [(prawn, 1)], note="请放门卫")
    Order.objects.filter(pk=hosted.pk).update(host=host, live_session=session)
    plain = paid_order(client, [(laver, 2)])
    unpaid, _ = place_order([(laver, 1)])
    return {
        "prawn": prawn,
        "laver": laver,
        "host": host,
        "session": session,
        "hosted": hosted,
        "plain": plain,
        "unpaid": unpaid,
    }


def _listed(client, query) -> set:
    response = client.get(LIST, query)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_list_filters_by_workshop_brand_host_status_and_paid_date(
    operator_client, world
):
    hosted, plain, unpaid = world["hosted"], world["plain"], world["unpaid"]
    prawn, laver = world["prawn"].product, world["laver"].product
    assert _listed(
        operator_client, {"fulfillments__workshop__id__exact": prawn.workshop_id}
    ) == {hosted}
    assert _listed(
        operator_client, {"fulfillments__workshop__id__exact": laver.workshop_id}
    ) == {plain, unpaid}
    assert _listed(operator_client, {"lines__brand__id__exact": prawn.brand_id}) == {
        hosted
    }
    assert _listed(operator_client, {"host__id__exact": world["host"].pk}) == {hosted}
    assert _listed(operator_client, {"status__exact": OrderStatus.UNPAID}) == {unpaid}
    # As the admin's own "today" link puts it: local midnight, with its offset.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    paid_today = {
        "paid_at__gte": str(today),
        "paid_at__lt": str(today + timedelta(days=1)),
    }
    assert _listed(operator_client, paid_today) == {hosted, plain}


def test_list_shows_workshop_host_and_paid_date_columns(operator_client, world):
    content = operator_client.get(LIST).content.decode()
    assert world["prawn"].product.workshop.name in content
    assert world["laver"].product.workshop.name in content
    assert "阿玲 (host_ling)" in content
    for label in ("工坊 workshops", "主播 host", "Paid at"):
        assert label.lower() in content.lower(), label


def test_list_costs_no_query_per_row(
    operator_client, client, world, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        assert operator_client.get(LIST).status_code == 200
    # Counted now: the log it reads is cleared by the next request.
    three_orders = len(few)
    for _ in range(5):
        paid_order(client, [(world["prawn"], 1), (world["laver"], 1)])
    with django_assert_max_num_queries(three_orders):
        response = operator_client.get(LIST)
    assert response.context["cl"].result_count == 8


def test_order_page_shows_host_session_note_and_readable_events(operator_client, world):
    hosted = world["hosted"]
    fulfillment = Fulfillment.objects.get(order=hosted)
    fulfillment_ship(
        fulfillment=fulfillment,
        carrier="sf",
        tracking_number=SF_NUMBER,
        user=world["host"],
        notify_customer=False,
    )
    content = operator_client.get(change_url(hosted)).content.decode()
    assert "阿玲 (host_ling)" in content
    assert "渔村夜市直播" in content
    assert "请放门卫" in content
    # Events read as lines, not JSON.
    assert "发货 shipped · 已支付 paid → 已发货 fulfilled" in content
    assert f"顺丰速运 SF Express {SF_NUMBER} · by host_ling" in content
    assert "支付成功 paid · 待支付 unpaid → 已支付 paid" in content
    assert "&quot;tracking_number&quot;" not in content
    assert '"tracking_number":' not in content


def test_ship_page_offers_the_carriers_list(operator_client, world):
    plain = world["plain"]
    fulfillment = Fulfillment.objects.get(order=plain)
    url = reverse("admin:orders_order_ship", args=[plain.pk])
    content = operator_client.get(url).content.decode()
    assert f'<select name="ship-{fulfillment.pk}-carrier"' in content
    assert '<option value="jt">极兔速递 J&amp;T Express</option>' in content

    refused = operator_client.post(
        url,
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "pigeon",
            f"ship-{fulfillment.pk}-tracking_number": "731234567890",
        },
    )
    assert "请从列表中选择快递公司" in refused.content.decode()
    wrong = operator_client.post(
        url,
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "zto",
            f"ship-{fulfillment.pk}-tracking_number": "ZT1",
        },
    )
    assert "运单号格式不符" in wrong.content.decode()
    fulfillment.refresh_from_db()
    assert not fulfillment.tracking_number

    done = operator_client.post(
        url,
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "zto",
            f"ship-{fulfillment.pk}-tracking_number": "731234567890",
        },
        follow=True,
    )
    assert "中通快递 ZTO Express 731234567890" in done.content.decode()
    fulfillment.refresh_from_db()
    assert (fulfillment.carrier, fulfillment.tracking_number) == ("zto", "731234567890")
