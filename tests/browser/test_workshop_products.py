"""A workshop manager on a phone (390 px) changes stock and price on
/workshop/products/ and sees the change in the product's history."""

import pytest

from brands.models import Role
from storefront.catalog.models import Stock
from tests.browser.test_shopping_path import ARTIFACTS, phone_browser
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

PASSWORD = "correct horse battery staple"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_sets_stock_and_price_on_a_phone(live_server, settings):
    settings.SITE_URL = live_server.url
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门海鲜工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    variant = product.variants.get()
    manager = make_user("dongmen-stock")
    grant(manager, Role.WORKSHOP_MANAGER, workshop)

    with phone_browser() as page:
        base = live_server.url
        page.goto(base + "/workshop/products/")
        page.wait_for_url(lambda url: "/accounts/login/" in url)
        page.fill("#id_username", "dongmen-stock")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/workshop/products/")
        assert "东门虾皮" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "workshop-products-390px.png"))

        card = page.locator(f"#product-{product.pk}")
        card.locator("input[name=delta]").fill("5")
        card.get_by_role("button", name="调整 Adjust").click()
        page.wait_for_load_state()
        assert "库存已更新" in page.inner_text("main")

        card = page.locator(f"#product-{product.pk}")
        card.locator("input[name=price]").fill("0,50")
        card.get_by_role("button", name="改价 Save price").click()
        page.wait_for_load_state()
        assert "逗号只能用作千位分隔符" in page.inner_text("main")

        page.locator(f"#product-{product.pk} h2 a").click()
        page.wait_for_url(f"**/workshop/products/{product.pk}/**")
        history = page.inner_text(".wp-history")
        assert "dongmen-stock" in history and "10 → 15" in history

    assert Stock.objects.get(variant=variant).quantity == 15
    variant.refresh_from_db()
    assert variant.price_fen == 3580
