"""Shipping a parcel with a carrier from the list: formats checked, the states
that cannot ship refused, the customer's "shipped" email sent once after
commit, and a wrong tracking number corrected (logged, no stock moved)."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from storefront.orders.carriers import Carrier
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from storefront.orders.shipping import (
    fulfillment_mark_delivered,
    fulfillment_ship,
    fulfillment_tracking_correct,
)
from storefront.orders.shipping_emails import (
    shipping_email_claim,
    shipping_email_send,
    shipping_emails_claim,
    shipping_emails_send,
    shipping_emails_send_unsent,
)
from storefront.orders.tasks import send_shipping_emails, send_unsent_shipping_emails
from storefront.payments.refunds import order_refund
from storefront.payments.services import order_cancel_unpaid
from tests.factories import make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order, place_order, stock_of
from tests.storefront.orders.mail_backends import CorrectsTrackingWhileSending

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def variant():
    brand = make_brand()
    return make_variant(1280, 10, workshop=make_workshop(brands=[brand]), brand=brand)


def events(order, type_):
    return list(OrderEvent.objects.filter(order=order, type=type_))


def ship(fulfillment, carrier="sf", number="SF1234567890123", **kwargs):
    return fulfillment_ship(
        fulfillment=fulfillment, carrier=carrier, tracking_number=number, **kwargs
    )


# --- carrier and format --------------------------------------------------------


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("sf", "YT1234567890123"),
        ("顺丰速运", "12345"),
        ("zto", "ZT998877"),
        ("yto", "1234567890123"),
        ("jt", "JT12"),
        ("ems", "E1"),
        ("other", "12345"),
        ("sf", "SF" + "1" * 60),
    ],
)
def test_a_number_in_the_wrong_format_for_its_carrier_is_refused(
    client, variant, carrier, number
):
    order = paid_order(client, [(variant, 2)])
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get(), carrier, number)
    assert caught.value.code == OrderErrorCode.TRACKING_FORMAT
    assert caught.value.field == "trackingNumber"
    assert caught.value.message_zh.startswith("运单号格式不符：")
    assert "format" in caught.value.message_en
    parcel = order.fulfillments.get()
    assert (parcel.status, parcel.tracking_number) == (FulfillmentStatus.PENDING, "")
    assert (stock_of(variant).quantity, stock_of(variant).quantity_reserved) == (10, 2)


@pytest.mark.parametrize("carrier", ["DHL", "顺风", "A"])
def test_an_unknown_carrier_is_refused(client, variant, carrier):
    order = paid_order(client, [(variant, 1)])
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get(), carrier, "SF1234567890123")
    assert caught.value.code == OrderErrorCode.UNKNOWN_CARRIER
    assert caught.value.field == "carrier"
    assert "快递公司不在列表中" in caught.value.message
    assert order.fulfillments.get().status == FulfillmentStatus.PENDING


def test_the_code_and_the_normalised_number_are_stored(client, variant):
    order = paid_order(client, [(variant, 1)])
    ship(order.fulfillments.get(), "中通快递", " 7312 3456 7890 ")
    parcel = order.fulfillments.get()
    assert (parcel.carrier, parcel.tracking_number) == (Carrier.ZTO, "731234567890")
    event = events(order, OrderEventType.SHIPPED)[0]
    assert (event.data["carrier"], event.data["tracking_number"]) == (
        "zto",
        "731234567890",
    )


# --- states that cannot ship -------------------------------------------------


def test_an_unpaid_parcel_does_not_ship(variant):
    order, _ = place_order([(variant, 2)])
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get())
    assert caught.value.code == OrderErrorCode.NOT_PAID
    assert stock_of(variant).quantity == 10


def test_a_cancelled_order_does_not_ship(variant):
    order, _ = place_order([(variant, 2)])
    order_cancel_unpaid(order=order)
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get())
    assert caught.value.code == OrderErrorCode.INVALID_TRANSITION
    assert "订单已取消" in caught.value.message
    assert order.fulfillments.get().status == FulfillmentStatus.CANCELLED
    assert (stock_of(variant).quantity, stock_of(variant).quantity_reserved) == (10, 0)


def test_a_refunded_order_does_not_ship(client, variant):
    order = paid_order(client, [(variant, 2)])
    order_refund(order=order, user=make_user(staff=True), amount_fen=order.total_fen)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get())
    assert caught.value.code == OrderErrorCode.INVALID_TRANSITION
    assert "退款" in caught.value.message
    assert order.fulfillments.get().status == FulfillmentStatus.CANCELLED
    assert stock_of(variant).quantity == 10


def test_an_already_shipped_parcel_does_not_ship_again(client, variant):
    order = paid_order(client, [(variant, 2)])
    ship(order.fulfillments.get())
    with pytest.raises(OrderError) as caught:
        ship(order.fulfillments.get(), "zto", "731234567890")
    assert caught.value.code == OrderErrorCode.ALREADY_SHIPPED
    parcel = order.fulfillments.get()
    assert (parcel.carrier, parcel.tracking_number) == ("sf", "SF1234567890123")
    assert stock_of(variant).quantity == 8
    assert len(events(order, OrderEventType.SHIPPED)) == 1


# --- the customer's email ------------------------------------------------------


def test_the_customer_is_mailed_once_after_commit(
    client, variant, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.cn"
    order = paid_order(client, [(variant, 2)], email="buyer@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        ship(order.fulfillments.get())
    assert mailoutbox == []  # nothing inside the transaction
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["buyer@example.com"]
    assert order.number in mail.subject and "已发货" in mail.subject
    assert "顺丰速运 SF Express" in mail.body
    assert "SF1234567890123" in mail.body
    assert (
        "https://www.sf-express.com/chn/sc/waybill/list?billno=SF1234567890123"
        in mail.body
    )
    assert f"https://shop.example.cn/orders/{order.token}/" in mail.body
    parcel = order.fulfillments.get()
    assert parcel.shipping_email_sent_at is not None
    sent = events(order, OrderEventType.SHIPPING_EMAIL_SENT)
    assert [e.data["to"] for e in sent] == ["buyer@example.com"]

    # A repeat of the task sends nothing.
    assert send_shipping_emails.delay([parcel.pk]).get() == 0
    assert len(mailoutbox) == 1


def test_no_email_when_the_customer_is_not_to_be_notified(
    client, variant, mailoutbox, django_capture_on_commit_callbacks
):
    order = paid_order(client, [(variant, 1)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ship(order.fulfillments.get(), notify_customer=False)
    assert callbacks == [] and mailoutbox == []
    assert order.fulfillments.get().shipping_email_sent_at is None


def test_a_parcel_not_shipped_gets_no_shipping_email(client, variant, mailoutbox):
    order = paid_order(client, [(variant, 1)])
    assert shipping_email_send(fulfillment_id=order.fulfillments.get().pk) is False
    assert mailoutbox == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_failed_send_is_given_back_for_the_retry(
    client, variant, settings, mailoutbox
):
    order = paid_order(client, [(variant, 1)])
    ship(order.fulfillments.get())  # on_commit does not run in this test
    parcel = order.fulfillments.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    with pytest.raises(OSError):
        shipping_email_send(fulfillment_id=parcel.pk)
    parcel.refresh_from_db()
    assert parcel.shipping_email_sent_at is None
    assert events(order, OrderEventType.SHIPPING_EMAIL_SENT) == []

    settings.EMAIL_BACKEND = LOCMEM
    assert send_shipping_emails.delay([parcel.pk]).get() == 1
    assert len(mailoutbox) == 1


# --- correcting a tracking number ----------------------------------------------


def test_a_wrong_tracking_number_is_corrected_and_logged(
    client, variant, mailoutbox, django_capture_on_commit_callbacks
):
    order = paid_order(client, [(variant, 2)])
    manager = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        ship(order.fulfillments.get(), "sf", "SF1234567890123")
    assert len(mailoutbox) == 1
    stock_before = (stock_of(variant).quantity, stock_of(variant).quantity_reserved)

    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_tracking_correct(
            fulfillment=order.fulfillments.get(),
            carrier="韵达快递",
            tracking_number="4312345678901",
            user=manager,
        )

    parcel = order.fulfillments.get()
    assert parcel.status == FulfillmentStatus.SHIPPED
    assert (parcel.carrier, parcel.tracking_number) == ("yunda", "4312345678901")
    assert (stock_of(variant).quantity, stock_of(variant).quantity_reserved) == (
        stock_before
    )
    [event] = events(order, OrderEventType.TRACKING_CORRECTED)
    assert event.user == manager
    assert event.data["old"] == {
        "carrier": "sf",
        "tracking_number": "SF1234567890123",
    }
    assert event.data["new"] == {"carrier": "yunda", "tracking_number": "4312345678901"}
    # The customer is told the corrected number.
    assert len(mailoutbox) == 2 and "4312345678901" in mailoutbox[1].body
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_only_a_shipped_parcel_can_be_corrected(client, variant):
    order = paid_order(client, [(variant, 1)])
    with pytest.raises(OrderError) as caught:
        fulfillment_tracking_correct(
            fulfillment=order.fulfillments.get(),
            carrier="sf",
            tracking_number="SF1234567890123",
            user=None,
        )
    assert caught.value.code == OrderErrorCode.NOT_SHIPPED
    assert events(order, OrderEventType.TRACKING_CORRECTED) == []


@pytest.mark.parametrize(
    ("carrier", "number", "code"),
    [
        ("sf", "YT1234567890123", OrderErrorCode.TRACKING_FORMAT),
        ("DHL", "SF1234567890123", OrderErrorCode.UNKNOWN_CARRIER),
        ("sf", "", OrderErrorCode.TRACKING_REQUIRED),
        ("顺丰", "sf 1234567890123", OrderErrorCode.TRACKING_UNCHANGED),
    ],
)
def test_a_correction_is_checked_like_a_shipment(
    client, variant, carrier, number, code
):
    order = paid_order(client, [(variant, 1)])
    ship(order.fulfillments.get())
    with pytest.raises(OrderError) as caught:
        fulfillment_tracking_correct(
            fulfillment=order.fulfillments.get(),
            carrier=carrier,
            tracking_number=number,
            user=None,
        )
    assert caught.value.code == code
    parcel = Fulfillment.objects.get(order=order)
    assert (parcel.carrier, parcel.tracking_number) == ("sf", "SF1234567890123")
    assert events(order, OrderEventType.TRACKING_CORRECTED) == []


# --- the shipping email's claim and sweep --------------------------------------


def test_a_lost_task_is_mailed_by_the_sweep_once(
    client, variant, mailoutbox, time_machine
):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get())  # its task is lost: on_commit does not run
    parcel = order.fulfillments.get()
    assert (parcel.shipping_email_due, parcel.shipping_email_sent_at) == (True, None)

    assert shipping_emails_send_unsent() == 0  # its own task may still come
    assert mailoutbox == []
    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    assert shipping_emails_send_unsent() == 1
    assert shipping_emails_send_unsent() == 0
    assert len(mailoutbox) == 1 and "SF1234567890123" in mailoutbox[0].body
    parcel.refresh_from_db()
    assert parcel.shipping_email_due is False
    assert parcel.shipping_email_sent_at is not None
    assert parcel.shipping_email_claimed_until is None
    assert len(events(order, OrderEventType.SHIPPING_EMAIL_SENT)) == 1


def test_a_sender_that_died_after_its_claim_is_replaced_when_the_claim_expires(
    client, variant, mailoutbox, time_machine
):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get())
    parcel = order.fulfillments.get()
    assert shipping_email_claim(fulfillment_id=parcel.pk)  # then the worker died
    assert shipping_email_send(fulfillment_id=parcel.pk) is False  # held

    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    assert shipping_emails_send_unsent() == 0  # the claim still holds
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    assert shipping_emails_send_unsent() == 1
    assert len(mailoutbox) == 1


def test_a_shipment_not_to_be_notified_is_never_swept(
    client, variant, mailoutbox, time_machine
):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get(), notify_customer=False)
    assert order.fulfillments.get().shipping_email_due is False
    time_machine.move_to(timezone.now() + timedelta(minutes=30))
    assert shipping_emails_send_unsent() == 0
    assert mailoutbox == []


def test_an_old_shipment_is_not_announced_by_the_sweep(
    client, variant, mailoutbox, time_machine
):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get())
    time_machine.move_to(timezone.now() + timedelta(days=8))
    assert shipping_emails_send_unsent() == 0
    assert mailoutbox == []


def test_a_number_corrected_while_its_email_is_sent_is_mailed_too(
    client, variant, settings, mailoutbox
):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get())
    parcel = order.fulfillments.get()
    settings.EMAIL_BACKEND = (
        "tests.storefront.orders.mail_backends.CorrectsTrackingWhileSending"
    )
    CorrectsTrackingWhileSending.parcel_id = parcel.pk
    assert shipping_email_send(fulfillment_id=parcel.pk) is True
    assert [
        ("SF1234567890123" in m.body, "4312345678901" in m.body) for m in mailoutbox
    ] == [
        (True, False),
        (False, True),
    ]
    parcel.refresh_from_db()
    assert (parcel.tracking_number, parcel.shipping_email_due) == (
        "4312345678901",
        False,
    )
    sent = events(order, OrderEventType.SHIPPING_EMAIL_SENT)
    assert sorted(e.data["tracking_number"] for e in sent) == [
        "4312345678901",
        "SF1234567890123",
    ]


def test_the_sweep_is_on_the_beat_schedule(settings):
    job = settings.CELERY_BEAT_SCHEDULE["send-unsent-shipping-emails"]
    assert job["task"] == "storefront.orders.tasks.send_unsent_shipping_emails"
    assert send_unsent_shipping_emails.delay().get() == 0


# --- delivered -----------------------------------------------------------------


def test_a_delivered_parcel_is_recorded_once_and_its_number_is_final(client, variant):
    order = paid_order(client, [(variant, 1)])
    ship(order.fulfillments.get())
    manager = make_user()
    parcel = fulfillment_mark_delivered(
        fulfillment=order.fulfillments.get(), user=manager
    )
    assert parcel.delivered_at is not None
    [event] = events(order, OrderEventType.DELIVERED)
    assert (event.user, event.data["tracking_number"]) == (manager, "SF1234567890123")

    with pytest.raises(OrderError) as caught:
        fulfillment_mark_delivered(fulfillment=parcel, user=manager)
    assert caught.value.code == OrderErrorCode.ALREADY_DELIVERED
    with pytest.raises(OrderError) as caught:
        fulfillment_tracking_correct(
            fulfillment=parcel, carrier="yunda", tracking_number="4312345678901"
        )
    assert caught.value.code == OrderErrorCode.ALREADY_DELIVERED
    assert (
        "已签收" in caught.value.message_zh and "delivered" in caught.value.message_en
    )
    parcel.refresh_from_db()
    assert parcel.tracking_number == "SF1234567890123"
    assert len(events(order, OrderEventType.DELIVERED)) == 1
    assert events(order, OrderEventType.TRACKING_CORRECTED) == []


def test_a_parcel_not_shipped_cannot_be_delivered(client, variant):
    order = paid_order(client, [(variant, 1)])
    with pytest.raises(OrderError) as caught:
        fulfillment_mark_delivered(fulfillment=order.fulfillments.get())
    assert caught.value.code == OrderErrorCode.NOT_SHIPPED
    assert order.fulfillments.get().delivered_at is None


def test_a_batch_cut_short_by_the_mail_server_marks_what_it_sent(
    client, variant, settings, mailoutbox
):
    orders = [
        paid_order(client, [(variant, 1)], email=f"buyer{n}@example.com")
        for n in range(3)
    ]
    parcels = [order.fulfillments.get() for order in orders]
    for parcel in parcels:
        ship(parcel)  # tasks not run: on_commit does not fire in this test
    ids = [parcel.pk for parcel in parcels]
    settings.EMAIL_BACKEND = (
        "tests.storefront.orders.mail_backends.RefusesTheSecondMessage"
    )
    with pytest.raises(ConnectionRefusedError):
        shipping_emails_send(fulfillment_ids=ids)
    assert [m.to for m in mailoutbox] == [["buyer0@example.com"]]
    states = {
        p.pk: (p.shipping_email_due, p.shipping_email_claimed_until is None)
        for p in Fulfillment.objects.filter(pk__in=ids)
    }
    assert states == {ids[0]: (False, True), ids[1]: (True, True), ids[2]: (True, True)}

    settings.EMAIL_BACKEND = LOCMEM
    assert send_shipping_emails.delay(ids).get() == 2  # the retry: the other two
    assert sorted(m.to[0] for m in mailoutbox) == [
        "buyer0@example.com",
        "buyer1@example.com",
        "buyer2@example.com",
    ]
    assert shipping_emails_send(fulfillment_ids=ids) == 0


def test_a_parcel_claimed_by_one_sender_is_not_taken_by_another(client, variant):
    order = paid_order(client, [(variant, 1)], email="buyer@example.com")
    ship(order.fulfillments.get())
    parcel = order.fulfillments.get()
    assert shipping_emails_claim(fulfillment_ids=[parcel.pk]) == [parcel.pk]
    assert shipping_emails_claim(fulfillment_ids=[parcel.pk]) == []
