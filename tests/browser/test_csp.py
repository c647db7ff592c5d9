"""Under the Content-Security-Policy nothing on the key pages is refused:
chromium reports no violation (no `securitypolicyviolation` event, no console
message about the policy) while a phone signs in, buys with the test card
through localstripe's Stripe.js, opens the import page, a live page, the
statements and the admin. And the policy does bite: a script injected into a
page is refused and reported."""

from contextlib import contextmanager

import pytest

from brands.models import Role
from storefront.orders.models import Order, OrderStatus
from tests.browser.buying import buy_from_product_page
from tests.browser.test_shopping_path import phone_browser
from tests.factories import (
    grant,
    make_brand,
    make_product,
    make_user,
    make_workshop,
)
from tests.storefront.links.live_world import make_world

PASSWORD = "correct horse battery staple"

# Playwright's init scripts run outside the page's policy, so this listener
# is in place before the page's own scripts run.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


@contextmanager
def watched_phone():
    """A phone page, and the list of CSP violations seen on any page it has
    opened so far (events are collected before each navigation)."""
    with phone_browser() as page:
        seen: list[str] = []
        page.context.add_init_script(LISTEN)

        def console(message):
            text = message.text
            if "Content Security Policy" in text or text.startswith("Refused to"):
                seen.append(f"{page.url}: {text}")

        def collect(_frame=None):
            try:
                seen.extend(
                    f"{page.url}: {v}" for v in page.evaluate("window.__csp || []")
                )
            except Exception:  # noqa: BLE001 - the page is mid-navigation
                pass

        page.on("console", console)
        page.collect = collect
        yield page, seen


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.collect()


def sign_in(page, base_url, username, then):
    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{then}")
    page.wait_for_load_state("networkidle")
    page.collect()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buying_with_stripe_js_raises_no_violation(live_server, stripe_with_webhooks):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    base = live_server.url

    with watched_phone() as (page, seen):
        for url in ("/", f"/brands/{brand.slug}/", "/search/?q=虾皮"):
            visit(page, base + url)
        visit(page, f"{base}/products/{product.slug}/")
        buy_from_product_page(
            page,
            base,
            product_name="东门虾皮",
            screenshot="csp-order-paid-phone.png",
            email="csp@example.cn",
        )
        page.collect()
        for url in ("/accounts/login/", "/accounts/password/reset/", "/cart/"):
            visit(page, base + url)

    assert Order.objects.get().status == OrderStatus.PAID
    assert seen == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signed_in_pages_raise_no_violation(live_server, settings):
    settings.SITE_URL = live_server.url
    world = make_world()
    workshop = world.products[0].workshop
    manager = make_user("csp-manager")
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    make_user("csp-root", staff=True, is_superuser=True)
    base = live_server.url
    session = world.session.pk

    with watched_phone() as (page, seen):
        visit(page, f"{base}/live/{session}/")
        sign_in(page, base, "csp-manager", "/workshop/import/")
        visit(page, f"{base}/revenue/statements/")
        page.context.clear_cookies()

        sign_in(page, base, world.host.username, f"/host/live/{session}/")
        page.context.clear_cookies()

        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "csp-root")
        page.fill("#id_password", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url(f"{base}/admin/")
        page.collect()
        for url in (
            "/admin/axes/accessattempt/",
            "/admin/orders/order/",
            "/admin/catalog/product/",
        ):
            visit(page, base + url)

    assert seen == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_is_refused_and_reported(live_server):
    with watched_phone() as (page, seen):
        visit(page, live_server.url + "/")
        ran = page.evaluate(
            """() => {
              window.__ran = false;
              const s = document.createElement('script');
              s.textContent = 'window.__ran = true';
              document.body.appendChild(s);
              return new Promise((r) => setTimeout(() => r(window.__ran), 300));
            }"""
        )
        page.collect()

    assert ran is False
    # Both witnesses saw it: the event and chromium's console message.
    assert any("blocked inline" in line for line in seen), seen
    assert any("violates the following Content Security Policy" in s for s in seen)
