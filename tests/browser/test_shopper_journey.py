"""A shopper's whole journey on a 390 px phone, nothing mocked: sign up with
an email address and a password, open the verification link from the mail
the shop sent and confirm it, sign in, buy two packs with Alipay through the
Stripe stand-in, find the paid order in 我的订单, and ask for one pack's money
back before the parcel ships (不想要了, refund only). The workshop's manager
signs in on a phone of their own (a second browser context) and approves it
at /workshop/aftersales/. The refund goes through the stand-in; the shopper
sees it on the order; the revenue ledger takes it back from the split that
the payment posted under the brand's share agreement, and `ledger_check`
passes. Every page fits the phone's width and raises no CSP violation."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Sum

from brands.models import Role
from revenue.models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    Share,
    ShareRole,
)
from storefront.aftersales.models import AfterSalesRequest, Kind, Reason, Status
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.browser.test_csp import watched_phone
from tests.browser.test_shopping_path import ARTIFACTS
from tests.browser.test_wallet_checkout import make_shop, pay_on_a_phone
from tests.factories import grant, make_user
from tests.revenue.ledger_builders import make_agreement

EMAIL = "haibian.xiaoming@example.cn"
PASSWORD = "海边的村子-2026-good"
MANAGER = "dongmen-aftersales"
MANAGER_PASSWORD = "correct horse battery staple"  # make_user's
UNIT_FEN = 3580
VERIFY_LINK = re.compile(r"https?://\S+/accounts/verify/\S+/")

# Reported by every top-level page the phone loads (its own document, once
# loaded and laid out): the URL, scrollWidth and innerWidth.
REPORT_WIDTH = """
if (window.top === window) {
  window.addEventListener('load', () => requestAnimationFrame(() => {
    if (window.__reportWidth) {
      window.__reportWidth(
        location.href, document.documentElement.scrollWidth, window.innerWidth);
    }
  }));
}
"""


def measure_widths(page) -> list[tuple[str, int, int]]:
    """Every page this phone loads from now on reports its widths here."""
    widths: list[tuple[str, int, int]] = []
    page.context.expose_function(
        "__reportWidth", lambda url, scroll, inner: widths.append((url, scroll, inner))
    )
    page.context.add_init_script(REPORT_WIDTH)
    return widths


def settled(page, what: str, shot: str | None = None) -> None:
    """The page as it stands now fits 390 px; its CSP events are collected;
    optionally a screenshot."""
    page.wait_for_load_state("networkidle")
    scroll, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner == 390, what
    assert scroll <= inner, f"{what} ({page.url}): {scroll} px > {inner} px"
    page.collect()
    if shot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"journey-{shot}.png"), full_page=True)


def sign_in(page, base, username, password, then):
    page.goto(f"{base}{then}")
    page.wait_for_url("**/accounts/login/**")
    settled(page, "sign-in page")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{then}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_up_verify_buy_ask_a_refund_and_the_workshop_approves_it(
    live_server, stripe_with_webhooks
):
    product = make_shop()
    operator = make_user("journey-operator", staff=True)
    agreement = make_agreement(operator, brand=product.brand)
    manager = make_user(MANAGER)
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    base = live_server.url
    mail.outbox.clear()

    # The shopper's phone: sign up, verify, buy, ask for a refund.
    with watched_phone() as (page, seen):
        widths = measure_widths(page)

        page.goto(f"{base}/accounts/signup/")
        settled(page, "sign-up page", "signup")
        page.fill("#id_email", EMAIL)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="注册").click()
        page.wait_for_url("**/accounts/signup/done/")
        settled(page, "check your email")

        sent = [m for m in mail.outbox if EMAIL in m.to]
        assert len(sent) == 1, [m.subject for m in mail.outbox]
        link = VERIFY_LINK.search(sent[0].body)
        assert link and link[0].startswith(base + "/"), sent[0].body
        page.goto(link[0])
        settled(page, "verify page", "verify")
        assert EMAIL in page.locator("main").inner_text()
        page.get_by_role("button", name="确认验证").click()
        page.locator("h1", has_text="邮箱已验证").wait_for()
        settled(page, "verified")

        sign_in(page, base, EMAIL, PASSWORD, "/account/")
        settled(page, "my account")

        pay_on_a_phone(
            page,
            base,
            product,
            button="pay-alipay",
            title="支付宝 Alipay",
            screenshot="journey-alipay",
            email=EMAIL,
        )
        order_url = page.url.split("?")[0]

        page.goto(f"{base}/account/orders/")
        card = page.locator("article.account-order")
        card.first.wait_for()
        assert card.count() == 1
        assert "已支付" in card.inner_text()
        settled(page, "my orders, paid", "orders-paid")

        card.get_by_role("link", name="订单详情").click()
        page.wait_for_url(order_url)
        settled(page, "order page")
        page.get_by_role("link", name="申请售后").click()
        page.wait_for_url("**/aftersales/")
        settled(page, "after-sales form", "aftersales-form")
        page.locator("input[name^='line-']").fill("1")
        page.select_option("select[name=reason]", label="不想要了 changed my mind")
        page.select_option("select[name=kind]", label="仅退款 refund only")
        page.fill("textarea[name=message]", "拍多了一包 ordered one pack too many")
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_url(f"{order_url}#aftersales-*")
        asked = page.locator(".aftersales")
        assert "待处理 requested" in asked.inner_text()
        assert "¥35.80" in asked.inner_text()
        settled(page, "order with the request", "aftersales-requested")
    shopper_widths, shopper_seen = widths, seen

    # The workshop's manager, on a phone of their own.
    with watched_phone() as (page, seen):
        widths = measure_widths(page)
        sign_in(page, base, MANAGER, MANAGER_PASSWORD, "/workshop/aftersales/")
        settled(page, "workshop after-sales", "workshop-aftersales")
        request = page.locator("article.aftersales-requested")
        assert request.count() == 1
        assert "不想要了" in request.inner_text()
        request.get_by_role("link").first.click()
        page.wait_for_url("**/workshop/aftersales/*/")
        settled(page, "workshop after-sales request")
        page.get_by_role("button", name="同意并退款").click()
        page.locator(".aftersales-status", has_text="已退款").wait_for()
        settled(page, "refunded request", "workshop-refunded")
    manager_widths, manager_seen = widths, seen

    # The shopper comes back to 我的订单.
    with watched_phone() as (page, seen):
        widths = measure_widths(page)
        sign_in(page, base, EMAIL, PASSWORD, "/account/orders/")
        card = page.locator("article.account-order")
        text = card.inner_text()
        assert "部分退款" in text and "已退 Refunded ¥35.80" in text
        assert "已退款 refunded" in text
        settled(page, "my orders, refunded", "orders-refunded")
        page.goto(order_url)
        totals = page.locator("dl.totals").inner_text()
        assert "已退款" in totals and "¥35.80" in totals
        steps = page.locator(".aftersales-steps").inner_text()
        assert "已退款" in steps
        settled(page, "order page, refunded", "order-refunded")
    back_widths, back_seen = widths, seen

    # Every page fitted and raised no CSP violation.
    assert shopper_seen == manager_seen == back_seen == []
    for url, scroll, inner in shopper_widths + manager_widths + back_widths:
        assert scroll <= inner == 390, f"{url}: {scroll} px > {inner} px"
    loaded = {re.sub(r"^https?://[^/]+", "", url) for url, *_ in shopper_widths}
    for path in ("/accounts/signup/", "/cart/", "/checkout/", "/account/orders/"):
        assert path in loaded, sorted(loaded)

    # The account, verified, owns the order; Alipay paid it.
    order = Order.objects.get()
    assert order.user.email == EMAIL
    assert order.user.profile.email_verified
    payment = Payment.objects.get(order=order, status=PaymentStatus.SUCCEEDED)
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    method = gateway.client().v1.payment_methods.retrieve(intent.payment_method)
    assert method.type == "alipay"
    assert order.paid_fen == order.total_fen == 2 * UNIT_FEN + order.shipping_fen

    # The request, approved by the manager, refunded one pack through the
    # stand-in.
    aftersales = AfterSalesRequest.objects.get()
    assert (aftersales.kind, aftersales.reason) == (
        Kind.REFUND_ONLY,
        Reason.CHANGED_MIND,
    )
    assert aftersales.before_shipping and not aftersales.includes_shipping
    assert aftersales.status == Status.REFUNDED
    assert aftersales.decided_by == manager
    refund = Refund.objects.get()
    assert aftersales.refund == refund
    assert (refund.amount_fen, refund.status) == (UNIT_FEN, RefundStatus.SUCCEEDED)
    assert refund.payment == payment and refund.created_by == manager
    at_stripe = gateway.client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert (at_stripe.amount, at_stripe.payment_intent) == (
        UNIT_FEN,
        payment.payment_intent_id,
    )
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_fen == UNIT_FEN
    assert order.lines.get().quantity_restocked == 1

    # The ledger: the sale split (under the brand's agreement) and its
    # reversal, netting to what is still paid.
    sale = JournalEntry.objects.get(order=order, kind=EntryKind.SALE)
    reversal = JournalEntry.objects.get(
        order=order, kind=EntryKind.REFUND, refund=refund
    )
    sale_shares = Share.objects.filter(entry=sale).exclude(role=ShareRole.FEE)
    assert sale_shares.aggregate(s=Sum("amount_fen"))["s"] == order.paid_fen
    assert {ShareRole.WORKSHOP, ShareRole.VILLAGE, ShareRole.BRAND} <= set(
        sale_shares.values_list("role", flat=True)
    )
    assert set(
        sale_shares.exclude(role=ShareRole.SHIPPING).values_list(
            "agreement_id", flat=True
        )
    ) == {agreement.pk}
    assert reversal.shares.aggregate(s=Sum("amount_fen"))["s"] == -UNIT_FEN
    # The money leaves the clearing account; what the platform owes the
    # parties (their payables) shrinks by as much.
    lines = dict(
        JournalLine.objects.filter(entry=reversal)
        .values_list("account__kind")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    assert lines == {AccountKind.CLEARING: -UNIT_FEN, AccountKind.PAYABLE: UNIT_FEN}
    assert reversal.lines.count() >= 2
    held = (
        Share.objects.filter(order=order)
        .exclude(role=ShareRole.FEE)
        .aggregate(s=Sum("amount_fen"))["s"]
    )
    assert held == order.paid_fen - order.refunded_fen == order.total_fen - UNIT_FEN

    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "账本检查通过 / ledger check passed" in out.getvalue()
    assert "1 笔退款 refunds" in out.getvalue()
