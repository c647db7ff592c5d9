"""A phone pays with Alipay, and another with WeChat Pay, through the Stripe
stand-in's pages at 390 px: the pay page's button → Stripe.js (the stand-in's)
confirms and leaves for the authorise page → 授权付款 → back to the order page
with redirect_status, which shows 已支付 once the signed webhook has arrived.
And a desktop pays with WeChat Pay's QR code, scanned on the stand-in's page.
Nothing is mocked; no page raises a Content-Security-Policy violation."""

import shutil
import tempfile

import pytest

from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, StripeEvent
from tests.browser.buying import checkout_to_pay_page
from tests.browser.test_csp import LISTEN, watched_phone
from tests.browser.test_shopping_path import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_chromium,
)
from tests.factories import make_brand, make_product, make_workshop

APPROVE = "授权付款 Authorize test payment"


def make_shop():
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    return make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )


def assert_paid_by_webhook(method_type):
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.paid_fen == order.total_fen
    payment = Payment.objects.get(order=order)
    assert (
        StripeEvent.objects.filter(
            payment_intent_id=payment.payment_intent_id, type="payment_intent.succeeded"
        ).count()
        == 1
    )
    assert order.events.filter(type=OrderEventType.PAID).count() == 1
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    method = gateway.client().v1.payment_methods.retrieve(intent.payment_method)
    assert method.type == method_type


def pay_on_a_phone(
    page, base, product, *, button, title, screenshot, email="m@example.cn"
):
    page.goto(f"{base}/products/{product.slug}/")
    checkout_to_pay_page(page, base, product_name="东门虾皮", email=email)
    page.wait_for_function(f"() => !document.getElementById('{button}').disabled")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.collect()
    page.click(f"#{button}")

    page.wait_for_url("**/_stand_in/authorize/*")
    assert title in page.locator("h1").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{screenshot}-authorise.png"))
    page.get_by_role("button", name=APPROVE).click()

    page.wait_for_url("**/orders/*/?*redirect_status=succeeded*")
    page.locator(".order-status", has_text="已支付").wait_for(timeout=20_000)
    page.collect()
    page.screenshot(path=str(ARTIFACTS / f"{screenshot}-paid.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pay_with_alipay_on_a_phone(live_server, stripe_with_webhooks):
    product = make_shop()

    with watched_phone() as (page, seen):
        pay_on_a_phone(
            page,
            live_server.url,
            product,
            button="pay-alipay",
            title="支付宝 Alipay",
            screenshot="alipay-390px",
        )

    assert_paid_by_webhook("alipay")
    assert seen == []


# Stripe's WeChat Pay takes `client` web, ios or android: a phone's browser
# gets the QR code too (long-press it in WeChat, or scan it from another
# device); only apps are sent to WeChat.
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 3,
    },
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_pay_with_wechat_pay_qr_code(live_server, stripe_with_webhooks, screen):
    """The QR code shows in the pay page; a second page (the phone that
    scans it) approves; the pay page moves on to the paid order."""
    product = make_shop()
    base = live_server.url
    _require_chromium()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                locale="zh-CN",
                **SCREENS[screen],
            )
            try:
                context.add_init_script(LISTEN)
                page = context.new_page()
                page.goto(f"{base}/products/{product.slug}/")
                checkout_to_pay_page(
                    page, base, product_name="东门虾皮", email="d@example.cn"
                )
                page.wait_for_function(
                    "() => !document.getElementById('pay-wechat').disabled"
                )
                page.click("#pay-wechat")
                dialog = page.locator("#localstripe-wechat-qr")
                dialog.wait_for()
                assert (
                    dialog.locator("img")
                    .get_attribute("src")
                    .startswith("data:image/png;base64,")
                )
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"wechat-pay-qr-{screen}.png"))
                scan_url = dialog.locator("#localstripe-wechat-scan").get_attribute(
                    "href"
                )

                phone = context.new_page()
                phone.goto(scan_url)
                phone.get_by_role("button", name=APPROVE).click()
                phone.locator("#scan-result", has_text="已付款").wait_for()

                page.wait_for_url("**/orders/*/", timeout=15_000)
                page.locator(".order-status", has_text="已支付").wait_for(
                    timeout=20_000
                )
                violations = page.evaluate("window.__csp || []")
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)

    assert_paid_by_webhook("wechat_pay")
    assert violations == []
