"""The shopper's account over GraphQL in Saleor 3.23's shapes: `me`,
accountRegister / confirmAccount, requestPasswordReset / setPassword,
passwordChange, accountUpdate, accountRequestDeletion / accountDelete and
the address book (accountAddressCreate/Update/Delete,
accountSetDefaultAddress).

Bad input comes back as `errors { field code message }` (and the deprecated
`accountErrors`) with Saleor's codes and field names; nothing tells whether
an address has an account; a link host outside ALLOWED_CLIENT_HOSTS is
refused; another user's address is NOT_FOUND; anonymous callers are refused
with PERMISSION_DENIED. Mail leaves after commit (captured here)."""

import json
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from brands.models import Role
from storefront.accounts.models import Address, Profile
from storefront.checkout.models import Checkout
from storefront.orders.models import Order, OrderLine, OrderStatus
from tests.factories import grant, make_user, make_workshop

pytestmark = pytest.mark.django_db

PASSWORD = "海边的村子-2026-good"
EMAIL = "xiaoming@example.cn"
CLIENT = "http://127.0.0.1:8000/client/"  # SITE_URL's host: allowed by default
FOREIGN = "https://evil.example.com/steal"
ERRORS = "errors { field code message } accountErrors { field code message }"
ADDRESS_FIELDS = """
  id firstName lastName companyName streetAddress1 streetAddress2 city cityArea
  postalCode country { code country } countryArea phone
  isDefaultShippingAddress isDefaultBillingAddress
"""
SALEOR_ADDRESS = {
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


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a mutation scheduled on commit (the mail) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def api(client):
    def run(query, variables=None, *, token=None, status=200):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **extra,
        )
        assert response.status_code == status, response.content
        return response.json()

    return run


def shopper_account(email=EMAIL, *, verified=True):
    user = make_user(email, email=email)
    user.set_password(PASSWORD)
    user.save()
    Profile.objects.create(
        user=user, email_verified_at=timezone.now() if verified else None
    )
    return user


@pytest.fixture
def shopper(client):
    user = shopper_account()
    client.force_login(user)
    return user


def payload(body, name):
    assert "errors" not in body, body
    return body["data"][name]


def refused(body, name, code, field):
    """Exactly one error of this code and field, Chinese and English, in
    `errors` and `accountErrors` alike."""
    result = payload(body, name)
    assert len(result["errors"]) == 1, result
    [error] = result["errors"]
    assert (error["code"], error["field"]) == (code, field), error
    zh, _, en = error["message"].partition(" / ")
    assert zh and en and zh != en, error
    assert result["accountErrors"] == result["errors"]
    return result


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- me ----------------------------------------------------------------------


def test_anonymous_me_is_null(api):
    assert api("{ me { id email } }") == {"data": {"me": None}}


def test_me_shows_the_signed_in_shopper(api, shopper):
    me = payload(
        api(
            "{ me { id email firstName lastName isStaff isActive isConfirmed "
            "dateJoined addresses { id } defaultShippingAddress { id } } }"
        ),
        "me",
    )
    assert me["id"] == to_global_id("User", shopper.pk)
    assert me["email"] == EMAIL
    assert me["isConfirmed"] is True
    assert me["isStaff"] is False and me["isActive"] is True
    assert me["addresses"] == [] and me["defaultShippingAddress"] is None


@pytest.mark.parametrize(
    "mutation",
    [
        'accountUpdate(input: {firstName: "x"}) { errors { code } }',
        'passwordChange(oldPassword: "a", newPassword: "b") { errors { code } }',
        f'accountRequestDeletion(redirectUrl: "{CLIENT}") {{ errors {{ code }} }}',
        'accountDelete(token: "x") { errors { code } }',
        'accountAddressCreate(input: {firstName: "x"}) { errors { code } }',
        'accountAddressDelete(id: "QWRkcmVzczox") { errors { code } }',
        'accountSetDefaultAddress(id: "QWRkcmVzczox", type: SHIPPING) '
        "{ errors { code } }",
    ],
)
def test_anonymous_account_mutations_are_refused(api, mutation):
    body = api("mutation { " + mutation + " }")
    name = mutation.split("(")[0]
    assert body["data"][name] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert "登录" in error["message"] and "sign in" in error["message"]
    assert Address.objects.count() == 0


def _order_with_lines(user, workshop, n):
    order = Order.objects.create(
        number=f"GF-T-{n:06d}",
        checkout_token=uuid.uuid4(),
        user=user,
        status=OrderStatus.PAID,
        email=user.email,
        subtotal_fen=2000,
        shipping_fen=0,
        total_fen=2000,
        paid_fen=2000,
        paid_at=timezone.now(),
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            workshop=workshop,
            product_name=f"商品{i}",
            sku=f"T-{n}-{i}",
            brand_name="象山",
            workshop_name=workshop.name,
            village_name="高泥村",
            unit_price_fen=1000,
            quantity=1,
            total_fen=1000,
        )
        for i in range(2)
    )
    return order


ME_ORDERS = """{ me {
  addresses { id firstName countryArea isDefaultShippingAddress }
  defaultShippingAddress { id } defaultBillingAddress { id }
  orders(first: 100) {
    totalCount pageInfo { hasNextPage }
    edges { node { number status total { gross { amount } }
      lines { sku quantity totalPrice { gross { amount } }
        variant { id product { name thumbnail { url } } } } } }
  }
} }"""


def test_me_orders_and_addresses_take_a_fixed_number_of_queries(api, shopper):
    workshop = make_workshop()
    for i in range(3):
        Address.objects.create(
            user=shopper,
            recipient_name=f"收件人{i}",
            phone="13800138000",
            province="浙江省",
            city="宁波市",
            district="象山县",
            street_address=f"{i} 号",
            is_default=i == 0,
        )
    _order_with_lines(shopper, workshop, 0)
    _order_with_lines(shopper, workshop, 1)
    with CaptureQueriesContext(connection) as few:
        small = payload(api(ME_ORDERS), "me")
    for n in range(2, 20):
        _order_with_lines(shopper, workshop, n)
    other = make_user()
    _order_with_lines(other, workshop, 99)  # not the shopper's

    with CaptureQueriesContext(connection) as many:
        me = payload(api(ME_ORDERS), "me")

    assert len(small["orders"]["edges"]) == 2
    assert me["orders"]["totalCount"] == 20
    assert len(me["orders"]["edges"]) == 20
    assert all(len(edge["node"]["lines"]) == 2 for edge in me["orders"]["edges"])
    assert "GF-T-000099" not in {e["node"]["number"] for e in me["orders"]["edges"]}
    assert len(me["addresses"]) == 3
    assert me["defaultShippingAddress"]["id"] == me["addresses"][0]["id"]
    assert me["defaultBillingAddress"] == me["defaultShippingAddress"]
    # The same queries for 20 orders as for 2: none per order or address.
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 10, [q["sql"] for q in many.captured_queries]


def test_me_orders_are_capped_at_100_per_page(api, shopper):
    body = api("{ me { orders(first: 5000) { totalCount edges { cursor } } } }")
    assert payload(body, "me")["orders"] == {"totalCount": 0, "edges": []}


# --- accountRegister and confirmAccount -----------------------------------------

REGISTER = """
mutation ($input: AccountRegisterInput!) {
  accountRegister(input: $input) { requiresConfirmation user { id } %ERRORS }
}
""".replace("%ERRORS", ERRORS)


def register(api, committed, **fields):
    data = {"email": EMAIL, "password": PASSWORD, "redirectUrl": CLIENT, **fields}
    with committed():
        return api(REGISTER, {"input": data})


def test_register_makes_an_unconfirmed_account_and_mails_the_client_link(
    api, committed
):
    result = payload(
        register(api, committed, firstName="小明", lastName="王"), "accountRegister"
    )

    assert result == {
        "requiresConfirmation": True,
        "user": None,
        "errors": [],
        "accountErrors": [],
    }
    user = get_user_model().objects.get(email=EMAIL)
    assert (user.first_name, user.last_name) == ("小明", "王")
    assert not user.profile.email_verified
    [message] = mail.outbox
    assert message.to == [EMAIL]
    link = link_in(message)
    assert link.startswith(CLIENT + "?")
    assert query_of(link)["email"] == EMAIL


def test_register_with_a_used_address_answers_the_same(api, committed):
    owner = shopper_account()
    first = register(api, committed, email="XiaoMing@example.cn")

    assert payload(first, "accountRegister") == {
        "requiresConfirmation": True,
        "user": None,
        "errors": [],
        "accountErrors": [],
    }
    assert get_user_model().objects.filter(email__iexact=EMAIL).count() == 1
    # The owner hears of it; nothing is said to the caller.
    [message] = mail.outbox
    assert message.to == [owner.email]


@pytest.mark.parametrize(
    ("password", "code"),
    [("abc", "PASSWORD_TOO_SHORT"), ("password1", "PASSWORD_TOO_COMMON")],
)
def test_register_refuses_a_weak_password(api, committed, password, code):
    body = register(api, committed, password=password)
    refused(body, "accountRegister", code, "password")
    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert mail.outbox == []


def test_register_refuses_a_link_to_a_foreign_host(api, committed):
    body = register(api, committed, redirectUrl=FOREIGN)
    refused(body, "accountRegister", "INVALID", "redirectUrl")
    assert not get_user_model().objects.filter(email=EMAIL).exists()


def test_register_refuses_an_invalid_email(api, committed):
    body = register(api, committed, email="not-an-address")
    refused(body, "accountRegister", "INVALID", "email")


CONFIRM = """
mutation ($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) { user { email isConfirmed } %ERRORS }
}
""".replace("%ERRORS", ERRORS)


def test_confirm_account_verifies_and_attaches_guest_orders(api, committed):
    guest_order = Order.objects.create(
        number="GF-T-GUEST",
        checkout_token=uuid.uuid4(),
        email=EMAIL,
        subtotal_fen=100,
        shipping_fen=0,
        total_fen=100,
    )
    register(api, committed)
    params = query_of(link_in(mail.outbox[0]))

    result = payload(api(CONFIRM, params), "confirmAccount")

    assert result["errors"] == []
    assert result["user"] == {"email": EMAIL, "isConfirmed": True}
    guest_order.refresh_from_db()
    assert guest_order.user.email == EMAIL
    # The link works once.
    refused(api(CONFIRM, params), "confirmAccount", "INVALID", "token")


def test_confirm_account_refuses_a_wrong_token_without_telling_who_exists(
    api, committed
):
    register(api, committed)
    bad = api(CONFIRM, {"email": EMAIL, "token": "1-abc"})
    unknown = api(CONFIRM, {"email": "nobody@example.cn", "token": "1-abc"})
    refused(bad, "confirmAccount", "INVALID", "token")
    refused(unknown, "confirmAccount", "INVALID", "token")
    assert bad == unknown
    assert not Profile.objects.get(user__email=EMAIL).email_verified


# --- requestPasswordReset and setPassword ---------------------------------------

RESET = """
mutation ($email: String!, $url: String!) {
  requestPasswordReset(email: $email, redirectUrl: $url) { %ERRORS }
}
""".replace("%ERRORS", ERRORS)
SET_PASSWORD = """
mutation ($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token refreshToken csrfToken user { email } %ERRORS
  }
}
""".replace("%ERRORS", ERRORS)
NEW_PASSWORD = "另一个村子-2027-good"


def request_reset(api, committed, email=EMAIL, url=CLIENT):
    with committed():
        return api(RESET, {"email": email, "url": url})


def test_password_reset_mails_a_client_link_that_sets_the_password(api, committed):
    user = shopper_account()
    result = payload(request_reset(api, committed), "requestPasswordReset")
    assert result == {"errors": [], "accountErrors": []}
    [message] = mail.outbox
    params = query_of(link_in(message))
    assert link_in(message).startswith(CLIENT)
    assert params["email"] == EMAIL

    done = payload(
        api(SET_PASSWORD, {**params, "password": NEW_PASSWORD}), "setPassword"
    )

    assert done["errors"] == []
    assert done["user"] == {"email": EMAIL}
    assert done["token"] and done["refreshToken"] and done["csrfToken"]
    me = api("{ me { email } }", token=done["token"])
    assert me["data"]["me"]["email"] == EMAIL
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_token_works_once(api, committed):
    shopper_account()
    request_reset(api, committed)
    params = query_of(link_in(mail.outbox[0]))
    api(SET_PASSWORD, {**params, "password": NEW_PASSWORD})

    again = api(SET_PASSWORD, {**params, "password": "第三个村子-2028-good"})

    refused(again, "setPassword", "INVALID", "token")
    assert payload(again, "setPassword")["token"] is None
    user = get_user_model().objects.get(email=EMAIL)
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_reset_token_is_refused(api, committed, time_machine):
    shopper_account()
    request_reset(api, committed)
    params = query_of(link_in(mail.outbox[0]))
    # An epoch timestamp: Django's token clock is naive local time.
    time_machine.move_to(time.time() + settings.PASSWORD_RESET_TIMEOUT + 60)

    body = api(SET_PASSWORD, {**params, "password": NEW_PASSWORD})

    refused(body, "setPassword", "INVALID", "token")
    user = get_user_model().objects.get(email=EMAIL)
    assert user.check_password(PASSWORD)


def test_set_password_refuses_a_weak_password(api, committed):
    shopper_account()
    request_reset(api, committed)
    params = query_of(link_in(mail.outbox[0]))
    body = api(SET_PASSWORD, {**params, "password": "abc"})
    refused(body, "setPassword", "PASSWORD_TOO_SHORT", "password")


def test_set_password_lifts_the_login_lockout(api, committed):
    shopper_account()
    token_create = """mutation ($e: String!, $p: String!) { tokenCreate(email: $e,
        password: $p) { token errors { code } } }"""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api(token_create, {"e": EMAIL, "p": "guess"})
    locked = api(token_create, {"e": EMAIL, "p": PASSWORD})
    assert payload(locked, "tokenCreate")["errors"] == [
        {"code": "LOGIN_ATTEMPT_DELAYED"}
    ]
    request_reset(api, committed)
    params = query_of(link_in(mail.outbox[0]))
    api(SET_PASSWORD, {**params, "password": NEW_PASSWORD})

    after = payload(api(token_create, {"e": EMAIL, "p": NEW_PASSWORD}), "tokenCreate")

    assert after["errors"] == [] and after["token"]


def test_password_reset_answers_alike_for_an_unknown_address(api, committed):
    shopper_account()
    known = request_reset(api, committed)
    unknown = request_reset(api, committed, email="nobody@example.cn")
    assert known == unknown
    assert len(mail.outbox) == 1


def test_password_reset_refuses_a_link_to_a_foreign_host(api, committed):
    shopper_account()
    body = request_reset(api, committed, url=FOREIGN)
    refused(body, "requestPasswordReset", "INVALID", "redirectUrl")
    assert mail.outbox == []


def test_allowed_client_hosts_come_from_the_setting(api, committed, settings):
    shopper_account()
    settings.ALLOWED_CLIENT_HOSTS = ["shop.example.com"]
    allowed = request_reset(api, committed, url="https://shop.example.com/reset")
    refused_default = request_reset(api, committed, url=CLIENT)
    assert payload(allowed, "requestPasswordReset")["errors"] == []
    refused(refused_default, "requestPasswordReset", "INVALID", "redirectUrl")
    assert link_in(mail.outbox[0]).startswith("https://shop.example.com/reset?")


# --- passwordChange and accountUpdate ------------------------------------------

CHANGE = """
mutation ($old: String, $new: String!) {
  passwordChange(oldPassword: $old, newPassword: $new) { user { email } %ERRORS }
}
""".replace("%ERRORS", ERRORS)


def test_password_change_keeps_the_session_signed_in(api, shopper):
    result = payload(
        api(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD}), "passwordChange"
    )
    assert result["errors"] == [] and result["user"] == {"email": EMAIL}
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)
    assert api("{ me { email } }")["data"]["me"] == {"email": EMAIL}


def test_password_change_refuses_a_wrong_old_password(api, shopper):
    body = api(CHANGE, {"old": "wrong", "new": NEW_PASSWORD})
    refused(body, "passwordChange", "INVALID_PASSWORD", "oldPassword")
    missing = api(CHANGE, {"new": NEW_PASSWORD})
    refused(missing, "passwordChange", "INVALID_PASSWORD", "oldPassword")
    shopper.refresh_from_db()
    assert shopper.check_password(PASSWORD)


def test_password_change_refuses_a_weak_password(api, shopper):
    body = api(CHANGE, {"old": PASSWORD, "new": "abc"})
    refused(body, "passwordChange", "PASSWORD_TOO_SHORT", "newPassword")


UPDATE = """
mutation ($input: AccountInput!) {
  accountUpdate(input: $input) { user { firstName lastName } %ERRORS }
}
""".replace("%ERRORS", ERRORS)


def test_account_update_changes_the_names_given_and_keeps_the_rest(api, shopper):
    profile = shopper.profile
    profile.mobile = "13900139000"
    profile.save()
    first = payload(
        api(UPDATE, {"input": {"firstName": "小明", "lastName": "王"}}), "accountUpdate"
    )
    second = payload(api(UPDATE, {"input": {"lastName": "李"}}), "accountUpdate")

    assert first["user"] == {"firstName": "小明", "lastName": "王"}
    assert second["user"] == {"firstName": "小明", "lastName": "李"}
    profile.refresh_from_db()
    assert profile.mobile == "13900139000"


def test_account_update_refuses_a_nul_character(api, shopper):
    body = api(UPDATE, {"input": {"firstName": "a\x00b"}})
    result = payload(body, "accountUpdate")
    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "firstName")
    assert "空字符" in error["message"] and "NUL character" in error["message"]
    shopper.refresh_from_db()
    assert shopper.first_name == ""


# --- accountRequestDeletion and accountDelete -----------------------------------

REQUEST_DELETION = """
mutation ($url: String!) { accountRequestDeletion(redirectUrl: $url) { %ERRORS } }
""".replace("%ERRORS", ERRORS)
DELETE = """
mutation ($token: String!) { accountDelete(token: $token) { user { id } %ERRORS } }
""".replace("%ERRORS", ERRORS)


def test_deletion_link_anonymises_the_account_and_empties_its_carts(
    api, shopper, committed
):
    Checkout.objects.create(user=shopper, email=EMAIL)
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
    with committed():
        result = payload(
            api(REQUEST_DELETION, {"url": CLIENT}), "accountRequestDeletion"
        )
    assert result["errors"] == []
    [message] = mail.outbox
    assert message.to == [EMAIL]
    token = query_of(link_in(message))["token"]
    assert link_in(message).startswith(CLIENT)

    done = payload(api(DELETE, {"token": token}), "accountDelete")

    assert done["errors"] == [] and done["user"] is None
    shopper.refresh_from_db()
    assert shopper.username == f"deleted-{shopper.pk}"
    assert shopper.email == "" and not shopper.is_active
    assert not shopper.has_usable_password()
    assert not Address.objects.filter(user=shopper).exists()
    assert not Checkout.objects.filter(user=shopper).exists()
    assert api("{ me { id } }")["data"]["me"] is None  # signed out


def test_account_delete_refuses_a_wrong_token(api, shopper):
    body = api(DELETE, {"token": "1-abc"})
    refused(body, "accountDelete", "INVALID", "token")
    shopper.refresh_from_db()
    assert shopper.is_active


def test_account_delete_refuses_a_password_reset_token(api, shopper):
    from django.contrib.auth.tokens import default_token_generator

    body = api(DELETE, {"token": default_token_generator.make_token(shopper)})
    refused(body, "accountDelete", "INVALID", "token")


def test_deletion_request_refuses_a_foreign_host(api, shopper, committed):
    with committed():
        body = api(REQUEST_DELETION, {"url": FOREIGN})
    refused(body, "accountRequestDeletion", "INVALID", "redirectUrl")
    assert mail.outbox == []


def test_workshop_accounts_cannot_ask_for_deletion(api, client, committed):
    manager = shopper_account("manager@example.cn")
    grant(manager, Role.WORKSHOP_MANAGER, make_workshop())
    client.force_login(manager)
    with committed():
        body = api(REQUEST_DELETION, {"url": CLIENT})
    refused(body, "accountRequestDeletion", "DELETE_STAFF_ACCOUNT", None)
    assert mail.outbox == []


# --- the address book ----------------------------------------------------------

CREATE = """
mutation ($input: AddressInput!, $type: AddressTypeEnum) {
  accountAddressCreate(input: $input, type: $type) {
    address { %ADDRESS } user { addresses { id } defaultShippingAddress { id } } %ERRORS
  }
}
""".replace("%ADDRESS", ADDRESS_FIELDS).replace("%ERRORS", ERRORS)
UPDATE_ADDRESS = """
mutation ($id: ID!, $input: AddressInput!) {
  accountAddressUpdate(id: $id, input: $input) { address { %ADDRESS } %ERRORS }
}
""".replace("%ADDRESS", ADDRESS_FIELDS).replace("%ERRORS", ERRORS)
DELETE_ADDRESS = """
mutation ($id: ID!) {
  accountAddressDelete(id: $id) { address { id } user { addresses { id } } %ERRORS }
}
""".replace("%ERRORS", ERRORS)
SET_DEFAULT = """
mutation ($id: ID!, $type: AddressTypeEnum!) {
  accountSetDefaultAddress(id: $id, type: $type) {
    user { defaultShippingAddress { id } defaultBillingAddress { id } } %ERRORS
  }
}
""".replace("%ERRORS", ERRORS)


def create_address(api, **changes):
    return api(CREATE, {"input": {**SALEOR_ADDRESS, **changes}})


def test_address_create_maps_saleor_fields_onto_ours(api, shopper):
    result = payload(create_address(api), "accountAddressCreate")

    assert result["errors"] == []
    address = Address.objects.get(user=shopper)
    assert address.recipient_name == "王 小明"
    assert (address.province, address.city, address.district) == (
        "浙江省",
        "宁波市",
        "象山县",
    )
    assert address.street_address == "黄避岙乡高泥村 1 号"
    assert address.postal_code == "315700"
    assert result["address"] == {
        "id": to_global_id("Address", address.pk),
        "firstName": "王 小明",
        "lastName": "",
        "companyName": "",
        "streetAddress1": "黄避岙乡高泥村 1 号",
        "streetAddress2": "",
        "city": "宁波市",
        "cityArea": "象山县",
        "postalCode": "315700",
        "country": {"code": "CN", "country": "中国 China"},
        "countryArea": "浙江省",
        "phone": "13800138000",
        "isDefaultShippingAddress": True,  # the first address is the default
        "isDefaultBillingAddress": True,
    }
    assert result["user"]["defaultShippingAddress"] == {"id": result["address"]["id"]}


def test_address_create_with_a_type_makes_it_the_default(api, shopper):
    create_address(api)
    second = payload(
        api(
            CREATE, {"input": {**SALEOR_ADDRESS, "city": "台州市"}, "type": "SHIPPING"}
        ),
        "accountAddressCreate",
    )
    third = payload(create_address(api, city="温州市"), "accountAddressCreate")
    assert second["address"]["isDefaultShippingAddress"] is True
    assert third["address"]["isDefaultShippingAddress"] is False
    assert third["user"]["defaultShippingAddress"] == {"id": second["address"]["id"]}


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"countryArea": ""}, "REQUIRED", "countryArea"),
        ({"countryArea": "加州"}, "INVALID", "countryArea"),
        ({"cityArea": None}, "REQUIRED", "cityArea"),
        ({"streetAddress1": ""}, "REQUIRED", "streetAddress1"),
        ({"firstName": "", "lastName": ""}, "REQUIRED", "firstName"),
        ({"phone": "12345"}, "INVALID", "phone"),
        ({"postalCode": "12"}, "INVALID", "postalCode"),
        ({"country": "US"}, "INVALID", "country"),
    ],
)
def test_address_create_reports_each_bad_field_by_saleor_name(
    api, shopper, changes, code, field
):
    body = create_address(api, **changes)
    result = refused(body, "accountAddressCreate", code, field)
    assert result["address"] is None
    assert not Address.objects.exists()


def test_address_update_changes_the_own_address(api, shopper):
    created = payload(create_address(api), "accountAddressCreate")["address"]
    body = api(
        UPDATE_ADDRESS,
        {"id": created["id"], "input": {**SALEOR_ADDRESS, "city": "台州市"}},
    )
    result = payload(body, "accountAddressUpdate")
    assert result["errors"] == []
    assert result["address"]["city"] == "台州市"
    assert Address.objects.get().city == "台州市"


def _someone_elses_address():
    stranger = make_user()
    return Address.objects.create(
        user=stranger,
        recipient_name="陌生人",
        phone="13900139000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        street_address="1 号",
        is_default=True,
    )


def test_another_users_address_is_not_found_and_stays_as_it_was(api, shopper):
    theirs = _someone_elses_address()
    their_id = to_global_id("Address", theirs.pk)
    missing_id = to_global_id("Address", theirs.pk + 1000)

    update = api(UPDATE_ADDRESS, {"id": their_id, "input": SALEOR_ADDRESS})
    missing = api(UPDATE_ADDRESS, {"id": missing_id, "input": SALEOR_ADDRESS})
    delete = api(DELETE_ADDRESS, {"id": their_id})
    default = api(SET_DEFAULT, {"id": their_id, "type": "BILLING"})
    not_an_address = api(DELETE_ADDRESS, {"id": to_global_id("Order", 1)})

    refused(update, "accountAddressUpdate", "NOT_FOUND", "id")
    refused(delete, "accountAddressDelete", "NOT_FOUND", "id")
    refused(default, "accountSetDefaultAddress", "NOT_FOUND", "id")
    refused(not_an_address, "accountAddressDelete", "NOT_FOUND", "id")
    # Never tells an address that exists from one that does not.
    assert (
        update["data"]["accountAddressUpdate"]["errors"]
        == (missing["data"]["accountAddressUpdate"]["errors"])
    )
    theirs.refresh_from_db()
    assert theirs.city == "杭州市" and theirs.user_id != shopper.pk


def test_set_default_and_delete(api, shopper):
    first = payload(create_address(api), "accountAddressCreate")["address"]
    second = payload(create_address(api, city="台州市"), "accountAddressCreate")[
        "address"
    ]

    result = payload(
        api(SET_DEFAULT, {"id": second["id"], "type": "SHIPPING"}),
        "accountSetDefaultAddress",
    )
    assert result["errors"] == []
    assert result["user"]["defaultShippingAddress"] == {"id": second["id"]}
    assert result["user"]["defaultBillingAddress"] == {"id": second["id"]}

    deleted = payload(api(DELETE_ADDRESS, {"id": second["id"]}), "accountAddressDelete")
    assert deleted["errors"] == []
    assert deleted["address"] == {"id": second["id"]}
    assert deleted["user"]["addresses"] == [{"id": first["id"]}]
    assert Address.objects.get().is_default  # the remaining one took over


def test_address_mutations_work_with_a_bearer_token(api, client):
    shopper_account()
    token = payload(
        api(
            "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, "
            "password: $p) { token } }",
            {"e": EMAIL, "p": PASSWORD},
        ),
        "tokenCreate",
    )["token"]
    body = client.post(
        "/graphql/",
        data=json.dumps({"query": CREATE, "variables": {"input": SALEOR_ADDRESS}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert payload(body, "accountAddressCreate")["errors"] == []
    assert Address.objects.get().user.email == EMAIL


def test_order_addresses_show_saleor_fields_too(api, shopper):
    order = Order.objects.create(
        number="GF-T-ADDR",
        checkout_token=uuid.uuid4(),
        user=shopper,
        email=EMAIL,
        subtotal_fen=100,
        shipping_fen=0,
        total_fen=100,
        recipient_name="王小明",
        phone="13800138000",
        province="浙江省",
        city="宁波市",
        district="象山县",
        street_address="1 号",
    )
    body = api(
        "query ($t: UUID!) { orderByToken(token: $t) { shippingAddress { "
        "recipientName firstName countryArea cityArea streetAddress1 "
        "country { code } isDefaultShippingAddress } } }",
        {"t": str(order.token)},
    )
    assert payload(body, "orderByToken")["shippingAddress"] == {
        "recipientName": "王小明",
        "firstName": "王小明",
        "countryArea": "浙江省",
        "cityArea": "象山县",
        "streetAddress1": "1 号",
        "country": {"code": "CN"},
        "isDefaultShippingAddress": None,
    }


def test_the_checkout_takes_saleor_address_fields_and_refuses_another_country(api):
    from tests.storefront.graphql.test_checkout_mutations import (
        ADDRESS_UPDATE,
    )
    from tests.storefront.graphql.test_checkout_mutations import (
        CREATE as CHECKOUT_CREATE,
    )

    body = api(CHECKOUT_CREATE, {"input": {"email": "buyer@example.com", "lines": []}})
    token = payload(body, "checkoutCreate")["checkout"]["id"]

    saleor = payload(
        api(ADDRESS_UPDATE, {"token": token, "address": SALEOR_ADDRESS}),
        "checkoutShippingAddressUpdate",
    )
    foreign = payload(
        api(
            ADDRESS_UPDATE,
            {"token": token, "address": {**SALEOR_ADDRESS, "country": "US"}},
        ),
        "checkoutShippingAddressUpdate",
    )

    assert saleor["errors"] == []
    assert saleor["checkout"]["shippingAddress"] == {
        "recipientName": "王 小明",
        "phone": "13800138000",
        "province": "浙江省",
    }
    assert [(e["code"], e["field"]) for e in foreign["errors"]] == [
        ("ADDRESS_INVALID", "country")
    ]
    checkout = Checkout.objects.get()
    assert (checkout.district, checkout.street_address) == (
        "象山县",
        "黄避岙乡高泥村 1 号",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@evil.example.com/reset",  # userinfo, then the real host
        "http://127.0.0.1.evil.example.com/reset",
        "javascript://127.0.0.1/%0aalert(1)",
        "//127.0.0.1/reset",  # no scheme
        "ftp://127.0.0.1/reset",
        "http://127.0.0.1:8000/reset\nBcc: x@evil.example.com",
        "not a url",
    ],
)
def test_tricky_redirect_urls_are_refused(api, committed, url):
    shopper_account()
    body = request_reset(api, committed, url=url)
    refused(body, "requestPasswordReset", "INVALID", "redirectUrl")
    assert mail.outbox == []
