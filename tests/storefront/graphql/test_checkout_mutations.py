"""The checkout over GraphQL: Saleor's mutation names, errors as data
(`errors { field code message }`), and a database left exactly as it was
whenever a mutation refuses.

Anything that reaches Stripe runs against the session's localstripe through
the `stripe_settings` fixture; nothing is mocked."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import from_global_id, to_global_id

from storefront.catalog.models import Stock
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from storefront.payments.models import Payment, Refund, StripeEvent
from tests.factories import make_brand, make_user, make_workshop
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    pay_intent,
    set_stock,
)

pytestmark = pytest.mark.django_db

# Saleor's AddressInput: firstName is the recipient, countryArea the
# province, cityArea the district, streetAddress1 the street address.
ADDRESS = {
    "firstName": "王小明",
    "phone": "13800138000",
    "countryArea": "浙江省",
    "city": "舟山市",
    "cityArea": "嵊泗县",
    "streetAddress1": "菜园镇 1 号",
}
# `code` is Saleor's CheckoutErrorCode; these tests read the shop's own,
# more precise code (shopCode) under that name.
ERRORS = "errors { field code: shopCode message saleorCode: code }"
CHECKOUT = """
  id token email note quantity
  lines {
    id quantity
    variant { id sku }
    product { name slug }
    unitPrice { gross { amount: fractionalAmount currency formatted } }
    totalPrice { gross { amount: fractionalAmount } }
  }
  shippingAddress {
    recipientName phone province city district streetAddress
  }
  shipments {
    workshopName
    lines { id }
    subtotal { amount: fractionalAmount }
    shippingPrice { amount: fractionalAmount }
    freeShippingThreshold { amount: fractionalAmount }
  }
  subtotalPrice { gross { amount: fractionalAmount } }
  shippingPrice { gross { amount: fractionalAmount } }
  totalPrice { gross { amount: fractionalAmount formatted } }
"""

CREATE = f"""mutation($input: CheckoutCreateInput!) {{
  checkoutCreate(input: $input) {{ checkout {{ {CHECKOUT} }} {ERRORS} }}
}}"""
LINES_ADD = f"""mutation($token: ID!, $lines: [CheckoutLineInput!]!) {{
  checkoutLinesAdd(id: $token, lines: $lines) {{
    checkout {{ {CHECKOUT} }} {ERRORS}
  }}
}}"""
LINES_UPDATE = f"""mutation($token: ID!, $lines: [CheckoutLineUpdateInput!]!) {{
  checkoutLinesUpdate(id: $token, lines: $lines) {{
    checkout {{ {CHECKOUT} }} {ERRORS}
  }}
}}"""
LINES_DELETE = f"""mutation($token: ID!, $variantIds: [ID!], $linesIds: [ID!]! = []) {{
  checkoutLinesDelete(id: $token, variantIds: $variantIds, linesIds: $linesIds) {{
    checkout {{ {CHECKOUT} }} {ERRORS}
  }}
}}"""
EMAIL = f"""mutation($token: ID!, $email: String!) {{
  checkoutEmailUpdate(id: $token, email: $email) {{
    checkout {{ email }} {ERRORS}
  }}
}}"""
ADDRESS_UPDATE = f"""mutation($token: ID!, $address: AddressInput!) {{
  checkoutShippingAddressUpdate(id: $token, shippingAddress: $address) {{
    checkout {{ shippingAddress {{ recipientName phone province }} }} {ERRORS}
  }}
}}"""
NOTE = f"""mutation($token: ID!, $note: String!) {{
  checkoutNoteUpdate(id: $token, note: $note) {{ checkout {{ note }} {ERRORS} }}
}}"""
COMPLETE = f"""mutation($token: ID!, $expectedTotal: Int) {{
  checkoutComplete(id: $token, expectedTotal: $expectedTotal) {{
    order {{ id number }}
    payment {{
      paymentIntentId clientSecret publishableKey paymentMethodTypes
      amount {{ amount: fractionalAmount currency }}
    }}
    {ERRORS}
    paymentErrors {{ field code: shopCode message }}
  }}
}}"""
CHECKOUT_QUERY = f"""query($token: ID!) {{ checkout(id: $token) {{ {CHECKOUT} }} }}"""


# --- helpers (test_orders_api.py uses them too) --------------------------------


def _gross(value):
    """Saleor's TaxedMoney read as its gross (net is the same, tax 0 — a
    test of its own checks that), so the assertions compare plain amounts."""
    if isinstance(value, dict):
        if set(value) == {"gross"}:
            return _gross(value["gross"])
        return {key: _gross(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_gross(item) for item in value]
    return value


@pytest.fixture
def gql(gql):
    def run(query, variables=None, **kwargs):
        return _gross(gql(query, variables, **kwargs))

    return run


def tok(checkout_id: str) -> uuid.UUID:
    """The token inside a Checkout id ("Checkout:<token>")."""
    type_name, token = from_global_id(checkout_id)
    assert type_name == "Checkout"
    return uuid.UUID(token)


def gid(variant) -> str:
    return to_global_id("ProductVariant", variant.pk)


def db_state() -> dict:
    """Everything a checkout mutation could touch, to prove it touched nothing."""
    return {
        "checkouts": list(Checkout.objects.order_by("pk").values()),
        "lines": list(CheckoutLine.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "order_lines": list(OrderLine.objects.order_by("pk").values()),
        "events": OrderEvent.objects.count(),
        "payments": list(Payment.objects.order_by("pk").values()),
        "refunds": list(Refund.objects.order_by("pk").values()),
        "stripe_events": StripeEvent.objects.count(),
    }


def payload_of(body: dict, name: str) -> dict:
    assert "errors" not in body, body
    return body["data"][name]


def assert_refused(body: dict, name: str, code: str, field: str | None) -> dict:
    """The mutation answered with exactly one error of this code and field,
    with a message in Chinese and English."""
    payload = payload_of(body, name)
    assert len(payload["errors"]) == 1, payload
    error = payload["errors"][0]
    assert error["code"] == code, error
    assert error["field"] == field, error
    zh, _, en = error["message"].partition(" / ")
    assert zh and en and zh != en, error
    return payload


def create_checkout(gql, lines=(), email="buyer@example.com") -> dict:
    body = gql(
        CREATE,
        {
            "input": {
                "email": email,
                "lines": [{"variantId": gid(v), "quantity": q} for v, q in lines],
            }
        },
    )
    payload = payload_of(body, "checkoutCreate")
    assert payload["errors"] == [], payload
    return payload["checkout"]


def ready_checkout(gql, lines) -> str:
    """A cart with lines, email and address, through GraphQL: its token."""
    token = create_checkout(gql, lines)["id"]
    body = gql(ADDRESS_UPDATE, {"token": token, "address": ADDRESS})
    assert payload_of(body, "checkoutShippingAddressUpdate")["errors"] == []
    return token


def complete(gql, token, expected_total=None) -> dict:
    body = gql(COMPLETE, {"token": token, "expectedTotal": expected_total})
    return payload_of(body, "checkoutComplete")


def pay_by_webhook(client, payment_intent_id: str) -> None:
    """Pay at localstripe as the browser would, then deliver the signed
    payment_intent.succeeded event: the only thing that marks an order paid."""
    payment = Payment.objects.get(payment_intent_id=payment_intent_id)
    intent = pay_intent(payment)
    assert intent.status == "succeeded"
    response = deliver_event(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200, response.content


def graphql_paid_order(client, gql, lines) -> Order:
    """An order placed through GraphQL and paid through the webhook."""
    token = ready_checkout(gql, lines)
    payload = complete(gql, token)
    assert payload["errors"] == [] and payload["paymentErrors"] == [], payload
    pay_by_webhook(client, payload["payment"]["paymentIntentId"])
    order = Order.objects.get(number=payload["order"]["number"])
    assert order.status == OrderStatus.PAID
    return order


@pytest.fixture
def island():
    """A workshop with the default rate: ¥10 shipping, free from ¥99."""
    brand = make_brand(name="斑斓海岸")
    return make_workshop(
        brands=[brand],
        name="嵊泗贻贝工坊",
        shipping_fee_fen=1000,
        free_shipping_threshold_fen=9900,
    )


@pytest.fixture
def mussels(island):
    return make_variant(3980, 10, workshop=island, name="淡菜干")


@pytest.fixture
def seaweed():
    hill = make_workshop(
        brands=[make_brand()],
        name="象山紫菜工坊",
        shipping_fee_fen=800,
        free_shipping_threshold_fen=None,
    )
    return make_variant(1500, 10, workshop=hill, name="紫菜")


# --- the whole path ---------------------------------------------------------------


def test_create_lines_email_address_complete_webhook_then_the_order_is_paid(
    client, gql, stripe_settings, mussels, seaweed
):
    checkout = create_checkout(gql, [(mussels, 1)], email="")
    token = checkout["id"]
    assert checkout["email"] is None

    body = gql(
        LINES_ADD,
        {
            "token": token,
            "lines": [
                {"variantId": gid(mussels), "quantity": 1},
                {"variantId": gid(seaweed), "quantity": 2},
            ],
        },
    )
    cart = payload_of(body, "checkoutLinesAdd")["checkout"]
    assert [(line["variant"]["sku"], line["quantity"]) for line in cart["lines"]] == [
        (mussels.sku, 2),
        (seaweed.sku, 2),
    ]
    payload = payload_of(
        gql(EMAIL, {"token": token, "email": "buyer@example.com"}),
        "checkoutEmailUpdate",
    )
    assert payload == {"checkout": {"email": "buyer@example.com"}, "errors": []}
    payload = payload_of(
        gql(ADDRESS_UPDATE, {"token": token, "address": ADDRESS}),
        "checkoutShippingAddressUpdate",
    )
    assert payload["errors"] == []
    payload = payload_of(
        gql(NOTE, {"token": token, "note": "请放门口"}), "checkoutNoteUpdate"
    )
    assert payload == {"checkout": {"note": "请放门口"}, "errors": []}
    cart = gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"]
    # 2 × 39.80 = 79.60 (+10.00 shipping); 2 × 15.00 = 30.00 (+8.00).
    assert cart["totalPrice"]["amount"] == 7960 + 1000 + 3000 + 800

    result = complete(gql, token, expected_total=12760)

    assert result["errors"] == [] and result["paymentErrors"] == []
    payment = result["payment"]
    order = Order.objects.get(number=result["order"]["number"])
    assert result["order"]["id"] == to_global_id("Order", order.pk)
    assert order.status == OrderStatus.UNPAID
    assert order.email == "buyer@example.com" and order.note == "请放门口"
    assert order.total_fen == 12760
    assert payment["amount"] == {"amount": 12760, "currency": "CNY"}
    assert payment["clientSecret"].startswith(payment["paymentIntentId"])
    assert payment["publishableKey"] == "pk_test_gongfu_local"
    assert payment["paymentMethodTypes"] == ["card", "alipay", "wechat_pay"]
    assert {
        f.workshop.name: f.shipping_fen
        for f in order.fulfillments.select_related("workshop")
    } == {
        "嵊泗贻贝工坊": 1000,
        "象山紫菜工坊": 800,
    }
    assert not Checkout.objects.filter(token=tok(token)).exists()
    # The redirect back from payment shows "processing": still unpaid.
    assert order.paid_at is None

    pay_by_webhook(client, payment["paymentIntentId"])

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == 12760


def test_checkout_query_shows_lines_shipments_and_server_prices(gql, mussels, seaweed):
    token = create_checkout(gql, [(mussels, 3), (seaweed, 1)])["id"]
    gql(
        ADDRESS_UPDATE,
        {"token": token, "address": {**ADDRESS, "phone": "+86 138-0013-8000"}},
    )

    cart = gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"]

    assert cart["quantity"] == 4
    assert cart["lines"][0]["unitPrice"] == {
        "amount": 3980,
        "currency": "CNY",
        "formatted": "¥39.80",
    }
    assert cart["lines"][0]["totalPrice"] == {"amount": 11940}
    assert cart["lines"][0]["product"]["name"] == "淡菜干"
    # ¥119.40 from the island is above its ¥99 threshold: free shipping.
    assert [
        (s["workshopName"], s["subtotal"]["amount"], s["shippingPrice"]["amount"])
        for s in cart["shipments"]
    ] == [("嵊泗贻贝工坊", 11940, 0), ("象山紫菜工坊", 1500, 800)]
    assert cart["shipments"][0]["freeShippingThreshold"] == {"amount": 9900}
    assert cart["shipments"][1]["freeShippingThreshold"] is None
    assert cart["shipments"][0]["lines"] == [{"id": cart["lines"][0]["id"]}]
    assert cart["subtotalPrice"] == {"amount": 13440}
    assert cart["shippingPrice"] == {"amount": 800}
    assert cart["totalPrice"] == {"amount": 14240, "formatted": "¥142.40"}
    assert cart["shippingAddress"]["phone"] == "13800138000"


def test_an_empty_cart_has_no_address_and_zero_totals(gql):
    cart = create_checkout(gql)
    assert cart["lines"] == [] and cart["shipments"] == []
    assert cart["shippingAddress"] is None
    assert cart["totalPrice"]["amount"] == 0


# --- quantities -------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity, code",
    [
        (0, "INVALID_QUANTITY"),
        (-1, "INVALID_QUANTITY"),
        (-(2**31), "INVALID_QUANTITY"),
        (1000, "QUANTITY_TOO_LARGE"),
        (2**31 - 1, "QUANTITY_TOO_LARGE"),
    ],
)
def test_out_of_range_quantities_are_refused_and_change_nothing(
    gql, mussels, quantity, code
):
    token = create_checkout(gql, [(mussels, 1)])["id"]
    before = db_state()

    body = gql(
        LINES_ADD,
        {"token": token, "lines": [{"variantId": gid(mussels), "quantity": quantity}]},
    )

    payload = assert_refused(body, "checkoutLinesAdd", code, "lines.0.quantity")
    assert payload["checkout"] is None
    assert db_state() == before


@pytest.mark.parametrize("quantity", [2**31, 2**53, 10**30, 2.5, "3", None, True])
def test_quantities_that_are_not_32_bit_integers_fail_graphql_validation(
    client, mussels, quantity
):
    """GraphQL's Int is 32-bit: larger numbers, fractions, strings and null
    are refused before any resolver runs."""
    checkout = Checkout.objects.create()
    CheckoutLine.objects.create(checkout=checkout, variant=mussels, quantity=1)
    before = db_state()

    response = client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": LINES_ADD,
                "variables": {
                    "token": str(checkout.token),
                    "lines": [{"variantId": gid(mussels), "quantity": quantity}],
                },
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] and body["errors"][0]["message"]
    assert not (body.get("data") or {}).get("checkoutLinesAdd")
    assert db_state() == before


@pytest.mark.parametrize("literal", ["2147483648", "2.5", '"2"'])
def test_bad_quantity_literals_fail_validation(gql, mussels, literal):
    token = create_checkout(gql, [(mussels, 1)])["id"]
    before = db_state()
    query = f"""mutation {{
      checkoutLinesAdd(token: "{token}",
        lines: [{{variantId: "{gid(mussels)}", quantity: {literal}}}]) {{ {ERRORS} }}
    }}"""

    body = gql(query, status=400)

    assert body["errors"][0]["message"]
    assert db_state() == before


def test_adding_more_than_the_stock_or_999_in_total_is_refused(gql, mussels):
    token = create_checkout(gql, [(mussels, 8)])["id"]
    before = db_state()

    body = gql(
        LINES_ADD,
        {"token": token, "lines": [{"variantId": gid(mussels), "quantity": 3}]},
    )

    payload = assert_refused(
        body, "checkoutLinesAdd", "INSUFFICIENT_STOCK", "lines.0.quantity"
    )
    assert "仅剩 10 件" in payload["errors"][0]["message"]
    assert db_state() == before


def test_a_sold_out_variant_cannot_be_added(gql, mussels):
    set_stock(mussels, quantity=0)
    token = create_checkout(gql)["id"]
    before = db_state()

    body = gql(
        LINES_ADD,
        {"token": token, "lines": [{"variantId": gid(mussels), "quantity": 1}]},
    )

    payload = assert_refused(
        body, "checkoutLinesAdd", "INSUFFICIENT_STOCK", "lines.0.quantity"
    )
    assert "sold out" in payload["errors"][0]["message"]
    assert db_state() == before


def test_an_unpublished_variant_cannot_be_added(gql, mussels):
    hidden = make_variant(990, 5, published=False)
    token = create_checkout(gql, [(mussels, 1)])["id"]
    before = db_state()

    body = gql(
        LINES_ADD,
        {
            "token": token,
            "lines": [
                {"variantId": gid(mussels), "quantity": 1},
                {"variantId": gid(hidden), "quantity": 1},
            ],
        },
    )

    assert_refused(body, "checkoutLinesAdd", "PRODUCT_UNAVAILABLE", "lines.1.variantId")
    assert db_state() == before


@pytest.mark.parametrize(
    "variant_id",
    [
        "not-an-id",
        "",
        to_global_id("Product", 1),
        to_global_id("ProductVariant", "abc"),
        to_global_id("ProductVariant", -3),
        to_global_id("ProductVariant", 10**30),
    ],
)
def test_ids_that_are_not_variant_ids_are_errors_naming_the_line(
    gql, mussels, variant_id
):
    token = create_checkout(gql, [(mussels, 1)])["id"]
    before = db_state()

    body = gql(
        LINES_ADD,
        {
            "token": token,
            "lines": [
                {"variantId": gid(mussels), "quantity": 1},
                {"variantId": variant_id, "quantity": 1},
            ],
        },
    )

    assert_refused(body, "checkoutLinesAdd", "PRODUCT_UNAVAILABLE", "lines.1.variantId")
    assert db_state() == before


def test_a_variant_id_that_no_longer_exists_is_unavailable(gql, mussels):
    token = create_checkout(gql)["id"]
    before = db_state()
    body = gql(
        LINES_ADD,
        {
            "token": token,
            "lines": [
                {"variantId": to_global_id("ProductVariant", 999999), "quantity": 1}
            ],
        },
    )
    assert_refused(body, "checkoutLinesAdd", "PRODUCT_UNAVAILABLE", "lines.0.variantId")
    assert db_state() == before


def test_checkout_create_with_a_bad_line_leaves_no_cart_behind(gql, mussels):
    hidden = make_variant(990, 5, published=False)
    before = db_state()

    body = gql(
        CREATE,
        {
            "input": {
                "email": "buyer@example.com",
                "lines": [
                    {"variantId": gid(mussels), "quantity": 1},
                    {"variantId": gid(hidden), "quantity": 1},
                ],
            }
        },
    )

    payload = assert_refused(
        body, "checkoutCreate", "PRODUCT_UNAVAILABLE", "lines.1.variantId"
    )
    assert payload["checkout"] is None
    assert db_state() == before


@pytest.mark.parametrize(
    "email, code", [("not an email", "EMAIL_INVALID"), ("a@", "EMAIL_INVALID")]
)
def test_checkout_create_with_a_bad_email_creates_nothing(gql, mussels, email, code):
    before = db_state()
    body = gql(
        CREATE,
        {
            "input": {
                "email": email,
                "lines": [{"variantId": gid(mussels), "quantity": 1}],
            }
        },
    )
    assert_refused(body, "checkoutCreate", code, "email")
    assert db_state() == before


def test_lines_update_sets_quantities_and_zero_removes(gql, mussels, seaweed):
    token = create_checkout(gql, [(mussels, 1), (seaweed, 1)])["id"]

    body = gql(
        LINES_UPDATE,
        {
            "token": token,
            "lines": [
                {"variantId": gid(mussels), "quantity": 5},
                {"variantId": gid(seaweed), "quantity": 0},
            ],
        },
    )

    cart = payload_of(body, "checkoutLinesUpdate")["checkout"]
    assert [(line["variant"]["sku"], line["quantity"]) for line in cart["lines"]] == [
        (mussels.sku, 5)
    ]


@pytest.mark.parametrize(
    "quantity, code, field",
    [
        (-1, "INVALID_QUANTITY", "lines.0.quantity"),
        (1000, "QUANTITY_TOO_LARGE", "lines.0.quantity"),
        (11, "INSUFFICIENT_STOCK", "lines.0.quantity"),
    ],
)
def test_lines_update_refusals_change_nothing(gql, mussels, quantity, code, field):
    token = create_checkout(gql, [(mussels, 2)])["id"]
    before = db_state()
    body = gql(
        LINES_UPDATE,
        {"token": token, "lines": [{"variantId": gid(mussels), "quantity": quantity}]},
    )
    assert_refused(body, "checkoutLinesUpdate", code, field)
    assert db_state() == before


def test_lines_update_of_a_variant_not_in_the_cart_is_line_not_found(
    gql, mussels, seaweed
):
    token = create_checkout(gql, [(mussels, 2)])["id"]
    before = db_state()
    body = gql(
        LINES_UPDATE,
        {
            "token": token,
            "lines": [
                {"variantId": gid(mussels), "quantity": 1},
                {"variantId": gid(seaweed), "quantity": 1},
            ],
        },
    )
    assert_refused(body, "checkoutLinesUpdate", "LINE_NOT_FOUND", "lines.1.variantId")
    assert db_state() == before


def test_lines_delete_by_variant_ids_or_by_line_ids(gql, mussels, seaweed):
    cart = create_checkout(gql, [(mussels, 1), (seaweed, 1)])
    token = cart["id"]
    seaweed_line = cart["lines"][1]["id"]

    body = gql(LINES_DELETE, {"token": token, "linesIds": [seaweed_line]})
    cart = payload_of(body, "checkoutLinesDelete")["checkout"]
    assert [line["variant"]["sku"] for line in cart["lines"]] == [mussels.sku]

    body = gql(LINES_DELETE, {"token": token, "variantIds": [gid(mussels)]})
    assert payload_of(body, "checkoutLinesDelete")["checkout"]["lines"] == []


def test_lines_delete_removes_nothing_unless_every_id_is_in_the_cart(
    gql, mussels, seaweed
):
    cart = create_checkout(gql, [(mussels, 1)])
    other = create_checkout(gql, [(seaweed, 1)])
    before = db_state()

    body = gql(
        LINES_DELETE,
        {"token": cart["id"], "variantIds": [gid(mussels), gid(seaweed)]},
    )
    assert_refused(body, "checkoutLinesDelete", "LINE_NOT_FOUND", "variantIds.1")
    # Another cart's line is not this cart's.
    body = gql(
        LINES_DELETE,
        {
            "token": cart["id"],
            "variantIds": [gid(mussels)],
            "linesIds": [other["lines"][0]["id"]],
        },
    )
    assert_refused(body, "checkoutLinesDelete", "LINE_NOT_FOUND", "linesIds.0")
    body = gql(LINES_DELETE, {"token": cart["id"], "linesIds": ["garbage"]})
    assert_refused(body, "checkoutLinesDelete", "LINE_NOT_FOUND", "linesIds.0")
    assert db_state() == before


# --- contact, address, note ----------------------------------------------------


@pytest.mark.parametrize(
    "email, code",
    [("", "EMAIL_REQUIRED"), ("   ", "EMAIL_REQUIRED"), ("buyer@", "EMAIL_INVALID")],
)
def test_bad_emails_are_refused(gql, email, code):
    token = create_checkout(gql)["id"]
    before = db_state()
    body = gql(EMAIL, {"token": token, "email": email})
    assert_refused(body, "checkoutEmailUpdate", code, "email")
    assert db_state() == before


def test_a_valid_address_is_stored_with_the_mobile_normalised(gql):
    token = create_checkout(gql)["id"]
    body = gql(
        ADDRESS_UPDATE,
        {"token": token, "address": {**ADDRESS, "phone": "0086 138 0013 8000"}},
    )
    payload = payload_of(body, "checkoutShippingAddressUpdate")
    assert payload["errors"] == []
    assert payload["checkout"]["shippingAddress"] == {
        "recipientName": "王小明",
        "phone": "13800138000",
        "province": "浙江省",
    }
    checkout = Checkout.objects.get(token=tok(token))
    assert checkout.street_address == "菜园镇 1 号"


@pytest.mark.parametrize(
    "phone", ["12345", "23800138000", "+1 415 555 0100", "1380013800", "电话"]
)
def test_a_phone_that_is_not_a_mainland_mobile_is_refused(gql, phone):
    token = create_checkout(gql)["id"]
    before = db_state()
    body = gql(ADDRESS_UPDATE, {"token": token, "address": {**ADDRESS, "phone": phone}})
    assert_refused(body, "checkoutShippingAddressUpdate", "PHONE_INVALID", "phone")
    assert db_state() == before


@pytest.mark.parametrize("missing", sorted(ADDRESS))
@pytest.mark.parametrize("how", ["absent", "blank", "null"])
def test_an_address_with_a_missing_field_is_refused_naming_it(gql, missing, how):
    token = create_checkout(gql)["id"]
    address = dict(ADDRESS)
    if how == "absent":
        del address[missing]
    else:
        address[missing] = " " if how == "blank" else None
    before = db_state()

    body = gql(ADDRESS_UPDATE, {"token": token, "address": address})

    assert_refused(
        body,
        "checkoutShippingAddressUpdate",
        "ADDRESS_REQUIRED",
        missing,
    )
    assert db_state() == before


def test_a_province_not_on_the_list_is_refused(gql):
    token = create_checkout(gql)["id"]
    before = db_state()
    body = gql(
        ADDRESS_UPDATE, {"token": token, "address": {**ADDRESS, "countryArea": "浙江"}}
    )
    assert_refused(
        body,
        "checkoutShippingAddressUpdate",
        "ADDRESS_INVALID",
        "countryArea",
    )
    assert db_state() == before


@pytest.mark.parametrize(
    "legacy", ["recipientName", "province", "district", "streetAddress"]
)
def test_the_old_address_input_fields_are_a_graphql_validation_error(gql, legacy):
    """AddressInput has Saleor's fields only: one of the shop's old names is
    refused before the mutation runs, and nothing is stored."""
    token = create_checkout(gql)["id"]
    before = db_state()

    body = gql(
        ADDRESS_UPDATE,
        {"token": token, "address": {**ADDRESS, legacy: "浙江省"}},
        status=400,
    )

    assert body.get("data") is None
    assert len(body["errors"]) == 1
    assert (
        f"Field '{legacy}' is not defined by type 'AddressInput'"
        in body["errors"][0]["message"]
    )
    assert db_state() == before


def test_a_note_over_200_characters_is_refused(gql):
    token = create_checkout(gql)["id"]
    before = db_state()
    body = gql(NOTE, {"token": token, "note": "多" * 201})
    assert_refused(body, "checkoutNoteUpdate", "NOTE_TOO_LONG", "note")
    assert db_state() == before


# --- whose cart -----------------------------------------------------------------


def test_a_signed_in_customers_cart_is_theirs_alone(client, gql, mussels):
    owner, stranger = make_user(), make_user()
    client.force_login(owner)
    cart = create_checkout(gql, [(mussels, 1)])
    token = cart["id"]
    assert Checkout.objects.get(token=tok(token)).user == owner
    before = db_state()

    for who in (None, stranger):
        client.logout()
        if who:
            client.force_login(who)
        assert gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"] is None
        attempts = [
            (EMAIL, "checkoutEmailUpdate", {"email": "thief@example.com"}),
            (ADDRESS_UPDATE, "checkoutShippingAddressUpdate", {"address": ADDRESS}),
            (NOTE, "checkoutNoteUpdate", {"note": "改地址"}),
            (
                LINES_ADD,
                "checkoutLinesAdd",
                {"lines": [{"variantId": gid(mussels), "quantity": 1}]},
            ),
            (
                LINES_UPDATE,
                "checkoutLinesUpdate",
                {"lines": [{"variantId": gid(mussels), "quantity": 2}]},
            ),
            (LINES_DELETE, "checkoutLinesDelete", {"variantIds": [gid(mussels)]}),
        ]
        for query, name, variables in attempts:
            body = gql(query, {"token": token, **variables})
            assert_refused(body, name, "NOT_FOUND", "id")
        body = gql(COMPLETE, {"token": token})
        assert_refused(body, "checkoutComplete", "NOT_FOUND", "id")
    assert db_state() == before

    client.force_login(owner)
    assert gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"]["id"] == token


def test_a_guest_cart_belongs_to_whoever_holds_the_token(client, gql, mussels):
    token = create_checkout(gql, [(mussels, 1)])["id"]
    client.force_login(make_user())
    cart = gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"]
    assert cart["lines"][0]["quantity"] == 1


def test_an_unknown_token_is_not_found(gql):
    token = to_global_id("Checkout", "8a7e5b1c-8d1e-4bb5-9a36-3b0e3a1f0c11")
    assert gql(CHECKOUT_QUERY, {"token": token})["data"]["checkout"] is None
    body = gql(EMAIL, {"token": token, "email": "a@example.com"})
    assert_refused(body, "checkoutEmailUpdate", "NOT_FOUND", "id")
    body = gql(COMPLETE, {"token": token})
    assert_refused(body, "checkoutComplete", "NOT_FOUND", "id")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-uuid",
        "",
        "1234",
        "' OR 1=1 --",
        to_global_id("Checkout", "not-a-uuid"),
        to_global_id("ProductVariant", 1),
    ],
)
def test_a_malformed_id_or_one_of_another_type_is_invalid_not_a_crash(gql, token):
    before = db_state()
    body = gql(EMAIL, {"token": token, "email": "a@example.com"})
    payload = assert_refused(body, "checkoutEmailUpdate", "INVALID", "id")
    assert payload["errors"][0]["saleorCode"] == "INVALID"
    body = gql(CHECKOUT_QUERY, {"token": token})
    assert body["data"]["checkout"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert db_state() == before


# --- checkoutComplete -------------------------------------------------------------


def test_double_complete_returns_the_same_order_and_payment_intent(
    gql, stripe_settings, mussels
):
    token = ready_checkout(gql, [(mussels, 2)])

    first = complete(gql, token)
    second = complete(gql, token)

    assert first["errors"] == [] and second["errors"] == []
    assert second["order"] == first["order"]
    assert second["payment"] == first["payment"]
    order = Order.objects.get()
    assert Payment.objects.filter(order=order).count() == 1
    assert order.lines.get().quantity_reserved == 2
    assert Stock.objects.get(variant=mussels).quantity_reserved == 2


def test_completing_a_paid_order_again_returns_it_without_a_payment(
    client, gql, stripe_settings, mussels
):
    token = ready_checkout(gql, [(mussels, 1)])
    first = complete(gql, token)
    pay_by_webhook(client, first["payment"]["paymentIntentId"])
    before = db_state()

    again = complete(gql, token)

    assert again["errors"] == [] and again["paymentErrors"] == []
    assert again["order"]["number"] == first["order"]["number"]
    assert Order.objects.get().status == OrderStatus.PAID
    assert again["payment"] is None
    assert db_state() == before


@pytest.mark.parametrize(
    "prepare, code, field",
    [
        ("empty", "EMPTY", "lines"),
        ("no_email", "EMAIL_REQUIRED", "email"),
        ("no_address", "ADDRESS_REQUIRED", "firstName"),
        ("unpublished", "PRODUCT_UNAVAILABLE", "lines.0.variant"),
        ("sold_out", "INSUFFICIENT_STOCK", "lines"),
        ("price_changed", "PRICE_CHANGED", "expectedTotal"),
    ],
)
def test_complete_refusals_place_nothing_and_keep_the_cart(
    gql, stripe_settings, mussels, prepare, code, field
):
    if prepare == "empty":
        token = ready_checkout(gql, [])
    elif prepare == "no_email":
        token = create_checkout(gql, [(mussels, 1)], email="")["id"]
        gql(ADDRESS_UPDATE, {"token": token, "address": ADDRESS})
    elif prepare == "no_address":
        token = create_checkout(gql, [(mussels, 1)])["id"]
    else:
        token = ready_checkout(gql, [(mussels, 2)])
    if prepare == "unpublished":
        mussels.product.is_published = False
        mussels.product.save(update_fields=["is_published"])
    if prepare == "sold_out":
        set_stock(mussels, reserved=9)
    expected = 1 if prepare == "price_changed" else None
    before = db_state()

    result = complete(gql, token, expected_total=expected)

    assert result["order"] is None and result["payment"] is None
    assert len(result["errors"]) == 1 and result["paymentErrors"] == []
    assert (result["errors"][0]["code"], result["errors"][0]["field"]) == (code, field)
    assert " / " in result["errors"][0]["message"]
    assert db_state() == before


def test_when_stripe_is_not_set_up_the_order_waits_and_a_retry_pays(
    gql, settings, stripe_settings, mussels
):
    token = ready_checkout(gql, [(mussels, 1)])
    settings.STRIPE_SECRET_KEY = ""

    result = complete(gql, token)

    assert result["errors"] == [] and result["payment"] is None
    assert [(e["code"], e["field"]) for e in result["paymentErrors"]] == [
        ("NOT_CONFIGURED", None)
    ]
    assert Order.objects.get().status == OrderStatus.UNPAID
    assert Payment.objects.count() == 0
    assert Stock.objects.get(variant=mussels).quantity_reserved == 1

    settings.STRIPE_SECRET_KEY = "sk_test_gongfu_local"
    retry = complete(gql, token)

    assert retry["paymentErrors"] == [] and retry["payment"]["clientSecret"]
    assert retry["order"] == result["order"]
    assert Order.objects.count() == 1 and Payment.objects.count() == 1


def test_a_signed_in_customer_completes_their_own_cart(
    client, gql, stripe_settings, mussels
):
    buyer = make_user(email="buyer@example.com")
    client.force_login(buyer)
    token = ready_checkout(gql, [(mussels, 1)])

    result = complete(gql, token)

    assert result["errors"] == []
    assert Order.objects.get().user == buyer
    client.logout()
    again = gql(COMPLETE, {"token": token})
    assert_refused(again, "checkoutComplete", "NOT_FOUND", "id")


# --- cost -------------------------------------------------------------------------


def _cart_of(gql, lines) -> str:
    return create_checkout(gql, lines)["id"]


def test_checkout_query_count_does_not_grow_with_lines(
    gql, django_assert_max_num_queries
):
    brand = make_brand()
    workshops = [make_workshop(brands=[brand]) for _ in range(3)]
    variants = [make_variant(1000 + i, 10, workshop=workshops[i % 3]) for i in range(9)]
    small = _cart_of(gql, [(variants[0], 1)])
    large = _cart_of(gql, [(v, 2) for v in variants])

    with CaptureQueriesContext(connection) as one_line:
        gql(CHECKOUT_QUERY, {"token": small})
    # The cart, its lines (variants, stock, products, brands, workshops and
    # villages joined), the products' variants and their photos; the totals
    # read the same lines (no second, price-only lines query).
    with django_assert_max_num_queries(4):
        with CaptureQueriesContext(connection) as nine_lines:
            body = gql(CHECKOUT_QUERY, {"token": large})

    assert len(body["data"]["checkout"]["lines"]) == 9
    assert len(body["data"]["checkout"]["shipments"]) == 3
    assert len(nine_lines.captured_queries) == len(one_line.captured_queries)
