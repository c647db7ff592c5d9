"""The operators' admin for after-sales requests: read-only, with approve
and refuse actions through the services."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from storefront.aftersales.models import AfterSalesRequest, Kind, Reason, Status
from storefront.aftersales.services import aftersales_request_create
from tests.factories import make_user

from .conftest import ship

pytestmark = [pytest.mark.django_db]
CHANGELIST = "admin:aftersales_aftersalesrequest_changelist"


@pytest.fixture
def request_row(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    line = order.lines.get()
    return aftersales_request_create(
        order=order,
        fulfillment=order.fulfillments.get(),
        kind=Kind.REFUND_ONLY,
        reason=Reason.QUALITY,
        lines={line.pk: 1},
    )


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(staff=True))
    return client


def test_an_operator_sees_the_request_read_only(operator_client, request_row):
    listing = operator_client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert request_row.order.number in listing.content.decode()
    change = operator_client.get(
        reverse("admin:aftersales_aftersalesrequest_change", args=[request_row.pk])
    )
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()


def test_the_approve_action_refunds_through_the_service(operator_client, request_row):
    operator_client.post(
        reverse(CHANGELIST),
        {"action": "approve", ACTION_CHECKBOX_NAME: [request_row.pk]},
    )
    request_row.refresh_from_db()
    assert request_row.status == Status.REFUNDED
    assert request_row.refund.amount_fen == 2000


def test_the_refuse_action_asks_for_a_reason(operator_client, request_row):
    url = reverse(CHANGELIST)
    first = operator_client.post(
        url, {"action": "refuse", ACTION_CHECKBOX_NAME: [request_row.pk]}
    )
    assert first.status_code == 200 and "拒绝原因" in first.content.decode()
    empty = operator_client.post(
        url,
        {"action": "refuse", "confirm": "1", ACTION_CHECKBOX_NAME: [request_row.pk]},
    )
    assert "请填写拒绝原因" in empty.content.decode()
    request_row.refresh_from_db()
    assert request_row.status == Status.REQUESTED

    operator_client.post(
        url,
        {
            "action": "refuse",
            "confirm": "1",
            "refuse_reason": "不在售后范围",
            ACTION_CHECKBOX_NAME: [request_row.pk],
        },
    )
    request_row.refresh_from_db()
    assert (request_row.status, request_row.refuse_reason) == (
        Status.REFUSED,
        "不在售后范围",
    )


def test_a_workshop_manager_has_no_admin(client, shop, request_row):
    client.force_login(shop.manager)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert AfterSalesRequest.objects.get().status == Status.REQUESTED
