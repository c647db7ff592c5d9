"""The workshop's parcels over GraphQL: `workshopFulfillments` lists one
workshop's parcels of paid orders with that workshop's lines only, and
`fulfillmentShip` ships one through the orders service. Each is tried by the
workshop's manager, another workshop's manager, a consumer and nobody signed
in; refusals change nothing.

Orders are paid through localstripe and signed webhooks (tests/shop_helpers.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from brands.models import Role, Workshop
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    OrderEventType,
    OrderStatus,
)
from storefront.orders.shipping import fulfillment_ship
from tests.factories import grant, make_user
from tests.shop_helpers import make_variant, paid_order, place_order
from tests.storefront.graphql.test_checkout_mutations import assert_refused, payload_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

PARCELS = """
query ($workshop: ID!, $status: ParcelStatus, $first: Int, $after: String) {
  workshopFulfillments(workshop: $workshop, status: $status, first: $first,
                       after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id orderNumber status orderStatus paidAt workshopName note
      carrier carrierName trackingNumber trackingUrl shippedAt
      shippingAddress { recipientName phone province city district streetAddress }
      lines { productName sku quantity workshopName }
      subtotal { amount: fractionalAmount } shippingPrice { amount: fractionalAmount }
    } }
  }
}"""

SHIP = """
mutation ($id: ID!, $input: FulfillmentShipInput!) {
  fulfillmentShip(id: $id, input: $input) {
    fulfillment { id status carrier carrierName trackingNumber trackingUrl }
    # Our precise code (shopCode) as `code`; Saleor's OrderErrorCode beside it.
    errors { field code: shopCode saleorCode: code message }
  }
}"""

SF_NUMBER = "SF1234567890123"


def gid(obj) -> str:
    return to_global_id(type(obj).__name__, obj.pk)


def parcel_gid(fulfillment) -> str:
    return to_global_id("WorkshopFulfillment", fulfillment.pk)


@pytest.fixture
def two_workshops(client):
    """A paid order with a parcel from each of two workshops."""
    mine = make_variant(1280, 10, name="东海黄鱼")
    theirs = make_variant(990, 10, name="紫菜")
    order = paid_order(client, [(mine, 2), (theirs, 1)], note="请放门卫")
    return order, mine.product.workshop, theirs.product.workshop


def _manager(workshop):
    user = make_user()
    grant(user, Role.WORKSHOP_MANAGER, workshop)
    return user


def _nodes(body):
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["workshopFulfillments"]["edges"]]


def _refused(body, code="PERMISSION_DENIED"):
    assert body["data"]["workshopFulfillments"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["field"] == "workshop"
    zh, _, en = error["message"].partition(" / ")
    assert zh and en


# Listing ----------------------------------------------------------------------


def test_manager_sees_own_parcel_with_own_lines_only(client, gql, two_workshops):
    order, mine, theirs = two_workshops
    client.force_login(_manager(mine))

    [node] = _nodes(gql(PARCELS, {"workshop": gid(mine)}))

    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    assert node["id"] == parcel_gid(parcel)
    assert node["orderNumber"] == order.number
    assert (node["status"], node["orderStatus"]) == ("PENDING", "PAID")
    assert node["note"] == "请放门卫"
    assert node["shippingAddress"]["recipientName"] == "王小明"
    assert node["shippingAddress"]["phone"] == "13800138000"
    assert [line["productName"] for line in node["lines"]] == ["东海黄鱼"]
    assert node["lines"][0]["quantity"] == 2
    assert node["carrier"] == "" and node["trackingUrl"] is None
    assert "紫菜" not in str(node)


def test_parcels_to_ship_come_first_and_status_filters(client, gql):
    variant = make_variant(1280, 20)
    workshop = Workshop.objects.get(pk=variant.workshop_id)
    first, second = (paid_order(client, [(variant, 1)]) for _ in range(2))
    place_order([(variant, 1)])  # unpaid: nothing to pack
    shipped = Fulfillment.objects.get(order=first)
    fulfillment_ship(fulfillment=shipped, carrier="sf", tracking_number=SF_NUMBER)
    client.force_login(_manager(workshop))

    nodes = _nodes(gql(PARCELS, {"workshop": gid(workshop)}))
    assert [n["orderNumber"] for n in nodes] == [second.number, first.number]
    assert nodes[1]["trackingNumber"] == SF_NUMBER
    assert nodes[1]["trackingUrl"].startswith("https://")
    assert SF_NUMBER in nodes[1]["trackingUrl"]
    assert nodes[1]["carrierName"].startswith("顺丰")

    pending = _nodes(gql(PARCELS, {"workshop": gid(workshop), "status": "PENDING"}))
    assert [n["orderNumber"] for n in pending] == [second.number]


def test_brand_operator_and_platform_operator_may_list(client, gql, two_workshops):
    _, mine, _ = two_workshops
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, mine.brands.get())
    for user in (operator, make_user(staff=True)):
        client.force_login(user)
        assert len(_nodes(gql(PARCELS, {"workshop": gid(mine)}))) == 1


def test_other_workshop_consumer_and_anonymous_are_refused(client, gql, two_workshops):
    order, mine, theirs = two_workshops
    buyer = make_user()
    for user in (_manager(theirs), buyer, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        _refused(gql(PARCELS, {"workshop": gid(mine)}))
    # An unknown workshop is refused alike, except to platform operators.
    unknown = to_global_id("Workshop", 999999)
    client.force_login(_manager(theirs))
    _refused(gql(PARCELS, {"workshop": unknown}))
    client.force_login(make_user(staff=True))
    _refused(gql(PARCELS, {"workshop": unknown}), "NOT_FOUND")


def test_node_does_not_reach_another_workshops_parcel(client, gql, two_workshops):
    order, mine, theirs = two_workshops
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    query = "query($id: ID!) { node(id: $id) { id } }"
    client.force_login(_manager(theirs))
    assert gql(query, {"id": parcel_gid(parcel)})["data"]["node"] is None
    client.force_login(_manager(mine))
    assert gql(query, {"id": parcel_gid(parcel)})["data"]["node"] is not None


def test_listing_costs_the_same_queries_whatever_the_page(client, gql):
    variant = make_variant(1280, 50)
    workshop = Workshop.objects.get(pk=variant.workshop_id)
    paid_order(client, [(variant, 1)])
    client.force_login(_manager(workshop))
    variables = {"workshop": gid(workshop)}
    with CaptureQueriesContext(connection) as one:
        assert len(_nodes(gql(PARCELS, variables))) == 1
    for _ in range(4):
        paid_order(client, [(variant, 1), (make_variant(500, 5), 1)])
    client.force_login(_manager(workshop))
    with CaptureQueriesContext(connection) as five:
        assert len(_nodes(gql(PARCELS, variables))) == 5
    assert len(five) == len(one), [q["sql"] for q in five]
    assert len(five) <= 10


def test_page_size_is_capped_and_cursors_page_on(client, gql):
    variant = make_variant(1280, 50)
    workshop = Workshop.objects.get(pk=variant.workshop_id)
    for _ in range(3):
        paid_order(client, [(variant, 1)])
    client.force_login(_manager(workshop))
    body = gql(PARCELS, {"workshop": gid(workshop), "first": 2})
    page = body["data"]["workshopFulfillments"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = gql(
        PARCELS,
        {
            "workshop": gid(workshop),
            "first": 1000,
            "after": page["pageInfo"]["endCursor"],
        },
    )
    assert len(_nodes(rest)) == 1


# Shipping ---------------------------------------------------------------------


def _ship(gql, fulfillment, carrier="sf", number=SF_NUMBER, **extra):
    variables = {
        "id": parcel_gid(fulfillment),
        "input": {"carrier": carrier, "trackingNumber": number, **extra},
    }
    return gql(SHIP, variables)


def test_manager_ships_own_parcel(client, gql, two_workshops):
    order, mine, theirs = two_workshops
    manager = _manager(mine)
    client.force_login(manager)
    parcel = Fulfillment.objects.get(order=order, workshop=mine)

    payload = payload_of(_ship(gql, parcel), "fulfillmentShip")

    assert payload["errors"] == []
    shipped = payload["fulfillment"]
    assert (shipped["status"], shipped["trackingNumber"]) == ("SHIPPED", SF_NUMBER)
    assert shipped["carrier"] == "sf" and SF_NUMBER in shipped["trackingUrl"]
    parcel.refresh_from_db()
    order.refresh_from_db()
    assert parcel.status == FulfillmentStatus.SHIPPED
    # The other workshop's parcel still waits.
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert order.events.get(type=OrderEventType.SHIPPED).user == manager


def test_saleor_style_fulfillment_id_is_accepted(client, gql, two_workshops):
    order, mine, _ = two_workshops
    client.force_login(_manager(mine))
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    body = gql(
        SHIP,
        {
            "id": to_global_id("Fulfillment", parcel.pk),
            "input": {"carrier": "sf", "trackingNumber": SF_NUMBER},
        },
    )
    assert payload_of(body, "fulfillmentShip")["errors"] == []


def test_others_cannot_ship_a_parcel(client, gql, two_workshops):
    order, mine, theirs = two_workshops
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    for user in (_manager(theirs), make_user(), None):
        client.logout()
        if user is not None:
            client.force_login(user)
        payload = assert_refused(
            _ship(gql, parcel), "fulfillmentShip", "PERMISSION_DENIED", "id"
        )
        assert payload["fulfillment"] is None
    parcel.refresh_from_db()
    assert parcel.status == FulfillmentStatus.PENDING
    # A parcel that does not exist: refused alike, NOT_FOUND for operators.
    missing = to_global_id("WorkshopFulfillment", 999999)
    client.force_login(_manager(theirs))
    body = gql(SHIP, {"id": missing, "input": {"carrier": "sf", "trackingNumber": "1"}})
    assert_refused(body, "fulfillmentShip", "PERMISSION_DENIED", "id")
    client.force_login(make_user(staff=True))
    body = gql(SHIP, {"id": missing, "input": {"carrier": "sf", "trackingNumber": "1"}})
    assert_refused(body, "fulfillmentShip", "NOT_FOUND", "id")


def test_wrong_tracking_format_and_unknown_carrier_are_refused(
    client, gql, two_workshops
):
    order, mine, _ = two_workshops
    client.force_login(_manager(mine))
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    assert_refused(
        _ship(gql, parcel, number="12AB"),
        "fulfillmentShip",
        "TRACKING_FORMAT",
        "trackingNumber",
    )
    body = _ship(gql, parcel, carrier="pigeon")
    assert payload_of(body, "fulfillmentShip")["errors"][0]["code"] == (
        "UNKNOWN_CARRIER"
    )
    assert_refused(
        _ship(gql, parcel, number="  "),
        "fulfillmentShip",
        "TRACKING_REQUIRED",
        "trackingNumber",
    )
    parcel.refresh_from_db()
    assert parcel.status == FulfillmentStatus.PENDING


def test_shipping_twice_or_an_unpaid_order_is_refused(client, gql, two_workshops):
    order, mine, _ = two_workshops
    client.force_login(_manager(mine))
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    assert payload_of(_ship(gql, parcel), "fulfillmentShip")["errors"] == []
    body = _ship(gql, parcel, number="SF9999999999999")
    [error] = payload_of(body, "fulfillmentShip")["errors"]
    assert (error["code"], error["saleorCode"]) == (
        "ALREADY_SHIPPED",
        "FULFILL_ORDER_LINE",
    )
    parcel.refresh_from_db()
    assert parcel.tracking_number == SF_NUMBER

    variant = make_variant(1280, 5, workshop=mine)
    unpaid, _ = place_order([(variant, 1)])
    body = _ship(gql, Fulfillment.objects.get(order=unpaid))
    assert payload_of(body, "fulfillmentShip")["errors"][0]["code"] == "NOT_PAID"
    assert Fulfillment.objects.get(order=unpaid).status == FulfillmentStatus.PENDING


@pytest.mark.parametrize("notify", [True, False])
def test_notify_customer_decides_the_shipping_email(
    client, gql, two_workshops, notify, mailoutbox, django_capture_on_commit_callbacks
):
    order, mine, _ = two_workshops
    client.force_login(_manager(mine))
    parcel = Fulfillment.objects.get(order=order, workshop=mine)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        body = _ship(gql, parcel, notifyCustomer=notify)
    assert payload_of(body, "fulfillmentShip")["errors"] == []
    shipping = [m for m in mailoutbox if SF_NUMBER in m.body]
    assert len(shipping) == (1 if notify else 0)
    assert order.email in (shipping[0].to if notify else [order.email])
