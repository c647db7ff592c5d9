"""An unpaid order whose reservation ran out says so wherever it is read —
the order page, the pay page and the API — whether or not the expiry sweep
(Celery beat) runs. Reading it releases it through the sweep's own service
(`order_cancel_unpaid`, which asks Stripe first and holds no lock meanwhile);
if Stripe cannot be asked it still reads as expired, and stops polling."""

import json
import socket

import pytest
from django.urls import reverse

from storefront.orders.models import OrderEventType, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import PaymentStatus
from storefront.payments.services import order_cancel_unpaid
from storefront.payments.tasks import release_expired_reservations
from tests.shop_helpers import (
    expire_reservation,
    make_variant,
    order_page_url,
    pay_intent,
    place_order,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

REFRESH = '<meta http-equiv="refresh"'
EXPIRED_BADGE = '<p class="order-status status-expired">已过期 expired</p>'
EXPIRED_NOTE = "此订单超时未付，已过期，请重新下单。"
EXPIRED_ERROR = (
    "订单超时未付，已过期，请重新下单 / "
    "This order expired before it was paid; please order again"
)
STATUS_QUERY = """query($token: UUID!) { orderByToken(token: $token) {
  shopStatus status reservedUntil } }"""
# Ours (shopStatus) -> Saleor's (status), as docs/saleor.md maps them.
SALEOR_STATUS = {
    "EXPIRED": "EXPIRED",
    "PAID": "UNFULFILLED",
    "CANCELLED": "CANCELED",
    "UNPAID": "UNCONFIRMED",
}


@pytest.fixture
def expired():
    """An unpaid order of 3 held units whose payment was started, 1 minute
    past its deadline, with no sweep run."""
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 3)])
    expire_reservation(order)
    assert stock_of(variant).quantity_reserved == 3
    return order, payment, variant


@pytest.fixture
def stripe_unreachable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield


def _status_over_graphql(client, order) -> str:
    response = client.post(
        "/graphql/",
        data=json.dumps(
            {"query": STATUS_QUERY, "variables": {"token": str(order.token)}}
        ),
        content_type="application/json",
    )
    body = response.json()
    assert "errors" not in body, body
    order = body["data"]["orderByToken"]
    assert order["status"] == SALEOR_STATUS[order["shopStatus"]], order
    return order["shopStatus"]


def _assert_released(order, payment, variant):
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.filter(type=OrderEventType.RESERVATION_EXPIRED).count() == 1
    assert payment.status == PaymentStatus.CANCELLED
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    assert intent.status == "canceled"
    assert stock_of(variant).quantity_reserved == 0


def test_the_order_page_says_expired_stops_polling_and_releases(client, expired):
    order, payment, variant = expired

    html = client.get(order_page_url(order)).content.decode()

    assert EXPIRED_BADGE in html
    assert EXPIRED_NOTE in html and "Please order again" in html
    assert REFRESH not in html and "支付处理中" not in html
    assert reverse("web:order-pay", args=[order.token]) not in html
    _assert_released(order, payment, variant)
    # And it stays that way, with nothing more asked of Stripe.
    again = client.get(order_page_url(order)).content.decode()
    assert EXPIRED_BADGE in again and REFRESH not in again
    assert order.events.filter(type=OrderEventType.RESERVATION_EXPIRED).count() == 1


def test_the_pay_page_says_expired_and_releases(client, expired):
    order, payment, variant = expired

    html = client.get(reverse("web:order-pay", args=[order.token])).content.decode()

    assert EXPIRED_ERROR in html
    assert payment.client_secret not in html and 'id="pay"' not in html
    assert "应付金额" not in html  # nothing is to be paid any more
    _assert_released(order, payment, variant)


def test_the_api_says_expired_and_releases(client, expired):
    order, payment, variant = expired

    assert _status_over_graphql(client, order) == "EXPIRED"

    _assert_released(order, payment, variant)
    assert _status_over_graphql(client, order) == "EXPIRED"


def test_without_stripe_it_still_reads_expired_and_the_sweep_releases_later(
    client, expired, settings, stripe_settings, stripe_unreachable
):
    order, payment, variant = expired

    page = client.get(order_page_url(order)).content.decode()
    pay = client.get(reverse("web:order-pay", args=[order.token])).content.decode()
    status = _status_over_graphql(client, order)

    assert EXPIRED_BADGE in page and REFRESH not in page
    assert EXPIRED_ERROR in pay and payment.client_secret not in pay
    assert status == "EXPIRED"
    # Nothing was released behind Stripe's back: the intent might still pay.
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert stock_of(variant).quantity_reserved == 3

    settings.STRIPE_API_BASE = stripe_settings.url  # Stripe is back
    assert release_expired_reservations() == {"released": 1, "kept": 0}
    _assert_released(order, payment, variant)


def test_a_payment_that_went_through_is_shown_paid_not_expired(client, expired):
    """Paid at Stripe just before the deadline, webhook not here yet."""
    order, payment, variant = expired
    assert pay_intent(payment).status == "succeeded"

    html = client.get(order_page_url(order)).content.decode()

    assert EXPIRED_BADGE not in html
    assert '<p class="order-status status-paid">已支付 paid</p>' in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert _status_over_graphql(client, order) == "PAID"


def test_an_order_cancelled_by_hand_is_cancelled_not_expired(client):
    order, _ = place_order()
    order_cancel_unpaid(order=order)

    html = client.get(order_page_url(order)).content.decode()

    assert EXPIRED_BADGE not in html
    assert "已取消 cancelled" in html
    assert _status_over_graphql(client, order) == "CANCELLED"


def test_before_its_deadline_an_order_keeps_waiting_for_payment(client):
    variant = make_variant(990, 5)
    order, _ = place_order([(variant, 1)])

    html = client.get(order_page_url(order)).content.decode()

    assert EXPIRED_BADGE not in html and REFRESH in html
    assert _status_over_graphql(client, order) == "UNPAID"
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert stock_of(variant).quantity_reserved == 1
