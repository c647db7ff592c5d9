"""The workshop portal's order pages (/workshop/): who may open what, the
parcel list (this workshop's lines only, to ship first, filters, search, a
bounded number of queries), printables, shipping one parcel, correcting a
tracking number and bulk shipping by CSV, with every bad input of issue 13's
part refused with its message.

Orders that ship are paid through localstripe and signed webhooks
(tests/shop_helpers.py); the list's query count uses parcels written directly."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brands.models import Role
from revenue.models import PartyKind
from revenue.parties import party_get_or_create
from revenue.selectors import party_balance
from storefront.core.money import format_fen
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.shipping import fulfillment_ship
from storefront.payments.services import order_cancel_unpaid
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import (
    VALID_ADDRESS,
    make_variant,
    paid_order,
    place_order,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

SF = "SF1234567890123"


@pytest.fixture
def portal(client):
    brand = make_brand(name="斑斓海岸")
    other_brand = make_brand(name="别的品牌")
    island = make_workshop(brands=[brand], name="贻贝工坊", slug="island")
    hill = make_workshop(brands=[brand], name="紫菜工坊", slug="hill")
    far = make_workshop(brands=[other_brand], name="远方工坊", slug="far")
    users = {
        "manager": make_user(),
        "other_manager": make_user(),
        "brand_operator": make_user(),
        "other_brand_operator": make_user(),
        "host": make_user(),
        "consumer": make_user(),
        "operator": make_user(staff=True),
    }
    grant(users["manager"], Role.WORKSHOP_MANAGER, island)
    grant(users["other_manager"], Role.WORKSHOP_MANAGER, hill)
    grant(users["brand_operator"], Role.BRAND_OPERATOR, brand)
    grant(users["other_brand_operator"], Role.BRAND_OPERATOR, other_brand)
    grant(users["host"], Role.LIVESTREAM_HOST, brand)
    mussels = make_variant(1280, 50, workshop=island, brand=brand, name="贻贝干")
    seaweed = make_variant(990, 50, workshop=hill, brand=brand, name="头水紫菜")
    order = paid_order(client, [(mussels, 2), (seaweed, 1)], note="请放在门卫室")
    client.logout()
    return {
        "brand": brand,
        "island": island,
        "hill": hill,
        "far": far,
        "users": users,
        "mussels": mussels,
        "seaweed": seaweed,
        "order": order,
        "parcel": order.fulfillments.get(workshop=island),
        "hill_parcel": order.fulfillments.get(workshop=hill),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


# --- Permission table -------------------------------------------------------

PAGES = ("dashboard", "orders", "packing", "label", "ship", "correct", "bulk")


def page_url(name: str, portal) -> str:
    parcel = portal["parcel"]
    if name in ("dashboard", "orders"):
        return reverse(f"workshop:{name}") + "?workshop=island"
    if name == "bulk":
        return reverse("workshop:bulk-ship") + "?workshop=island"
    return reverse(f"workshop:{name}", args=[parcel.pk])


EXPECTED = {
    # role: status per page, in PAGES order
    "manager": (200, 200, 200, 200, 200, 200, 200),
    "operator": (200, 200, 200, 200, 200, 200, 200),
    # may see the workshop's parcels but only its managers ship them
    "brand_operator": (200, 200, 200, 200, 403, 403, 403),
    "other_manager": (403, 403, 404, 404, 404, 404, 403),
    "other_brand_operator": (403, 403, 404, 404, 404, 404, 403),
    "host": (403, 403, 404, 404, 404, 404, 403),
    "consumer": (403, 403, 404, 404, 404, 404, 403),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_permission_table(client, portal, role):
    signed_in(client, portal["users"][role])
    got = tuple(client.get(page_url(name, portal)).status_code for name in PAGES)
    assert dict(zip(PAGES, got, strict=True)) == dict(
        zip(PAGES, EXPECTED[role], strict=True)
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, portal):
    for name in PAGES:
        response = client.get(page_url(name, portal))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("web:login"))


def test_refused_posts_change_nothing(client, portal):
    parcel = portal["parcel"]
    for role in ("brand_operator", "other_manager", "consumer"):
        signed_in(client, portal["users"][role])
        response = client.post(
            reverse("workshop:ship", args=[parcel.pk]),
            {"carrier": "sf", "tracking_number": SF},
        )
        assert response.status_code in (403, 404), role
    client.logout()
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {"carrier": "sf", "tracking_number": SF},
    )
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == FulfillmentStatus.PENDING


def test_posts_need_the_csrf_token(portal):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(portal["users"]["manager"])
    parcel = portal["parcel"]
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {"carrier": "sf", "tracking_number": SF},
    )
    assert response.status_code == 403
    page = client.get(reverse("workshop:ship", args=[parcel.pk])).content.decode()
    assert "csrfmiddlewaretoken" in page
    parcel.refresh_from_db()
    assert parcel.status == FulfillmentStatus.PENDING


def test_header_links_the_portal_for_those_who_manage_a_workshop(client, portal):
    signed_in(client, portal["users"]["manager"])
    assert reverse("workshop:dashboard") in client.get("/").content.decode()
    signed_in(client, portal["users"]["consumer"])
    assert reverse("workshop:dashboard") not in client.get("/").content.decode()


def test_the_workshop_switcher_is_remembered(client, portal):
    signed_in(client, portal["users"]["brand_operator"])
    response = client.get(reverse("workshop:orders") + "?workshop=hill")
    assert response.status_code == 200
    assert response.context["workshop"] == portal["hill"]
    # remembered for the next page without a parameter
    assert (
        client.get(reverse("workshop:dashboard")).context["workshop"] == portal["hill"]
    )
    assert client.get(reverse("workshop:orders") + "?workshop=far").status_code == 403
    assert client.get(reverse("workshop:orders") + "?workshop=nope").status_code == 403


# --- Orders list -----------------------------------------------------------


def test_the_list_shows_only_this_workshops_lines(client, portal):
    signed_in(client, portal["users"]["manager"])
    page = client.get(reverse("workshop:orders")).content.decode()
    order = portal["order"]
    assert order.number in page
    assert "贻贝干" in page
    assert "× 2" in page
    assert "头水紫菜" not in page  # the other workshop's line of the same order
    assert VALID_ADDRESS["recipient_name"] in page
    assert VALID_ADDRESS["phone"] in page
    assert VALID_ADDRESS["street_address"] in page
    assert "请放在门卫室" in page
    for printable in ("packing", "label"):
        response = client.get(
            reverse(f"workshop:{printable}", args=[portal["parcel"].pk])
        )
        assert "贻贝干" in response.content.decode() or printable == "label"
        assert "头水紫菜" not in response.content.decode()


def _write_parcel(workshop, variant, n: int, *, status=FulfillmentStatus.PENDING):
    """A paid order with one parcel, written directly (the list only reads)."""
    order = Order.objects.create(
        number=f"T{uuid.uuid4().hex[:10].upper()}",
        checkout_token=uuid.uuid4(),
        status=OrderStatus.PAID,
        email="buyer@example.com",
        subtotal_fen=1000,
        shipping_fen=0,
        total_fen=1000,
        paid_fen=1000,
        paid_at=timezone.now() - timedelta(hours=n),
        **{**VALID_ADDRESS, "phone": f"1380013{n:04d}"},
    )
    for _ in range(2):
        OrderLine.objects.create(
            order=order,
            variant=variant,
            workshop=workshop,
            product=variant.product,
            product_name=variant.product.name,
            sku=variant.sku,
            brand_name="b",
            workshop_name=workshop.name,
            village_name="v",
            unit_price_fen=500,
            quantity=1,
            total_fen=500,
        )
    Fulfillment.objects.create(
        order=order, workshop=workshop, status=status, subtotal_fen=1000, shipping_fen=0
    )
    return order


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_takes_a_bounded_number_of_queries(
    client, portal, count, django_assert_max_num_queries
):
    for n in range(count):
        _write_parcel(portal["island"], portal["mussels"], n)
    signed_in(client, portal["users"]["manager"])
    client.get(reverse("workshop:orders"))  # session and switcher warm
    with django_assert_max_num_queries(10):
        response = client.get(reverse("workshop:orders"))
    assert response.status_code == 200


def test_to_ship_first_then_oldest_filters_search_and_pages(client, portal):
    island, mussels = portal["island"], portal["mussels"]
    old = _write_parcel(island, mussels, 50)
    shipped = _write_parcel(island, mussels, 100, status=FulfillmentStatus.SHIPPED)
    newer = _write_parcel(island, mussels, 1)
    signed_in(client, portal["users"]["manager"])
    parcels = list(client.get(reverse("workshop:orders")).context["parcels"])
    numbers = [p.order.number for p in parcels]
    assert numbers.index(old.number) < numbers.index(newer.number)
    assert numbers[-1] == shipped.number  # shipped last though oldest

    def listed(query):
        response = client.get(reverse("workshop:orders") + query)
        return {p.order.number for p in response.context["parcels"]}

    assert listed("?status=shipped") == {shipped.number}
    assert shipped.number not in listed("?status=to_ship")
    assert listed(f"?q={old.number}") == {old.number}
    assert listed(f"?q={old.phone[-4:]}") == {old.number}
    today = timezone.localdate().isoformat()
    assert portal["order"].number in listed(f"?from={today}&to={today}")
    assert old.number not in listed(f"?from={today}")
    assert listed("?from=not-a-date")  # ignored, not an error

    for n in range(25):
        _write_parcel(island, mussels, 200 + n)
    first = client.get(reverse("workshop:orders"))
    assert first.context["page"].paginator.num_pages == 2
    assert client.get(reverse("workshop:orders") + "?page=2").status_code == 200


# --- Printables ----------------------------------------------------------------


def test_label_page_is_100_by_150_with_a_qr_code(client, portal):
    signed_in(client, portal["users"]["manager"])
    response = client.get(reverse("workshop:label", args=[portal["parcel"].pk]))
    page = response.content.decode()
    assert portal["order"].number in page
    assert VALID_ADDRESS["recipient_name"] in page and VALID_ADDRESS["phone"] in page
    assert "<svg" in page
    assert "workshop-label.css" in page
    from django.contrib.staticfiles import finders

    css = open(finders.find("web/workshop-label.css")).read()
    assert "size: 100mm 150mm" in css
    assert "size: A4" in open(finders.find("web/workshop-packing.css")).read()


def test_packing_lists_for_a_selection_of_this_workshop_only(client, portal):
    island, mussels = portal["island"], portal["mussels"]
    second = _write_parcel(island, mussels, 3)
    signed_in(client, portal["users"]["manager"])
    ids = [portal["parcel"].pk, second.fulfillments.get().pk, portal["hill_parcel"].pk]
    response = client.get(
        reverse("workshop:packing-lists") + "?" + "&".join(f"id={i}" for i in ids)
    )
    page = response.content.decode()
    assert page.count('class="packing-sheet"') == 2
    assert "头水紫菜" not in page
    assert client.get(reverse("workshop:packing-lists")).status_code == 404


# --- Ship and correct -------------------------------------------------------


def test_ship_one_parcel(client, portal, mailoutbox):
    parcel = portal["parcel"]
    before = stock_of(portal["mussels"]).quantity
    signed_in(client, portal["users"]["manager"])
    form = client.get(reverse("workshop:ship", args=[parcel.pk])).content.decode()
    assert "SF + 10–15" in form or "SF" in form  # the format hints are shown
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {
            "carrier": "sf",
            "tracking_number": " sf1234 5678 90123 ",
            "notify_customer": "on",
        },
    )
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert (parcel.status, parcel.carrier, parcel.tracking_number) == (
        FulfillmentStatus.SHIPPED,
        "sf",
        SF,
    )
    assert stock_of(portal["mussels"]).quantity == before - 2
    event = OrderEvent.objects.filter(type=OrderEventType.SHIPPED).last()
    assert event.user == portal["users"]["manager"]


def test_wrong_tracking_format_is_shown_in_the_form(client, portal):
    parcel = portal["parcel"]
    signed_in(client, portal["users"]["manager"])
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {"carrier": "yto", "tracking_number": "12345"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="trackingNumber"' in page
    assert "YT" in page
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {"carrier": "pigeon", "tracking_number": "12345678"},
    )
    assert response.status_code == 400
    assert 'data-field="carrier"' in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.status == FulfillmentStatus.PENDING


def test_another_workshops_parcel_id_in_the_ship_url(client, portal):
    signed_in(client, portal["users"]["manager"])
    hill_parcel = portal["hill_parcel"]
    response = client.post(
        reverse("workshop:ship", args=[hill_parcel.pk]),
        {"carrier": "sf", "tracking_number": SF},
    )
    assert response.status_code == 404
    hill_parcel.refresh_from_db()
    assert hill_parcel.status == FulfillmentStatus.PENDING


def test_unpaid_cancelled_and_shipped_parcels_are_refused(client, portal):
    mussels = portal["mussels"]
    signed_in(client, portal["users"]["manager"])
    unpaid, _ = place_order([mussels])
    cancelled, _ = place_order([mussels])
    order_cancel_unpaid(order=cancelled)
    cases = {
        unpaid: "尚未支付",
        cancelled: "已取消",
    }
    for order, words in cases.items():
        parcel = order.fulfillments.get()
        response = client.post(
            reverse("workshop:ship", args=[parcel.pk]),
            {"carrier": "sf", "tracking_number": SF},
        )
        assert response.status_code == 400, order.status
        assert words in response.content.decode()
        parcel.refresh_from_db()
        assert parcel.status != FulfillmentStatus.SHIPPED
    parcel = portal["parcel"]
    fulfillment_ship(fulfillment=parcel, carrier="sf", tracking_number=SF)
    response = client.post(
        reverse("workshop:ship", args=[parcel.pk]),
        {"carrier": "zto", "tracking_number": "731234567890"},
    )
    assert response.status_code == 400
    assert "该包裹已发货" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.tracking_number == SF


def test_correct_a_tracking_number(client, portal):
    parcel = portal["parcel"]
    signed_in(client, portal["users"]["manager"])
    # not shipped yet: nothing to correct
    response = client.post(
        reverse("workshop:correct", args=[parcel.pk]),
        {"carrier": "sf", "tracking_number": SF},
    )
    assert response.status_code == 400
    fulfillment_ship(fulfillment=parcel, carrier="sf", tracking_number=SF)
    response = client.post(
        reverse("workshop:correct", args=[parcel.pk]),
        {"carrier": "zto", "tracking_number": "731234567890"},
    )
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert (parcel.carrier, parcel.tracking_number) == ("zto", "731234567890")
    event = OrderEvent.objects.get(type=OrderEventType.TRACKING_CORRECTED)
    assert event.data["old"] == {"carrier": "sf", "tracking_number": SF}
    # the same number again is refused with a message
    response = client.post(
        reverse("workshop:correct", args=[parcel.pk]),
        {"carrier": "zto", "tracking_number": "731234567890"},
    )
    assert response.status_code == 400


def test_mark_delivered_then_the_number_is_final(client, portal):
    parcel = portal["parcel"]
    url = reverse("workshop:delivered", args=[parcel.pk])
    signed_in(client, portal["users"]["other_manager"])  # another workshop's
    assert client.post(url).status_code in (403, 404)
    signed_in(client, portal["users"]["manager"])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)  # not shipped yet
    assert "该包裹尚未发货" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.delivered_at is None

    fulfillment_ship(fulfillment=parcel, carrier="sf", tracking_number=SF)
    page = client.get(reverse("workshop:correct", args=[parcel.pk])).content.decode()
    assert "标记已签收" in page and url in page
    response = client.post(url, follow=True)
    assert "已签收" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.delivered_at is not None
    response = client.post(
        reverse("workshop:correct", args=[parcel.pk]),
        {"carrier": "zto", "tracking_number": "731234567890"},
    )
    assert response.status_code == 400
    assert "包裹已签收" in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.tracking_number == SF
    listed = client.get(reverse("workshop:orders") + "?status=shipped").content.decode()
    assert "已签收" in listed
    assert reverse("workshop:correct", args=[parcel.pk]) not in listed
    customer_page = client.get(reverse("web:order", args=[parcel.order.token]))
    assert "已签收 Delivered" in customer_page.content.decode()


# --- Bulk ship ---------------------------------------------------------------


def _upload(client, text: bytes, workshop="island"):
    return client.post(
        reverse("workshop:bulk-ship") + f"?workshop={workshop}",
        {
            "file": SimpleUploadedFile("ship.csv", text, content_type="text/csv"),
            "notify_customer": "on",
        },
    )


def test_bulk_ship_dry_run_then_apply(client, portal):
    order = portal["order"]
    signed_in(client, portal["users"]["manager"])
    text = f"订单号,快递公司,运单号\n{order.number},顺丰,{SF}\n".encode("gbk")
    response = _upload(client, text)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.errors == []
    portal["parcel"].refresh_from_db()
    assert portal["parcel"].status == FulfillmentStatus.PENDING  # dry run
    response = client.post(
        reverse("workshop:bulk-ship") + "?workshop=island",
        {"plan": response.context["token"], "apply": "1"},
    )
    assert response.status_code == 200
    assert response.context["shipped"] == 1
    portal["parcel"].refresh_from_db()
    assert portal["parcel"].status == FulfillmentStatus.SHIPPED
    # the other workshop's parcel of the same order is not touched
    portal["hill_parcel"].refresh_from_db()
    assert portal["hill_parcel"].status == FulfillmentStatus.PENDING


def test_bulk_ship_row_errors_are_shown(client, portal):
    order = portal["order"]
    signed_in(client, portal["users"]["manager"])
    text = (
        "订单号,快递公司,运单号\n"
        f"NOPE123,顺丰,{SF}\n"
        f"{order.number},顺丰,{SF}\n"
        f"{order.number},顺丰,{SF}\n"
        "=cmd(),顺丰,SF1\n"
        f"{order.number},圆通,123\n"
    ).encode()
    response = _upload(client, text)
    page = response.content.decode()
    assert "找不到订单号 NOPE123" in page
    assert "同一包裹出现在多行" in page
    assert page.count('class="row-error"') == 5
    assert "发货 0 个包裹" not in page  # no apply button without valid rows
    assert 'name="apply"' not in page


def test_bulk_ship_refuses_another_workshops_parcel_and_a_foreign_token(client, portal):
    hill_only = paid_order(client, [portal["seaweed"]])
    signed_in(client, portal["users"]["manager"])
    response = _upload(
        client, f"订单号,快递公司,运单号\n{hill_only.number},顺丰,{SF}\n".encode()
    )
    assert response.context["plan"].errors
    # a token signed for another workshop's page is refused
    signed_in(client, portal["users"]["operator"])
    ok = _upload(
        client,
        f"订单号,快递公司,运单号\n{portal['order'].number},顺丰,{SF}\n".encode(),
    )
    response = client.post(
        reverse("workshop:bulk-ship") + "?workshop=hill",
        {"plan": ok.context["token"], "apply": "1"},
    )
    assert response.status_code == 400
    assert "已过期" in response.content.decode()
    portal["parcel"].refresh_from_db()
    assert portal["parcel"].status == FulfillmentStatus.PENDING


def test_bulk_ship_unreadable_file(client, portal):
    signed_in(client, portal["users"]["manager"])
    response = _upload(client, b"just,three\n")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


# --- Dashboard -----------------------------------------------------------------


def test_dashboard_figures(client, portal, settings):
    settings.REVENUE_PAYOUT_THRESHOLD_FEN = 10000
    island, mussels = portal["island"], portal["mussels"]
    low = make_variant(1000, 3, workshop=island, brand=portal["brand"], name="低库存")
    shipped = _write_parcel(island, mussels, 2)
    Fulfillment.objects.filter(order=shipped).update(
        status=FulfillmentStatus.SHIPPED, shipped_at=timezone.now()
    )
    signed_in(client, portal["users"]["manager"])
    response = client.get(reverse("workshop:dashboard"))
    assert response.status_code == 200
    context = response.context
    assert context["to_pack"] == 1
    assert context["shipped_week"] == 1
    assert context["sales_month_fen"] == 2 * 1280 + 1000
    assert low.pk in {stock.variant_id for stock in context["low_stock"]}
    page = response.content.decode()
    assert "低库存" in page
    party = party_get_or_create(kind=PartyKind.WORKSHOP, target=island)
    response = client.get(reverse("workshop:dashboard"))
    page = response.content.decode()
    owed = party_balance(party).owed_fen
    assert response.context["money"]["owed_fen"] == owed
    assert format_fen(owed) in page
    assert "¥100.00" in page  # the threshold, stated
    assert "周一" in page and "Monday" in page
    # the sentence the statements give (revenue.payout_schedule), one home
    assert "余额满 ¥100.00 后，于下一个周一结算。" in page
    # another workshop's manager sees only their own figures
    signed_in(client, portal["users"]["other_manager"])
    assert (
        client.get(reverse("workshop:dashboard")).context["workshop"] == portal["hill"]
    )
