"""The Saleor storefront's checkout and payment operations, run: each
document tests.saleor.surface writes from the surface facts is executed with
the variables the storefront sends, and the answers are checked (TaxedMoney
in yuan, Saleor's ids and error codes with the shop's own code beside them,
one delivery method priced at the sum of the workshops' parcel fees), plus
the bad inputs the issue lists and the query count of `checkout(id:)`.

Anything that reaches Stripe runs against the session's localstripe through
the `stripe_settings` fixture; nothing is mocked."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from storefront.checkout.models import Checkout
from storefront.orders.models import Order
from storefront.payments.models import Payment
from tests.factories import make_brand, make_user, make_workshop
from tests.saleor.surface import documents
from tests.shop_helpers import make_variant, set_stock

pytestmark = pytest.mark.django_db

CHANNEL = "default-channel"
DOCUMENTS = documents()
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
STRIPE = "saleor.app.payment.stripe"


@pytest.fixture
def run(client):
    def send(name: str, variables: dict | None = None, query: str | None = None):
        response = client.post(
            "/graphql/",
            data=json.dumps(
                {"query": query or DOCUMENTS[name], "variables": variables or {}}
            ),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return send


@pytest.fixture
def goods():
    """Mussels (¥39.80, 5 in stock) from a workshop charging ¥8 below ¥99,
    seaweed (¥15.00) from another charging ¥10."""
    east = make_workshop(
        brands=[make_brand()], shipping_fee_fen=800, free_shipping_threshold_fen=9900
    )
    west = make_workshop(brands=[make_brand()], shipping_fee_fen=1000)
    mussels = make_variant(3980, 5, workshop=east, name="贻贝干")
    seaweed = make_variant(1500, 20, workshop=west, name="海带")
    return mussels, seaweed


def vid(variant) -> str:
    return to_global_id("ProductVariant", variant.pk)


def data(body, name):
    assert "errors" not in body, body
    return body["data"][name]


def new_checkout(run, lines=()) -> str:
    body = run("checkoutCreate", {"channel": CHANNEL, "languageCode": "ZH_HANS"})
    checkout_id = data(body, "checkoutCreate")["checkout"]["id"]
    if lines:
        body = run(
            "checkoutLinesAdd",
            {
                "checkoutId": checkout_id,
                "lines": [{"variantId": vid(v), "quantity": q} for v, q in lines],
                "languageCode": "ZH_HANS",
            },
        )
        assert data(body, "checkoutLinesAdd")["errors"] == []
    return checkout_id


def test_checkout_create_answers_saleor_s_shape(run):
    body = run("checkoutCreate", {"channel": CHANNEL, "languageCode": "EN"})
    payload = data(body, "checkoutCreate")
    assert payload["errors"] == []
    checkout = payload["checkout"]
    token = Checkout.objects.get().token
    assert checkout["id"] == to_global_id("Checkout", str(token))
    assert checkout["channel"]["slug"] == CHANNEL
    assert checkout["email"] is None
    assert checkout["lines"] == []
    assert checkout["totalPrice"]["gross"] == {"amount": 0.0, "currency": "CNY"}
    assert checkout["authorizeStatus"] == "NONE"
    assert checkout["chargeStatus"] == "NONE"
    assert checkout["giftCards"] == []
    assert checkout["voucherCode"] is None and checkout["discount"] is None
    assert checkout["delivery"] is None
    assert checkout["isShippingRequired"] is False
    assert [g["id"] for g in checkout["availablePaymentGateways"]] == [STRIPE]


def test_checkout_create_with_an_unknown_channel_is_not_found(run):
    body = run("CheckoutCreate", {"channel": "no-such-channel"})
    errors = data(body, "checkoutCreate")["errors"]
    assert errors == [{"code": "NOT_FOUND", "field": "channel"}]
    assert not Checkout.objects.exists()


def test_lines_add_update_and_delete_with_taxed_money_in_yuan(run, goods):
    mussels, seaweed = goods
    checkout_id = new_checkout(run)
    body = run("CheckoutAddLine", {"id": checkout_id, "productVariantId": vid(mussels)})
    lines = data(body, "checkoutLinesAdd")["checkout"]["lines"]
    assert [
        (line["quantity"], line["variant"]["product"]["name"]) for line in lines
    ] == [(1, "贻贝干")]
    body = run(
        "checkoutLinesAdd",
        {
            "checkoutId": checkout_id,
            "lines": [{"variantId": vid(seaweed), "quantity": 2}],
            "languageCode": "ZH_HANS",
        },
    )
    checkout = data(body, "checkoutLinesAdd")["checkout"]
    assert checkout["subtotalPrice"]["gross"]["amount"] == 69.8
    # Two parcels: ¥8 + ¥10, shown as one delivery price.
    assert checkout["shippingPrice"]["gross"]["amount"] == 18.0
    assert checkout["totalPrice"]["gross"] == {"amount": 87.8, "currency": "CNY"}
    assert checkout["totalPrice"]["tax"]["amount"] == 0.0
    line_ids = [line["id"] for line in checkout["lines"]]
    body = run(
        "CheckoutLinesUpdate",
        {"checkoutId": checkout_id, "lines": [{"lineId": line_ids[1], "quantity": 3}]},
    )
    updated = data(body, "checkoutLinesUpdate")
    assert updated["errors"] == []
    assert [line["quantity"] for line in updated["checkout"]["lines"]] == [1, 3]
    body = run(
        "CheckoutDeleteLines", {"checkoutId": checkout_id, "lineIds": [line_ids[0]]}
    )
    remaining = data(body, "checkoutLinesDelete")["checkout"]["lines"]
    assert [line["id"] for line in remaining] == [line_ids[1]]
    body = run(
        "checkoutLineDelete",
        {"checkoutId": checkout_id, "lineId": line_ids[1], "languageCode": "EN"},
    )
    assert data(body, "checkoutLineDelete")["checkout"]["lines"] == []


def test_errors_carry_saleor_s_code_and_the_shop_s_own(run, goods):
    mussels, _ = goods
    set_stock(mussels, quantity=2)
    checkout_id = new_checkout(run)
    query = """mutation($id: ID!, $lines: [CheckoutLineInput!]!) {
      checkoutLinesAdd(id: $id, lines: $lines) {
        errors { field code shopCode message }
        checkoutErrors { code }
      }
    }"""
    body = run(
        None,
        {"id": checkout_id, "lines": [{"variantId": vid(mussels), "quantity": 3}]},
        query=query,
    )
    payload = data(body, "checkoutLinesAdd")
    [error] = payload["errors"]
    assert (error["code"], error["shopCode"]) == (
        "INSUFFICIENT_STOCK",
        "INSUFFICIENT_STOCK",
    )
    assert "库存不足" in error["message"] and "Not enough stock" in error["message"]
    assert payload["checkoutErrors"] == [{"code": "INSUFFICIENT_STOCK"}]
    body = run(
        None,
        {"id": checkout_id, "lines": [{"variantId": vid(mussels), "quantity": 1000}]},
        query=query,
    )
    [error] = data(body, "checkoutLinesAdd")["errors"]
    assert (error["code"], error["shopCode"]) == (
        "QUANTITY_GREATER_THAN_LIMIT",
        "QUANTITY_TOO_LARGE",
    )
    body = run(
        None,
        {"id": checkout_id, "lines": [{"variantId": vid(mussels), "quantity": 0}]},
        query=query,
    )
    [error] = data(body, "checkoutLinesAdd")["errors"]
    assert (error["code"], error["shopCode"], error["field"]) == (
        "ZERO_QUANTITY",
        "INVALID_QUANTITY",
        "lines.0.quantity",
    )


@pytest.mark.parametrize(
    "bad_id, code",
    [
        (to_global_id("Product", 1), "INVALID"),
        ("not-an-id", "INVALID"),
        (to_global_id("Checkout", "not-a-uuid"), "INVALID"),
        (to_global_id("Checkout", "6f1c9a52-0000-4000-8000-000000000000"), "NOT_FOUND"),
    ],
)
def test_a_checkout_id_of_another_type_or_malformed_is_an_error_not_a_crash(
    run, bad_id, code
):
    body = run(
        "checkoutEmailUpdate",
        {"checkoutId": bad_id, "email": "a@b.cn", "languageCode": "EN"},
    )
    [error] = data(body, "checkoutEmailUpdate")["errors"]
    assert (error["code"], error["field"]) == (code, "id")
    body = run("CheckoutFind", {"id": bad_id, "languageCode": "EN"})
    if code == "NOT_FOUND":
        assert body["data"]["checkout"] is None
    else:
        assert body["data"]["checkout"] is None
        assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_checkout_find_reads_lines_and_prices(run, goods):
    mussels, _ = goods
    checkout_id = new_checkout(run, [(mussels, 2)])
    body = run("CheckoutFind", {"id": checkout_id, "languageCode": "EN"})
    checkout = data(body, "checkout")
    assert checkout["id"] == checkout_id
    [line] = checkout["lines"]
    assert line["quantity"] == 2
    assert line["totalPrice"]["gross"] == {"amount": 79.6, "currency": "CNY"}
    assert line["variant"]["pricing"]["price"]["gross"]["amount"] == 39.8


def test_email_addresses_and_delivery(run, goods):
    mussels, seaweed = goods
    checkout_id = new_checkout(run, [(mussels, 1), (seaweed, 1)])
    body = run(
        "checkoutEmailUpdate",
        {"checkoutId": checkout_id, "email": "buyer@example.com", "languageCode": "EN"},
    )
    assert data(body, "checkoutEmailUpdate")["checkout"]["email"] == "buyer@example.com"
    body = run(
        "checkoutShippingAddressUpdate",
        {"checkoutId": checkout_id, "shippingAddress": ADDRESS, "languageCode": "EN"},
    )
    address = data(body, "checkoutShippingAddressUpdate")["checkout"]["shippingAddress"]
    assert (address["firstName"], address["countryArea"], address["cityArea"]) == (
        "王 小明",
        "浙江省",
        "嵊泗县",
    )
    assert address["country"]["code"] == "CN"
    body = run(
        "checkoutBillingAddressUpdate",
        {"checkoutId": checkout_id, "billingAddress": ADDRESS, "languageCode": "EN"},
    )
    billing = data(body, "checkoutBillingAddressUpdate")["checkout"]["billingAddress"]
    assert billing["streetAddress1"] == "菜园镇 1 号"
    body = run("deliveryOptionsCalculate", {"id": checkout_id})
    [delivery] = data(body, "deliveryOptionsCalculate")["deliveries"]
    method = delivery["shippingMethod"]
    assert method["name"] == "快递 Courier"
    assert method["price"] == {"amount": 18.0, "currency": "CNY"}
    assert method["active"] is True
    query = """mutation($id: ID!, $method: ID!) {
      checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
        checkout { delivery { shippingMethod { id name } }
                   deliveryMethod { ... on ShippingMethod { price { amount } } }
                   shippingMethods { id } }
        errors { field code }
      }
    }"""
    body = run(None, {"id": checkout_id, "method": method["id"]}, query=query)
    chosen = data(body, "checkoutDeliveryMethodUpdate")["checkout"]
    assert chosen["delivery"]["shippingMethod"] == {
        "id": method["id"],
        "name": "快递 Courier",
    }
    assert chosen["deliveryMethod"] == {"price": {"amount": 18.0}}
    body = run(
        None,
        {"id": checkout_id, "method": to_global_id("ShippingMethod", 9)},
        query=query,
    )
    assert data(body, "checkoutDeliveryMethodUpdate")["errors"] == [
        {"field": "deliveryMethodId", "code": "NOT_FOUND"}
    ]


def test_a_bad_address_names_saleor_s_field_and_the_address_type(run, goods):
    checkout_id = new_checkout(run, [(goods[0], 1)])
    body = run(
        "checkoutShippingAddressUpdate",
        {
            "checkoutId": checkout_id,
            "shippingAddress": {**ADDRESS, "countryArea": "火星省"},
            "languageCode": "EN",
        },
    )
    [error] = data(body, "checkoutShippingAddressUpdate")["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "countryArea")
    assert Checkout.objects.get().province == ""


def test_the_storefront_s_delivery_method_document_picks_the_courier(run, goods):
    checkout_id = new_checkout(run, [(goods[0], 1)])
    body = run("deliveryOptionsCalculate", {"id": checkout_id})
    [delivery] = data(body, "deliveryOptionsCalculate")["deliveries"]
    body = run(
        "checkoutDeliveryMethodUpdate",
        {
            "checkoutId": checkout_id,
            "deliveryMethodId": delivery["shippingMethod"]["id"],
            "languageCode": "EN",
        },
    )
    payload = data(body, "checkoutDeliveryMethodUpdate")
    assert payload["errors"] == []
    assert payload["checkout"]["delivery"]["shippingMethod"]["name"] == "快递 Courier"


def test_promo_codes_answer_saleor_s_invalid_code_error(run, goods):
    checkout_id = new_checkout(run, [(goods[0], 1)])
    body = run(
        "checkoutAddPromoCode",
        {"checkoutId": checkout_id, "promoCode": "SUMMER10", "languageCode": "EN"},
    )
    payload = data(body, "checkoutAddPromoCode")
    assert payload["checkout"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "promoCode")
    assert "Promo code is invalid" in error["message"]
    body = run(
        "checkoutRemovePromoCode",
        {"checkoutId": checkout_id, "promoCode": "SUMMER10", "languageCode": "EN"},
    )
    payload = data(body, "checkoutRemovePromoCode")
    assert payload["errors"] == [] and payload["checkout"]["id"] == checkout_id


def test_metadata_is_stored_on_the_checkout_and_other_types_are_refused(run, goods):
    checkout_id = new_checkout(run)
    body = run(
        "checkoutMetadataUpdate",
        {"id": checkout_id, "input": [{"key": "source", "value": "app"}]},
    )
    payload = data(body, "updateMetadata")
    assert payload["errors"] == []
    assert payload["item"] == {"idCheckout": checkout_id}
    assert Checkout.objects.get().metadata == {"source": "app"}
    body = run(
        None,
        {"id": checkout_id},
        query="query($id: ID!) { checkout(id: $id) { metadata { key value } "
        'metafield(key: "source") } }',
    )
    assert data(body, "checkout") == {
        "metadata": [{"key": "source", "value": "app"}],
        "metafield": "app",
    }
    body = run(
        "checkoutMetadataUpdate",
        {"id": vid(goods[0]), "input": [{"key": "a", "value": "b"}]},
    )
    payload = data(body, "updateMetadata")
    assert payload["item"] is None
    assert payload["errors"][0]["code"] == "INVALID"


def test_customer_attach_and_detach(client, run, goods):
    checkout_id = new_checkout(run, [(goods[0], 1)])
    body = run("CheckoutCustomerDetach", {"id": checkout_id})
    assert data(body, "checkoutCustomerDetach")["errors"] == []
    body = run(
        "checkoutCustomerAttach", {"checkoutId": checkout_id, "languageCode": "EN"}
    )
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    user = make_user(email="shopper@example.com")
    client.force_login(user)
    body = run(
        "checkoutCustomerAttach", {"checkoutId": checkout_id, "languageCode": "EN"}
    )
    checkout = data(body, "checkoutCustomerAttach")["checkout"]
    assert checkout["user"] == {"id": to_global_id("User", user.pk)}
    assert Checkout.objects.get().user == user
    body = run("CheckoutCustomerDetach", {"id": checkout_id})
    assert data(body, "checkoutCustomerDetach")["errors"] == []
    assert Checkout.objects.get().user is None


def test_someone_else_s_checkout_is_not_found(client, run, goods):
    owner = make_user(email="owner@example.com")
    client.force_login(owner)
    checkout_id = new_checkout(run, [(goods[0], 1)])
    client.logout()
    body = run("CheckoutFind", {"id": checkout_id, "languageCode": "EN"})
    assert data(body, "checkout") is None
    body = run(
        "CheckoutAddLine", {"id": checkout_id, "productVariantId": vid(goods[0])}
    )
    [error] = data(body, "checkoutLinesAdd")["errors"]
    assert "Cart not found" in error["message"]
    assert Checkout.objects.get().lines.get().quantity == 1


def ready(run, goods) -> str:
    mussels, seaweed = goods
    checkout_id = new_checkout(run, [(mussels, 1), (seaweed, 2)])
    for name, variables in (
        ("checkoutEmailUpdate", {"email": "buyer@example.com"}),
        ("checkoutShippingAddressUpdate", {"shippingAddress": ADDRESS}),
    ):
        body = run(name, {"checkoutId": checkout_id, "languageCode": "EN", **variables})
        assert data(body, name)["errors"] == []
    return checkout_id


def test_payment_gateway_initialize_offers_stripe_as_the_stripe_app(
    run, goods, stripe_settings, settings
):
    settings.PAYMENT_METHODS = ["card", "alipay", "wechat_pay"]
    checkout_id = ready(run, goods)
    body = run(
        "paymentGatewaysInitialize",
        {"checkoutId": checkout_id, "paymentGateways": [{"id": STRIPE}]},
    )
    payload = data(body, "paymentGatewayInitialize")
    assert payload["errors"] == []
    [config] = payload["gatewayConfigs"]
    assert config["id"] == STRIPE and config["errors"] == []
    assert config["data"]["stripePublishableKey"] == settings.STRIPE_PUBLISHABLE_KEY
    assert config["data"]["paymentMethodTypes"] == ["card", "alipay", "wechat_pay"]
    body = run(
        "paymentGatewaysInitialize",
        {
            "checkoutId": checkout_id,
            "paymentGateways": [{"id": "mirumee.payments.dummy"}],
        },
    )
    [config] = data(body, "paymentGatewayInitialize")["gatewayConfigs"]
    assert config["data"] is None and config["errors"][0]["code"] == "NOT_FOUND"


def initialize(run, checkout_id, amount=None):
    return data(
        run(
            "transactionInitialize",
            {
                "checkoutId": checkout_id,
                "action": "CHARGE",
                "amount": amount,
                "paymentGateway": {"id": STRIPE, "data": {"paymentIntent": {}}},
            },
        ),
        "transactionInitialize",
    )


def test_transaction_initialize_places_the_order_and_opens_its_payment_intent(
    run, goods, stripe_settings
):
    checkout_id = ready(run, goods)
    first = initialize(run, checkout_id, amount=87.8)
    assert first["errors"] == [], first
    payment = Payment.objects.get()
    assert payment.amount_fen == Order.objects.get().total_fen
    assert first["data"] == {
        "paymentIntent": {"stripeClientSecret": payment.client_secret}
    }
    assert first["transaction"]["id"] == to_global_id("TransactionItem", payment.pk)
    assert first["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    again = initialize(run, checkout_id)
    assert again == first
    assert Payment.objects.count() == 1 and Order.objects.count() == 1
    body = run("checkoutComplete", {"checkoutId": checkout_id})
    complete = data(body, "checkoutComplete")
    assert complete["errors"] == []
    assert complete["order"]["id"] == to_global_id("Order", Order.objects.get().pk)
    assert complete["order"]["channel"] == {"slug": CHANNEL}


def test_a_transaction_for_a_total_that_changed_since_is_refused(
    run, goods, stripe_settings
):
    mussels, _ = goods
    checkout_id = ready(run, goods)
    seen = data(
        run("CheckoutFind", {"id": checkout_id, "languageCode": "EN"}), "checkout"
    )
    amount = seen["totalPrice"]["gross"]["amount"]
    mussels.price_fen += 100
    mussels.save(update_fields=["price_fen"])
    refused = initialize(run, checkout_id, amount=amount)
    [error] = refused["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "amount")
    assert "changed" in error["message"]
    assert refused["transaction"] is None and refused["data"] is None
    assert not Order.objects.exists() and not Payment.objects.exists()
    # At the new total it goes through; a later call with the old one is refused.
    assert initialize(run, checkout_id, amount=amount + 1)["errors"] == []
    late = initialize(run, checkout_id, amount=amount)
    assert late["errors"][0]["field"] == "amount"
    assert Payment.objects.count() == 1


def test_processing_the_same_transaction_twice_answers_the_same(
    run, goods, stripe_settings
):
    checkout_id = ready(run, goods)
    transaction_id = initialize(run, checkout_id)["transaction"]["id"]
    answers = [
        data(
            run("transactionProcess", {"id": transaction_id, "data": {}}),
            "transactionProcess",
        )
        for _ in range(2)
    ]
    assert answers[0] == answers[1]
    assert answers[0]["errors"] == []
    assert answers[0]["transaction"]["id"] == transaction_id
    assert answers[0]["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    assert Payment.objects.count() == 1
    body = run("transactionProcess", {"id": to_global_id("Order", 1)})
    assert data(body, "transactionProcess")["errors"][0]["code"] == "INVALID"


def test_checkout_query_count_is_at_most_six(client, run, goods):
    mussels, seaweed = goods
    checkout_id = ready(run, goods)
    with CaptureQueriesContext(connection) as queries:
        body = run("checkout", {"id": checkout_id, "languageCode": "EN"})
    checkout = data(body, "checkout")
    assert len(checkout["lines"]) == 2
    assert len(queries) <= 6, [q["sql"] for q in queries]
