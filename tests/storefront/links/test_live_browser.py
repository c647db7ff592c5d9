"""On a phone, a viewer's live page follows the host: when the host pins
another product in the console (another tab), the viewer's page shows it
without reloading (links/live.js polling state.json)."""

import pytest

from storefront.catalog import services as catalog_services
from storefront.links import services
from tests.browser.test_shopping_path import ARTIFACTS, phone_browser
from tests.factories import png_bytes
from tests.storefront.links.live_world import make_world

PASSWORD = "correct horse battery staple"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_live_page_follows_the_host_without_reloading(live_server, settings):
    settings.SITE_URL = live_server.url
    world = make_world()
    first, second = world.products[0], world.products[1]
    session_pk = world.session.pk

    services.live_session_pin(user=world.host, session=world.session, product=first)
    catalog_services.product_image_add(
        product=second, data=png_bytes((800, 800), (30, 120, 160)), alt="活黄鱼"
    )
    username = world.host.username

    with phone_browser() as console:
        # The host signs in first: signing in rotates the CSRF token the
        # viewer tab's buy form (same browser) carries.
        console.goto(f"{live_server.url}/host/live/{session_pk}/")
        console.wait_for_url(lambda url: "/accounts/login/" in url)
        console.fill("#id_username", username)
        console.fill("#id_password", PASSWORD)
        console.get_by_role("button", name="登录").click()
        console.wait_for_url(f"**/host/live/{session_pk}/")

        viewer = console.context.new_page()
        viewer.goto(f"{live_server.url}/live/{session_pk}/")
        pinned_name = viewer.locator("[data-pinned-name]")
        assert pinned_name.inner_text() == first.name
        viewer.evaluate("window.__sameDocument = 'yes'")

        console.bring_to_front()
        row = console.locator(f'.live-product[data-product-id="{second.pk}"]')
        row.get_by_role("button", name="置顶").click()
        console.wait_for_url(f"**/host/live/{session_pk}/")
        assert "已置顶" in console.content()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        console.screenshot(
            path=str(ARTIFACTS / "live-console-phone.png"), full_page=True
        )

        viewer.bring_to_front()
        viewer.wait_for_function(
            "name => document.querySelector('[data-pinned-name]').textContent === name",
            arg=second.name,
            timeout=10_000,
        )
        assert viewer.evaluate("window.__sameDocument") == "yes"
        assert viewer.locator("[data-pinned-price]").inner_text() == "¥13.80"
        variant = viewer.get_attribute("[data-pinned-variant]", "value")
        image = viewer.locator("img[data-pinned-image]")
        assert image.is_visible()
        assert "/products/400/" in image.get_attribute("src")
        assert (
            viewer.evaluate(
                "document.querySelector('img[data-pinned-image]').naturalWidth"
            )
            > 0
        )
        assert (
            viewer.locator(
                f'.live-product.is-pinned[data-product-id="{second.pk}"]'
            ).count()
            == 1
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        viewer.screenshot(
            path=str(ARTIFACTS / "live-session-phone.png"), full_page=True
        )

        # The buy button puts the newly pinned product in the cart.
        viewer.get_by_role("button", name="立即购买").click()
        viewer.wait_for_url("**/cart/")
        assert second.name in viewer.content()

    assert int(variant) == second.variants.order_by("sort_order", "pk").first().pk
