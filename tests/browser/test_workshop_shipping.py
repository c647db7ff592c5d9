"""A workshop manager on a phone ships a new paid order: sign in → the order
is on /workshop/orders/ → its 100 × 150 mm label page with the QR code →
ship it with a tracking number → the customer's order page shows the carrier,
the number and the tracking link. The order is paid through localstripe and
its signed webhook before the browser opens (tests/shop_helpers.py)."""

import pytest

from brands.models import Role
from storefront.orders.models import FulfillmentStatus
from tests.browser.test_shopping_path import ARTIFACTS, phone_browser
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, order_page_url, paid_order

PASSWORD = "correct horse battery staple"
SF = "SF1234567890123"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_ships_a_paid_order_on_a_phone(
    live_server, settings, stripe_settings, client
):
    settings.SITE_URL = live_server.url
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门海鲜工坊")
    manager = make_user("dongmen-shipper")
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    variant = make_variant(3580, 10, workshop=workshop, brand=brand, name="东门虾皮")
    order = paid_order(client, [(variant, 2)], note="请放门卫室")

    with phone_browser() as page:
        base = live_server.url
        page.goto(base + "/workshop/orders/")
        page.wait_for_url(lambda url: "/accounts/login/" in url)
        page.fill("#id_username", "dongmen-shipper")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/workshop/orders/")

        parcel = page.locator(f"article[data-order='{order.number}']")
        text = parcel.inner_text()
        assert "东门虾皮" in text and "× 2" in text and "请放门卫室" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "workshop-orders-390px.png"))

        label_url = parcel.get_by_role("link", name="面单").get_attribute("href")
        page.goto(base + label_url)
        label = page.locator(f"section.label[data-order='{order.number}']")
        assert "王小明" in label.inner_text()
        assert page.locator(".label-qr svg").count() == 1
        page.screenshot(path=str(ARTIFACTS / "workshop-label.png"))

        page.goto(base + "/workshop/orders/")
        page.locator(f"article[data-order='{order.number}']").get_by_role(
            "link", name="发货"
        ).click()
        page.wait_for_url("**/ship/")
        page.select_option("#ship-carrier", "sf")
        page.fill("#ship-number", SF)
        page.get_by_role("button", name="确认发货").click()
        page.wait_for_url("**/workshop/orders/**")
        assert "已发货" in page.locator(".portal-messages").inner_text()

        page.goto(base + order_page_url(order))
        tracking = page.locator(".parcel-tracking")
        assert SF in tracking.inner_text()
        href = tracking.locator("a.tracking-link").get_attribute("href")
        assert "sf-express.com" in href and SF in href
        page.screenshot(
            path=str(ARTIFACTS / "order-tracking-390px.png"), full_page=True
        )

    parcel = order.fulfillments.get()
    assert (parcel.status, parcel.tracking_number) == (FulfillmentStatus.SHIPPED, SF)
