"""A whole purchase as a Saleor storefront makes it, with the storefront's
own documents (tests.saleor.surface): channel → product list → product
details → checkoutCreate → line → email and shipping address → delivery
method → paymentGatewayInitialize → transactionInitialize → the card at
the Stripe stand-in (localstripe) with the client secret from `data` → the
signed webhook → transactionProcess → checkoutComplete → the order, paid.

Nothing is mocked: the real `stripe` library talks to localstripe, and the
webhook is signed with the test secret, as Stripe would sign it."""

import json

import pytest
from django.conf import settings
from graphql_relay import to_global_id

from storefront.orders.models import Order, OrderStatus
from storefront.payments.models import Payment
from tests.factories import make_brand, make_user, make_workshop
from tests.saleor.surface import documents
from tests.shop_helpers import deliver_event, make_variant, pay_intent, stock_of

pytestmark = pytest.mark.django_db

CHANNEL = "default-channel"
DOCUMENTS = documents()
STRIPE = "saleor.app.payment.stripe"
ADDRESS = {
    "firstName": "小明",
    "lastName": "王",
    "phone": "13800138000",
    "country": "CN",
    "countryArea": "浙江省",
    "city": "舟山市",
    "cityArea": "嵊泗县",
    "streetAddress1": "菜园镇 1 号",
    "postalCode": "202450",
}
DELIVERY = """mutation($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
    checkout { delivery { shippingMethod { id } } totalPrice { gross { amount } } }
    errors { field code message }
  }
}"""
ORDER = """query($id: ID!) {
  order(id: $id) { id number isPaid chargeStatus total { gross { amount currency } } }
}"""


@pytest.fixture
def send(client):
    def run(name, variables=None, query=None):
        response = client.post(
            "/graphql/",
            data=json.dumps(
                {"query": query or DOCUMENTS[name], "variables": variables or {}}
            ),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    return run


def test_a_saleor_client_buys_pays_and_completes(client, send, stripe_settings):
    workshop = make_workshop(brands=[make_brand()], shipping_fee_fen=800)
    variant = make_variant(3980, 5, workshop=workshop, name="蚂蚁岛贻贝干")
    shopper = make_user(email="shopper@example.com")
    client.force_login(shopper)

    channels = send("ChannelsList")["channels"]
    assert [c["slug"] for c in channels] == [CHANNEL]
    listing = send(
        "ProductList", {"first": 20, "channel": CHANNEL, "languageCode": "ZH_HANS"}
    )["products"]["edges"]
    [node] = [
        edge["node"] for edge in listing if edge["node"]["name"] == "蚂蚁岛贻贝干"
    ]
    details = send(
        "ProductDetails",
        {"slug": node["slug"], "channel": CHANNEL, "languageCode": "ZH_HANS"},
    )["product"]
    assert details["productVariants"]["totalCount"] == 1
    variants = send(
        "ProductVariantsForPdp",
        {
            "slug": node["slug"],
            "channel": CHANNEL,
            "languageCode": "ZH_HANS",
            "first": 10,
        },
    )["product"]["productVariants"]["edges"]
    variant_id = variants[0]["node"]["id"]
    assert variant_id == to_global_id("ProductVariant", variant.pk)

    created = send("CheckoutCreate", {"channel": CHANNEL})["checkoutCreate"]
    assert created["errors"] == []
    checkout_id = created["checkout"]["id"]
    added = send("CheckoutAddLine", {"id": checkout_id, "productVariantId": variant_id})
    assert added["checkoutLinesAdd"]["errors"] == []
    for name, variables in (
        ("checkoutEmailUpdate", {"email": "shopper@example.com"}),
        ("checkoutShippingAddressUpdate", {"shippingAddress": ADDRESS}),
    ):
        answer = send(
            name, {"checkoutId": checkout_id, "languageCode": "ZH_HANS", **variables}
        )
        assert answer[name]["errors"] == [], answer

    [delivery] = send("deliveryOptionsCalculate", {"id": checkout_id})[
        "deliveryOptionsCalculate"
    ]["deliveries"]
    method_id = delivery["shippingMethod"]["id"]
    chosen = send(None, {"id": checkout_id, "method": method_id}, query=DELIVERY)[
        "checkoutDeliveryMethodUpdate"
    ]
    assert chosen["errors"] == []
    total = chosen["checkout"]["totalPrice"]["gross"]["amount"]
    assert total == 47.8  # ¥39.80 + the workshop's ¥8 parcel

    [config] = send(
        "paymentGatewaysInitialize",
        {"checkoutId": checkout_id, "paymentGateways": [{"id": STRIPE}]},
    )["paymentGatewayInitialize"]["gatewayConfigs"]
    assert (
        config["data"]["stripePublishableKey"] == settings.STRIPE_PUBLISHABLE_KEY != ""
    )
    initialized = send(
        "transactionInitialize",
        {
            "checkoutId": checkout_id,
            "action": "CHARGE",
            "amount": total,
            "paymentGateway": {"id": STRIPE, "data": {}},
        },
    )["transactionInitialize"]
    assert initialized["errors"] == []
    secret = initialized["data"]["paymentIntent"]["stripeClientSecret"]
    # The order is placed and its stock held while it is paid.
    order = Order.objects.get()
    assert order.status == OrderStatus.UNPAID
    assert stock_of(variant).quantity_reserved == 1

    # The browser confirms the PaymentIntent with the client secret.
    payment = Payment.objects.get(client_secret=secret)
    intent = pay_intent(payment)
    assert intent.status == "succeeded"
    processed = send(
        "transactionProcess", {"id": initialized["transaction"]["id"], "data": {}}
    )["transactionProcess"]
    # Not paid until the signed webhook says so.
    assert processed["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID

    response = deliver_event(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200, response.content
    processed = send(
        "transactionProcess", {"id": initialized["transaction"]["id"], "data": {}}
    )["transactionProcess"]
    assert processed["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    assert processed["data"] is None

    completed = send("checkoutComplete", {"checkoutId": checkout_id})[
        "checkoutComplete"
    ]
    assert completed["errors"] == []
    assert completed["order"]["channel"] == {"slug": CHANNEL}
    order_id = completed["order"]["id"]
    assert order_id == to_global_id("Order", order.pk)

    shown = send(None, {"id": order_id}, query=ORDER)["order"]
    assert shown["isPaid"] is True
    assert shown["chargeStatus"] == "FULL"
    assert shown["total"]["gross"] == {"amount": 47.8, "currency": "CNY"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.count() == 1
