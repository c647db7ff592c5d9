"""A person on a phone: home page -> a brand -> a product, screenshot at 390 px."""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from storefront.catalog import services
from tests.factories import make_brand, make_product, make_workshop, png_bytes

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium():
    if Path(CHROMIUM).exists():
        return
    message = (
        f"browser test needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def phone_browser():
    """Debian's chromium at a phone's size, with a fresh profile. Open it only
    after the test data is written: inside Playwright's sync API an event loop
    runs, and Django would give ORM calls made there a connection of their own."""
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
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            try:
                yield context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_brand_product_on_a_phone(live_server, settings):
    settings.SITE_URL = live_server.url
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast", slug="banlan-haian")
    workshop = make_workshop(brands=[brand], name="黄避岙活黄鱼工坊")
    product = make_product(
        brand=brand,
        workshop=workshop,
        name="象山活黄鱼",
        variants=((12800, 20), (16800, 0)),
        is_featured=True,
        net_content="500克",
    )
    services.product_image_add(
        product=product, data=png_bytes((1200, 900), (30, 120, 160)), alt="活黄鱼"
    )

    with phone_browser() as page:
        _shop_on_a_phone(page, live_server.url, brand, product)


def _shop_on_a_phone(page, base_url, brand, product):
    page.goto(base_url + "/")
    assert "共富工坊" in page.title()
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.get_by_role("link", name="斑斓海岸").first.click()
    page.wait_for_url(f"**/brands/{brand.slug}/")
    assert page.locator("text=黄避岙活黄鱼工坊").count() >= 1

    page.get_by_role("link", name="象山活黄鱼").first.click()
    page.wait_for_url(f"**/products/{product.slug}/")
    page.wait_for_load_state("networkidle")
    body = page.locator("body").inner_text()
    assert "¥128.00" in body
    assert "500克" in body
    image_ok = page.evaluate(
        "() => [...document.images].some(i => i.complete && i.naturalWidth > 0)"
    )
    assert image_ok, "the product photo did not load"
    # Mobile-first: nothing wider than the phone's screen.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "product-390px.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
