"""Alipay and WeChat Pay settle an order exactly as cards do: through the
signed webhook the Stripe stand-in sends when the customer approves on its
authorise or QR "scan" page. The stand-in runs as a real process posting its
webhooks to a live server; nothing is mocked."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus, StripeEvent
from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    sign_stripe_payload,
    start_localstripe,
)
from tests.shop_helpers import place_order, post_webhook
from tests.wallets_stand_in import confirm, expire_qr, press, wait_for

ROOT = Path(__file__).resolve().parents[3]
SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


@pytest.fixture
def stand_in(live_server, settings):
    """A stand-in of this test's own whose webhooks reach the live server."""
    server = start_localstripe(
        webhook_url=live_server.url + "/payments/stripe/webhook/",
        webhook_secret=TEST_WEBHOOK_SECRET,
    )
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = TEST_PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = server.js_url
    yield server
    server.stop()


def events_of(payment, type):
    return StripeEvent.objects.filter(
        payment_intent_id=payment.payment_intent_id, type=type
    )


def wait_for_event(payment, type, count=1):
    wait_for(
        lambda: events_of(payment, type).count() >= count,
        what=f"{type} for {payment.payment_intent_id}",
    )


def order_status(order):
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def assert_paid_once(order, payment):
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == order.total_fen
    assert order.events.filter(type=OrderEventType.PAID).count() == 1
    assert events_of(payment, SUCCEEDED).count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def redirect_url(body):
    return body["next_action"]["redirect_to_url"]["url"]


def qr_url(body):
    return body["next_action"]["wechat_pay_display_qr_code"]["data"]


@pytest.mark.django_db
def test_payment_intents_offer_card_alipay_and_wechat_pay_in_cny(stripe_settings):
    order, payment = place_order()

    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)

    assert intent.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert (intent.currency, intent.amount) == ("cny", order.total_fen)
    assert intent.payment_method_options.wechat_pay.client == "web"


@pytest.mark.django_db
def test_payment_methods_setting_limits_the_intents_types(stripe_settings, settings):
    settings.PAYMENT_METHODS = ["card", "alipay"]
    _, payment = place_order()

    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)

    assert intent.payment_method_types == ["card", "alipay"]
    assert "wechat_pay" not in (intent.payment_method_options or {})


@pytest.mark.django_db(transaction=True)
def test_alipay_approved_settles_the_order_once_by_webhook(stand_in, client):
    order, payment = place_order()
    return_url = "http://testserver" + reverse("web:order", args=[order.token])
    _, body = confirm(
        stand_in.url, payment.client_secret, "alipay", return_url=return_url
    )

    pressed = press(redirect_url(body), "approve")

    assert pressed.query["redirect_status"] == "succeeded"
    wait_for(lambda: order_status(order) == OrderStatus.PAID, what="the order paid")
    assert_paid_once(order, payment)
    # Stripe delivering the same event again changes nothing.
    event = events_of(payment, SUCCEEDED).get()
    payload = json.dumps(event.payload).encode()
    response = post_webhook(
        client, payload, sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)
    )
    assert response.json()["outcome"] == "replay: already processed"
    assert_paid_once(order, payment)
    # The page Alipay returns to shows it paid.
    html = client.get(pressed.location.replace("http://testserver", "")).text
    assert "已支付" in html and 'id="redirect-status"' not in html


@pytest.mark.django_db(transaction=True)
def test_alipay_failed_leaves_the_order_unpaid_and_payable_again(stand_in, client):
    order, payment = place_order()
    _, body = confirm(stand_in.url, payment.client_secret, "alipay")

    assert press(redirect_url(body), "fail").query["redirect_status"] == "failed"

    wait_for_event(payment, FAILED)
    wait_for(
        lambda: order.events.filter(type=OrderEventType.PAYMENT_FAILED).exists(),
        what="the failure on the order",
    )
    assert order_status(order) == OrderStatus.UNPAID
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.provider_status == "requires_payment_method"
    # The pay page hands out the same intent, and Alipay works the second time.
    pay_page = client.get(reverse("web:order-pay", args=[order.token])).text
    assert payment.client_secret in pay_page
    _, again = confirm(stand_in.url, payment.client_secret, "alipay")
    press(redirect_url(again), "approve")
    wait_for(lambda: order_status(order) == OrderStatus.PAID, what="the order paid")
    assert_paid_once(order, payment)
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_alipay_cancelled_sends_nothing_and_wechat_pay_then_pays(stand_in):
    order, payment = place_order()
    _, body = confirm(stand_in.url, payment.client_secret, "alipay")

    assert press(redirect_url(body), "cancel").query["redirect_status"] == "canceled"

    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    assert intent.status == "requires_payment_method"
    _, wechat = confirm(stand_in.url, payment.client_secret, "wechat_pay", client="web")
    press(qr_url(wechat), "approve")
    wait_for(lambda: order_status(order) == OrderStatus.PAID, what="the order paid")
    assert_paid_once(order, payment)
    # The cancel sent no failure: the only event is the success.
    assert not events_of(payment, FAILED).exists()
    assert not order.events.filter(type=OrderEventType.PAYMENT_FAILED).exists()


@pytest.mark.django_db(transaction=True)
def test_wechat_pay_qr_expired_then_paid_on_a_phone(stand_in, client):
    order, payment = place_order()
    _, body = confirm(stand_in.url, payment.client_secret, "wechat_pay", client="web")

    assert expire_qr(qr_url(body)) == 200

    wait_for_event(payment, FAILED)
    failure = wait_for(
        lambda: order.events.filter(type=OrderEventType.PAYMENT_FAILED).first(),
        what="the expiry on the order",
    )
    assert "expired" in json.dumps(failure.data, ensure_ascii=False)
    assert order_status(order) == OrderStatus.UNPAID
    # Scanning the expired code pays nothing.
    assert press(qr_url(body), "approve").status == 404

    # A new code, scanned in time, pays.
    _, again = confirm(stand_in.url, payment.client_secret, "wechat_pay", client="web")
    assert "已付款" in press(qr_url(again), "approve").text
    wait_for(lambda: order_status(order) == OrderStatus.PAID, what="the order paid")
    assert_paid_once(order, payment)


@pytest.mark.django_db(transaction=True)
def test_wechat_pay_scan_failed_leaves_the_order_unpaid(stand_in):
    order, payment = place_order()
    _, body = confirm(stand_in.url, payment.client_secret, "wechat_pay", client="web")

    assert "付款失败" in press(qr_url(body), "fail").text

    wait_for_event(payment, FAILED)
    assert order_status(order) == OrderStatus.UNPAID
    assert not events_of(payment, SUCCEEDED).exists()


# --- the page Alipay / WeChat Pay return to ----------------------------------


def return_to(client, order, redirect_status, payment=None):
    query = {"redirect_status": redirect_status}
    if payment is not None:
        query |= {
            "payment_intent": payment.payment_intent_id,
            "payment_intent_client_secret": payment.client_secret,
        }
    return client.get(reverse("web:order", args=[order.token]), query)


@pytest.mark.django_db
def test_returning_with_succeeded_never_marks_the_order_paid(client, stripe_settings):
    """Only the signed webhook (or a server-side retrieve) pays an order: a
    redirect_status in the address is words, not proof."""
    order, payment = place_order()

    response = return_to(client, order, "succeeded", payment)

    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    html = response.text
    assert "支付处理中" in html
    assert '<meta http-equiv="refresh"' in html  # waits for the webhook
    assert 'id="redirect-status"' not in html


@pytest.mark.django_db
def test_returning_with_failed_says_so_in_both_languages(client, stripe_settings):
    order, payment = place_order()

    html = return_to(client, order, "failed", payment).text

    assert "付款未成功，请重试或换一种支付方式。" in html
    assert "The payment did not go through." in html
    assert '<meta http-equiv="refresh"' not in html
    assert reverse("web:order-pay", args=[order.token]) in html
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID


@pytest.mark.django_db
def test_returning_with_canceled_says_so_in_both_languages(client, stripe_settings):
    order, payment = place_order()

    html = return_to(client, order, "canceled", payment).text

    assert "您已取消付款，未扣款。" in html
    assert "You cancelled the payment. Nothing was charged." in html
    assert reverse("web:order-pay", args=[order.token]) in html


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "paid", "<script>", "FAILED"])
def test_an_unknown_redirect_status_is_ignored(client, stripe_settings, value):
    order, _ = place_order()

    html = return_to(client, order, value).text

    assert 'id="redirect-status"' not in html
    assert "<script>" not in html.split("</header>")[1].split("<footer")[0]


@pytest.mark.django_db
def test_a_paid_order_ignores_a_stale_failed_redirect(client, stripe_settings):
    from tests.shop_helpers import paid_order

    order = paid_order(client)

    html = return_to(client, order, "failed").text

    assert "已支付" in html and 'id="redirect-status"' not in html


# --- the PAYMENT_METHODS setting ------------------------------------------------


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "PAYMENT_METHODS"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(','.join(settings.PAYMENT_METHODS))",
        ],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_payment_methods_default_to_card_alipay_and_wechat_pay():
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "card,alipay,wechat_pay"


@pytest.mark.parametrize(
    "value", ["card,paypal", "alipay,wechat_pay", "unionpay", " , "]
)
def test_payment_methods_refuses_unknown_types_or_no_card(value):
    result = _load_settings(PAYMENT_METHODS=value)
    assert result.returncode != 0
    assert "PAYMENT_METHODS=" in result.stderr


def test_payment_methods_can_be_cards_only():
    result = _load_settings(PAYMENT_METHODS=" Card ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "card"


def test_the_old_setting_name_stops_the_start_with_its_new_name():
    result = _load_settings(STRIPE_EXTRA_PAYMENT_METHODS="alipay")
    assert result.returncode != 0
    assert "replaced by PAYMENT_METHODS" in result.stderr
