"""Stock held by unpaid orders goes back when the reservation runs out, or
when the order is cancelled — never while Stripe may still take the money."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.payments import gateway
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.models import PaymentStatus
from storefront.payments.services import order_cancel_unpaid, payment_start
from storefront.payments.tasks import release_expired_reservations
from tests.factories import make_user
from tests.shop_helpers import (
    expire_reservation,
    make_variant,
    pay_intent,
    place_order,
    ready_checkout,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def intent_status(payment) -> str:
    return (
        gateway.client().v1.payment_intents.retrieve(payment.payment_intent_id).status
    )


def test_an_expired_unpaid_order_is_cancelled_and_its_stock_released():
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 3)])
    assert stock_of(variant).quantity_reserved == 3
    expire_reservation(order)

    result = release_expired_reservations.delay().get()

    assert result == {"released": 1, "kept": 0}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.reserved_until is None
    assert payment.status == PaymentStatus.CANCELLED
    assert intent_status(payment) == "canceled"
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (5, 0)
    assert OrderLine.objects.get(order=order).quantity_reserved == 0
    assert set(order.fulfillments.values_list("status", flat=True)) == {
        FulfillmentStatus.CANCELLED
    }
    expired = OrderEvent.objects.get(
        order=order, type=OrderEventType.RESERVATION_EXPIRED
    )
    assert expired.user is None
    assert expired.data["status"] == OrderStatus.CANCELLED


def test_an_order_still_within_its_reservation_is_kept():
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 2)])

    assert release_expired_reservations() == {"released": 0, "kept": 0}

    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert stock_of(variant).quantity_reserved == 2
    assert intent_status(payment) == "requires_payment_method"


def test_an_order_paid_at_stripe_whose_webhook_was_lost_is_settled_not_cancelled():
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 2)])
    pay_intent(payment)  # paid, but no webhook arrives
    expire_reservation(order)

    result = release_expired_reservations()

    assert result == {"released": 0, "kept": 1}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == order.total_fen
    assert payment.status == PaymentStatus.SUCCEEDED
    assert intent_status(payment) == "succeeded"
    assert stock_of(variant).quantity_reserved == 2
    assert not OrderEvent.objects.filter(
        order=order, type=OrderEventType.RESERVATION_EXPIRED
    ).exists()
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.PAID).count() == 1


def test_an_order_whose_payment_never_started_expires_and_cannot_be_paid(settings):
    variant = make_variant(1280, 5)
    checkout = ready_checkout([(variant, 1)])
    good_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable
    completed = checkout_complete(checkout_token=checkout.token)
    assert isinstance(completed.payment_error, PaymentError)
    settings.STRIPE_API_BASE = good_base
    order = Order.objects.get(checkout_token=checkout.token)
    assert not order.payments.exists()
    expire_reservation(order)

    with pytest.raises(PaymentError) as caught:
        payment_start(order=order)
    assert caught.value.code == PaymentErrorCode.RESERVATION_EXPIRED
    assert not order.payments.exists()

    assert release_expired_reservations()["released"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(variant).quantity_reserved == 0


def test_running_the_task_again_changes_nothing_more():
    variant = make_variant(1280, 5)
    order, _ = place_order([(variant, 1)])
    expire_reservation(order)
    release_expired_reservations()

    assert release_expired_reservations() == {"released": 0, "kept": 0}

    assert stock_of(variant).quantity_reserved == 0
    assert (
        OrderEvent.objects.filter(order=order).count() == 3
    )  # placed, started, expired


def test_the_reservation_lasts_the_configured_minutes(settings):
    settings.CHECKOUT_RESERVATION_MINUTES = 30
    before = timezone.now()
    order, _ = place_order()
    after = timezone.now()
    assert (
        before + timedelta(minutes=30)
        <= order.reserved_until
        <= after + timedelta(minutes=30)
    )

    settings.CHECKOUT_RESERVATION_MINUTES = 1
    short, _ = place_order()
    assert short.reserved_until <= timezone.now() + timedelta(minutes=1)
    Order.objects.filter(pk=short.pk).update(
        reserved_until=timezone.now() - timedelta(seconds=1)
    )
    assert release_expired_reservations()["released"] == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID


def test_the_beat_schedule_runs_its_tasks_and_their_names_resolve():
    from config.celery import app

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    names = {entry["task"] for entry in schedule.values()}
    assert names == {
        "storefront.payments.tasks.release_expired_reservations",
        "storefront.payments.tasks.reconcile_pending_payments",
        "catalog_import.tasks.fail_stalled_import_jobs",
        "revenue.tasks.split_unsplit_orders",
        "storefront.links.tasks.flush_clicks",
        "revenue.tasks.finish_unsent_transfers",
        "revenue.tasks.propose_payout_batch",
        "revenue.tasks.send_unsent_payout_notices",
        "storefront.orders.tasks.send_unsent_confirmations",
        "storefront.orders.tasks.send_unsent_workshop_notices",
        "storefront.orders.tasks.send_unsent_shipping_emails",
        "storefront.aftersales.tasks.send_unsent_aftersales_emails",
        "storefront.payments.tasks.send_unsent_refund_emails",
    }
    app.loader.import_default_modules()  # what a worker does at start
    for name in names:
        assert name in app.tasks
    assert app.conf.beat_schedule == schedule
    sweeps = {k: v for k, v in schedule.items() if k != "propose-payout-batch"}
    for entry in sweeps.values():
        assert 0 < float(entry["schedule"]) <= 600
    weekly = schedule["propose-payout-batch"]["schedule"]
    assert weekly.day_of_week == {1} and weekly.hour == {3}


# --- manual cancellation -----------------------------------------------------


def test_an_operator_cancels_an_unpaid_order():
    operator = make_user(staff=True)
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 4)])

    order_cancel_unpaid(order=order, user=operator)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.CANCELLED
    assert intent_status(payment) == "canceled"
    assert stock_of(variant).quantity_reserved == 0
    event = OrderEvent.objects.get(order=order, type=OrderEventType.CANCELLED)
    assert event.user == operator
    assert event.data["previous"] == OrderStatus.UNPAID


def test_cancelling_an_order_already_paid_at_stripe_settles_it_instead():
    variant = make_variant(1280, 5)
    order, payment = place_order([(variant, 1)])
    pay_intent(payment)

    with pytest.raises(OrderError) as caught:
        order_cancel_unpaid(order=order)

    assert caught.value.code == OrderErrorCode.PAYMENT_IN_PROGRESS
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock_of(variant).quantity_reserved == 1


def test_a_cancelled_order_cannot_be_cancelled_again():
    variant = make_variant(1280, 5)
    order, _ = place_order([(variant, 1)])
    order_cancel_unpaid(order=order)

    with pytest.raises(OrderError) as caught:
        order_cancel_unpaid(order=order)

    assert caught.value.code == OrderErrorCode.INVALID_TRANSITION
    assert stock_of(variant).quantity_reserved == 0
    assert (
        OrderEvent.objects.filter(order=order, type=OrderEventType.CANCELLED).count()
        == 1
    )
