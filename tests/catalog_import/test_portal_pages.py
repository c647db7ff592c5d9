"""The workshop portal's import pages: who may see and use them, the upload
form's errors, the job page while it runs and once it is done, applying a dry
run, the report downloads, and the pages' translations."""

import ast
import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation.template import templatize

from brands.models import Brand, Role, Workshop
from catalog_import import types
from catalog_import.errors import ImportErrorCode, Severity
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from catalog_import.types import Problem
from storefront.catalog.models import Product
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

pytestmark = pytest.mark.django_db

HOME = "/workshop/import/"
ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "catalog_import" / "templates"


@dataclass
class Portal:
    brand: Brand
    workshop: Workshop
    other_brand: Brand
    other_workshop: Workshop


@pytest.fixture
def portal(db) -> Portal:
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast", slug="banlan")
    workshop = make_workshop(brands=[brand], name="东门海鲜工坊", slug="dongmen")
    other_brand = make_brand(name="小岛下酒菜", slug="xiaodao")
    other_workshop = make_workshop(
        brands=[other_brand], name="鹤浦小海鲜工坊", slug="hepu"
    )
    return Portal(brand, workshop, other_brand, other_workshop)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _manager(workshop):
    user = make_user()
    grant(user, Role.WORKSHOP_MANAGER, workshop)
    return user


def _job(workshop, *, user=None, **fields) -> ImportJob:
    defaults = {
        "created_by": user,
        "original_name": "商品表.csv",
        "file": f"imports/{workshop.pk}/goods.csv",
        "mode": ImportMode.DRY_RUN,
    }
    return ImportJob.objects.create(workshop=workshop, **{**defaults, **fields})


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


HEADER = ["商品编码", "商品名称", "规格", "SKU", "价格(元)", "库存", "上架"]


def _upload(name="goods.csv", content=None) -> SimpleUploadedFile:
    if content is None:
        content = _csv(
            [
                HEADER,
                ["HY-1", "象山活黄鱼", "500g", "HY-1-500", "12.80", "20", "是"],
                ["HY-1", "象山活黄鱼", "1000g", "HY-1-1000", "24", "5", "是"],
                ["XP-1", "东门虾皮", "250g", "XP-1-250", "35.80", "40", "是"],
            ]
        )
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# Who may see the portal ----------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, portal):
    job = _job(portal.workshop)
    urls = [
        HOME,
        reverse("catalog_import:template", args=["csv"]),
        reverse("catalog_import:job", args=[job.pk]),
        reverse("catalog_import:progress", args=[job.pk]),
        reverse("catalog_import:report", args=[job.pk, "xlsx"]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("web:login") + "?next=")

    response = client.post(reverse("catalog_import:apply", args=[job.pk]))
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize("role", ["consumer", "host", "treasurer"])
def test_consumers_hosts_and_treasurers_are_refused(portal, role):
    user = make_user()
    if role == "host":
        grant(user, Role.LIVESTREAM_HOST, portal.brand)
    if role == "treasurer":
        grant(user, Role.VILLAGE_TREASURER, portal.workshop.village)
    job = _job(portal.workshop, status=ImportStatus.DONE)
    client = _client_for(user)

    assert client.get(HOME).status_code == 403
    assert client.post(HOME, {"workshop": portal.workshop.pk}).status_code == 403
    assert client.get(reverse("catalog_import:template", args=["csv"])).status_code == (
        403
    )
    for name in ("job", "progress"):
        assert client.get(
            reverse(f"catalog_import:{name}", args=[job.pk])
        ).status_code == (404)
    assert (
        client.get(reverse("catalog_import:report", args=[job.pk, "csv"])).status_code
        == 404
    )
    assert client.post(reverse("catalog_import:apply", args=[job.pk])).status_code == (
        404
    )
    assert ImportJob.objects.count() == 1


def test_a_manager_sees_only_their_workshops_and_jobs(portal):
    manager = _manager(portal.workshop)
    own = _job(portal.workshop, user=manager, original_name="我的商品.csv")
    foreign = _job(portal.other_workshop, original_name="别人的商品.csv")
    client = _client_for(manager)

    response = client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "东门海鲜工坊" in html
    assert "鹤浦小海鲜工坊" not in html
    assert "我的商品.csv" in html and "别人的商品.csv" not in html
    assert reverse("catalog_import:job", args=[own.pk]) in html
    for name in ("job", "progress"):
        url = reverse(f"catalog_import:{name}", args=[foreign.pk])
        assert client.get(url).status_code == 404
    assert client.get(reverse("catalog_import:job", args=[own.pk])).status_code == 200


def test_a_crafted_upload_into_another_workshop_is_refused_and_nothing_stored(portal):
    client = _client_for(_manager(portal.workshop))

    response = client.post(
        HOME, {"workshop": portal.other_workshop.pk, "file": _upload()}
    )

    assert response.status_code == 400
    assert "不能导入到该工坊 / You cannot import into this workshop" in (
        response.content.decode()
    )
    assert ImportJob.objects.count() == 0
    assert _stored_files() == []
    assert not Product.objects.exists()


def test_a_brand_operator_imports_into_a_workshop_of_their_brand(portal):
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, portal.brand)
    client = _client_for(operator)

    html = client.get(HOME).content.decode()
    assert "东门海鲜工坊" in html and "鹤浦小海鲜工坊" not in html

    response = client.post(HOME, {"workshop": portal.workshop.pk, "file": _upload()})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog_import:job", args=[job.pk])
    assert (job.workshop, job.created_by, job.mode) == (
        portal.workshop,
        operator,
        ImportMode.DRY_RUN,
    )
    refused = client.post(
        HOME, {"workshop": portal.other_workshop.pk, "file": _upload()}
    )
    assert refused.status_code == 400
    assert ImportJob.objects.count() == 1


# The upload form -----------------------------------------------------------


def test_the_home_page_offers_templates_and_the_upload_form(portal):
    client = _client_for(_manager(portal.workshop))

    html = client.get(HOME).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "<h1>商品导入" in html and 'lang="en">Catalogue import</span>' in html
    assert 'href="/workshop/import/template.csv"' in html
    assert 'href="/workshop/import/template.xlsx"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'accept=".csv,.xlsx,.zip"' in html
    assert 'name="sheet"' in html
    assert 'type="checkbox" name="archive_missing"' in html
    assert "下架文件中没有的商品" in html
    assert "上传并预览" in html


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "请选择要上传的文件 / Choose a file to upload"),
        (
            SimpleUploadedFile("goods.txt", b"a,b\n1,2\n"),
            "只支持 CSV、XLSX 或 ZIP 文件：goods.txt / "
            "Only CSV, XLSX or ZIP files are supported: goods.txt",
        ),
        (
            SimpleUploadedFile("goods.numbers", b"PK\x03\x04"),
            "只支持 CSV、XLSX 或 ZIP 文件",
        ),
        (SimpleUploadedFile("goods.csv", b""), "文件是空的 / The file is empty"),
        (SimpleUploadedFile("goods.xlsx", b""), "文件是空的 / The file is empty"),
    ],
    ids=["no-file", "txt", "numbers", "empty-csv", "empty-xlsx"],
)
def test_upload_errors_are_shown_on_the_form(portal, upload, message):
    client = _client_for(_manager(portal.workshop))
    data = {"workshop": portal.workshop.pk}
    if upload is not None:
        data["file"] = upload

    response = client.post(HOME, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="field-error"' in html
    assert ImportJob.objects.count() == 0
    assert _stored_files() == []


def test_a_file_over_the_limit_is_refused(portal, monkeypatch):
    monkeypatch.setattr(types, "MAX_SHEET_BYTES", 1024)
    monkeypatch.setattr(types, "MAX_ZIP_BYTES", 2048)
    client = _client_for(_manager(portal.workshop))

    big_sheet = _upload(content=b"x" * 1025)
    response = client.post(HOME, {"workshop": portal.workshop.pk, "file": big_sheet})

    assert response.status_code == 400
    assert "文件过大：≤ 1 KB / The file is too large: ≤ 1 KB" in (
        response.content.decode()
    )
    big_zip = SimpleUploadedFile("photos.zip", b"x" * 2049)
    response = client.post(HOME, {"workshop": portal.workshop.pk, "file": big_zip})
    assert response.status_code == 400
    assert "The file is too large: ≤ 2 KB" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert _stored_files() == []


def test_the_real_limits_are_the_issues(portal):
    from catalog_import.forms import size_limit

    assert size_limit("商品.CSV") == 20 * 1024 * 1024
    assert size_limit("商品.xlsx") == 20 * 1024 * 1024
    assert size_limit("商品和照片.ZIP") == 200 * 1024 * 1024


# The job page --------------------------------------------------------------


def test_a_running_job_shows_its_progress_and_refreshes_without_javascript(portal):
    manager = _manager(portal.workshop)
    job = _job(
        portal.workshop, user=manager, status=ImportStatus.RUNNING, rows_total=200
    )
    job.rows_done = 50
    job.save()
    client = _client_for(manager)

    response = client.get(reverse("catalog_import:job", args=[job.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert '<progress id="import-progress" max="100" value="25"' in html
    assert "50 / 200" in html
    assert "处理中" in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "catalog_import/progress.js" in html
    assert f'data-progress-url="/workshop/import/{job.pk}/progress.json"' in html
    assert 'data-finished="false"' in html
    assert "应用导入" not in html

    progress = client.get(reverse("catalog_import:progress", args=[job.pk]))
    assert progress["Content-Type"] == "application/json"
    assert "no-cache" in progress["Cache-Control"]
    assert progress.json() == {
        "id": job.pk,
        "status": "running",
        "status_display": "处理中 running",
        "progress": 25,
        "rows_done": 50,
        "rows_total": 200,
        "finished": False,
    }


def test_a_queued_job_shows_an_empty_bar(portal):
    manager = _manager(portal.workshop)
    job = _job(portal.workshop, user=manager)

    html = _client_for(manager).get(f"/workshop/import/{job.pk}/").content.decode()

    assert '<progress id="import-progress" max="100" value="0"' in html
    assert "排队中" in html


def _section(response, section_id: str) -> str:
    html = response.content.decode()
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _finished_dry_run(workshop, user) -> ImportJob:
    problems = [
        Problem(
            ImportErrorCode.INVALID_PRICE,
            row=4,
            column="价格(元)",
            detail="abc",
            product_code="BAD-1",
        ),
        Problem(
            ImportErrorCode.UNKNOWN_COLUMN,
            row=None,
            column="备注",
            severity=Severity.WARNING,
        ),
        Problem(
            ImportErrorCode.SCIENTIFIC_NOTATION,
            row=5,
            column="SKU",
            detail="6.9E+12",
            product_code="BAD-2",
        ),
    ]
    plan = [
        {
            "action": "create",
            "product_code": "HY-1",
            "name": "象山活黄鱼",
            "changes": {},
            "variant_changes": {},
            "new_skus": ["HY-1-500"],
        },
        {
            "action": "update",
            "product_code": "XP-1",
            "name": "东门虾皮",
            "product_id": 1,
            "changes": {
                "net_content": ["250克", "500克"],
                "is_published": [False, True],
            },
            "variant_changes": {
                "XP-1-250": {
                    "price_fen": [1280, 1580],
                    "compare_at_price_fen": [None, 1980],
                    "stock": [3, 40],
                }
            },
            "new_skus": [],
        },
        {"action": "skip", "product_code": "BAD-1", "name": "坏价格"},
        {"action": "unchanged", "product_code": "OK-1", "name": "老商品"},
    ]
    return _job(
        workshop,
        user=user,
        status=ImportStatus.DONE,
        rows_total=6,
        rows_done=6,
        created_count=1,
        updated_count=1,
        unchanged_count=1,
        skipped_count=2,
        error_count=2,
        warning_count=1,
        report={"problems": [p.as_dict() for p in problems], "plan": plan},
    )


def test_a_finished_dry_run_shows_counts_plan_problems_and_apply(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)
    client = _client_for(manager)

    html = client.get(reverse("catalog_import:job", args=[job.pk])).content.decode()

    assert '<progress id="import-progress" max="100" value="100"' in html
    assert 'data-finished="true"' in html
    assert 'http-equiv="refresh"' not in html
    assert "catalog_import/progress.js" not in html
    counts = re.sub(r"\s+", " ", html)
    for label, number in [
        ("新增", 1),
        ("更新", 1),
        ("未变", 1),
        ("下架", 0),
        ("跳过", 2),
    ]:
        pattern = rf'<dt>{label}(?:(?!</dt>).)*</dt><dd class="number">{number}</dd>'
        assert re.search(pattern, counts), label
    # The plan: actions, and the field-level diff with prices as money.
    assert "HY-1" in html and "象山活黄鱼" in html
    assert "XP-1-250" in html
    assert "¥12.80" in html and "¥15.80" in html and "¥19.80" in html
    assert "250克" in html and "500克" in html
    assert "净含量" in html and "划线价" in html
    assert re.search(r"上架.*?否.*?→.*?是", html, re.S)
    # Every problem: row, column, code and the bilingual message.
    assert "价格格式不正确" in html and "Invalid price" in html
    assert "6.9E+12" in html and "scientific_notation" in html
    assert "未知的列，已忽略 / Unknown column, ignored" in html
    assert "整个文件" in html
    assert "备注" in html
    # Apply: a CSRF-protected POST form.
    apply_url = reverse("catalog_import:apply", args=[job.pk])
    assert f'action="{apply_url}"' in html
    assert "应用导入" in html and 'lang="en">Apply</span>' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    assert f'href="/workshop/import/{job.pk}/report.csv"' in html
    assert f'href="/workshop/import/{job.pk}/report.xlsx"' in html


def test_problems_and_plan_can_be_filtered(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)
    client = _client_for(manager)
    url = reverse("catalog_import:job", args=[job.pk])

    errors = _section(client.get(url, {"show": "errors"}), "problems")
    warnings = _section(client.get(url, {"show": "warnings"}), "problems")
    updates = _section(client.get(url, {"action": "update"}), "plan")

    assert "价格格式不正确" in errors and "未知的列" not in errors
    assert "未知的列" in warnings and "价格格式不正确" not in warnings
    assert 'aria-current="true">错误 2</a>' in errors
    assert "XP-1-250" in updates and "HY-1-500" not in updates
    bogus = client.get(url, {"show": "<script>", "action": "drop"})
    assert bogus.status_code == 200
    assert "价格格式不正确" in _section(bogus, "problems")
    assert "HY-1-500" in _section(bogus, "plan")


def test_a_skipped_product_shows_the_errors_that_stopped_it(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)

    response = _client_for(manager).get(f"/workshop/import/{job.pk}/")

    plan = _section(response, "plan")
    skipped = plan[plan.index("BAD-1") :]
    assert "行 4 · 价格(元): 价格格式不正确" in skipped


def test_long_problem_lists_are_paged_keeping_the_filter(portal):
    manager = _manager(portal.workshop)
    problems = [
        Problem(ImportErrorCode.REQUIRED, row=n, column="商品名称").as_dict()
        for n in range(2, 252)
    ]
    job = _job(
        portal.workshop,
        user=manager,
        status=ImportStatus.DONE,
        error_count=250,
        report={"problems": problems, "plan": []},
    )
    client = _client_for(manager)
    url = reverse("catalog_import:job", args=[job.pk])

    first = client.get(url, {"show": "errors"}).content.decode()
    third = client.get(url, {"show": "errors", "page": 3}).content.decode()

    assert first.count('class="problem problem-error"') == 100
    assert "?show=errors&amp;page=2#problems" in first
    assert third.count('class="problem problem-error"') == 50


def test_a_failed_job_says_why_and_cannot_be_applied(portal):
    manager = _manager(portal.workshop)
    job = _job(
        portal.workshop,
        user=manager,
        status=ImportStatus.FAILED,
        failure="文件是空的 / The file is empty",
        report={"problems": [Problem(ImportErrorCode.FILE_EMPTY).as_dict()]},
    )

    html = _client_for(manager).get(f"/workshop/import/{job.pk}/").content.decode()

    assert "失败" in html
    assert "文件是空的 / The file is empty" in html
    assert "应用导入" not in html
    assert "catalog_import/progress.js" not in html


def test_an_applied_job_has_no_apply_button(portal):
    manager = _manager(portal.workshop)
    job = _job(
        portal.workshop,
        user=manager,
        mode=ImportMode.APPLY,
        status=ImportStatus.DONE,
        created_count=3,
        report={"problems": [], "plan": []},
    )

    html = _client_for(manager).get(f"/workshop/import/{job.pk}/").content.decode()

    assert "应用导入" not in html
    assert "没有发现问题" in html


def test_the_job_page_in_english(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)
    client = _client_for(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(f"/workshop/import/{job.pk}/").content.decode()

    assert '<html lang="en">' in html
    assert "Import job" in html and "Apply import" in html
    assert "Compare-at price" in html
    assert "应用导入" not in html and "新增" not in html


def test_apply_needs_the_csrf_token(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("catalog_import:apply", args=[job.pk]))

    assert response.status_code == 403
    assert ImportJob.objects.count() == 1


def test_apply_of_a_job_that_is_not_a_finished_dry_run_is_refused(portal):
    manager = _manager(portal.workshop)
    job = _job(portal.workshop, user=manager, status=ImportStatus.RUNNING)

    response = _client_for(manager).post(reverse("catalog_import:apply", args=[job.pk]))

    assert response.status_code == 409
    assert "只有已完成且文件可读的预览才能导入" in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_get_on_apply_is_not_allowed(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)

    response = _client_for(manager).get(reverse("catalog_import:apply", args=[job.pk]))

    assert response.status_code == 405


def test_plan_rows_read_every_shape_of_change():
    from catalog_import.plan_display import plan_rows

    rows = plan_rows(
        [
            {
                "action": "create",
                "product_code": "A",
                "rows": [2, 3, 4, 5, 6, 7],
                "new_skus": ["A-1"],
                "new_variants": {"A-1": {"price_fen": 1280, "stock": 3}},
            },
            {
                "action": "update",
                "product_code": "B",
                "changes": {"name": {"old": "旧名", "new": "新名"}},
                "variant_changes": {"B-1": {"price_fen": [100, 200]}},
                "new_skus": ["B-2"],
            },
            {"action": "skip", "product_code": "C"},
            "not a plan entry",
        ],
        [
            {"severity": "error", "product_code": "C", "message": "坏 / bad"},
            {"severity": "warning", "product_code": "C", "message": "提醒"},
        ],
    )

    create, update, skip = rows
    assert create.rows == "2, 3, 4, 5, 6 …"
    [new] = create.variants
    assert (new.sku, new.is_new) == ("A-1", True)
    assert [(c.field, c.old, c.new, c.is_price) for c in new.changes] == [
        ("price_fen", None, 1280, True),
        ("stock", None, 3, False),
    ]
    assert [(c.label_zh, c.old, c.new) for c in update.changes] == [
        ("名称", "旧名", "新名")
    ]
    assert [(v.sku, v.is_new) for v in update.variants] == [
        ("B-1", False),
        ("B-2", True),
    ]
    assert (update.action_zh, update.action_en) == ("更新", "update")
    assert [p["message"] for p in skip.errors] == ["坏 / bad"]


# Downloads -----------------------------------------------------------------


def test_the_templates_download(portal):
    client = _client_for(_manager(portal.workshop))

    csv = client.get("/workshop/import/template.csv")
    xlsx = client.get("/workshop/import/template.xlsx")

    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="import-template.csv"' == csv["Content-Disposition"]
    assert csv.content.startswith(b"\xef\xbb\xbf")
    assert "商品编码" in csv.content.decode("utf-8-sig")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert "商品编码" in [cell.value for cell in sheet[1]]
    assert client.get("/workshop/import/template.pdf").status_code == 404


def test_the_report_downloads_as_csv_and_xlsx(portal):
    manager = _manager(portal.workshop)
    job = _finished_dry_run(portal.workshop, manager)
    client = _client_for(manager)

    csv = client.get(f"/workshop/import/{job.pk}/report.csv")
    xlsx = client.get(f"/workshop/import/{job.pk}/report.xlsx")

    assert csv.status_code == 200
    assert csv["Content-Disposition"] == (
        f'attachment; filename="import-{job.pk}-report.csv"'
    )
    text = csv.content.decode("utf-8-sig")
    assert "价格格式不正确" in text and "6.9E+12" in text
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row]
    assert any("Invalid price" in value for value in values)


def test_the_report_of_a_running_job_is_not_there_yet(portal):
    manager = _manager(portal.workshop)
    job = _job(portal.workshop, user=manager, status=ImportStatus.RUNNING)

    response = _client_for(manager).get(f"/workshop/import/{job.pk}/report.csv")

    assert response.status_code == 404


# Upload → dry run → apply, through the real pipeline (eager Celery) ---------


def test_upload_preview_then_apply_puts_the_products_on_sale(
    portal, django_capture_on_commit_callbacks
):
    """The task runs when the upload's transaction commits (eager Celery)."""
    manager = _manager(portal.workshop)
    make_product(
        brand=portal.brand, workshop=portal.workshop, product_code="OLD-1", name="旧货"
    )
    client = _client_for(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            HOME, {"workshop": portal.workshop.pk, "file": _upload()}
        )

    dry_run = ImportJob.objects.get()
    assert response["Location"] == f"/workshop/import/{dry_run.pk}/"
    assert dry_run.status == ImportStatus.DONE, dry_run.failure
    assert (dry_run.created_count, dry_run.error_count) == (2, 0)
    assert not Product.objects.filter(product_code__in=["HY-1", "XP-1"]).exists()
    html = client.get(response["Location"]).content.decode()
    assert "HY-1" in html and "XP-1" in html and "HY-1-1000" in html
    assert "应用导入" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/workshop/import/{dry_run.pk}/apply/")

    applied = ImportJob.objects.exclude(pk=dry_run.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/workshop/import/{applied.pk}/"
    assert (applied.mode, applied.status) == (ImportMode.APPLY, ImportStatus.DONE)
    assert applied.created_count == 2
    products = Product.objects.filter(workshop=portal.workshop, brand=portal.brand)
    assert set(products.values_list("product_code", flat=True)) == {
        "OLD-1",
        "HY-1",
        "XP-1",
    }
    assert products.get(product_code="HY-1").variants.count() == 2
    brand_page = Client().get(f"/brands/{portal.brand.slug}/").content.decode()
    assert "象山活黄鱼" in brand_page and "东门虾皮" in brand_page
    applied_html = client.get(response["Location"]).content.decode()
    assert "应用导入" not in applied_html


# Translations --------------------------------------------------------------

_CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")
_LITERAL = re.compile(r"""\s*,?\s*(u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))""")


def _portal_msgids() -> set[str]:
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for call in _CALL.finditer(source):
            match = _LITERAL.match(source, call.end())
            found.add(ast.literal_eval(match.group(1)))
    return found


def test_every_portal_template_string_has_a_chinese_translation():
    catalogue = {
        entry.msgid: entry
        for entry in polib.pofile(str(ZH_PO))
        if not entry.obsolete and not entry.msgctxt
    }
    msgids = _portal_msgids()

    missing = sorted(
        msgid
        for msgid in msgids
        if msgid not in catalogue
        or not catalogue[msgid].msgstr.strip()
        or catalogue[msgid].fuzzy
    )

    assert "Apply import" in msgids and len(msgids) > 30
    assert missing == [], "untranslated (add to django.po, then compile)"


def test_the_header_links_importers_to_the_portal_and_no_one_else(portal):
    link = 'href="/workshop/import/"'
    manager_page = _client_for(_manager(portal.workshop)).get("/")
    assert link in manager_page.content.decode()
    consumer_page = _client_for(make_user()).get("/")
    assert link not in consumer_page.content.decode()
    assert link not in Client().get("/").content.decode()
