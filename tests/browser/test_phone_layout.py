"""At 390 px nothing scrolls sideways: home, product, cart with items,
checkout (also with every field's own error showing), pay and order pages.
The buy bar stays on screen while the product page scrolls, 立即购买 goes
straight to checkout, and Stripe.js is created in Chinese. Nothing is mocked:
a live server, localstripe's Stripe.js and Debian's chromium."""

import pytest

from tests.browser.test_shopping_path import phone_browser
from tests.factories import make_brand, make_product, make_workshop, png_bytes

NO_SIDEWAYS_SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"

# Stripe.js assigns window.Stripe when it loads; wrap it so the test can read
# the options the pay page created it with.
RECORD_STRIPE_OPTIONS = """
(() => {
  let wrapped;
  Object.defineProperty(window, 'Stripe', {
    configurable: true,
    get() { return wrapped; },
    set(original) {
      wrapped = function (key, options) {
        window.__stripeOptions = options || null;
        return original.apply(this, arguments);
      };
      Object.assign(wrapped, original);
    },
  });
})();
"""


def assert_fits(page, what):
    scroll_width, inner_width = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert inner_width == 390, what
    assert scroll_width <= inner_width, f"{what}: {scroll_width} px > {inner_width} px"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_at_390_px(live_server, stripe_with_webhooks):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand,
        workshop=workshop,
        name="东门虾皮（特级淡干，一级品，东海野生小虾皮 500 克装）",
        variants=((3580, 10), (5980, 10)),
        is_featured=True,
        description="<p>" + "东海野生虾皮，" * 80 + "</p>",
    )
    from storefront.catalog import services

    services.product_image_add(
        product=product, data=png_bytes((1200, 900), (30, 120, 160)), alt="虾皮"
    )
    base = live_server.url

    with phone_browser() as page:
        page.add_init_script(RECORD_STRIPE_OPTIONS)
        page.goto(base + "/")
        assert_fits(page, "home")

        page.goto(f"{base}/products/{product.slug}/")
        assert_fits(page, "product")
        _buy_bar_stays_on_screen(page)

        page.fill("#add-quantity", "2")
        page.get_by_role("button", name="加入购物车").click()
        page.wait_for_url("**/cart/")
        assert page.locator(".cart-count").inner_text().startswith("2")
        assert_fits(page, "cart with items")

        page.goto(f"{base}/products/{product.slug}/")
        page.get_by_role("button", name="立即购买").click()
        page.wait_for_url("**/checkout/")
        assert page.locator(".cart-count").inner_text().startswith("3")
        assert_fits(page, "checkout")
        note = page.locator("#id_note").bounding_box()
        assert note["x"] >= 0 and note["x"] + note["width"] <= 390

        # Placed with every field empty: each field its own message, still fitting.
        page.get_by_role("button", name="提交订单").click()
        page.wait_for_load_state()
        assert page.locator(".field-error").count() == 7  # email + 6 address
        assert (
            page.locator("#id_city_error")
            .inner_text()
            .startswith("请填写完整的收货地址：城市")
        )
        assert_fits(page, "checkout with errors")

        page.fill("#id_email", "buyer@example.com")
        page.fill("#id_recipient_name", "王小明")
        page.fill("#id_phone", "138 0013 8000")
        page.select_option("#id_province", "浙江省")
        page.fill("#id_city", "舟山市")
        page.fill("#id_district", "嵊泗县")
        page.fill("#id_street_address", "菜园镇渔港路 1 号")
        page.fill("#id_note", "请放门卫室，" * 30)
        page.get_by_role("button", name="提交订单").click()
        page.wait_for_url("**/pay/")
        page.wait_for_function("() => !document.getElementById('pay-card').disabled")
        assert_fits(page, "pay")
        assert page.evaluate("() => window.__stripeOptions") == {"locale": "zh"}

        page.locator(".pay-page a", has_text="查看订单").last.click()
        page.wait_for_url("**/orders/*/")
        assert_fits(page, "order")

        page.goto(f"{base}/accounts/login/")
        assert_fits(page, "sign in")


def _buy_bar_stays_on_screen(page):
    bar = page.locator(".buy-bar")
    page.mouse.wheel(0, 4000)
    page.wait_for_function("() => window.scrollY > 300")
    box = bar.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844 + 0.5
    for name in ("加入购物车", "立即购买"):
        button = page.get_by_role("button", name=name).bounding_box()
        assert 0 <= button["x"] and button["x"] + button["width"] <= 390
        assert button["y"] + button["height"] <= 844 + 0.5
    page.evaluate("() => window.scrollTo(0, 0)")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_fit_at_390_px_in_english(live_server, stripe_with_webhooks):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    base = live_server.url

    with phone_browser() as page:
        page.goto(f"{base}/language/en/?next=/products/{product.slug}/")
        assert_fits(page, "product in English")
        page.get_by_role("button", name="Buy now").click()
        page.wait_for_url("**/checkout/")
        assert_fits(page, "checkout in English")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_account_pages_fit_at_390_px(live_server):
    """Sign-up, sign-in and password reset; then signed in: the profile, 我的订单
    with a shipped parcel (carrier and tracking link) and an after-sales
    request, an order's page reached from it, the address book with a saved
    address and the add form, and the after-sales request form."""
    from django.utils import timezone

    from storefront.accounts import addresses as book
    from storefront.accounts.models import Profile
    from tests.factories import make_user
    from tests.shop_helpers import VALID_ADDRESS
    from tests.storefront.web.shopper_orders import make_shopper_orders

    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊（象山县黄避岙乡）")
    product = make_product(
        brand=brand,
        workshop=workshop,
        name="东门虾皮（特级淡干，一级品，东海野生小虾皮 500 克装）",
        variants=((3580, 10),),
    )
    user = make_user(
        "phone-shopper",
        email="a.rather.long.address.for.a.phone@example-village-shop.cn",
        first_name="王小明",
    )
    Profile.objects.update_or_create(
        user=user,
        defaults={"email_verified_at": timezone.now(), "mobile": "13800138000"},
    )
    book.address_create(
        user=user,
        data={
            **VALID_ADDRESS,
            "street_address": "菜园镇渔港路东段渔民新村二期 12 幢 3 单元 1201 室" * 2,
        },
    )
    shipped, pending = make_shopper_orders(user, [product.variants.get()], 2)
    tracking = shipped.fulfillments.get().tracking_number
    shipped_pk = shipped.pk
    form_url = (
        f"/orders/{pending.token}/parcels/{pending.fulfillments.get().pk}/aftersales/"
    )
    base = live_server.url

    with phone_browser() as page:
        for path, what in (
            ("/accounts/signup/", "sign up"),
            ("/accounts/login/", "sign in"),
            ("/accounts/password/reset/", "password reset"),
        ):
            page.goto(base + path)
            assert_fits(page, what)

        page.goto(f"{base}/accounts/login/?next=/account/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", "correct horse battery staple")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/account/")
        assert_fits(page, "profile")

        page.goto(f"{base}/account/orders/")
        assert page.locator(f"text={tracking}").count()
        card = page.locator(f"#order-{shipped_pk}")
        assert card.locator("li", has_text="After-sales").count() == 1
        page.evaluate(
            "() => document.querySelectorAll('details').forEach(d => d.open = true)"
        )
        assert_fits(page, "my orders, timelines open")

        card.locator("a", has_text="订单详情").click()
        page.wait_for_url("**/orders/*/")
        assert_fits(page, "an order from my orders")

        page.goto(f"{base}/account/addresses/")
        assert page.locator("#id_street_address").count() == 1  # the add form
        assert "渔民新村" in page.content()
        assert_fits(page, "address book")

        for path, what in (
            ("/account/password/", "password change"),
            ("/account/delete/", "account deletion"),
        ):
            page.goto(base + path)
            assert_fits(page, what)

        page.goto(base + form_url)
        assert page.locator("form.aftersales-form").count() == 1
        assert_fits(page, "after-sales request form")


CELLS_ON_SCREEN = """() => Array.from(document.querySelectorAll('.host-table td'))
  .map(td => { const r = td.getBoundingClientRect(); return [r.left, r.right]; })"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_host_dashboard_is_cards_on_a_phone_and_a_table_on_a_desktop(
    live_server,
):
    """Every order's commission (pending, paid, reversed), the GMV and the
    commission per link are on screen at 390 px — cards, nothing scrolled
    off to the right — and a table again at desktop width. My links (with
    its QR codes, copy buttons and posters) and a brand operator's header
    fit too."""
    from revenue.models import Party
    from tests.revenue.ledger_builders import (
        book_refund,
        give_bank_accounts,
        pay_out,
    )
    from tests.storefront.links.host_builders import (
        credited_order,
        days_ago,
        make_world,
        product_link,
    )

    world = make_world()
    link = product_link(world.host, world.product, label="朋友圈长长的推广标签" * 3)
    first = credited_order(world, link, 1288800, day=days_ago(3))
    credited_order(world, link, 999900, day=days_ago(2))
    give_bank_accounts([Party.objects.get(host=world.host)])
    pay_out(world.operator)
    book_refund(first, 400000)
    credited_order(world, link, 6000, day=days_ago(1))
    base = live_server.url

    with phone_browser() as page:
        page.goto(f"{base}/accounts/login/?next=/host/dashboard/")
        page.fill("#id_username", world.host.username)
        page.fill("#id_password", "correct horse battery staple")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/host/dashboard/")
        assert_fits(page, "host dashboard")
        assert page.locator("#money-orders tbody tr").count() == 3
        cells = page.evaluate(CELLS_ON_SCREEN)
        assert cells, "no figures shown"
        for left, right in cells:
            assert 0 <= left and right <= 390, f"a figure off screen: {left}–{right}"
        # Cards: the column headings are hidden, each cell says what it is.
        assert not page.locator("#money-orders thead").is_visible() or (
            page.locator("#money-orders thead").bounding_box()["width"] <= 1
        )
        label = page.evaluate(
            """() => getComputedStyle(document.querySelector(
              '#money-orders td[data-label]'), '::before').content"""
        )
        assert "Pending" in label or "State" in label or "Earned" in label

        page.set_viewport_size({"width": 1280, "height": 900})
        display = page.evaluate(
            """() => getComputedStyle(document.querySelector(
              '#money-orders td[data-label]')).display"""
        )
        assert display == "table-cell"
        assert page.locator("#money-orders thead").is_visible()
        page.set_viewport_size({"width": 390, "height": 844})

        page.goto(f"{base}/host/links/")
        assert page.locator(".share-box img.share-qr").count() == 1
        # share.js shows the copy button (hidden without JavaScript).
        assert page.locator("[data-copy-text]").first.is_visible()
        assert_fits(page, "my links with the share box")

        page.goto(f"{base}/products/{world.product.slug}/")
        assert_fits(page, "product with the share box")

    with phone_browser() as page:
        page.goto(f"{base}/accounts/login/?next=/")
        page.fill("#id_username", world.brand_operator.username)
        page.fill("#id_password", "correct horse battery staple")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        assert page.locator('[data-nav="host-applications"]').count() == 1
        assert_fits(page, "a brand operator's header")
