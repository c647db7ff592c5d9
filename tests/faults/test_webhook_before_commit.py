"""Fault: Stripe's webhook arrives while the payment row is still being
written.

One thread runs `payment_start` inside a transaction it keeps open (the
PaymentIntent exists at localstripe, our Payment row is not committed); the
customer pays and the signed `payment_intent.succeeded` is delivered from
another thread. The first delivery must be refused with a non-2xx so Stripe
retries, leave no event record behind, and the retry after the commit must
mark the order paid exactly once, with the ledger clean."""

import queue
import threading

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.payments.models import Payment, PaymentStatus, StripeEvent
from storefront.payments.services import payment_start
from tests.payments_stand_in import TEST_WEBHOOK_SECRET, sign_stripe_payload
from tests.shop_helpers import event_payload, pay_intent, place_order, post_webhook

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # payment_start commits its row right after Stripe answers; holding that
    # transaction open widens the window in which the webhook can overtake it.
    pytest.mark.holds_transaction_around_network(
        "the payment row stays uncommitted while Stripe is asked"
    ),
    pytest.mark.usefixtures("stripe_settings"),
]

SUCCEEDED = "payment_intent.succeeded"


def _order_without_payment(settings) -> Order:
    """An order placed while payments were not configured: committed, with
    its stock held, and no PaymentIntent yet."""
    key, settings.STRIPE_SECRET_KEY = settings.STRIPE_SECRET_KEY, ""
    try:
        with pytest.raises(Exception, match="not_configured"):
            place_order()
    finally:
        settings.STRIPE_SECRET_KEY = key
    order = Order.objects.get()
    assert not order.payments.exists()
    return order


def _visible_to_other_connections(payment) -> bool:
    try:
        return Payment.objects.filter(pk=payment.pk).exists()
    except OperationalError:
        # SQLite: the writer holds the database.
        return False


class HeldPaymentStart(threading.Thread):
    """payment_start in a transaction that stays open until `release`."""

    def __init__(self, order):
        super().__init__(name="payment-start", daemon=True)
        self.order = order
        self.started: queue.Queue = queue.Queue()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with transaction.atomic():
                payment = payment_start(order=self.order)
                self.started.put(payment)
                assert self.release.wait(30), "never released"
        except BaseException as exc:  # reported to the test below
            self.error = exc
            self.started.put(None)
        finally:
            connection.close()


def test_webhook_before_the_payment_commits_is_retried_and_pays_once(
    client, settings, django_capture_on_commit_callbacks
):
    order = _order_without_payment(settings)
    holder = HeldPaymentStart(order)
    holder.start()
    try:
        payment = holder.started.get(timeout=30)
        assert payment is not None, holder.error
        assert not _visible_to_other_connections(payment)
        intent = pay_intent(payment).to_dict()
        assert intent["status"] == "succeeded"
        assert intent["amount_received"] == order.total_fen
        payload = event_payload(SUCCEEDED, intent, event_id="evt_before_commit")

        first = post_webhook(
            client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
        )

        assert first.status_code == 409, first.content
        assert first.json()["error"] == "payment_not_recorded_yet"
        assert "retry" in first.json()["message"]
    finally:
        holder.release.set()
        holder.join(30)
    assert not holder.is_alive() and holder.error is None, holder.error
    assert not StripeEvent.objects.filter(event_id="evt_before_commit").exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID

    # Stripe's retry: the same event, signed afresh, once the row committed.
    retry = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )
    again = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )

    assert retry.status_code == 200, retry.content
    assert retry.json()["outcome"] == "order paid (via webhook)"
    assert again.status_code == 200
    assert again.json()["outcome"] == "replay: already processed"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == order.total_fen
    assert order.events.filter(type=OrderEventType.PAID).count() == 1
    assert Payment.objects.get(order=order).status == PaymentStatus.SUCCEEDED
    assert StripeEvent.objects.get(event_id="evt_before_commit").outcome == (
        "order paid (via webhook)"
    )
    assert order.journal_entries.filter(kind="sale").count() == 1
    call_command("ledger_check")
