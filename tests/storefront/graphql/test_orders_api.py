"""Orders over GraphQL in Saleor's shape: the customer's page by secret token
(`orderByToken`, never cached), and refunds by platform operators
(`orderRefund(id, amount: PositiveDecimal!)` in yuan), refused to everyone
else with `errors { field code shopCode message }` (Saleor's OrderErrorCode,
our precise code in shopCode) and nothing changed.

Refunds go through the real `stripe` library to the session's localstripe
(`stripe_settings`)."""

import json

import pytest
from graphql_relay import to_global_id

from brands.models import Role
from storefront.catalog.models import Stock
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Refund, RefundStatus
from tests.factories import grant, make_user
from tests.shop_helpers import deliver_event, make_variant, paid_order, place_order
from tests.storefront.graphql.test_checkout_mutations import (
    ADDRESS,
    db_state,
    graphql_paid_order,
    pay_by_webhook,
    payload_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

ORDER = """query($token: UUID!) {
  orderByToken(token: $token) {
    id number token status statusDisplay shopStatus created paidAt reservedUntil
    userEmail email customerNote isPaid paymentStatus chargeStatus authorizeStatus
    shippingAddress { firstName phone countryArea city cityArea streetAddress1 }
    billingAddress { firstName countryArea }
    lines {
      id productName variantName productSku sku brandName workshopName villageName
      unitPrice { gross { amount: fractionalAmount formatted } }
      quantity totalPrice { gross { amount: fractionalAmount } }
      quantityFulfilled quantityRestocked variant { id }
    }
    fulfillments {
      workshopName status parcelStatus carrier trackingNumber shippedAt
      subtotal { amount: fractionalAmount } shippingPrice { amount: fractionalAmount }
      lines { quantity orderLine { id } }
    }
    subtotal { gross { amount: fractionalAmount } }
    shippingPrice { gross { amount: fractionalAmount } tax { amount } }
    total { gross { amount: fractionalAmount } }
    totalCharged { amount: fractionalAmount } totalRefunded { amount: fractionalAmount }
    paid { amount: fractionalAmount } refunded { amount: fractionalAmount }
      refundable { amount: fractionalAmount }
    events { type shopType user { email } data }
  }
}"""
STATUS = """query($token: UUID!) { orderByToken(token: $token) { status paid {
  amount: fractionalAmount } } }"""
REFUND = """mutation($id: ID!, $amount: PositiveDecimal!,
                     $restock: [OrderRefundLineInput!], $reason: String) {
  orderRefund(id: $id, amount: $amount, restock: $restock, reason: $reason) {
    order { number status shopStatus paymentStatus refunded {
      amount: fractionalAmount } refundable { amount: fractionalAmount }
            lines { id quantityRestocked } }
    refund { amount { amount: fractionalAmount } status reason }
    errors { field code shopCode message }
    orderErrors { field code shopCode message }
    paymentErrors { field code shopCode message }
  }
}"""
# Our codes and the Saleor OrderErrorCode each is answered with.
SALEOR_CODE = {
    "REFUND_EXCEEDS_PAID": "CANNOT_REFUND",
    "INVALID_AMOUNT": "INVALID",
    "PERMISSION_DENIED": "INVALID",
    "NOT_FOUND": "NOT_FOUND",
    "NOT_PAID": "CANNOT_REFUND",
    "INVALID_RESTOCK": "INVALID_QUANTITY",
}


def assert_refused(body: dict, name: str, shop_code: str, field: str | None) -> dict:
    """Exactly one error: Saleor's code, ours in shopCode, on `field`, with a
    message in Chinese and English (and the same in orderErrors)."""
    payload = payload_of(body, name)
    [error] = payload["errors"]
    assert error["shopCode"] == shop_code, error
    assert error["code"] == SALEOR_CODE[shop_code], error
    assert error["field"] == field, error
    zh, _, en = error["message"].partition(" / ")
    assert zh and en and zh != en, error
    assert payload["orderErrors"] == payload["errors"]
    return payload


def post(client, query, variables=None):
    return client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )


def order_gid(order) -> str:
    return to_global_id("Order", order.pk)


def line_gid(line) -> str:
    return to_global_id("OrderLine", line.pk)


@pytest.fixture
def paid(client):
    """A paid order of 3 × ¥39.80 (free shipping above ¥99): ¥119.40."""
    variant = make_variant(3980, 10, name="淡菜干")
    return paid_order(client, [(variant, 3)], email="buyer@example.com")


@pytest.fixture
def operator(client):
    user = make_user(staff=True)
    client.force_login(user)
    return user


# --- order(token) -----------------------------------------------------------------


def test_order_by_token_shows_what_was_bought_as_it_was(client, gql, paid):
    line = paid.lines.get()
    variant = line.variant
    variant.product.name = "改名后的淡菜"
    variant.product.save()
    variant.price_fen = 9999
    variant.save()

    order = gql(ORDER, {"token": str(paid.token)})["data"]["orderByToken"]

    assert order["number"] == paid.number and order["token"] == str(paid.token)
    # Saleor's status and payment status; ours alongside.
    assert order["status"] == "UNFULFILLED" and order["shopStatus"] == "PAID"
    assert order["statusDisplay"] == "已支付 paid"
    assert order["isPaid"] is True and order["paymentStatus"] == "FULLY_CHARGED"
    assert order["chargeStatus"] == order["authorizeStatus"] == "FULL"
    assert order["id"] == order_gid(paid)
    assert order["email"] == order["userEmail"] == "buyer@example.com"
    assert order["customerNote"] == ""
    assert order["paidAt"] and order["reservedUntil"] is None
    assert order["shippingAddress"] == ADDRESS
    assert order["billingAddress"] == {
        "firstName": ADDRESS["firstName"],
        "countryArea": ADDRESS["countryArea"],
    }
    assert order["lines"] == [
        {
            "id": line_gid(line),
            "productName": "淡菜干",
            "variantName": line.variant_name,
            "productSku": line.sku,
            "sku": line.sku,
            "brandName": line.brand_name,
            "workshopName": line.workshop_name,
            "villageName": line.village_name,
            "unitPrice": {"gross": {"amount": 3980, "formatted": "¥39.80"}},
            "quantity": 3,
            "totalPrice": {"gross": {"amount": 11940}},
            "quantityFulfilled": 0,
            "quantityRestocked": 0,
            "variant": {"id": to_global_id("ProductVariant", variant.pk)},
        }
    ]
    assert order["fulfillments"] == [
        {
            "workshopName": line.workshop_name,
            "status": "WAITING_FOR_APPROVAL",
            "parcelStatus": "PENDING",
            "carrier": "",
            "trackingNumber": "",
            "shippedAt": None,
            "subtotal": {"amount": 11940},
            "shippingPrice": {"amount": 0},
            "lines": [{"quantity": 3, "orderLine": {"id": line_gid(line)}}],
        }
    ]
    assert order["total"] == {"gross": {"amount": 11940}}
    assert order["shippingPrice"] == {"gross": {"amount": 0}, "tax": {"amount": 0.0}}
    assert order["paid"] == order["totalCharged"] == {"amount": 11940}
    assert order["refunded"] == order["totalRefunded"] == {"amount": 0}
    assert order["refundable"] == {"amount": 11940}
    # The event log is for operators.
    assert order["events"] == []


def test_order_query_count_does_not_grow_with_lines(
    client, gql, django_assert_max_num_queries
):
    variants = [make_variant(1000 + i, 5) for i in range(4)]
    order = paid_order(client, [(v, 2) for v in variants])
    # The order, its lines (with variant and product), the products' photos,
    # its parcels with their workshops.
    with django_assert_max_num_queries(4):
        body = gql(ORDER, {"token": str(order.token)})
    assert len(body["data"]["orderByToken"]["lines"]) == 4
    assert len(body["data"]["orderByToken"]["fulfillments"]) == 4


def test_the_event_log_is_shown_to_platform_operators_only(client, gql, paid):
    customer = make_user()
    client.force_login(customer)
    assert (
        gql(ORDER, {"token": str(paid.token)})["data"]["orderByToken"]["events"] == []
    )

    client.force_login(make_user(staff=True))
    events = gql(ORDER, {"token": str(paid.token)})["data"]["orderByToken"]["events"]
    assert [e["shopType"] for e in events] == ["PLACED", "PAYMENT_STARTED", "PAID"]
    # Saleor's event types, mapped from ours.
    assert [e["type"] for e in events] == ["PLACED", "OTHER", "ORDER_FULLY_PAID"]
    assert json.loads(events[2]["data"])["amount_fen"] == 11940


def test_an_unknown_or_malformed_token_reads_nothing(gql):
    unknown = gql(STATUS, {"token": "8a7e5b1c-8d1e-4bb5-9a36-3b0e3a1f0c11"})
    assert unknown == {"data": {"orderByToken": None}}
    assert gql(STATUS, {"token": "GF-2026-000001"}, status=400)["errors"]


def test_node_cannot_reach_an_order_by_its_id(client, gql, paid):
    body = post(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": order_gid(paid)}
    )
    data = body.json()
    assert data["data"]["node"] is None
    assert paid.number not in body.content.decode()


# --- never cached ---------------------------------------------------------------


def test_order_by_token_is_never_cached_so_paid_shows_at_once(client, gql):
    """An anonymous read of the order page, the webhook, and the next read
    already says PAID (public catalogue answers are cached for 60 s)."""
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 1)])

    first = post(client, STATUS, {"token": str(order.token)})
    assert first.json()["data"]["orderByToken"]["status"] == "UNCONFIRMED"
    assert "X-Page-Cache" not in first

    pay_by_webhook(client, payment.payment_intent_id)

    second = post(client, STATUS, {"token": str(order.token)})
    assert "X-Page-Cache" not in second
    assert second.json()["data"]["orderByToken"] == {
        "status": "UNFULFILLED",
        "paid": {"amount": order.total_fen},
    }


@pytest.mark.parametrize(
    "query",
    [
        # Mixed with a public field, behind a fragment, or an inline fragment.
        "query($t: UUID!) { products { totalCount } orderByToken(token: $t) { id } }",
        "query($t: UUID!) { ...F } fragment F on Query { orderByToken(token: $t) "
        "{ id } }",
        "query($t: UUID!) { ... on Query { orderByToken(token: $t) { id } } }",
        "query($t: UUID!) { checkout(token: $t) { email } }",
    ],
)
def test_no_query_reaching_an_order_or_a_cart_is_cached(client, query):
    variant = make_variant(1280, 5)
    order, _ = place_order([(variant, 1)])
    for _ in range(2):
        response = post(client, query, {"t": str(order.token)})
        assert response.status_code == 200
        assert "X-Page-Cache" not in response


def test_the_cacheable_fields_are_catalogue_fields_of_the_schema():
    from config.schema import schema
    from storefront.graphql.view import PUBLIC_CATALOGUE_FIELDS

    fields = schema.graphql_schema.query_type.fields
    assert PUBLIC_CATALOGUE_FIELDS - {"__typename"} <= set(fields)
    assert not {"order", "orderByToken", "checkout", "node"} & PUBLIC_CATALOGUE_FIELDS


def test_public_catalogue_queries_are_still_cached(client):
    make_variant(1280, 5)
    query = (
        "{ products { totalCount } ...B } fragment B on Query { brands { totalCount } }"
    )
    assert post(client, query)["X-Page-Cache"] == "miss"
    assert post(client, query)["X-Page-Cache"] == "hit"


# --- orderRefund ----------------------------------------------------------------


def test_an_operator_refunds_part_then_the_rest(client, gql, paid, operator):
    line = paid.lines.get()
    stock_before = Stock.objects.get(variant=line.variant)

    body = gql(
        REFUND,
        {
            "id": order_gid(paid),
            "amount": "39.8",
            "restock": [{"orderLineId": line_gid(line), "quantity": 1}],
            "reason": "一袋破损",
        },
    )

    payload = payload_of(body, "orderRefund")
    assert payload["errors"] == [] and payload["paymentErrors"] == []
    assert payload["refund"] == {
        "amount": {"amount": 3980},
        "status": "SUCCEEDED",
        "reason": "一袋破损",
    }
    assert payload["order"]["shopStatus"] == "PARTIALLY_REFUNDED"
    assert payload["order"]["status"] == "PARTIALLY_RETURNED"
    assert payload["order"]["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert payload["order"]["refunded"] == {"amount": 3980}
    assert payload["order"]["refundable"] == {"amount": 11940 - 3980}
    assert payload["order"]["lines"] == [{"id": line_gid(line), "quantityRestocked": 1}]
    stock = Stock.objects.get(variant=line.variant)
    assert stock.quantity_reserved == stock_before.quantity_reserved - 1
    refund = Refund.objects.get()
    stripe_refund = gateway.client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert stripe_refund.amount == 3980

    # By number, everything that remains (a number, as JSON clients send it).
    body = gql(REFUND, {"id": paid.number, "amount": 79.6})

    payload = payload_of(body, "orderRefund")
    assert payload["errors"] == []
    assert payload["order"]["shopStatus"] == "REFUNDED"
    assert payload["order"]["status"] == "RETURNED"
    assert payload["order"]["paymentStatus"] == "FULLY_REFUNDED"
    assert payload["order"]["refunded"] == {"amount": 11940}
    assert payload["order"]["refundable"] == {"amount": 0}
    paid.refresh_from_db()
    assert paid.refunded_fen == paid.paid_fen == 11940
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 2


@pytest.mark.parametrize("amount", ["119.41", "21474836.47"])
def test_a_refund_larger_than_what_remains_is_refused(gql, paid, operator, amount):
    before = db_state()
    body = gql(REFUND, {"id": order_gid(paid), "amount": amount})
    payload = assert_refused(body, "orderRefund", "REFUND_EXCEEDS_PAID", "amount")
    assert "¥119.40" in payload["errors"][0]["message"]
    assert payload["order"] is None and payload["refund"] is None
    assert db_state() == before


def test_after_a_partial_refund_only_the_rest_can_go_back(gql, paid, operator):
    assert (
        payload_of(gql(REFUND, {"id": paid.number, "amount": "100"}), "orderRefund")[
            "errors"
        ]
        == []
    )
    before = db_state()
    body = gql(REFUND, {"id": paid.number, "amount": "19.41"})
    assert_refused(body, "orderRefund", "REFUND_EXCEEDS_PAID", "amount")
    assert db_state() == before


@pytest.mark.parametrize("amount", [0, "0.00", "0.001", "39.805", "1e30"])
def test_nothing_or_more_than_two_decimals_is_an_invalid_amount(
    gql, paid, operator, amount
):
    """Yuan are read exactly (never through a float): a fraction of a fen is
    refused, not rounded."""
    before = db_state()
    body = gql(REFUND, {"id": paid.number, "amount": amount})
    assert_refused(body, "orderRefund", "INVALID_AMOUNT", "amount")
    assert db_state() == before


@pytest.mark.parametrize("amount", [-1, "-0.01", "abc", "NaN", True])
def test_a_negative_or_non_numeric_amount_fails_graphql_validation(
    gql, paid, operator, amount
):
    before = db_state()
    body = gql(REFUND, {"id": paid.number, "amount": amount}, status=400)
    assert "PositiveDecimal" in body["errors"][0]["message"]
    assert db_state() == before


@pytest.mark.parametrize("who", ["anonymous", "customer", "manager", "brand"])
def test_only_platform_operators_may_refund(client, gql, paid, who):
    line = paid.lines.get()
    if who == "customer":
        client.force_login(make_user(email="buyer@example.com"))
    elif who == "manager":
        manager = make_user()
        grant(manager, Role.WORKSHOP_MANAGER, line.workshop)
        client.force_login(manager)
    elif who == "brand":
        brand_operator = make_user()
        grant(brand_operator, Role.BRAND_OPERATOR, line.variant.product.brand)
        client.force_login(brand_operator)
    before = db_state()

    for order_id in (order_gid(paid), paid.number, "GF-2026-999999"):
        body = gql(
            REFUND,
            {
                "id": order_id,
                "amount": 100,
                "restock": [{"orderLineId": line_gid(line), "quantity": 1}],
            },
        )
        payload = assert_refused(body, "orderRefund", "PERMISSION_DENIED", None)
        assert payload["order"] is None
    assert db_state() == before


def test_an_unknown_order_is_not_found_for_an_operator(gql, operator):
    for order_id in ("GF-2026-999999", to_global_id("Order", 999999), "garbage"):
        body = gql(REFUND, {"id": order_id, "amount": "1"})
        assert_refused(body, "orderRefund", "NOT_FOUND", "id")


def test_an_unpaid_order_cannot_be_refunded(gql, operator):
    order, _ = place_order([(make_variant(1280, 5), 1)])
    before = db_state()
    body = gql(REFUND, {"id": order.number, "amount": "12.80"})
    assert_refused(body, "orderRefund", "NOT_PAID", "id")
    assert db_state() == before


@pytest.mark.parametrize(
    "restock", ["too_many", "garbage", "raw_pk", "other_order", "negative"]
)
def test_bad_restock_lines_are_refused(client, gql, paid, operator, restock):
    line = paid.lines.get()
    line_id, quantity = line_gid(line), 1
    if restock == "too_many":
        quantity = 4
    elif restock == "garbage":
        line_id = "garbage"
    elif restock == "raw_pk":
        line_id = str(line.pk)  # IDs are global IDs, not database keys
    elif restock == "other_order":
        other = paid_order(client, [(make_variant(1000, 5), 1)])
        line_id = line_gid(other.lines.get())
    elif restock == "negative":
        quantity = -1
    before = db_state()

    body = gql(
        REFUND,
        {
            "id": paid.number,
            "amount": "39.80",
            "restock": [{"orderLineId": line_id, "quantity": quantity}],
        },
    )

    assert_refused(body, "orderRefund", "INVALID_RESTOCK", "restock")
    assert db_state() == before


def test_when_stripe_cannot_be_reached_no_refund_is_booked(
    gql, settings, paid, operator
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: refused
    before = db_state()

    body = gql(REFUND, {"id": paid.number, "amount": "5"})

    payload = payload_of(body, "orderRefund")
    assert payload["errors"] == [] and payload["order"] is None
    [error] = payload["paymentErrors"]
    assert (error["code"], error["shopCode"]) == ("PAYMENT_ERROR", "PROVIDER_ERROR")
    assert db_state() == before


def test_the_whole_path_through_graphql_ends_refundable(client, gql):
    """checkoutComplete → webhook → orderRefund, all through the API."""
    variant = make_variant(2000, 5)
    order = graphql_paid_order(client, gql, [(variant, 2)])
    client.force_login(make_user(staff=True))

    payload = payload_of(
        gql(REFUND, {"id": order_gid(order), "amount": "50.00"}), "orderRefund"
    )

    assert payload["errors"] == []
    assert payload["order"]["shopStatus"] == "REFUNDED"
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    # A replayed webhook for the same payment changes nothing now.
    payment = order.payments.get()
    intent = gateway.client().v1.payment_intents.retrieve(payment.payment_intent_id)
    before = db_state()
    response = deliver_event(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200
    after = db_state()
    assert after["orders"] == before["orders"] and after["refunds"] == before["refunds"]
    assert Order.objects.get(pk=order.pk).refunded_fen == 4000 + 1000  # + shipping
