"""Stripe is asked with no transaction open (docs/architecture.md, rule 11):
payment_start decides, asks and records in three steps; a refund commits a
pending row, asks Stripe, then books; a late payment's refund is asked after
the webhook's transaction has committed. What each step leaves behind when
Stripe cannot be reached."""

from datetime import timedelta

import pytest
from django.utils import timezone

from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from storefront.orders.services import order_cancel
from storefront.payments import gateway
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from storefront.payments.refunds import (
    STUCK_AFTER,
    _idempotency_key,
    _refund_settle,
    order_refund,
)
from storefront.payments.services import _payment_record, late_refunds_owed
from storefront.payments.tasks import reconcile_pending_payments
from tests.factories import make_user
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    paid_order,
    pay_intent,
    place_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens there


@pytest.fixture
def operator():
    return make_user(staff=True)


@pytest.fixture
def order(client):
    """Paid: 2 × ¥20.00 + ¥10 shipping = ¥50.00."""
    return paid_order(client, [(make_variant(2000, 10), 2)], user=make_user())


def in_flight(order, amount_fen, restock=None):
    """A refund asked of Stripe and not answered yet, as order_refund's first
    transaction leaves it."""
    return Refund.objects.create(
        order=order,
        payment=order.payments.get(status=PaymentStatus.SUCCEEDED),
        amount_fen=amount_fen,
        restock=restock or {},
        idempotency_key=f"test-in-flight-{order.pk}-{amount_fen}",
    )


# --- payment_start ------------------------------------------------------------


def test_two_starts_recording_the_same_intent_keep_one_payment():
    order, payment = place_order()
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)

    again = _payment_record(order, intent)

    assert again.pk == payment.pk
    assert Payment.objects.filter(order=order).count() == 1
    assert order.events.filter(type=OrderEventType.PAYMENT_STARTED).count() == 1


def test_a_start_recording_a_second_intent_returns_the_live_payment():
    order, payment = place_order()
    other = gateway.create_payment_intent(
        amount_fen=order.total_fen, metadata={}, idempotency_key=f"t-{order.token}"
    )

    assert _payment_record(order, other).pk == payment.pk
    assert not Payment.objects.filter(payment_intent_id=other.id).exists()


def test_an_intent_made_while_the_order_was_cancelled_is_not_recorded(settings):
    settings.STRIPE_API_BASE, good = UNREACHABLE, settings.STRIPE_API_BASE
    with pytest.raises(PaymentError):
        place_order()
    settings.STRIPE_API_BASE = good
    order = Order.objects.get()
    intent = gateway.create_payment_intent(
        amount_fen=order.total_fen, metadata={}, idempotency_key=f"t-{order.token}"
    )
    order_cancel(order=order)

    with pytest.raises(PaymentError) as caught:
        _payment_record(order, intent)

    assert caught.value.code == PaymentErrorCode.ORDER_NOT_PAYABLE
    assert not Payment.objects.exists()


# --- refunds --------------------------------------------------------------------


def test_a_refund_in_flight_counts_against_what_may_be_refunded(order, operator):
    in_flight(order, 3000)

    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=2001)
    assert caught.value.code == OrderErrorCode.REFUND_EXCEEDS_PAID

    refund = order_refund(order=order, user=operator)  # all that is left
    assert refund.amount_fen == 2000
    order.refresh_from_db()
    assert order.refunded_fen == 2000


def test_a_refund_in_flight_counts_for_the_confirmation_page(order, operator):
    in_flight(order, 1000)

    with pytest.raises(OrderError) as caught:
        order_refund(
            order=order, user=operator, amount_fen=500, expected_refunded_fen=0
        )
    assert caught.value.code == OrderErrorCode.REFUND_CHANGED

    order_refund(order=order, user=operator, amount_fen=500, expected_refunded_fen=1000)


def test_units_in_flight_cannot_be_restocked_twice(order, operator):
    line = order.lines.get()
    in_flight(order, 1000, restock={str(line.pk): 2})

    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=500, restock={line.pk: 1})

    assert caught.value.code == OrderErrorCode.INVALID_RESTOCK


def test_stripe_unreachable_leaves_no_refund_and_the_retry_sends_the_same_key(
    order, operator, settings
):
    key = _idempotency_key(order, 1000)
    settings.STRIPE_API_BASE, good = UNREACHABLE, settings.STRIPE_API_BASE

    with pytest.raises(PaymentError) as caught:
        order_refund(order=order, user=operator, amount_fen=1000)

    assert caught.value.code == PaymentErrorCode.PROVIDER_ERROR
    assert not Refund.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (0, OrderStatus.PAID)

    settings.STRIPE_API_BASE = good
    refund = order_refund(order=order, user=operator, amount_fen=1000)
    assert refund.idempotency_key == key
    assert refund.status == RefundStatus.SUCCEEDED
    order.refresh_from_db()
    assert order.refunded_fen == 1000


def test_each_refund_stores_the_key_it_sent(order, operator):
    first = order_refund(order=order, user=operator, amount_fen=1000)
    second = order_refund(order=order, user=operator, amount_fen=1000)

    keys = {first.idempotency_key, second.idempotency_key}
    assert len(keys) == 2
    assert all(key.startswith(f"gongfu-refund-{order.token}-") for key in keys)


# --- a late payment -------------------------------------------------------------


def test_a_late_payment_stripe_cannot_refund_now_is_refunded_by_the_sweep(
    client, settings
):
    order, payment = place_order()
    intent = pay_intent(payment).to_dict()
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CANCELLED)
    order_cancel(order=order)
    settings.STRIPE_API_BASE, good = UNREACHABLE, settings.STRIPE_API_BASE

    response = deliver_event(client, "payment_intent.succeeded", intent)

    assert response.status_code == 200
    assert response.json()["outcome"].startswith("refund owed")
    assert list(late_refunds_owed()) == [payment]
    # The order's log says "refunded" only once Stripe has refunded.
    late_refunded = OrderEvent.objects.filter(
        order=order, type=OrderEventType.LATE_PAYMENT_REFUNDED
    )
    assert not late_refunded.exists()

    settings.STRIPE_API_BASE = good
    outcome = reconcile_pending_payments()

    assert outcome["late_refunds"] == {"refunded": 1, "owed": 0}
    assert not late_refunds_owed().exists()
    assert late_refunded.count() == 1
    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": payment.payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [order.total_fen]
    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 0}


# --- a refund whose answer was never booked --------------------------------------


def test_a_refund_stuck_between_stripe_and_booking_is_booked_by_the_sweep(
    order, operator, time_machine
):
    """The process died after the pending row committed: the sweep asks
    Stripe again with the row's key and books the answer, once."""
    line = order.lines.get()
    stuck = Refund.objects.create(
        order=order,
        payment=order.payments.get(status=PaymentStatus.SUCCEEDED),
        amount_fen=1500,
        restock={str(line.pk): 1},
        created_by=operator,
        idempotency_key=_idempotency_key(order, 1500),
    )
    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 0}
    stuck.refresh_from_db()
    assert stuck.stripe_refund_id is None  # too young: its request may still run

    time_machine.move_to(timezone.now() + STUCK_AFTER + timedelta(minutes=1))
    outcome = reconcile_pending_payments()

    assert outcome["stuck_refunds"] == {"booked": 1, "waiting": 0}
    stuck.refresh_from_db()
    assert stuck.stripe_refund_id and stuck.status == RefundStatus.SUCCEEDED
    order.refresh_from_db()
    assert order.refunded_fen == 1500
    line.refresh_from_db()
    assert line.quantity_restocked == 1
    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 0}
    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": stuck.payment.payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [1500]


def test_a_refund_booked_twice_is_booked_once(order, operator):
    """The request and the sweep both bring Stripe's answer: one booking."""
    refund = order_refund(order=order, user=operator, amount_fen=1000)
    again = gateway.client().v1.refunds.retrieve(refund.stripe_refund_id)

    _refund_settle(refund=refund, stripe_refund=again, user=operator)

    order.refresh_from_db()
    assert order.refunded_fen == 1000


def test_events_of_an_intent_whose_order_was_cancelled_are_not_retried(client):
    """An intent made while its order was being cancelled is never recorded:
    its events are stored and ignored, not answered "retry" forever."""
    order, payment = place_order()
    intent = gateway.create_payment_intent(
        amount_fen=order.total_fen,
        metadata={"order_number": order.number, "order_token": str(order.token)},
        idempotency_key=f"t-unrecorded-{order.token}",
    )
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CANCELLED)
    order_cancel(order=order)

    response = deliver_event(client, "payment_intent.canceled", intent)

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "ignored: unknown PaymentIntent"
