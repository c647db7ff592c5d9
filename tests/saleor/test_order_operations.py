"""The Saleor storefront's account and order operations, run: each document
tests.saleor.surface writes from the surface facts is sent with the
storefront's variables and a shopper's bearer token (tokenCreate), against
real paid orders (localstripe and the signed webhook), and the answers are
checked — plus who may read what (`me` anonymous, another shopper's order,
`user(id:)`), and the query count of the order list."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from brands.models import Role
from storefront.accounts.models import Address, Profile
from tests.factories import grant, make_user
from tests.saleor.surface import documents
from tests.shop_helpers import make_variant, paid_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

DOCUMENTS = documents()
PASSWORD = "海边的村子-2026-good"
EMAIL = "xiaoming@example.cn"
ADDRESS = {
    "firstName": "小明",
    "lastName": "王",
    "streetAddress1": "黄避岙乡高泥村 1 号",
    "city": "宁波市",
    "cityArea": "象山县",
    "countryArea": "浙江省",
    "postalCode": "315700",
    "country": "CN",
    "phone": "13800138000",
}


def new_shopper(email=EMAIL, first_name="小明"):
    user = make_user(email, email=email, first_name=first_name)
    user.set_password(PASSWORD)
    user.save()
    Profile.objects.create(user=user)
    return user


@pytest.fixture
def shopper():
    return new_shopper()


@pytest.fixture
def send(client):
    """POST a document (one of the storefront's by name, or `query`) with
    `token` as the bearer token; the decoded body."""

    def run(name=None, variables=None, *, token=None, query=None, status=200):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = client.post(
            "/graphql/",
            data=json.dumps(
                {"query": query or DOCUMENTS[name], "variables": variables or {}}
            ),
            content_type="application/json",
            **extra,
        )
        assert response.status_code == status, response.content
        return response.json()

    return run


def sign_in(send, email=EMAIL) -> str:
    body = send(
        query="mutation ($e: String!, $p: String!) { tokenCreate(email: $e, "
        "password: $p) { token errors { code } } }",
        variables={"e": email, "p": PASSWORD},
    )
    payload = body["data"]["tokenCreate"]
    assert payload["errors"] == [], payload
    return payload["token"]


@pytest.fixture
def token(send, shopper):
    return sign_in(send)


@pytest.fixture
def orders(client, shopper):
    """Two paid orders of the shopper: 2 × ¥39.80 + 1 × ¥12.80 (with
    shipping), then 3 × ¥39.80 (free shipping above ¥99)."""
    mussels = make_variant(3980, 20, name="淡菜干", name_en="Dried mussels")
    shrimp = make_variant(1280, 20, name="虾皮")
    first = paid_order(client, [(mussels, 2), (shrimp, 1)], user=shopper, email=EMAIL)
    second = paid_order(client, [(mussels, 3)], user=shopper, email=EMAIL)
    return first, second


def data(body, field):
    assert "errors" not in body, body
    return body["data"][field]


# --- the account --------------------------------------------------------------------


def test_current_user_and_profile_read_the_signed_in_shopper(send, shopper, token):
    Address.objects.create(
        user=shopper,
        recipient_name="王小明",
        phone="13800138000",
        province="浙江省",
        city="宁波市",
        district="象山县",
        street_address="1 号",
        is_default=True,
    )
    me = data(send("CurrentUser", token=token), "me")
    assert me == {
        "avatar": None,
        "email": EMAIL,
        "firstName": "小明",
        "id": to_global_id("User", shopper.pk),
        "lastName": "",
    }

    profile = data(send("CurrentUserProfile", token=token), "me")
    assert profile["dateJoined"] and profile["avatar"] is None
    [address] = profile["addresses"]
    assert address["firstName"] == "王小明" and address["countryArea"] == "浙江省"
    assert address["country"] == {"code": "CN", "country": "中国 China"}
    assert profile["defaultShippingAddress"] == profile["defaultBillingAddress"]
    assert profile["defaultShippingAddress"]["id"] == address["id"]

    user = data(send("user", token=token), "me")
    assert user["email"] == EMAIL and user["addresses"] == profile["addresses"]


def test_anonymous_me_is_null_for_every_me_operation(send, orders):
    for name in ("CurrentUser", "CurrentUserProfile", "user"):
        assert send(name) == {"data": {"me": None}}
    body = send("CurrentUserOrderList", {"languageCode": "EN"})
    assert body == {"data": {"me": None}}


def test_account_update_changes_the_names(send, shopper, token):
    body = send(
        "AccountUpdate",
        {"input": {"firstName": "大明", "lastName": "王"}},
        token=token,
    )
    payload = data(body, "accountUpdate")
    assert payload["errors"] == []
    assert payload["user"]["firstName"] == "大明"
    assert payload["user"]["lastName"] == "王"
    assert payload["user"]["avatar"] is None
    shopper.refresh_from_db()
    assert (shopper.first_name, shopper.last_name) == ("大明", "王")


def test_the_address_book_operations_run_in_turn(send, shopper, token):
    created = data(
        send(
            "userAddressCreate", {"address": ADDRESS, "type": "SHIPPING"}, token=token
        ),
        "accountAddressCreate",
    )
    assert created["errors"] == []
    address_id = created["address"]["id"]
    assert created["user"]["defaultShippingAddress"]["id"] == address_id
    second = data(
        send(
            "AccountAddressCreate",
            {"input": {**ADDRESS, "firstName": "小红"}},
            token=token,
        ),
        "accountAddressCreate",
    )
    # The recipient is one name here: family name, then given name.
    assert second["errors"] == [] and second["address"]["firstName"] == "王 小红"

    updated = data(
        send(
            "AccountAddressUpdate",
            {
                "id": second["address"]["id"],
                "input": {**ADDRESS, "city": "舟山市", "cityArea": "定海区"},
            },
            token=token,
        ),
        "accountAddressUpdate",
    )
    assert updated["errors"] == [] and updated["address"]["city"] == "舟山市"

    default = data(
        send(
            "userSetDefaultAddress",
            {"id": second["address"]["id"], "type": "BILLING"},
            token=token,
        ),
        "accountSetDefaultAddress",
    )
    assert default["errors"] == []
    assert default["user"]["defaultBillingAddress"]["id"] == second["address"]["id"]

    deleted = data(
        send("userAddressDelete", {"id": address_id}, token=token),
        "accountAddressDelete",
    )
    assert deleted["errors"] == []
    assert [a["id"] for a in deleted["user"]["addresses"]] == [second["address"]["id"]]
    gone = data(
        send("AccountAddressDelete", {"id": address_id}, token=token),
        "accountAddressDelete",
    )
    assert [e["code"] for e in gone["errors"]] == ["NOT_FOUND"]


def test_password_change_reset_register_and_deletion_request(
    send, settings, shopper, token
):
    settings.ALLOWED_CLIENT_HOSTS = ["shop.example.com"]
    wrong = data(
        send(
            "PasswordChange",
            {"newPassword": "另一个-2026-good!", "oldPassword": "x"},
            token=token,
        ),
        "passwordChange",
    )
    assert [e["code"] for e in wrong["errors"]] == ["INVALID_PASSWORD"]
    changed = data(
        send(
            "PasswordChange",
            {"newPassword": "另一个-2026-good!", "oldPassword": PASSWORD},
            token=token,
        ),
        "passwordChange",
    )
    assert changed["errors"] == []
    shopper.refresh_from_db()
    assert shopper.check_password("另一个-2026-good!")

    reset = data(
        send(
            "requestPasswordReset",
            {
                "email": EMAIL,
                "channel": "default-channel",
                "redirectUrl": "https://shop.example.com/reset",
            },
        ),
        "requestPasswordReset",
    )
    assert reset["errors"] == []

    registered = data(
        send(
            "userRegister",
            {
                "input": {
                    "email": "new@example.cn",
                    "password": "新的顾客-2026-good",
                    "redirectUrl": "https://shop.example.com/confirm",
                }
            },
        ),
        "accountRegister",
    )
    assert registered["errors"] == []
    assert get_user_model().objects.filter(email="new@example.cn").exists()

    fresh = new_shopper("later@example.cn")
    deletion = data(
        send(
            "AccountRequestDeletion",
            {"redirectUrl": "https://shop.example.com/delete", "channel": None},
            token=sign_in(send, fresh.email),
        ),
        "accountRequestDeletion",
    )
    assert deletion["errors"] == []
    # A link host the shop does not know is refused.
    refused = data(
        send(
            "AccountRequestDeletion",
            {"redirectUrl": "https://evil.example.net/delete", "channel": None},
            token=sign_in(send, fresh.email),
        ),
        "accountRequestDeletion",
    )
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID", "redirectUrl")
    ]


# --- the shopper's orders ------------------------------------------------------------


def test_current_user_order_list_shows_each_order_the_saleor_way(send, orders, token):
    first, second = orders
    me = data(send("CurrentUserOrderList", {"languageCode": "EN"}, token=token), "me")

    nodes = [edge["node"] for edge in me["orders"]["edges"]]
    assert [node["number"] for node in nodes] == [second.number, first.number]
    for node in nodes:
        assert node["status"] == "UNFULFILLED"
        assert node["statusDisplay"] == "已支付 paid"
        assert node["paymentStatus"] == "FULLY_CHARGED"
        assert node["created"]
    assert nodes[0]["id"] == to_global_id("Order", second.pk)
    assert nodes[0]["total"] == {"gross": {"amount": 119.4, "currency": "CNY"}}
    assert nodes[1]["total"]["gross"]["amount"] == first.total_fen / 100
    [line] = nodes[0]["lines"]
    assert line["quantity"] == 3
    variant = line["variant"]
    assert variant["product"]["name"] == "淡菜干"
    assert variant["product"]["translation"] == {"name": "Dried mussels"}
    assert variant["pricing"]["price"]["gross"] == {"amount": 39.8, "currency": "CNY"}
    assert me["email"] == EMAIL and me["avatar"] is None


def test_current_user_orders_paginate_with_cursors(send, orders, token):
    first, second = orders
    page = data(
        send(
            "CurrentUserOrdersPaginated",
            {"first": 1, "languageCode": "ZH_HANS"},
            token=token,
        ),
        "me",
    )["orders"]
    assert page["totalCount"] == 2
    assert page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["number"] for e in page["edges"]] == [second.number]

    rest = data(
        send(
            "CurrentUserOrdersPaginated",
            {
                "first": 1,
                "after": page["pageInfo"]["endCursor"],
                "languageCode": "ZH_HANS",
            },
            token=token,
        ),
        "me",
    )["orders"]
    assert [e["node"]["number"] for e in rest["edges"]] == [first.number]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_order_by_number_shows_parcels_addresses_and_money(send, orders, token):
    first, _ = orders
    me = data(
        send("OrderByNumber", {"first": 10, "languageCode": "ZH_HANS"}, token=token),
        "me",
    )
    node = next(
        e["node"] for e in me["orders"]["edges"] if e["node"]["number"] == first.number
    )
    assert node["isPaid"] is True and node["paymentStatus"] == "FULLY_CHARGED"
    assert node["shippingAddress"]["country"]["code"] == "CN"
    assert node["billingAddress"] == node["shippingAddress"]
    assert node["subtotal"]["gross"]["amount"] == first.subtotal_fen / 100
    assert node["shippingPrice"]["gross"]["amount"] == first.shipping_fen / 100
    assert node["shippingPrice"]["tax"]["amount"] == 0
    assert len(node["lines"]) == 2
    # One parcel per workshop, not shipped yet, each with its own lines.
    assert len(node["fulfillments"]) == 2
    for parcel in node["fulfillments"]:
        assert parcel["status"] == "WAITING_FOR_APPROVAL"
        assert parcel["trackingNumber"] == ""
        [line] = parcel["lines"]
        assert line["quantity"] == line["orderLine"]["quantity"]
    line_ids = {line["id"] for line in node["lines"]}
    assert {p["lines"][0]["orderLine"]["id"] for p in node["fulfillments"]} == line_ids


def test_order_by_id_shows_what_the_order_page_reads(send, orders, token):
    _, second = orders
    order = data(
        send(
            "order",
            {"id": to_global_id("Order", second.pk), "languageCode": "EN"},
            token=token,
        ),
        "order",
    )
    assert order["number"] == second.number
    assert order["channel"] == {"slug": "default-channel"}
    assert order["isPaid"] is True
    assert order["chargeStatus"] == order["authorizeStatus"] == "FULL"
    assert order["totalCaptured"] == {"amount": 119.4, "currency": "CNY"}
    assert order["totalBalance"] == {"amount": 0.0, "currency": "CNY"}
    assert order["userEmail"] == EMAIL
    assert order["deliveryMethod"] == {"__typename": "ShippingMethod"}
    assert order["discounts"] == [] and order["voucher"] is None
    [line] = order["lines"]
    assert line["productName"] == "淡菜干" and line["quantity"] == 3
    assert line["unitPrice"]["gross"] == {"amount": 39.8, "currency": "CNY"}
    assert line["undiscountedUnitPrice"] == line["unitPrice"]
    assert line["totalPrice"]["gross"]["amount"] == 119.4
    assert line["variant"]["product"]["translation"] == {"name": "Dried mussels"}


# --- who may read what --------------------------------------------------------------


def test_another_shopper_cannot_read_an_order_by_id(client, send, orders, shopper):
    first, _ = orders
    new_shopper("other@example.cn")
    other = sign_in(send, "other@example.cn")
    variables = {"id": to_global_id("Order", first.pk), "languageCode": "EN"}

    assert send("order", variables, token=other) == {"data": {"order": None}}
    assert send("order", variables) == {"data": {"order": None}}
    assert (
        data(
            send("OrderByNumber", {"first": 10, "languageCode": "EN"}, token=other),
            "me",
        )["orders"]["edges"]
        == []
    )
    # The guest link still reads it (orderByToken), signed in or not.
    query = "query ($t: UUID!) { orderByToken(token: $t) { number } }"
    assert data(
        send(query=query, variables={"t": str(first.token)}), "orderByToken"
    ) == {"number": first.number}


def test_the_workshop_managers_of_a_parcel_and_operators_read_the_order(
    client, send, orders
):
    first, _ = orders
    line = first.lines.first()
    query = "query ($id: ID!) { order(id: $id) { number user { email } } }"
    variables = {"id": to_global_id("Order", first.pk)}

    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, line.workshop)
    client.force_login(manager)
    # The manager reads it, not who placed it.
    assert data(send(query=query, variables=variables), "order") == {
        "number": first.number,
        "user": None,
    }

    stranger = make_user()
    grant(stranger, Role.WORKSHOP_MANAGER, make_variant().product.workshop)
    client.force_login(stranger)
    assert data(send(query=query, variables=variables), "order") is None

    client.force_login(make_user(staff=True))
    assert data(send(query=query, variables=variables), "order") == {
        "number": first.number,
        "user": {"email": EMAIL},
    }


@pytest.mark.parametrize("value", ["garbage", "VXNlcjox", "product-id"])
def test_a_malformed_order_id_or_one_of_another_type_is_an_error(send, token, value):
    if value == "product-id":
        value = to_global_id("Product", 1)
    body = send(
        query="query ($id: ID!) { order(id: $id) { number } }",
        variables={"id": value},
        token=token,
    )
    assert body["data"] == {"order": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"


def test_user_by_id_is_refused_to_shoppers_and_answered_to_operators(
    client, send, shopper, token
):
    query = "query ($id: ID, $e: String) { user(id: $id, email: $e) { email } }"
    by_id = {"id": to_global_id("User", shopper.pk)}

    for bearer in (token, None):
        body = send(query=query, variables=by_id, token=bearer)
        assert body["data"] == {"user": None}
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"

    client.force_login(make_user(staff=True))
    assert data(send(query=query, variables=by_id), "user") == {"email": EMAIL}
    assert data(send(query=query, variables={"e": EMAIL.upper()}), "user") == {
        "email": EMAIL
    }


# --- query count ------------------------------------------------------------------

ORDER_LIST = """{ me { orders(first: 20) { totalCount edges { node {
  number status paymentStatus total { gross { amount } }
  lines { quantity productName thumbnail { url }
    variant { name product { name thumbnail { url } category { name } } } }
  fulfillments { status lines { quantity } }
} } } } }"""


def test_the_order_list_costs_the_same_few_queries_for_2_or_20_orders(
    client, send, shopper, token
):
    mussels = make_variant(3980, 200, name="淡菜干")
    shrimp = make_variant(1280, 200, name="虾皮")
    for _ in range(2):
        paid_order(client, [(mussels, 1), (shrimp, 1)], user=shopper, email=EMAIL)
    with CaptureQueriesContext(connection) as few:
        small = data(send(query=ORDER_LIST, token=token), "me")
    for _ in range(18):
        paid_order(client, [(mussels, 1), (shrimp, 1)], user=shopper, email=EMAIL)

    with CaptureQueriesContext(connection) as many:
        large = data(send(query=ORDER_LIST, token=token), "me")

    assert small["orders"]["totalCount"] == 2
    assert large["orders"]["totalCount"] == 20
    assert len(large["orders"]["edges"]) == 20
    assert all(len(e["node"]["lines"]) == 2 for e in large["orders"]["edges"])
    sql = [q["sql"] for q in many.captured_queries]
    assert len(many) == len(few), sql
    # Token user and profile, the page, its count, lines (with variant,
    # product, category), photos, parcels; nothing per order or line.
    assert len(many) <= 9, sql
