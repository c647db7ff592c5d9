"""A person on a phone buys a product with the test card: product page → cart
→ checkout → pay through localstripe's Stripe.js → the order page shows
"paid" once Stripe's webhook has arrived. Nothing is mocked: the shop runs in
a live server, localstripe is a real process that confirms the card and sends
the signed webhook back to the shop."""

import pytest

from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.payments.models import Payment, StripeEvent
from tests.browser.test_shopping_path import ARTIFACTS, phone_browser
from tests.factories import make_brand, make_product, make_workshop
from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    start_localstripe,
)


@pytest.fixture
def stripe_with_webhooks(live_server, settings):
    """A localstripe of this test's own, sending its webhooks to the live
    server (a shared one would keep posting to a server that has gone)."""
    server = start_localstripe(
        webhook_url=live_server.url + "/payments/stripe/webhook/",
        webhook_secret=TEST_WEBHOOK_SECRET,
    )
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = TEST_PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = server.js_url
    settings.SITE_URL = live_server.url
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_with_the_test_card_and_see_the_order_paid(
    live_server, stripe_with_webhooks
):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    variant = product.variants.get()

    with phone_browser() as page:
        _buy(page, live_server.url, product)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.total_fen == 2 * 3580 + workshop.shipping_fen_for(2 * 3580)
    assert order.paid_fen == order.total_fen
    payment = Payment.objects.get(order=order)
    assert payment.status == "succeeded"
    # The webhook, not the browser's redirect, marked it paid.
    assert StripeEvent.objects.filter(
        payment_intent_id=payment.payment_intent_id, type="payment_intent.succeeded"
    ).exists()
    assert order.events.filter(type=OrderEventType.PAID).count() == 1
    variant.stock.refresh_from_db()
    assert (variant.stock.quantity, variant.stock.quantity_allocated) == (10, 2)


def _buy(page, base_url, product):
    page.goto(f"{base_url}/products/{product.slug}/")
    page.fill("#add-quantity", "2")
    page.get_by_role("button", name="加入购物车").click()
    page.goto(f"{base_url}/cart/")
    assert "东门虾皮" in page.locator("body").inner_text()
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url("**/checkout/")

    page.fill("#id_email", "buyer@example.com")
    page.fill("#id_recipient_name", "王小明")
    page.fill("#id_phone", "138 0013 8000")
    page.select_option("#id_province", "浙江省")
    page.fill("#id_city", "舟山市")
    page.fill("#id_district", "嵊泗县")
    page.fill("#id_street_address", "菜园镇渔港路 1 号")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url("**/pay/")

    pay = page.locator("#pay-card")
    pay.wait_for(state="visible")
    page.wait_for_function("() => !document.getElementById('pay-card').disabled")
    page.fill("input[placeholder=number]", "4242424242424242")
    page.fill("input[placeholder=exp_month]", "12")
    page.fill("input[placeholder=exp_year]", "30")
    page.fill("input[placeholder=cvc]", "123")
    page.fill("input[placeholder=postal_code]", "202450")
    pay.click()
    page.wait_for_url("**/orders/*/", timeout=15_000)

    # "Processing" until localstripe's webhook lands (it waits ~1 s), then
    # the page, refreshing itself, says paid.
    page.locator(".order-status", has_text="已支付").wait_for(timeout=20_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "order-paid-390px.png"), full_page=True)
