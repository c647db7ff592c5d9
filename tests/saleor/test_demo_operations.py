"""All 60 of the Saleor storefront's operations, run as the storefront runs
them against the demo shop (`load_demo`): the catalogue pages, a cart that
is filled, addressed, given its delivery and paid through the Stripe
stand-in, and the demo shopper's account and orders, signed in with a JWT.
Every operation answers without a GraphQL error and its payload's `errors`
is empty, except where the shop refuses on purpose (a promotion code)."""

import json

import pytest
from django.core.management import call_command
from graphql_relay import to_global_id

from brands.models import Brand
from storefront.catalog.models import Category, Product
from storefront.demo.data import DEMO_PASSWORD
from storefront.orders.models import Order
from tests.saleor.surface import documents, operations
from tests.shop_helpers import deliver_event, pay_intent

pytestmark = pytest.mark.django_db

CHANNEL = "default-channel"
STRIPE = "saleor.app.payment.stripe"
DOCUMENTS = documents()
ADDRESS = {
    "firstName": "顾客",
    "lastName": "",
    "phone": "13800138000",
    "country": "CN",
    "countryArea": "浙江省",
    "city": "宁波市",
    "cityArea": "象山县",
    "streetAddress1": "黄避岙乡高泥村 1 号",
    "postalCode": "315700",
}


class Storefront:
    """Runs the documents by name, remembering which ran."""

    def __init__(self, client):
        self.client = client
        self.token = None
        self.ran: set[str] = set()

    def __call__(self, name, variables=None, *, allowed_errors=()):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(
            "/graphql/",
            data=json.dumps({"query": DOCUMENTS[name], "variables": variables or {}}),
            content_type="application/json",
            **extra,
        )
        assert response.status_code == 200, (name, response.content)
        body = response.json()
        assert "errors" not in body, (name, body)
        [(root, value)] = body["data"].items()
        errors = value.get("errors", []) if isinstance(value, dict) else []
        codes = {error["code"] for error in errors}
        assert codes <= set(allowed_errors), (name, errors)
        self.ran.add(name)
        return value


@pytest.fixture
def demo(settings, request):
    """The demo as `make run` loads it (without Stripe: its payees are paid
    by bank), then the Stripe stand-in for the purchase."""
    settings.ALLOWED_CLIENT_HOSTS = ["shop.example.cn"]
    call_command("load_demo", verbosity=0)
    request.getfixturevalue("stripe_settings")


@pytest.fixture
def run(client, demo):
    return Storefront(client)


def test_every_storefront_operation_runs_against_the_demo_shop(run, client):
    product = Product.objects.filter(variants__stock__quantity__gt=5).first()
    variant = product.variants.first()
    category = product.category
    brand = product.brand
    zh = {"channel": CHANNEL, "languageCode": "ZH_HANS"}
    en = {"channel": CHANNEL, "languageCode": "EN"}

    # --- the catalogue -------------------------------------------------------
    assert run("ChannelsList")[0]["slug"] == CHANNEL
    assert run("channel", {"slug": CHANNEL})["countries"] == [{"code": "CN"}]
    slugs = list(Category.objects.values_list("slug", flat=True)[:3])
    found = run("CategoriesBySlug", {"slugs": slugs, "first": 10})
    assert {edge["node"]["slug"] for edge in found["edges"]} == set(slugs)
    navbar = run("MenuGetBySlug", {"slug": "navbar", **en})
    assert brand.name_en in {
        item["translation"]["name"] for item in navbar["items"] if item["translation"]
    } | {i["name"] for i in navbar["items"]}
    run("MenuGetBySlug", {"slug": "footer", **zh})
    page = run(
        "PageGetBySlug", {"slug": f"brand-{brand.slug}", "languageCode": "ZH_HANS"}
    )
    assert page["title"] == brand.name
    pages = run(
        "StorefrontContentPages",
        {"slugs": [f"brand-{b.slug}" for b in Brand.objects.all()], **zh},
    )
    assert pages["edges"]
    listed = run("ProductList", {"first": 20, **zh})
    assert len(listed["edges"]) == min(20, Product.objects.count())
    node = listed["edges"][0]["node"]
    assert node["thumbnail"]["url"].startswith("http")
    assert node["pricing"]["priceRange"]["start"]["gross"]["currency"] == "CNY"
    page_one = run("ProductListPaginated", {"first": 5, **zh})
    assert page_one["pageInfo"]["hasNextPage"] is True
    by_category = run(
        "ProductListByCategory", {"slug": category.slug, "first": 12, **zh}
    )
    assert by_category["products"]["totalCount"] >= 1
    by_brand = run("ProductListByCollection", {"slug": brand.slug, "first": 12, **en})
    assert by_brand["products"]["totalCount"] >= 1
    search = run(
        "SearchProducts",
        {
            "search": product.name[:2],
            "sortBy": "NAME",
            "sortDirection": "ASC",
            "first": 10,
            **zh,
        },
    )
    assert product.slug in {edge["node"]["slug"] for edge in search["edges"]}
    details = run("ProductDetails", {"slug": product.slug, **en})
    assert details["name"] == product.name and details["media"]
    variant_id = to_global_id("ProductVariant", variant.pk)
    assert run("ProductVariantForPdp", {"id": variant_id, **zh})["id"] == variant_id
    variants = run("ProductVariantsForPdp", {"slug": product.slug, "first": 10, **zh})
    assert variants["productVariants"]["edges"]
    rules = run("addressValidationRules", {"countryCode": "CN"})
    assert "浙江省" in {area["raw"] for area in rules["countryAreaChoices"]}

    # --- the demo shopper signs in -------------------------------------------
    body = client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": "mutation($e: String!, $p: String!) { tokenCreate(email: $e, "
                "password: $p) { token errors { code } } }",
                "variables": {"e": "consumer@example.com", "p": DEMO_PASSWORD},
            }
        ),
        content_type="application/json",
    ).json()
    run.token = body["data"]["tokenCreate"]["token"]
    assert run.token, body
    assert run("CurrentUser")["email"] == "consumer@example.com"
    run("CurrentUserProfile")
    run("AccountUpdate", {"input": {"firstName": "顾客", "lastName": ""}})

    # --- a cart, as the storefront fills and pays it --------------------------
    checkout = run("checkoutCreate", zh)["checkout"]
    checkout_id = checkout["id"]
    run("CheckoutCreate", zh)
    run("CheckoutAddLine", {"id": checkout_id, "productVariantId": variant_id})
    other = (
        Product.objects.exclude(pk=product.pk)
        .filter(variants__stock__quantity__gt=5)
        .first()
        .variants.first()
    )
    added = run(
        "checkoutLinesAdd",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "lines": [
                {"variantId": to_global_id("ProductVariant", other.pk), "quantity": 1}
            ],
        },
    )["checkout"]
    line_ids = [line["id"] for line in added["lines"]]
    assert len(line_ids) == 2
    run(
        "CheckoutLinesUpdate",
        {"checkoutId": checkout_id, "lines": [{"lineId": line_ids[0], "quantity": 2}]},
    )
    run(
        "checkoutLinesUpdate",
        {
            "checkoutId": checkout_id,
            "languageCode": "EN",
            "lines": [{"lineId": line_ids[0], "quantity": 1}],
        },
    )
    run(
        "checkoutLineDelete",
        {"checkoutId": checkout_id, "lineId": line_ids[1], "languageCode": "ZH_HANS"},
    )
    run(
        "checkoutLinesAdd",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "lines": [
                {"variantId": to_global_id("ProductVariant", other.pk), "quantity": 1}
            ],
        },
    )
    lines = run("CheckoutFind", {"id": checkout_id, "languageCode": "EN"})["lines"]
    run(
        "CheckoutDeleteLines", {"checkoutId": checkout_id, "lineIds": [lines[-1]["id"]]}
    )
    run("checkoutCustomerAttach", {"checkoutId": checkout_id, "languageCode": "EN"})
    run("checkoutCustomerDetach", {"checkoutId": checkout_id, "languageCode": "EN"})
    run("CheckoutCustomerDetach", {"id": checkout_id})
    run(
        "checkoutEmailUpdate",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "email": "consumer@example.com",
        },
    )
    run(
        "checkoutShippingAddressUpdate",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "shippingAddress": ADDRESS,
        },
    )
    run(
        "checkoutBillingAddressUpdate",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "billingAddress": ADDRESS,
        },
    )
    deliveries = run("deliveryOptionsCalculate", {"id": checkout_id})["deliveries"]
    run(
        "checkoutDeliveryMethodUpdate",
        {
            "checkoutId": checkout_id,
            "languageCode": "ZH_HANS",
            "deliveryMethodId": deliveries[0]["shippingMethod"]["id"],
        },
    )
    run(
        "checkoutAddPromoCode",
        {"checkoutId": checkout_id, "promoCode": "SPRING", "languageCode": "ZH_HANS"},
        allowed_errors={"INVALID"},
    )
    run(
        "checkoutRemovePromoCode",
        {"checkoutId": checkout_id, "promoCode": "SPRING", "languageCode": "ZH_HANS"},
    )
    run(
        "checkoutMetadataUpdate",
        {"id": checkout_id, "input": [{"key": "source", "value": "demo"}]},
    )
    cart = run("checkout", {"id": checkout_id, "languageCode": "ZH_HANS"})
    assert cart["email"] == "consumer@example.com"
    gateways = run(
        "paymentGatewaysInitialize",
        {"checkoutId": checkout_id, "paymentGateways": [{"id": STRIPE}]},
    )
    assert gateways["gatewayConfigs"][0]["id"] == STRIPE
    started = run(
        "transactionInitialize",
        {
            "checkoutId": checkout_id,
            "action": "CHARGE",
            "amount": cart["totalPrice"]["gross"]["amount"],
            "paymentGateway": {"id": STRIPE, "data": {"paymentIntent": {}}},
        },
    )
    transaction_id = started["transaction"]["id"]
    run("transactionProcess", {"id": transaction_id, "data": {}})
    order = Order.objects.get(user__email="consumer@example.com")
    payment = order.payments.get()
    response = deliver_event(client, "payment_intent.succeeded", pay_intent(payment))
    assert response.status_code == 200, response.content
    completed = run("checkoutComplete", {"checkoutId": checkout_id})
    order.refresh_from_db()
    assert completed["order"]["id"] == to_global_id("Order", order.pk)
    assert order.paid_fen == order.total_fen > 0

    # --- the shopper's orders and address book --------------------------------
    listed = run("CurrentUserOrderList", {"languageCode": "ZH_HANS"})
    assert [edge["node"]["number"] for edge in listed["orders"]["edges"]] == [
        order.number
    ]
    run("CurrentUserOrdersPaginated", {"first": 10, "languageCode": "EN"})
    by_number = run("OrderByNumber", {"first": 10, "languageCode": "ZH_HANS"})
    assert by_number["orders"]["edges"][0]["node"]["isPaid"] is True
    assert (
        run("order", {"id": completed["order"]["id"], "languageCode": "ZH_HANS"})[
            "number"
        ]
        == order.number
    )
    created = run("AccountAddressCreate", {"input": ADDRESS})["address"]
    run(
        "userAddressCreate",
        {"address": {**ADDRESS, "streetAddress1": "2 号"}, "type": "SHIPPING"},
    )
    run(
        "AccountAddressUpdate",
        {"id": created["id"], "input": {**ADDRESS, "streetAddress1": "3 号"}},
    )
    run(
        "userAddressUpdate",
        {"id": created["id"], "address": {**ADDRESS, "streetAddress1": "4 号"}},
    )
    run("AccountSetDefaultAddress", {"id": created["id"], "type": "SHIPPING"})
    run("userSetDefaultAddress", {"id": created["id"], "type": "BILLING"})
    assert run("user")["defaultShippingAddress"]["streetAddress1"] == "4 号"
    run("AccountAddressDelete", {"id": created["id"]})
    others = run("user")["addresses"]
    run("userAddressDelete", {"id": others[0]["id"]})
    run(
        "AccountRequestDeletion",
        {"redirectUrl": "https://shop.example.cn/delete", "channel": CHANNEL},
    )
    run(
        "requestPasswordReset",
        {
            "email": "consumer@example.com",
            "channel": CHANNEL,
            "redirectUrl": "https://shop.example.cn/reset",
        },
    )
    run(
        "PasswordChange",
        {"oldPassword": DEMO_PASSWORD, "newPassword": "顾客的新密码-2026"},
    )
    run.token = None
    run(
        "userRegister",
        {
            "input": {
                "email": "new-shopper@example.com",
                "password": "村里的新密码-2026",
                "redirectUrl": "https://shop.example.cn/confirm",
                "channel": CHANNEL,
            }
        },
    )

    assert run.ran == {op.name for op in operations()}
