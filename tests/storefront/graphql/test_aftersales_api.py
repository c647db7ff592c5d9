"""After-sales (售后) over GraphQL: the shopper's `orderReturnRequestCreate`,
`orderReturnRequestCancel` and `orderReturnRequestSetTracking`, the requests
on `Order.returnRequests`, and the workshop's `returnRequests`,
`returnRequestApprove`, `returnRequestRefuse` and `returnRequestRefund`.

Each bad input comes back as `errors { field code message }` with the
after-sales codes; each role is tried against requests it must not touch
(another order's token, another workshop's manager, a signed-in stranger,
nobody signed in), and a refusal changes nothing. Orders are paid and
refunded through localstripe and signed webhooks (tests/shop_helpers.py)."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string
from graphql_relay import to_global_id
from PIL import Image

from brands.models import Role
from storefront.aftersales.models import AfterSalesRequest, Kind, Reason, Status
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_request_create,
)
from storefront.catalog import services as catalog_services
from storefront.catalog.models import AfterSalesKind
from storefront.orders.models import OrderStatus
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order
from tests.storefront.aftersales.conftest import ship
from tests.storefront.graphql.test_checkout_mutations import assert_refused, payload_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

REQUEST_FIELDS = """
  id kind reason status message refuseReason includesShipping created
  orderNumber workshopName returnCarrier returnCarrierName
  returnTrackingNumber returnTrackingUrl
  amount { amount: fractionalAmount currency formatted }
  fulfillment { id status }
  lines { quantity amount { amount: fractionalAmount } restock orderLine { id
    productName } }
  photos { url }
  events { type data }
"""

CREATE = """
mutation ($token: UUID, $id: ID, $input: OrderReturnRequestCreateInput!) {
  orderReturnRequestCreate(token: $token, id: $id, input: $input) {
    returnRequest { ...Request }
    order { id returnRequests { id status } }
    errors { field code message }
  }
}
fragment Request on ReturnRequest {"""
CREATE += REQUEST_FIELDS + "}"

CANCEL = """
mutation ($id: ID!, $token: UUID) {
  orderReturnRequestCancel(id: $id, token: $token) {
    returnRequest { id status }
    errors { field code message }
  }
}"""

TRACKING = """
mutation ($id: ID!, $token: UUID, $input: OrderReturnRequestSetTrackingInput!) {
  orderReturnRequestSetTracking(id: $id, token: $token, input: $input) {
    returnRequest { id status returnCarrier returnTrackingNumber returnTrackingUrl }
    errors { field code message }
  }
}"""

APPROVE = """
mutation ($id: ID!) {
  returnRequestApprove(id: $id) {
    returnRequest { id status amount { amount: fractionalAmount } events { type } }
    errors { field code message }
  }
}"""

REFUSE = """
mutation ($id: ID!, $reason: String!) {
  returnRequestRefuse(id: $id, reason: $reason) {
    returnRequest { id status refuseReason }
    errors { field code message }
  }
}"""

REFUND = """
mutation ($id: ID!) {
  returnRequestRefund(id: $id) {
    returnRequest { id status }
    errors { field code message }
  }
}"""

LIST = """
query ($workshop: ID!, $status: ReturnRequestStatus, $first: Int, $after: String) {
  returnRequests(workshop: $workshop, status: $status, first: $first,
                 after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status orderNumber workshopName amount {
      amount: fractionalAmount } } }
  }
}"""

ORDER = """
query ($token: UUID!) {
  orderByToken(token: $token) {
    fulfillments { id }
    returnRequests {
      id status kind reason
      amount { amount: fractionalAmount currency formatted }
      lines { quantity orderLine { id } }
      events { type date }
    }
  }
}"""

SF_NUMBER = "SF1234567890123"


class Shop:
    def __init__(self, **items):
        self.__dict__.update(items)


@pytest.fixture
def shop():
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    other_manager = make_user()
    grant(other_manager, Role.WORKSHOP_MANAGER, make_workshop(brands=[brand]))
    dry = catalog_services.category_create(name="干货", name_en="Dried")
    fresh = catalog_services.category_create(
        name="生鲜", name_en="Fresh", aftersales_kind=AfterSalesKind.FRESH
    )
    return Shop(
        brand=brand,
        workshop=workshop,
        manager=manager,
        other_manager=other_manager,
        operator=make_user(staff=True),
        buyer=make_user(),
        variant=make_variant(2000, 20, workshop=workshop, brand=brand, category=dry),
        fish=make_variant(3000, 20, workshop=workshop, brand=brand, category=fresh),
    )


@pytest.fixture
def order(client, shop):
    """Paid by the signed-in buyer: 3 × ¥20.00 + ¥10.00 shipping."""
    return paid_order(client, [(shop.variant, 3)], user=shop.buyer)


def gid(name: str, pk) -> str:
    return to_global_id(name, pk)


def post(client, query: str, variables: dict) -> dict:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def as_user(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def create_input(order, *, units=1, kind="REFUND_ONLY", reason="CHANGED_MIND", **more):
    line = order.lines.get()
    return {
        "fulfillment": gid("Fulfillment", order.fulfillments.get().pk),
        "kind": kind,
        "reason": reason,
        "lines": [{"orderLineId": gid("OrderLine", line.pk), "quantity": units}],
        **more,
    }


def create(client, order, *, token=True, **input_fields):
    variables = {"input": create_input(order, **input_fields)}
    if token:
        variables["token"] = str(order.token)
    return post(client, CREATE, variables)


def ask(order, *, kind=Kind.REFUND_ONLY, reason=Reason.CHANGED_MIND, units=1):
    line = order.lines.get()
    return aftersales_request_create(
        order=order,
        fulfillment=order.fulfillments.get(),
        kind=kind,
        reason=reason,
        lines={line.pk: units},
    )


# --- the shopper: asking ---------------------------------------------------


def test_a_shopper_asks_by_the_order_token_and_sees_it_on_the_order(client, order):
    body = create(client, order, units=2, message="  买多了  ")

    payload = payload_of(body, "orderReturnRequestCreate")
    assert payload["errors"] == []
    request = payload["returnRequest"]
    assert (request["kind"], request["reason"], request["status"]) == (
        "REFUND_ONLY",
        "CHANGED_MIND",
        "REQUESTED",
    )
    assert request["message"] == "买多了"
    assert request["amount"] == {
        "amount": 4000,
        "currency": "CNY",
        "formatted": "¥40.00",
    }
    assert request["includesShipping"] is False
    assert request["fulfillment"]["id"] == gid(
        "Fulfillment", order.fulfillments.get().pk
    )
    assert [(line["quantity"], line["amount"]["amount"]) for line in request["lines"]]
    assert request["lines"][0]["orderLine"]["id"] == gid(
        "OrderLine", order.lines.get().pk
    )
    assert [event["type"] for event in request["events"]] == ["REQUESTED"]
    assert payload["order"]["returnRequests"] == [
        {"id": request["id"], "status": "REQUESTED"}
    ]

    page = payload_of(post(client, ORDER, {"token": str(order.token)}), "orderByToken")
    assert page["returnRequests"][0]["amount"]["currency"] == "CNY"
    assert page["returnRequests"][0]["lines"] == [
        {"quantity": 2, "orderLine": {"id": gid("OrderLine", order.lines.get().pk)}}
    ]


def test_the_whole_parcel_before_shipping_includes_its_shipping(client, order):
    payload = payload_of(create(client, order, units=3), "orderReturnRequestCreate")

    assert payload["returnRequest"]["amount"]["amount"] == order.total_fen
    assert payload["returnRequest"]["includesShipping"] is True


def test_the_signed_in_owner_asks_by_the_order_id(order, shop):
    variables = {"id": gid("Order", order.pk), "input": create_input(order)}

    payload = payload_of(
        post(as_user(shop.buyer), CREATE, variables), "orderReturnRequestCreate"
    )

    assert payload["errors"] == []
    assert AfterSalesRequest.objects.get().order == order


@pytest.mark.parametrize("who", ["stranger", "anonymous", "manager"])
def test_an_order_id_reaches_only_its_owner(order, shop, who):
    user = {"stranger": make_user(), "anonymous": None, "manager": shop.manager}[who]
    variables = {"id": gid("Order", order.pk), "input": create_input(order)}

    assert_refused(
        post(as_user(user), CREATE, variables),
        "orderReturnRequestCreate",
        "NOT_FOUND",
        "id",
    )
    assert not AfterSalesRequest.objects.exists()


def test_an_unknown_token_is_not_found(client, order):
    variables = {"token": str(uuid.uuid4()), "input": create_input(order)}

    assert_refused(
        post(client, CREATE, variables),
        "orderReturnRequestCreate",
        "NOT_FOUND",
        "token",
    )
    assert not AfterSalesRequest.objects.exists()


def test_neither_token_nor_id_is_not_found(client, order):
    assert_refused(
        create(client, order, token=False),
        "orderReturnRequestCreate",
        "NOT_FOUND",
        "token",
    )


def test_another_orders_token_cannot_reach_this_parcel(client, order, shop):
    other = paid_order(client, [(shop.variant, 1)])
    variables = {"token": str(other.token), "input": create_input(order)}

    assert_refused(
        post(client, CREATE, variables),
        "orderReturnRequestCreate",
        "NOT_FOUND",
        "fulfillment",
    )
    assert not AfterSalesRequest.objects.exists()


def test_a_parcel_id_that_is_not_one_is_not_found(client, order):
    variables = {
        "token": str(order.token),
        "input": {**create_input(order), "fulfillment": gid("Order", order.pk)},
    }

    assert_refused(
        post(client, CREATE, variables),
        "orderReturnRequestCreate",
        "NOT_FOUND",
        "fulfillment",
    )


def test_a_request_after_the_window_closed_is_refused(client, order):
    ship(order.fulfillments.get(), days_ago=10, delivered_days_ago=8)

    assert_refused(
        create(client, order, reason="QUALITY"),
        "orderReturnRequestCreate",
        "WINDOW_CLOSED",
        "reason",
    )
    assert not AfterSalesRequest.objects.exists()


def test_more_units_than_were_bought_are_refused(client, order):
    assert_refused(
        create(client, order, units=4),
        "orderReturnRequestCreate",
        "TOO_MANY_UNITS",
        "lines",
    )


def test_a_second_request_for_a_line_with_one_open_is_refused(client, order):
    ask(order, units=1)

    assert_refused(
        create(client, order, units=1),
        "orderReturnRequestCreate",
        "LINE_HAS_OPEN_REQUEST",
        "lines",
    )
    assert AfterSalesRequest.objects.count() == 1


def test_fresh_food_has_no_seven_day_no_reason_return(client, shop):
    fish_order = paid_order(client, [(shop.fish, 2)])
    ship(fish_order.fulfillments.get(), delivered_days_ago=1)

    assert_refused(
        create(client, fish_order, kind="RETURN_AND_REFUND", reason="NO_REASON"),
        "orderReturnRequestCreate",
        "FRESH_NO_REASON",
        "reason",
    )


def test_a_kind_the_reason_does_not_allow_is_refused(client, order):
    assert_refused(
        create(client, order, kind="RETURN_AND_REFUND"),
        "orderReturnRequestCreate",
        "KIND_NOT_ALLOWED",
        "kind",
    )


def test_after_shipping_changed_my_mind_is_refused(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)

    assert_refused(
        create(client, order), "orderReturnRequestCreate", "ALREADY_SHIPPED", "reason"
    )


def test_an_order_line_id_that_is_not_one_is_refused(client, order):
    variables = {
        "token": str(order.token),
        "input": {
            **create_input(order),
            "lines": [{"orderLineId": "nonsense", "quantity": 1}],
        },
    }

    assert_refused(
        post(client, CREATE, variables),
        "orderReturnRequestCreate",
        "INVALID_QUANTITY",
        "lines",
    )


@pytest.mark.parametrize("units", [0, -1])
def test_no_units_or_negative_units_are_refused(client, order, units):
    code = "NO_LINES" if units == 0 else "INVALID_QUANTITY"

    assert_refused(
        create(client, order, units=units), "orderReturnRequestCreate", code, "lines"
    )


def test_a_message_too_long_is_refused(client, order):
    assert_refused(
        create(client, order, message="长" * 501),
        "orderReturnRequestCreate",
        "MESSAGE_TOO_LONG",
        "message",
    )


def test_a_nul_in_the_message_is_invalid(client, order):
    payload = payload_of(
        create(client, order, message="a\x00b"), "orderReturnRequestCreate"
    )

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("INVALID", "message")
    ]
    assert not AfterSalesRequest.objects.exists()


def test_an_unpaid_order_cannot_ask(client, order):
    # Refunded in full by an operator: nothing is left to ask for.
    aftersales_approve(request=ask(order, units=3), user=make_user(staff=True))

    assert_refused(create(client, order), "orderReturnRequestCreate", "NOT_PAID", None)


# --- the shopper: photos (multipart, signed in) ------------------------------


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return out.getvalue()


def multipart_create(user, order, photos: list) -> dict:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    variables = {
        "id": gid("Order", order.pk),
        "input": {
            **create_input(order, reason="QUALITY"),
            "photos": [None] * len(photos),
        },
    }
    data = {
        "operations": json.dumps({"query": CREATE, "variables": variables}),
        "map": json.dumps(
            {str(i): [f"variables.input.photos.{i}"] for i in range(len(photos))}
        ),
    }
    for i, photo in enumerate(photos):
        data[str(i)] = photo
    response = client.post("/graphql/", data=data, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_signed_in_owner_sends_photos_with_a_multipart_request(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    photo = SimpleUploadedFile("烂了.png", png_bytes(), content_type="image/png")

    payload = payload_of(
        multipart_create(shop.buyer, order, [photo]), "orderReturnRequestCreate"
    )

    assert payload["errors"] == []
    urls = [photo["url"] for photo in payload["returnRequest"]["photos"]]
    assert len(urls) == 1 and "/aftersales/" in urls[0]
    assert AfterSalesRequest.objects.get().photos.count() == 1


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_stored(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    fake = SimpleUploadedFile("photo.png", b"not a picture", content_type="image/png")

    assert_refused(
        multipart_create(shop.buyer, order, [fake]),
        "orderReturnRequestCreate",
        "PHOTO_NOT_IMAGE",
        "photos",
    )
    assert not AfterSalesRequest.objects.exists()


def test_more_than_three_photos_are_refused(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    photos = [
        SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png")
        for i in range(4)
    ]

    assert_refused(
        multipart_create(shop.buyer, order, photos),
        "orderReturnRequestCreate",
        "TOO_MANY_PHOTOS",
        "photos",
    )


def _multipart_body(order, photos: list) -> dict:
    variables = {
        "id": gid("Order", order.pk),
        "input": {
            **create_input(order, reason="QUALITY"),
            "photos": [None] * len(photos),
        },
    }
    data = {
        "operations": json.dumps({"query": CREATE, "variables": variables}),
        "map": json.dumps(
            {str(i): [f"variables.input.photos.{i}"] for i in range(len(photos))}
        ),
    }
    data.update({str(i): photo for i, photo in enumerate(photos)})
    return data


def _signed_in_with_csrf(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, csrf


def test_a_shopper_s_upload_over_the_photo_cap_is_refused_before_reading(
    order, shop, settings
):
    """A shopper (no catalogue import role) may send 3 photos' worth at most:
    a larger multipart body is answered 413 from its Content-Length."""
    ship(order.fulfillments.get(), delivered_days_ago=1)
    photo = png_bytes()
    settings.AFTERSALES_UPLOAD_MAX_BYTES = 2048
    client, csrf = _signed_in_with_csrf(shop.buyer)
    data = _multipart_body(
        order,
        [
            SimpleUploadedFile(f"{i}.png", photo + b"\0" * 1024, "image/png")
            for i in range(3)
        ],
    )

    response = client.post("/graphql/", data=data, HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "payload_too_large"
    assert "售后照片最多 3 张" in error["message"]
    assert "at most 3 after-sales photos" in error["message"]
    assert not AfterSalesRequest.objects.exists()


def test_a_photo_over_its_own_cap_is_refused_by_the_mutation(order, shop, settings):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    photo = png_bytes()
    settings.AFTERSALES_PHOTO_MAX_BYTES = len(photo) - 1
    big = SimpleUploadedFile("big.png", photo, content_type="image/png")

    assert_refused(
        multipart_create(shop.buyer, order, [big]),
        "orderReturnRequestCreate",
        "PHOTO_TOO_LARGE",
        "photos",
    )
    assert not AfterSalesRequest.objects.exists()


# --- the shopper: withdrawing and sending the goods back --------------------


def test_the_shopper_withdraws_by_token(client, order):
    request = ask(order)
    variables = {"id": gid("ReturnRequest", request.pk), "token": str(order.token)}

    payload = payload_of(post(client, CANCEL, variables), "orderReturnRequestCancel")

    assert payload["errors"] == []
    assert payload["returnRequest"]["status"] == "CANCELLED"
    assert_refused(
        post(client, CANCEL, variables),
        "orderReturnRequestCancel",
        "INVALID_TRANSITION",
        None,
    )


def test_the_signed_in_owner_withdraws_without_the_token(order, shop):
    request = ask(order)

    payload = payload_of(
        post(as_user(shop.buyer), CANCEL, {"id": gid("ReturnRequest", request.pk)}),
        "orderReturnRequestCancel",
    )

    assert payload["returnRequest"]["status"] == "CANCELLED"


@pytest.mark.parametrize("who", ["other_token", "stranger", "anonymous", "manager"])
def test_nobody_else_may_withdraw(client, order, shop, who):
    request = ask(order)
    variables = {"id": gid("ReturnRequest", request.pk)}
    user = None
    if who == "other_token":
        variables["token"] = str(paid_order(client, [(shop.variant, 1)]).token)
    elif who == "stranger":
        user = make_user()
    elif who == "manager":
        user = shop.manager

    assert_refused(
        post(as_user(user), CANCEL, variables),
        "orderReturnRequestCancel",
        "PERMISSION_DENIED",
        "id",
    )
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_an_unknown_request_id_is_refused_like_another_orders(client, order):
    variables = {"id": gid("ReturnRequest", 999999), "token": str(order.token)}

    assert_refused(
        post(client, CANCEL, variables),
        "orderReturnRequestCancel",
        "PERMISSION_DENIED",
        "id",
    )


def tracking(client, request, order, number=SF_NUMBER, carrier="sf"):
    variables = {
        "id": gid("ReturnRequest", request.pk),
        "token": str(order.token),
        "input": {"carrier": carrier, "trackingNumber": number},
    }
    return post(client, TRACKING, variables)


def test_a_return_goes_back_and_is_refunded_when_the_workshop_has_it(
    client, order, shop
):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON, units=2)
    request_id = gid("ReturnRequest", request.pk)
    manager = as_user(shop.manager)

    approved = payload_of(
        post(manager, APPROVE, {"id": request_id}), "returnRequestApprove"
    )
    assert approved["returnRequest"]["status"] == "APPROVED"
    sent = payload_of(tracking(client, request, order), "orderReturnRequestSetTracking")
    assert sent["errors"] == []
    assert sent["returnRequest"]["status"] == "RETURN_SHIPPED"
    assert sent["returnRequest"]["returnTrackingNumber"] == SF_NUMBER
    assert sent["returnRequest"]["returnTrackingUrl"]

    refunded = payload_of(
        post(manager, REFUND, {"id": request_id}), "returnRequestRefund"
    )

    assert refunded["errors"] == []
    assert refunded["returnRequest"]["status"] == "REFUNDED"
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (
        4000,
        OrderStatus.PARTIALLY_REFUNDED,
    )


def test_a_return_tracking_number_on_a_refund_only_request_is_refused(client, order):
    request = ask(order)

    assert_refused(
        tracking(client, request, order),
        "orderReturnRequestSetTracking",
        "NOT_A_RETURN",
        "trackingNumber",
    )
    request.refresh_from_db()
    assert request.return_tracking_number == ""


def test_a_tracking_number_of_the_wrong_format_is_refused(client, order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    aftersales_approve(request=request, user=shop.manager)

    body = tracking(client, request, order, number="12")

    payload = payload_of(body, "orderReturnRequestSetTracking")
    assert [error["code"] for error in payload["errors"]] == ["TRACKING_FORMAT"]
    request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_a_tracking_number_before_approval_is_refused(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)

    assert_refused(
        tracking(client, request, order),
        "orderReturnRequestSetTracking",
        "INVALID_TRANSITION",
        None,
    )


# --- the workshop ------------------------------------------------------------


def test_the_manager_approves_and_the_refund_only_request_is_refunded(order, shop):
    request = ask(order, units=2)

    payload = payload_of(
        post(as_user(shop.manager), APPROVE, {"id": gid("ReturnRequest", request.pk)}),
        "returnRequestApprove",
    )

    assert payload["errors"] == []
    assert payload["returnRequest"]["status"] == "REFUNDED"
    assert [e["type"] for e in payload["returnRequest"]["events"]] == [
        "REQUESTED",
        "APPROVED",
        "REFUNDED",
    ]
    order.refresh_from_db()
    assert order.refunded_fen == 4000


def test_approving_twice_is_refused_with_the_request_as_it_stands(order, shop):
    request = ask(order)
    manager = as_user(shop.manager)
    post(manager, APPROVE, {"id": gid("ReturnRequest", request.pk)})

    payload = assert_refused(
        post(manager, APPROVE, {"id": gid("ReturnRequest", request.pk)}),
        "returnRequestApprove",
        "INVALID_TRANSITION",
        None,
    )
    assert payload["returnRequest"]["status"] == "REFUNDED"
    order.refresh_from_db()
    assert order.refunded_fen == 2000


@pytest.mark.parametrize("who", ["other_manager", "buyer", "anonymous"])
def test_only_the_workshop_and_operators_decide(order, shop, who):
    request = ask(order)
    user = getattr(shop, who, None)
    request_id = gid("ReturnRequest", request.pk)

    for query, name, more in [
        (APPROVE, "returnRequestApprove", {}),
        (REFUSE, "returnRequestRefuse", {"reason": "不行"}),
        (REFUND, "returnRequestRefund", {}),
    ]:
        payload = assert_refused(
            post(as_user(user), query, {"id": request_id, **more}),
            name,
            "PERMISSION_DENIED",
            "id",
        )
        assert payload["returnRequest"] is None
    request.refresh_from_db()
    assert request.status == Status.REQUESTED
    order.refresh_from_db()
    assert order.refunded_fen == 0


def test_an_operator_refuses_with_a_reason(order, shop):
    request = ask(order)

    payload = payload_of(
        post(
            as_user(shop.operator),
            REFUSE,
            {"id": gid("ReturnRequest", request.pk), "reason": " 已超过期限 "},
        ),
        "returnRequestRefuse",
    )

    assert payload["errors"] == []
    assert payload["returnRequest"]["status"] == "REFUSED"
    assert payload["returnRequest"]["refuseReason"] == "已超过期限"


def test_refusing_without_a_reason_is_refused(order, shop):
    request = ask(order)

    assert_refused(
        post(
            as_user(shop.manager),
            REFUSE,
            {"id": gid("ReturnRequest", request.pk), "reason": "   "},
        ),
        "returnRequestRefuse",
        "REFUSE_REASON_REQUIRED",
        "reason",
    )
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_refunding_a_return_before_its_goods_came_back_is_refused(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    aftersales_approve(request=request, user=shop.manager)

    assert_refused(
        post(as_user(shop.manager), REFUND, {"id": gid("ReturnRequest", request.pk)}),
        "returnRequestRefund",
        "INVALID_TRANSITION",
        None,
    )
    order.refresh_from_db()
    assert order.refunded_fen == 0


@pytest.mark.parametrize(
    "who, code", [("operator", "NOT_FOUND"), ("manager", "PERMISSION_DENIED")]
)
def test_only_operators_learn_that_a_request_id_is_unknown(shop, who, code):
    for value in (gid("ReturnRequest", 999999), "nonsense"):
        assert_refused(
            post(as_user(getattr(shop, who)), APPROVE, {"id": value}),
            "returnRequestApprove",
            code,
            "id",
        )


def test_the_manager_lists_the_workshops_requests_by_status(order, shop):
    first = ask(order, units=1)
    AfterSalesRequest.objects.filter(pk=first.pk).update(status=Status.REFUSED)
    first.lines.update(is_open=False)
    second = ask(order, units=1)
    workshop = gid("Workshop", shop.workshop.pk)

    everything = payload_of(
        post(as_user(shop.manager), LIST, {"workshop": workshop}), "returnRequests"
    )
    requested = payload_of(
        post(
            as_user(shop.manager),
            LIST,
            {"workshop": shop.workshop.slug, "status": "REQUESTED"},
        ),
        "returnRequests",
    )

    assert everything["totalCount"] == 2
    assert [edge["node"]["id"] for edge in everything["edges"]] == [
        gid("ReturnRequest", second.pk),
        gid("ReturnRequest", first.pk),
    ]
    assert [edge["node"]["id"] for edge in requested["edges"]] == [
        gid("ReturnRequest", second.pk)
    ]
    assert requested["edges"][0]["node"]["orderNumber"] == order.number


def test_the_list_pages(order, shop):
    ask(order, units=1)
    page = payload_of(
        post(
            as_user(shop.operator),
            LIST,
            {"workshop": gid("Workshop", shop.workshop.pk), "first": 1},
        ),
        "returnRequests",
    )
    assert page["totalCount"] == 1
    assert page["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    "who, code",
    [
        ("other_manager", "PERMISSION_DENIED"),
        ("buyer", "PERMISSION_DENIED"),
        ("anonymous", "PERMISSION_DENIED"),
    ],
)
def test_nobody_else_lists_a_workshops_requests(order, shop, who, code):
    ask(order)

    body = post(
        as_user(getattr(shop, who, None)),
        LIST,
        {"workshop": gid("Workshop", shop.workshop.pk)},
    )

    assert body["data"]["returnRequests"] is None
    assert body["errors"][0]["extensions"] == {"code": code, "field": "workshop"}


def test_an_unknown_workshop_is_not_found_for_operators_only(shop):
    for user, code in (
        (shop.operator, "NOT_FOUND"),
        (shop.manager, "PERMISSION_DENIED"),
    ):
        body = post(as_user(user), LIST, {"workshop": "no-such-workshop"})
        assert body["errors"][0]["extensions"]["code"] == code


def test_a_request_is_a_node_for_those_who_handle_it(order, shop):
    request = ask(order)
    query = """query ($id: ID!) {
      node(id: $id) { ... on ReturnRequest { id status } }
    }"""
    variables = {"id": gid("ReturnRequest", request.pk)}

    mine = post(as_user(shop.manager), query, variables)["data"]["node"]
    assert mine["status"] == "REQUESTED"
    assert post(as_user(shop.other_manager), query, variables)["data"]["node"] is None
    assert post(as_user(None), query, variables)["data"]["node"] is None


def queries_for(client, query: str, variables: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        body = post(client, query, variables)
    assert "errors" not in body, body
    return len(captured)


def closed_requests(order, count: int) -> None:
    for _ in range(count):
        request = ask(order, units=1)
        AfterSalesRequest.objects.filter(pk=request.pk).update(status=Status.REFUSED)
        request.lines.update(is_open=False)


def test_reading_requests_takes_the_same_queries_for_one_or_many(order, shop):
    """Lines, photos and steps are prefetched: the order page and the
    workshop's list do not grow a query per request."""
    client = as_user(shop.manager)
    page = {"token": str(order.token)}
    listing = {"workshop": gid("Workshop", shop.workshop.pk)}
    closed_requests(order, 1)
    one = (queries_for(client, ORDER, page), queries_for(client, LIST, listing))

    closed_requests(order, 3)
    four = (queries_for(client, ORDER, page), queries_for(client, LIST, listing))

    assert four == one


def test_an_approval_that_would_refund_more_than_is_left_is_refused(order, shop):
    """An operator's own refund took back all but ¥10.00; a request worth
    ¥20.00 stays approved with the refund's error, and nothing more moves."""
    request = ask(order, units=1)
    order_refund(order=order, user=shop.operator, amount_fen=order.paid_fen - 1000)

    payload = assert_refused(
        post(as_user(shop.manager), APPROVE, {"id": gid("ReturnRequest", request.pk)}),
        "returnRequestApprove",
        "REFUND_EXCEEDS_PAID",
        None,
    )

    assert payload["returnRequest"]["status"] == "APPROVED"
    assert payload["returnRequest"]["events"][-1]["type"] == "REFUND_FAILED"
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen - 1000
