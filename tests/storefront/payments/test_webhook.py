"""The Stripe webhook endpoint: signed, stored once, processed once, and the
only thing that marks an order paid.

Events are signed with Stripe's own scheme (tests/payments_stand_in.py) and
carry PaymentIntents as localstripe returns them after a real card payment."""

import json
import time
from types import SimpleNamespace

import pytest
from django.urls import reverse

from storefront.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from storefront.orders.services import order_cancel
from storefront.payments import gateway
from storefront.payments.errors import PaymentError
from storefront.payments.models import Payment, PaymentStatus, StripeEvent
from tests.payments_stand_in import TEST_WEBHOOK_SECRET, sign_stripe_payload
from tests.shop_helpers import (
    CARD_DECLINED,
    deliver_event,
    event_payload,
    order_page_url,
    pay_intent,
    place_order,
    post_webhook,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


@pytest.fixture
def placed():
    """An unpaid order whose PaymentIntent has been paid at localstripe."""
    order, payment = place_order()
    intent = pay_intent(payment).to_dict()
    assert intent["status"] == "succeeded"
    return order, payment, intent


def assert_untouched(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert order.paid_fen == 0 and order.paid_at is None
    assert payment.status == PaymentStatus.PENDING
    assert not OrderEvent.objects.filter(order=order, type=OrderEventType.PAID)


# --- signatures ----------------------------------------------------------------


def test_a_signed_succeeded_event_marks_the_order_paid(client, placed):
    order, payment, intent = placed

    response = deliver_event(client, SUCCEEDED, intent, event_id="evt_paid_1")

    assert response.status_code == 200
    assert response.json()["outcome"] == "order paid (via webhook)"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == order.total_fen
    assert order.paid_at is not None
    assert order.reserved_until is None
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.provider_status == "succeeded"
    event = StripeEvent.objects.get(event_id="evt_paid_1")
    assert event.type == SUCCEEDED
    assert event.payment_intent_id == payment.payment_intent_id
    assert event.outcome == "order paid (via webhook)"


def test_an_unsigned_request_is_refused_and_stores_nothing(client, placed):
    order, payment, intent = placed

    response = post_webhook(client, event_payload(SUCCEEDED, intent), None)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


@pytest.mark.parametrize(
    "signature",
    ["", "garbage", "t=1,v1=abc", "v1=" + "0" * 64],
)
def test_a_garbled_signature_header_is_refused(client, placed, signature):
    order, payment, intent = placed
    response = post_webhook(client, event_payload(SUCCEEDED, intent), signature)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_a_payload_signed_with_another_secret_is_refused(client, placed):
    order, payment, intent = placed

    response = deliver_event(client, SUCCEEDED, intent, secret="whsec_someone_else")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_a_tampered_body_is_refused(client, placed):
    order, payment, intent = placed
    genuine = event_payload(SUCCEEDED, {**intent, "status": "requires_payment_method"})
    signature = sign_stripe_payload(genuine, TEST_WEBHOOK_SECRET)
    tampered = genuine.replace(b'"requires_payment_method"', b'"succeeded"')
    assert tampered != genuine

    response = post_webhook(client, tampered, signature)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_a_stale_signature_is_refused(client, placed):
    order, payment, intent = placed

    response = deliver_event(
        client, SUCCEEDED, intent, timestamp=int(time.time()) - 6 * 60
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_malformed_json_is_refused(client, placed):
    order, payment, _ = placed
    response = post_webhook(client, b"{not json", "t=1,v1=00")
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_invalid_json_with_a_valid_signature_is_refused(client, placed):
    order, payment, _ = placed
    payload = b'{"id": "evt_broken", "type": "payment_intent.succeeded", '
    response = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b'"evt"',
        b"null",
        b"{}",
        b'{"id": "evt_no_data", "type": "payment_intent.succeeded"}',
        b'{"id": "evt_x", "type": "payment_intent.succeeded", "data": null}',
        b'{"id": "evt_y", "type": "payment_intent.succeeded", "data": {"object": 1}}',
        b'{"id": 7, "type": "payment_intent.succeeded", "data": {"object": {}}}',
        b'{"id": "evt_z", "type": 3, "data": {"object": {}}}',
    ],
)
def test_a_signed_payload_that_is_not_a_stripe_event_is_refused(
    client, placed, payload
):
    order, payment, _ = placed
    response = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_only_post_is_accepted(client):
    assert client.get("/payments/stripe/webhook/").status_code == 405


def test_without_a_webhook_secret_nothing_is_accepted(client, placed, settings):
    order, payment, intent = placed
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = deliver_event(client, SUCCEEDED, intent)
    assert response.status_code == 503
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


# --- once per event -----------------------------------------------------


def test_a_replayed_event_is_a_no_op(
    client, placed, mailoutbox, django_capture_on_commit_callbacks
):
    order, payment, intent = placed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = deliver_event(client, SUCCEEDED, intent, event_id="evt_replayed")
    with django_capture_on_commit_callbacks(execute=True) as replayed:
        again = deliver_event(client, SUCCEEDED, intent, event_id="evt_replayed")

    assert first.status_code == again.status_code == 200
    assert again.json()["outcome"] == "replay: already processed"
    assert StripeEvent.objects.filter(event_id="evt_replayed").count() == 1
    assert StripeEvent.objects.get().outcome == "order paid (via webhook)"
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.PAID).count() == 1
    # The confirmation email and the revenue split, queued once, and the
    # split's bump of the impact pages' version; nothing on the replay.
    assert (len(callbacks), len(replayed)) == (3, 0)
    assert order.journal_entries.filter(kind="sale").count() == 1
    assert len(mailoutbox) == 1
    assert order.number in mailoutbox[0].subject
    order.refresh_from_db()
    assert order.paid_fen == order.total_fen


def test_a_mail_server_that_is_down_does_not_fail_the_webhook(
    client, placed, settings, django_capture_on_commit_callbacks
):
    # A closed loopback port: sending the confirmation fails for real.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    order, _, intent = placed

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver_event(client, SUCCEEDED, intent)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not order.events.filter(type=OrderEventType.EMAIL_SENT).exists()


def test_succeeded_delivered_twice_under_different_ids_pays_once(client, placed):
    order, _, intent = placed

    first = deliver_event(client, SUCCEEDED, intent, event_id="evt_a")
    second = deliver_event(client, SUCCEEDED, intent, event_id="evt_b")

    assert first.status_code == second.status_code == 200
    assert second.json()["outcome"] == "already settled"
    assert StripeEvent.objects.count() == 2
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.PAID).count() == 1
    order.refresh_from_db()
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, order.total_fen)


def test_a_failure_arriving_after_success_leaves_the_order_paid(client):
    order, payment = place_order()
    client_ = gateway.client()
    declined = pay_intent(payment, card=CARD_DECLINED).to_dict()
    assert declined["status"] == "requires_payment_method"
    paid = pay_intent(payment).to_dict()
    assert paid["status"] == "succeeded"
    assert client_.v1.payment_intents.retrieve(payment.payment_intent_id).status == (
        "succeeded"
    )

    deliver_event(client, SUCCEEDED, paid)
    late = deliver_event(client, FAILED, declined)

    assert late.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.SUCCEEDED
    assert not OrderEvent.objects.filter(type=OrderEventType.PAYMENT_FAILED).exists()


def test_a_failure_before_success_is_logged_and_the_success_still_counts(client):
    order, payment = place_order()
    declined = pay_intent(payment, card=CARD_DECLINED).to_dict()

    response = deliver_event(client, FAILED, declined)

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert payment.status == PaymentStatus.PENDING
    assert payment.last_error
    failed = OrderEvent.objects.get(order=order, type=OrderEventType.PAYMENT_FAILED)
    assert failed.data["payment_intent"] == payment.payment_intent_id

    deliver_event(client, SUCCEEDED, pay_intent(payment))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_an_event_about_an_unknown_payment_intent_is_ignored(client, placed):
    order, payment, intent = placed
    stranger = gateway.client().v1.payment_intents.create(
        params={"amount": order.total_fen, "currency": "cny"}
    )

    response = deliver_event(client, SUCCEEDED, stranger, event_id="evt_stranger")

    assert response.status_code == 200
    assert response.json()["outcome"].startswith("ignored")
    assert StripeEvent.objects.get(event_id="evt_stranger").outcome.startswith(
        "ignored"
    )
    assert_untouched(order, payment)
    assert not Order.objects.exclude(status=OrderStatus.UNPAID).exists()


def test_an_event_type_the_shop_does_not_use_is_stored_and_ignored(client, placed):
    order, payment, _ = placed
    payload = json.dumps(
        {
            "id": "evt_customer",
            "object": "event",
            "type": "customer.created",
            "data": {"object": {"id": "cus_123", "object": "customer"}},
        }
    ).encode()
    response = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )
    assert response.status_code == 200
    assert response.json()["outcome"].startswith("ignored")
    assert StripeEvent.objects.filter(event_id="evt_customer").exists()
    assert_untouched(order, payment)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 1, "amount_received": 1},
        {"currency": "usd"},
    ],
)
def test_an_amount_or_currency_that_differs_does_not_pay(client, placed, change):
    order, payment, intent = placed

    response = deliver_event(client, SUCCEEDED, {**intent, **change})

    assert response.status_code == 200
    assert response.json()["outcome"].startswith("refused")
    assert_untouched(order, payment)


def test_an_unpaid_intent_in_a_succeeded_event_does_not_pay(client):
    """The object's own status decides, not the event's type."""
    order, payment = place_order()
    unpaid = gateway.client().v1.payment_intents.retrieve(payment.payment_intent_id)

    response = deliver_event(client, SUCCEEDED, unpaid)

    assert response.status_code == 200
    assert_untouched(order, payment)


# --- only the webhook marks paid ------------------------------------------


def test_the_return_from_payment_never_marks_the_order_paid(client, placed):
    order, payment, intent = placed
    url = order_page_url(order)

    response = client.get(
        url,
        {
            "payment_intent": intent["id"],
            "payment_intent_client_secret": payment.client_secret,
            "redirect_status": "succeeded",
        },
    )

    assert response.status_code == 200
    assert client.get(reverse("web:order-pay", args=[order.token])).status_code in (
        200,
        302,
    )
    assert client.get(url).status_code == 200
    assert_untouched(order, payment)
    # Paid at Stripe, but only the webhook marks the order paid.
    deliver_event(client, SUCCEEDED, intent)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_payment_at_stripe_alone_does_not_mark_paid(placed):
    order, payment, _ = placed
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert_untouched(order, payment)


def test_a_payment_arriving_after_cancellation_is_refunded_once(client, placed):
    """Only reachable if Stripe took money after the intent was cancelled
    (slow methods like Alipay); the order stays cancelled, the money goes back."""
    order, payment, intent = placed
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CANCELLED)
    order_cancel(order=order)

    first = deliver_event(client, SUCCEEDED, intent)
    second = deliver_event(client, SUCCEEDED, intent)

    assert first.status_code == second.status_code == 200
    assert first.json()["outcome"].startswith("refunded")
    assert second.json()["outcome"] == "already settled"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.paid_fen == 0
    late = OrderEvent.objects.get(
        order=order, type=OrderEventType.LATE_PAYMENT_REFUNDED
    )
    assert late.data == {"amount_fen": order.total_fen}
    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": payment.payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [order.total_fen]


# --- timestamps, amounts, intents not recorded yet ---------------------------


@pytest.mark.parametrize("minutes", [6, 10, 60 * 24])
def test_a_signature_dated_in_the_future_is_refused(client, placed, minutes):
    order, payment, intent = placed

    response = deliver_event(
        client, SUCCEEDED, intent, timestamp=int(time.time()) + minutes * 60
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"
    assert not StripeEvent.objects.exists()
    assert_untouched(order, payment)


def test_clock_skew_within_the_tolerance_is_accepted_both_ways(client):
    for skew in (-4 * 60, 4 * 60):
        order, payment = place_order()
        intent = pay_intent(payment).to_dict()
        response = deliver_event(
            client, SUCCEEDED, intent, timestamp=int(time.time()) + skew
        )
        assert response.status_code == 200, (skew, response.content)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    "change",
    [
        {"amount_received": 0},
        {"amount_received": None},
        {"amount_received": True},
        {"amount_received": "2280"},
    ],
)
def test_an_intent_that_received_nothing_never_pays(client, placed, change):
    order, payment, intent = placed
    assert intent["amount_received"] == intent["amount"] == order.total_fen
    paid_looking = {**intent, **change}

    first = deliver_event(client, SUCCEEDED, paid_looking)
    second = deliver_event(client, SUCCEEDED, paid_looking)

    assert first.status_code == second.status_code == 200
    assert first.json()["outcome"].startswith("refused")
    assert_untouched(order, payment)
    # The operator sees it once on the order: money may sit at Stripe.
    flagged = OrderEvent.objects.get(order=order, type=OrderEventType.PAYMENT_FAILED)
    assert "amount received" in flagged.data["message"]
    payment.refresh_from_db()
    assert payment.last_error == flagged.data["message"]


def test_an_intent_without_amount_received_never_pays(client, placed):
    order, payment, intent = placed
    del intent["amount_received"]

    response = deliver_event(client, SUCCEEDED, intent)

    assert response.json()["outcome"].startswith("refused")
    assert_untouched(order, payment)


def test_localstripe_reports_amount_received_as_stripe_does(placed):
    order, payment, intent = placed
    unpaid = gateway.client().v1.payment_intents.create(
        params={"amount": 500, "currency": "cny"}
    )
    assert unpaid.amount_received == 0
    assert intent["amount_received"] == order.total_fen


def test_an_intent_of_ours_not_recorded_yet_is_refused_for_a_retry(client, settings):
    """The event outran the commit of payment_start: 409, nothing stored, and
    Stripe's retry of the same event is processed as a first delivery."""
    settings.STRIPE_SECRET_KEY, key = "", settings.STRIPE_SECRET_KEY
    with pytest.raises(PaymentError):
        place_order()
    settings.STRIPE_SECRET_KEY = key
    order = Order.objects.get()
    intent = gateway.create_payment_intent(
        amount_fen=order.total_fen,
        metadata={"order_number": order.number, "order_token": str(order.token)},
        idempotency_key=f"test-{order.token}",
    )
    paid = pay_intent(SimpleNamespace(payment_intent_id=intent.id)).to_dict()

    first = deliver_event(client, SUCCEEDED, paid, event_id="evt_early")

    assert first.status_code == 409
    assert first.json() == {
        "error": "payment_not_recorded_yet",
        "message": "该支付尚未记录，请稍后重试 / "
        "This payment is not recorded yet; retry later",
    }
    assert not StripeEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID

    # What payment_start's commit makes visible.
    Payment.objects.create(
        order=order,
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        amount_fen=order.total_fen,
        currency="cny",
    )
    retry = deliver_event(client, SUCCEEDED, paid, event_id="evt_early")

    assert retry.status_code == 200
    assert retry.json()["outcome"] == "order paid (via webhook)"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    "metadata",
    [
        {"order_token": "00000000-0000-0000-0000-000000000000"},
        {"order_token": "not-a-uuid"},
        {"order_token": ""},
        {"order_number": "GF-2026-000001"},
    ],
)
def test_an_intent_naming_no_order_of_ours_is_stored_and_ignored(
    client, placed, metadata
):
    """Another system on the same Stripe account: retrying would never help."""
    order, payment, _ = placed
    stranger = gateway.client().v1.payment_intents.create(
        params={"amount": order.total_fen, "currency": "cny", "metadata": metadata}
    )

    response = deliver_event(client, SUCCEEDED, stranger, event_id="evt_other")

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: unknown PaymentIntent"
    assert StripeEvent.objects.filter(event_id="evt_other").exists()
    assert_untouched(order, payment)
