"""A workshop manager on a phone imports a catalogue: sign in → download the
template → upload a CSV of 3 products → the dry run's progress bar and plan →
apply → the products are on the brand page. And the progress bar of a job
that is still running moves as the job does (progress.js polling), and a
browser without JavaScript reaches the result through the meta refresh."""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection

from brands.models import Role
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from storefront.catalog.models import Product
from tests.browser.test_shopping_path import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_chromium,
    phone_browser,
)
from tests.factories import grant, make_brand, make_user, make_workshop

PASSWORD = "correct horse battery staple"

CATALOGUE = [
    ["商品编码", "商品名称", "规格", "SKU", "价格(元)", "划线价(元)", "库存", "上架"],
    ["HY-1", "象山活黄鱼", "500克", "HY-1-500", "128.00", "168", "20", "是"],
    ["HY-1", "象山活黄鱼", "1000克", "HY-1-1000", "238", "", "5", "是"],
    ["XP-1", "东门虾皮", "250克", "XP-1-250", "35.80", "", "40", "是"],
    ["MY-1", "石浦鳗鲞", "1条", "MY-1-1", "88", "", "12", "是"],
]


def _write_csv(path) -> None:
    text = "\r\n".join(",".join(row) for row in CATALOGUE) + "\r\n"
    path.write_bytes(text.encode("utf-8-sig"))


def _sign_in(page, base_url, username) -> None:
    page.goto(base_url + "/workshop/import/")
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workshop/import/")


def _progress_value(page) -> str:
    return page.get_attribute("progress#import-progress", "value")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_preview_and_apply_on_a_phone(live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast", slug="banlan-haian")
    workshop = make_workshop(brands=[brand], name="东门海鲜工坊")
    manager = make_user("dongmen-manager")
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    sheet = tmp_path / "东门商品.csv"
    _write_csv(sheet)

    with phone_browser() as page:
        _import_on_a_phone(page, live_server.url, brand, workshop, sheet)

    dry_run, applied = ImportJob.objects.order_by("pk")
    assert (dry_run.mode, dry_run.status) == (ImportMode.DRY_RUN, ImportStatus.DONE)
    assert (applied.mode, applied.status) == (ImportMode.APPLY, ImportStatus.DONE)
    assert applied.created_count == 3
    products = Product.objects.filter(workshop=workshop, brand=brand)
    assert sorted(products.values_list("product_code", flat=True)) == [
        "HY-1",
        "MY-1",
        "XP-1",
    ]
    assert all(product.is_published for product in products)


def _import_on_a_phone(page, base_url, brand, workshop, sheet):
    _sign_in(page, base_url, "dongmen-manager")
    assert "东门海鲜工坊" in page.locator("body").inner_text()

    # The template link answers with the template.
    with page.expect_download() as download:
        page.locator('a[href$="template.csv"]').click()
    template = download.value.path().read_bytes()
    assert template.startswith(b"\xef\xbb\xbf")
    assert "商品编码" in template.decode("utf-8-sig")
    xlsx = page.request.get(base_url + "/workshop/import/template.xlsx")
    assert xlsx.ok and xlsx.body()[:2] == b"PK"

    page.select_option("#id_workshop", str(workshop.pk))
    page.set_input_files("#id_file", str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/workshop/import/*/")

    # The bar is there and full (eager Celery may finish before the page).
    assert page.locator("progress#import-progress").is_visible()
    page.wait_for_function(
        "() => document.querySelector('progress#import-progress').value === 100"
    )
    assert _progress_value(page) == "100"
    body = page.locator("body").inner_text()
    assert "导入预览" in body
    for code in ("HY-1", "XP-1", "MY-1"):
        assert code in body
    assert "HY-1-1000" in body
    assert "没有发现问题" in body
    assert page.locator(".plan-entry.action-create").count() == 3
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, "the job page is wider than the phone"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "import-390px.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    preview_url = page.url
    page.get_by_role("button", name="应用导入").click()
    page.wait_for_url(lambda url: url != preview_url and "/workshop/import/" in url)
    page.wait_for_function(
        "() => document.querySelector('progress#import-progress').value === 100"
    )
    assert "导入结果" in page.locator("body").inner_text()
    assert page.get_by_role("button", name="应用导入").count() == 0

    page.goto(f"{base_url}/brands/{brand.slug}/")
    shop = page.locator("body").inner_text()
    for name in ("象山活黄鱼", "东门虾皮", "石浦鳗鲞"):
        assert name in shop
    assert "¥128.00" in shop


def _in_another_thread(work) -> None:
    """ORM writes while the browser is open: from a thread of their own, with
    its own committed connection, as a Celery worker would make them."""

    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()


def _running_job(username: str) -> ImportJob:
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    manager = make_user(username)
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    return ImportJob.objects.create(
        workshop=workshop,
        created_by=manager,
        file=f"imports/{workshop.pk}/goods.csv",
        original_name="goods.csv",
        mode=ImportMode.DRY_RUN,
        status=ImportStatus.RUNNING,
        rows_total=50,
        rows_done=20,
    )


def _advance(job, **fields) -> None:
    _in_another_thread(lambda: ImportJob.objects.filter(pk=job.pk).update(**fields))


@contextmanager
def browser_without_javascript():
    """Debian's chromium at a phone's size with scripting switched off."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(
                java_script_enabled=False,
                viewport={"width": 390, "height": 844},
                locale="zh-CN",
            )
            yield context.new_page()
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_follows_a_running_job(live_server, settings):
    settings.SITE_URL = live_server.url
    job = _running_job("progress-watcher")

    def advance(**fields):
        _advance(job, **fields)

    with phone_browser() as page:
        _sign_in(page, live_server.url, "progress-watcher")
        page.goto(f"{live_server.url}/workshop/import/{job.pk}/")
        assert _progress_value(page) == "40"
        assert "20 / 50" in page.locator("[data-progress-rows]").inner_text()

        advance(rows_done=40)
        page.wait_for_function(
            "() => document.querySelector('progress#import-progress').value === 80",
            timeout=10_000,
        )
        assert page.locator("[data-progress-percent]").inner_text() == "80"
        assert "40 / 50" in page.locator("[data-progress-rows]").inner_text()

        advance(
            rows_done=50,
            status=ImportStatus.DONE,
            created_count=2,
            report={"problems": [], "plan": []},
        )
        # Finished: progress.js reloads the page, which shows the result.
        page.wait_for_selector("text=没有发现问题", timeout=10_000)
        assert _progress_value(page) == "100"
        assert page.get_by_role("button", name="应用导入").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_page_refreshes_until_the_job_is_done(
    live_server, settings
):
    settings.SITE_URL = live_server.url
    job = _running_job("no-script-watcher")

    with browser_without_javascript() as page:
        _sign_in(page, live_server.url, "no-script-watcher")
        page.goto(f"{live_server.url}/workshop/import/{job.pk}/")
        assert _progress_value(page) == "40"

        _advance(
            job,
            rows_done=50,
            status=ImportStatus.DONE,
            report={"problems": [], "plan": []},
        )
        # <noscript><meta http-equiv="refresh"> reloads the page every 2 s.
        page.wait_for_selector("text=没有发现问题", timeout=10_000)
        assert _progress_value(page) == "100"
