"""Shipping per workshop, the order's event log and the confirmation email."""

import pytest

from storefront.orders.carriers import Carrier
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.shipping import fulfillment_ship
from storefront.orders.tasks import send_order_confirmation
from storefront.payments.refunds import order_refund
from tests.factories import make_brand, make_user, make_workshop
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    paid_order,
    pay_intent,
    place_order,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def two_parcels():
    brand = make_brand()
    island = make_workshop(brands=[brand], name="贻贝工坊")
    hill = make_workshop(brands=[brand], name="紫菜工坊")
    return (
        make_variant(1280, 10, workshop=island, brand=brand),
        make_variant(990, 10, workshop=hill, brand=brand),
    )


def parcel(order, variant) -> Fulfillment:
    return Fulfillment.objects.get(order=order, workshop_id=variant.workshop_id)


def test_each_workshop_ships_its_own_parcel(client, two_parcels):
    mussels, seaweed = two_parcels
    manager = make_user()
    order = paid_order(client, [(mussels, 2), (seaweed, 3)])

    fulfillment_ship(
        fulfillment=parcel(order, mussels),
        carrier=" 顺丰速运 ",
        tracking_number=" SF1234567890 ",
        user=manager,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    first = parcel(order, mussels)
    assert first.status == FulfillmentStatus.SHIPPED
    assert (first.carrier, first.tracking_number) == (Carrier.SF, "SF1234567890")
    assert first.shipped_at is not None
    assert parcel(order, seaweed).status == FulfillmentStatus.PENDING
    assert (stock_of(mussels).quantity, stock_of(mussels).quantity_reserved) == (8, 0)
    assert (stock_of(seaweed).quantity, stock_of(seaweed).quantity_reserved) == (
        10,
        3,
    )
    line = OrderLine.objects.get(order=order, variant=mussels)
    assert (line.quantity_reserved, line.quantity_fulfilled) == (0, 2)

    fulfillment_ship(
        fulfillment=parcel(order, seaweed),
        carrier="中通快递",
        tracking_number="731234567890",
        user=manager,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert (stock_of(seaweed).quantity, stock_of(seaweed).quantity_reserved) == (
        7,
        0,
    )
    shipped = OrderEvent.objects.filter(order=order, type=OrderEventType.SHIPPED)
    assert [
        (e.user, e.data["workshop"], e.data["tracking_number"]) for e in shipped
    ] == [
        (manager, "贻贝工坊", "SF1234567890"),
        (manager, "紫菜工坊", "731234567890"),
    ]
    assert [e.data["status"] for e in shipped] == [
        OrderStatus.PARTIALLY_FULFILLED,
        OrderStatus.FULFILLED,
    ]


def test_a_single_parcel_order_goes_straight_to_fulfilled(client, two_parcels):
    mussels, _ = two_parcels
    order = paid_order(client, [(mussels, 1)])
    fulfillment_ship(
        fulfillment=order.fulfillments.get(),
        carrier="EMS",
        tracking_number="EA123456789CN",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


@pytest.mark.parametrize(
    ("carrier", "tracking"), [("", "SF1"), ("顺丰", ""), ("  ", "  "), (None, None)]
)
def test_carrier_and_tracking_number_are_required(
    client, two_parcels, carrier, tracking
):
    mussels, _ = two_parcels
    order = paid_order(client, [(mussels, 2)])
    with pytest.raises(OrderError) as caught:
        fulfillment_ship(
            fulfillment=order.fulfillments.get(),
            carrier=carrier,
            tracking_number=tracking,
        )
    assert caught.value.code == OrderErrorCode.TRACKING_REQUIRED
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.fulfillments.get().status == FulfillmentStatus.PENDING
    assert (stock_of(mussels).quantity, stock_of(mussels).quantity_reserved) == (10, 2)


def test_a_parcel_ships_once(client, two_parcels):
    mussels, seaweed = two_parcels
    order = paid_order(client, [(mussels, 2), (seaweed, 1)])
    fulfillment_ship(
        fulfillment=parcel(order, mussels), carrier="sf", tracking_number="SF1000000001"
    )
    with pytest.raises(OrderError) as caught:
        fulfillment_ship(
            fulfillment=parcel(order, mussels),
            carrier="sf",
            tracking_number="SF1000000002",
        )
    assert caught.value.code == OrderErrorCode.ALREADY_SHIPPED
    assert stock_of(mussels).quantity == 8
    assert parcel(order, mussels).tracking_number == "SF1000000001"


def test_an_unpaid_order_does_not_ship(two_parcels):
    mussels, _ = two_parcels
    order, _ = place_order([(mussels, 2)])
    with pytest.raises(OrderError) as caught:
        fulfillment_ship(
            fulfillment=order.fulfillments.get(),
            carrier="sf",
            tracking_number="SF1000000001",
        )
    assert caught.value.code == OrderErrorCode.NOT_PAID
    assert order.fulfillments.get().status == FulfillmentStatus.PENDING
    assert stock_of(mussels).quantity == 10


def test_a_partly_refunded_order_can_still_ship(client, two_parcels):
    mussels, seaweed = two_parcels
    order = paid_order(client, [(mussels, 1), (seaweed, 1)])
    order_refund(order=order, user=make_user(staff=True), amount_fen=500)

    fulfillment_ship(
        fulfillment=parcel(order, mussels), carrier="sf", tracking_number="SF1000000001"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    fulfillment_ship(
        fulfillment=parcel(order, seaweed), carrier="sf", tracking_number="SF1000000002"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_the_event_log_records_who_did_what_and_when(client, two_parcels):
    mussels, _ = two_parcels
    buyer = make_user()
    manager = make_user()
    operator = make_user(staff=True)
    order = paid_order(client, [(mussels, 2)], user=buyer)
    fulfillment_ship(
        fulfillment=order.fulfillments.get(),
        carrier="sf",
        tracking_number="SF1000000001",
        user=manager,
    )
    order_refund(order=order, user=operator, amount_fen=100)

    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [e.type for e in events] == [
        OrderEventType.PLACED,
        OrderEventType.PAYMENT_STARTED,
        OrderEventType.PAID,
        OrderEventType.SHIPPED,
        OrderEventType.REFUNDED,
    ]
    assert [e.user for e in events] == [buyer, None, None, manager, operator]
    assert all(e.created_at is not None for e in events)
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert events[0].data == {"total_fen": order.total_fen}
    assert events[2].data["amount_fen"] == order.total_fen
    assert events[2].data["previous"] == OrderStatus.UNPAID
    assert events[4].data["refunded_fen"] == 100


# --- the confirmation email ------------------------------------------------------


def test_the_confirmation_email_is_sent_once_after_payment(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.cn"
    variant = make_variant(1280, 10)
    order, payment = place_order([(variant, 2)], email="buyer@example.com")
    assert mailoutbox == []
    intent = pay_intent(payment)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_event(client, "payment_intent.succeeded", intent, event_id="evt_m1")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_event(client, "payment_intent.succeeded", intent, event_id="evt_m1")
        deliver_event(client, "payment_intent.succeeded", intent, event_id="evt_m2")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["buyer@example.com"]
    assert order.number in mail.subject
    link = f"https://shop.example.cn/orders/{order.token}/"
    assert link in mail.body
    assert order.number in mail.body
    assert "¥25.60" in mail.body  # the line total, formatted at the edge
    sent = OrderEvent.objects.get(order=order, type=OrderEventType.EMAIL_SENT)
    assert sent.data == {"to": "buyer@example.com"}


def test_the_email_task_sends_once_even_if_run_again(mailoutbox, client):
    order = paid_order(client)  # on_commit did not run: no email yet
    assert mailoutbox == []

    send_order_confirmation.delay(order.pk)
    send_order_confirmation.delay(order.pk)

    assert len(mailoutbox) == 1
    assert (
        OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT).count()
        == 1
    )


def test_no_email_before_payment(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place_order()
    assert mailoutbox == []
