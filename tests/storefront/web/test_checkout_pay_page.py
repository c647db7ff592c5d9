"""The pay page: Stripe.js confirms the order's PaymentIntent in the browser.
The page carries the publishable key and the client secret and no other
secret; reloading it never starts a second payment; an order that can no
longer be paid says so instead."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from storefront.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from storefront.payments.models import Payment
from storefront.payments.services import order_cancel_unpaid
from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
)
from tests.shop_helpers import (
    VALID_ADDRESS,
    expire_reservation,
    make_variant,
    paid_order,
    place_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

PAY_JS = Path(django_settings.BASE_DIR) / "storefront/web/static/web/pay.js"


def pay_url(order):
    return reverse("web:order-pay", args=[order.token])


def data_attributes(html) -> dict[str, str]:
    block = re.search(r'<div id="pay"(.*?)>', html, re.S)[1]
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', block))


def test_pay_page_mounts_stripe_with_the_client_secret(client, stripe_settings):
    order, payment = place_order([(make_variant(1280, 5), 2)])

    response = client.get(pay_url(order))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    html = response.content.decode()
    assert data_attributes(html) == {
        "publishable-key": TEST_PUBLISHABLE_KEY,
        "client-secret": payment.client_secret,
        "order-url": reverse("web:order", args=[order.token]),
        "return-url": "http://testserver" + reverse("web:order", args=[order.token]),
        "billing-name": VALID_ADDRESS["recipient_name"],
        "billing-phone": VALID_ADDRESS["phone"],
        "billing-email": "buyer@example.com",
        # Stripe.js speaks the page's language (declined-card messages).
        "locale": "zh",
    }
    assert f'<script src="{stripe_settings.js_url}"></script>' in html
    assert '<script src="/static/web/pay.js"></script>' in html
    assert '<div id="card-element" class="card-element"></div>' in html
    # 2 × ¥12.80 + ¥10 shipping; disabled until pay.js has mounted the card.
    assert (
        '<button id="pay-card" class="button button-primary button-block" '
        'type="submit" disabled>支付 <span class="en" lang="en">Pay</span> '
        "¥35.60</button>" in html
    )
    # Alipay and WeChat Pay are on by default, offered before the card.
    assert html.index('id="pay-alipay"') < html.index('id="pay-wechat"')
    assert html.index('id="pay-wechat"') < html.index('id="card-form"')
    for secret in (
        TEST_SECRET_KEY,
        TEST_WEBHOOK_SECRET,
        payment.payment_intent_id + '"',
    ):
        assert secret not in html


def test_reloading_the_pay_page_never_starts_a_second_payment(client):
    order, payment = place_order()

    secrets = {
        data_attributes(client.get(pay_url(order)).content.decode())["client-secret"]
        for _ in range(3)
    }

    assert secrets == {payment.client_secret}
    assert Payment.objects.filter(order=order).count() == 1
    assert (
        OrderEvent.objects.filter(
            order=order, type=OrderEventType.PAYMENT_STARTED
        ).count()
        == 1
    )


def test_a_paid_order_is_not_offered_for_payment_again(client):
    order = paid_order(client)

    html = client.get(pay_url(order)).content.decode()

    assert (
        "该订单无需支付或已取消 / This order is already paid or was cancelled" in html
    )
    assert 'id="pay"' not in html and "client_secret" not in html
    assert "_secret_" not in html and "js.stripe.com" not in html
    assert f'href="{reverse("web:order", args=[order.token])}"' in html


def test_an_expired_reservation_is_said_instead_of_paying(client):
    order, payment = place_order()
    expire_reservation(order)

    html = client.get(pay_url(order)).content.decode()

    assert (
        "订单超时未付，已过期，请重新下单 / "
        "This order expired before it was paid; please order again" in html
    )
    assert payment.client_secret not in html


def test_a_cancelled_order_cannot_be_paid(client):
    order, payment = place_order()
    order_cancel_unpaid(order=order)

    html = client.get(pay_url(order)).content.decode()

    assert "该订单无需支付或已取消" in html
    assert payment.client_secret not in html
    assert Payment.objects.filter(order=order).count() == 1


def test_alipay_and_wechat_pay_buttons_by_default(client, settings):
    order, _ = place_order()

    html = client.get(pay_url(order)).content.decode()

    assert '<button id="pay-alipay"' in html and "支付宝支付" in html
    assert '<button id="pay-wechat"' in html and "微信支付" in html


def test_only_the_enabled_methods_are_offered(client, settings):
    order, _ = place_order()
    settings.PAYMENT_METHODS = ["wechat_pay", "card"]

    html = client.get(pay_url(order)).content.decode()

    assert "pay-alipay" not in html and '<button id="pay-wechat"' in html


def test_cards_only_offers_no_wallet(client, settings):
    order, _ = place_order()
    settings.PAYMENT_METHODS = ["card"]

    html = client.get(pay_url(order)).content.decode()

    assert "pay-alipay" not in html and "pay-wechat" not in html
    assert '<div id="card-element"' in html


def test_stripe_unreachable_at_checkout_then_paying_later(client, settings):
    """Stripe down after the order was placed: the customer lands on the pay
    page, which says so; reloading once Stripe is back starts the payment."""
    from storefront.checkout.models import Checkout

    variant = make_variant(990, 5)
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})
    working = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: refused at once

    response = client.post(
        reverse("web:checkout"),
        {"email": "a@example.com", **VALID_ADDRESS, "expected_total_fen": "1990"},
    )

    order = Order.objects.get()
    assert response["Location"] == pay_url(order)
    assert not Checkout.objects.exists() and not Payment.objects.exists()
    html = client.get(pay_url(order)).content.decode()
    assert "支付服务暂时无法连接，请稍后重试，您不会被重复扣款" in html
    assert 'id="pay"' not in html

    settings.STRIPE_API_BASE = working
    html = client.get(pay_url(order)).content.decode()
    assert data_attributes(html)["client-secret"] == Payment.objects.get().client_secret
    assert order.status == OrderStatus.UNPAID


def test_no_publishable_key_means_no_payment_form(client, settings):
    order, payment = place_order()
    settings.STRIPE_PUBLISHABLE_KEY = ""

    html = client.get(pay_url(order)).content.decode()

    assert "在线支付暂未开通" in html and payment.client_secret not in html


@pytest.mark.parametrize(
    "path",
    [
        "/orders/00000000-0000-0000-0000-000000000000/pay/",
        "/orders/not-a-token/pay/",
        "/orders/123/pay/",
    ],
)
def test_unknown_or_malformed_tokens_are_not_found(client, path):
    place_order()
    assert client.get(path).status_code == 404


def test_pay_page_is_get_only(client):
    order, _ = place_order()
    assert client.post(pay_url(order)).status_code == 405


def test_pay_js_confirms_as_with_real_stripe():
    """Behaviour is driven in a real browser by the Playwright test; here,
    that the script makes exactly the documented Stripe.js calls."""
    source = PAY_JS.read_text()
    assert "stripe.elements().create('card')" in source
    assert "card.mount('#card-element')" in source
    assert "stripe.confirmCardPayment(data.clientSecret, {" in source
    assert "billing_details: {" in source
    assert "stripe.confirmAlipayPayment(data.clientSecret, {" in source
    assert "return_url: data.returnUrl" in source
    assert "stripe.confirmWechatPayPayment(data.clientSecret, {" in source
    assert "payment_method_options: {wechat_pay: {client: 'web'}}" in source
    assert "if (busy) {" in source  # a second click while paying does nothing
    assert "fetch(" not in source and "XMLHttpRequest" not in source
