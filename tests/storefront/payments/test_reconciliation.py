"""reconcile_pending_payments: settles what Stripe says about payments whose
webhook never came, after a grace period, and is safe to run again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from storefront.orders.models import OrderEvent, OrderEventType, OrderStatus
from storefront.payments.models import Payment, PaymentStatus, StripeEvent
from storefront.payments.tasks import reconcile_pending_payments
from tests.shop_helpers import make_variant, pay_intent, place_order, stock_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def age(payment, minutes) -> None:
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_payment_whose_webhook_never_came_is_settled_after_the_grace_period():
    variant = make_variant(1280, 5)
    paid_order, paid_payment = place_order([(variant, 2)])
    pay_intent(paid_payment)  # the webhook is lost
    waiting_order, waiting_payment = place_order([(variant, 1)])

    # Within two minutes the customer may still be paying: not asked yet.
    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 0}
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.UNPAID

    age(paid_payment, 3)
    age(waiting_payment, 3)
    assert reconcile_pending_payments() == {"checked": 2, "unreachable": 0}

    paid_order.refresh_from_db()
    paid_payment.refresh_from_db()
    assert paid_order.status == OrderStatus.PAID
    assert paid_order.paid_fen == paid_order.total_fen
    assert paid_payment.status == PaymentStatus.SUCCEEDED
    paid_event = OrderEvent.objects.get(order=paid_order, type=OrderEventType.PAID)
    assert paid_event.data["payment_intent"] == paid_payment.payment_intent_id

    waiting_order.refresh_from_db()
    waiting_payment.refresh_from_db()
    assert waiting_order.status == OrderStatus.UNPAID
    assert waiting_payment.status == PaymentStatus.PENDING
    assert waiting_payment.provider_status == "requires_payment_method"
    assert stock_of(variant).quantity_reserved == 3
    assert not StripeEvent.objects.exists()  # no webhook was involved


def test_running_it_twice_changes_nothing_more():
    order, payment = place_order()
    pay_intent(payment)
    age(payment, 5)
    reconcile_pending_payments()
    events = list(OrderEvent.objects.values_list("pk", "type"))

    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 0}

    assert list(OrderEvent.objects.values_list("pk", "type")) == events
    order.refresh_from_db()
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, order.total_fen)


def test_an_unpaid_payment_is_asked_about_each_run_and_stays_pending():
    order, payment = place_order()
    age(payment, 5)

    reconcile_pending_payments()
    reconcile_pending_payments()

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert payment.status == PaymentStatus.PENDING
    assert list(
        OrderEvent.objects.filter(order=order).values_list("type", flat=True)
    ) == [OrderEventType.PLACED, OrderEventType.PAYMENT_STARTED]


def test_stripe_unreachable_is_counted_and_changes_nothing(settings):
    order, payment = place_order()
    pay_intent(payment)
    age(payment, 5)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    assert reconcile_pending_payments() == {"checked": 0, "unreachable": 1}

    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
