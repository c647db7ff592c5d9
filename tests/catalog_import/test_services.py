"""run_import (the whole pipeline on one file) and import jobs: dry run, apply,
re-apply, file errors, progress, idempotent tasks, refusals."""

import io
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_import import services, tasks, types
from catalog_import.errors import ImportJobError, ImportJobErrorCode
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from catalog_import.services import run_import
from storefront.catalog.models import Product, ProductVariant
from tests.catalog_import.drafts import PLATFORM
from tests.catalog_import.jobs_helpers import (
    HEADERS,
    catalogue_counts,
    catalogue_csv,
    catalogue_rows,
    shop,
    upload,
)
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _run(workshop, content: bytes, *, dry_run: bool, name="catalogue.csv", **kw):
    kw.setdefault("actor", PLATFORM)
    return run_import(
        workshop=workshop,
        name=name,
        fileobj=io.BytesIO(content),
        dry_run=dry_run,
        fetch_remote=False,
        **kw,
    )


def _create_job(user, workshop, content, *, mode=ImportMode.DRY_RUN, **kw):
    return services.import_job_create(
        user=user, workshop=workshop, upload=upload(content), mode=mode, **kw
    )


@pytest.fixture
def world():
    return shop()


# ------------------------------------------------------------------ run_import


def test_dry_run_plans_everything_and_writes_nothing(world):
    brand, workshop, _ = world
    content = catalogue_csv(catalogue_rows(brand, products=3, variants=2))
    before = catalogue_counts()

    result = _run(workshop, content, dry_run=True)

    assert result.file_error is None
    assert result.errors == []
    assert result.rows_total == 6
    assert result.counts == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "skipped": 0,
    }
    assert [entry["action"] for entry in result.plan] == ["create"] * 3
    assert result.plan[0]["product_code"] == "T-0001"
    assert result.plan[0]["name"] == "测试黄鱼鲞1"
    # A new variant's values come with the plan, for the dry-run page.
    first = result.plan[0]["new_variants"]["T-0001-1"]
    assert first["price_fen"] == 1101 and "stock" in first
    assert catalogue_counts() == before


def test_apply_writes_the_products_then_the_same_file_is_unchanged(world):
    brand, workshop, _ = world
    content = catalogue_csv(catalogue_rows(brand, products=2, variants=2))

    first = _run(workshop, content, dry_run=False)

    assert first.counts["created"] == 2 and first.errors == []
    product = Product.objects.get(workshop=workshop, product_code="T-0001")
    assert product.name == "测试黄鱼鲞1" and product.brand == brand
    prices = dict(
        ProductVariant.objects.filter(product=product).values_list("sku", "price_fen")
    )
    assert prices == {"T-0001-1": 1101, "T-0001-2": 1102}
    after_first = catalogue_counts()
    stamps = list(Product.objects.order_by("pk").values_list("updated_at", flat=True))

    with CaptureQueriesContext(connection) as queries:
        again = _run(workshop, content, dry_run=False)

    assert again.counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "archived": 0,
        "skipped": 0,
    }
    assert [entry["action"] for entry in again.plan] == ["unchanged"] * 2
    assert catalogue_counts() == after_first
    assert (
        list(Product.objects.order_by("pk").values_list("updated_at", flat=True))
        == stamps
    )
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_a_changed_price_is_an_update_with_its_diff(world):
    brand, workshop, _ = world
    rows = catalogue_rows(brand, products=1, variants=1)
    _run(workshop, catalogue_csv(rows), dry_run=False)
    rows[0][4] = "19.90"

    preview = _run(workshop, catalogue_csv(rows), dry_run=True)

    assert preview.counts["updated"] == 1
    assert preview.plan[0]["variant_changes"]["T-0001-1"]["price_fen"] == [1101, 1990]
    assert ProductVariant.objects.get(sku="T-0001-1").price_fen == 1101
    _run(workshop, catalogue_csv(rows), dry_run=False)
    assert ProductVariant.objects.get(sku="T-0001-1").price_fen == 1990


def test_row_errors_are_collected_and_only_that_product_is_skipped(world):
    brand, workshop, _ = world
    rows = catalogue_rows(brand, products=2, variants=1)
    rows[1][4] = "abc"  # T-0002's price, sheet row 3

    result = _run(workshop, catalogue_csv(rows), dry_run=False)

    assert result.counts["created"] == 1 and result.counts["skipped"] == 1
    [error] = result.errors
    assert (error.row, error.column, str(error.code)) == (
        3,
        "价格(元)",
        "invalid_price",
    )
    assert error.product_code == "T-0002"
    assert list(Product.objects.values_list("product_code", flat=True)) == ["T-0001"]
    assert {entry["action"] for entry in result.plan} == {"create", "skip"}


def test_unknown_column_is_a_warning_that_blocks_nothing(world):
    brand, workshop, _ = world
    rows = [row + ["随便"] for row in catalogue_rows(brand, products=1, variants=1)]

    result = _run(workshop, catalogue_csv(rows, [*HEADERS, "备注"]), dry_run=True)

    assert result.errors == []
    assert [str(w.code) for w in result.warnings] == ["unknown_column"]
    assert result.counts["created"] == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "file_empty"), (catalogue_csv([]), "no_rows")],
    ids=["empty", "header-only"],
)
def test_a_file_that_cannot_be_read_writes_nothing(world, content, code):
    _, workshop, _ = world
    before = catalogue_counts()

    result = _run(workshop, content, dry_run=False)

    assert result.file_error_code == code
    assert " / " in result.file_error  # Chinese / English
    assert result.problems == [] and result.plan == []
    assert catalogue_counts() == before


def test_progress_reaches_the_total_and_never_goes_back(world):
    brand, workshop, _ = world
    content = catalogue_csv(catalogue_rows(brand, products=60, variants=5))
    seen = []

    result = _run(
        workshop, content, dry_run=False, on_progress=lambda *a: seen.append(a)
    )

    assert result.rows_total == 300
    assert seen[-1] == (300, 300)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert all(0 <= d <= t for d, t in seen)
    assert len(seen) > 5  # it moved on the way, not only at the end


# ------------------------------------------------------------------------ jobs


def test_dry_run_job_runs_on_commit_and_reports(
    world, django_capture_on_commit_callbacks
):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=2, variants=2))
    before = catalogue_counts()

    with django_capture_on_commit_callbacks(execute=True):
        job = _create_job(manager, workshop, content)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.failure
    assert job.created_by == manager and job.mode == ImportMode.DRY_RUN
    assert job.original_name == "catalogue.csv"
    assert (job.rows_done, job.rows_total, job.progress) == (4, 4, 100)
    assert job.created_count == 2 and job.error_count == 0
    assert job.started_at and job.finished_at
    assert [entry["action"] for entry in job.report["plan"]] == ["create", "create"]
    assert job.report["problems"] == [] and not job.report["plan_truncated"]
    assert catalogue_counts() == before
    # Stored under a random name, not the uploader's.
    stored = Path(job.file.name)
    assert stored.parts[:2] == ("imports", str(workshop.pk))
    assert stored.suffix == ".csv" and "catalogue" not in stored.name


def test_applying_a_dry_run_imports_the_same_file(
    world, django_capture_on_commit_callbacks
):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=2, variants=1))
    with django_capture_on_commit_callbacks(execute=True):
        dry = _create_job(manager, workshop, content)
    dry.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        applied = services.import_job_apply(user=manager, job=dry)

    applied.refresh_from_db()
    assert applied.pk != dry.pk and applied.mode == ImportMode.APPLY
    assert applied.file.name == dry.file.name
    assert applied.status == ImportStatus.DONE, applied.failure
    assert applied.created_count == 2
    assert Product.objects.filter(workshop=workshop).count() == 2

    # Applying the same dry run again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.import_job_apply(user=manager, job=dry)
    again.refresh_from_db()
    assert (again.created_count, again.unchanged_count) == (0, 2)


def test_a_file_error_fails_the_job_with_its_message(
    world, django_capture_on_commit_callbacks
):
    _, workshop, manager = world
    with django_capture_on_commit_callbacks(execute=True):
        job = _create_job(manager, workshop, catalogue_csv([]))

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "表中没有商品行" in job.failure and "no product rows" in job.failure
    assert job.report["file_error"]["code"] == "no_rows"
    assert job.report["problems"][0]["code"] == "no_rows"
    assert job.error_count == 1 and job.progress == 0
    with pytest.raises(ImportJobError) as refused:
        services.import_job_apply(user=manager, job=job)
    assert refused.value.code == ImportJobErrorCode.JOB_NOT_READY


def test_an_unexpected_error_fails_the_job_without_details(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    _, workshop, manager = world

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "run_import", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = _create_job(manager, workshop, b"x,y\n1,2\n")

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "internal error" in job.failure and "secret" not in job.failure


def test_a_task_delivered_twice_runs_the_job_once(world, monkeypatch):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=1, variants=1))
    job = _create_job(manager, workshop, content, mode=ImportMode.APPLY)
    calls = []
    real = services.run_import
    monkeypatch.setattr(
        services, "run_import", lambda **kw: calls.append(1) or real(**kw)
    )

    assert tasks.run_import_job(job.pk) == ImportStatus.DONE
    assert tasks.run_import_job(job.pk) is None
    assert tasks.run_import_job(10**9) is None  # a job that is gone

    assert len(calls) == 1
    assert Product.objects.filter(workshop=workshop).count() == 1


def test_an_apply_while_another_is_queued_is_refused(world):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=1, variants=1))
    first = _create_job(manager, workshop, content, mode=ImportMode.APPLY)

    with pytest.raises(ImportJobError) as refused:
        _create_job(manager, workshop, content, mode=ImportMode.APPLY)

    assert refused.value.code == ImportJobErrorCode.IMPORT_IN_PROGRESS
    # Dry runs are never held up.
    assert _create_job(manager, workshop, content).status == ImportStatus.QUEUED
    assert ImportJob.objects.filter(mode=ImportMode.APPLY).get() == first


def test_asking_twice_to_apply_a_dry_run_queues_it_once(world):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=1, variants=1))
    dry = _create_job(manager, workshop, content)
    services.import_job_run(dry.pk)
    dry.refresh_from_db()

    first = services.import_job_apply(user=manager, job=dry)
    second = services.import_job_apply(user=manager, job=dry)

    assert first.pk == second.pk
    assert ImportJob.objects.filter(mode=ImportMode.APPLY).count() == 1


def test_a_queued_dry_run_cannot_be_applied(world):
    brand, workshop, manager = world
    content = catalogue_csv(catalogue_rows(brand, products=1, variants=1))
    dry = _create_job(manager, workshop, content)

    with pytest.raises(ImportJobError) as refused:
        services.import_job_apply(user=manager, job=dry)

    assert refused.value.code == ImportJobErrorCode.JOB_NOT_READY


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("catalogue.xls", b"x", ImportJobErrorCode.FILE_TYPE_UNSUPPORTED),
        ("catalogue.csv", b"", ImportJobErrorCode.FILE_EMPTY),
        ("catalogue.csv", b"x" * 101, ImportJobErrorCode.FILE_TOO_LARGE),
        ("photos.zip", b"x" * 201, ImportJobErrorCode.FILE_TOO_LARGE),
    ],
)
def test_files_over_the_limits_are_refused_before_anything_is_stored(
    world, monkeypatch, settings, name, content, code
):
    _, workshop, manager = world
    monkeypatch.setattr(types, "MAX_SHEET_BYTES", 100)
    monkeypatch.setattr(types, "MAX_ZIP_BYTES", 200)

    with pytest.raises(ImportJobError) as refused:
        services.import_job_create(
            user=manager,
            workshop=workshop,
            upload=upload(content, name),
            mode=ImportMode.DRY_RUN,
        )

    assert refused.value.code == code and refused.value.field == "file"
    assert not ImportJob.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_missing_file_is_refused(world):
    _, workshop, manager = world
    with pytest.raises(ImportJobError) as refused:
        services.import_job_create(
            user=manager, workshop=workshop, upload=None, mode=ImportMode.DRY_RUN
        )
    assert refused.value.code == ImportJobErrorCode.FILE_REQUIRED


def test_progress_is_saved_every_200_rows_not_every_row(world, monkeypatch):
    _, workshop, manager = world
    job = ImportJob.objects.create(
        workshop=workshop, file="imports/x.csv", original_name="x.csv", mode="dry_run"
    )
    monkeypatch.setattr(services, "PROGRESS_SAVE_SECONDS", 3600)
    saver = services._ProgressSaver(job.pk)

    with CaptureQueriesContext(connection) as queries:
        for done in range(1, 1001):
            saver(done, 1000)
            if done == 500:
                job.refresh_from_db()
                assert 300 <= job.rows_done <= 500 and job.rows_total == 1000

    assert len(queries) <= 1000 // 200 + 2
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total) == (1000, 1000)


def test_the_report_keeps_a_capped_plan_and_says_so(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    brand, workshop, manager = world
    monkeypatch.setattr(services, "REPORT_PLAN_CAP", 2)
    content = catalogue_csv(catalogue_rows(brand, products=3, variants=1))

    with django_capture_on_commit_callbacks(execute=True):
        job = _create_job(manager, workshop, content)

    job.refresh_from_db()
    assert len(job.report["plan"]) == 2
    assert job.report["plan_truncated"] and job.report["plan_total"] == 3
    assert job.created_count == 3


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_dry_run_checks_the_photos_of_a_zip_but_stores_none(world, settings):
    brand, workshop, _ = world
    rows = [row + [f"p{n}.png"] for n, row in enumerate(catalogue_rows(brand, 2, 1))]
    content = _zip(
        {
            "目录.csv": catalogue_csv(rows, [*HEADERS, "图片"]),
            "p0.png": png_bytes(),
            # p1.png is missing from the ZIP
        }
    )

    preview = _run(workshop, content, dry_run=True, name="upload.zip")

    assert [entry["action"] for entry in preview.plan] == ["create", "skip"]
    [error] = preview.errors
    assert (error.row, str(error.code)) == (3, "image_not_found")
    assert catalogue_counts()["images"] == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    applied = _run(workshop, content, dry_run=False, name="upload.zip")

    assert applied.counts["created"] == 1 and applied.counts["skipped"] == 1
    product = Product.objects.get(workshop=workshop)
    assert product.product_code == "T-0001" and product.images.count() == 1


def test_archive_missing_unpublishes_what_the_file_leaves_out(world):
    brand, workshop, _ = world
    rows = catalogue_rows(brand, products=2, variants=1)
    _run(workshop, catalogue_csv(rows), dry_run=False)

    preview = _run(
        workshop, catalogue_csv(rows[:1]), dry_run=True, archive_missing=True
    )
    assert preview.counts["archived"] == 1
    assert Product.objects.filter(is_published=True).count() == 2

    _run(workshop, catalogue_csv(rows[:1]), dry_run=False, archive_missing=True)
    left_out = Product.objects.get(product_code="T-0002")
    assert left_out.is_published is False  # unpublished, never deleted


def test_a_running_job_whose_worker_stopped_is_failed_with_a_message(world):
    from datetime import timedelta

    from django.utils import timezone

    _, workshop, _ = world

    def running(minutes_since_heartbeat: int) -> ImportJob:
        beat = timezone.now() - timedelta(minutes=minutes_since_heartbeat)
        return ImportJob.objects.create(
            workshop=workshop,
            file="imports/x.csv",
            original_name="x.csv",
            mode="apply",
            status=ImportStatus.RUNNING,
            started_at=beat,
            heartbeat_at=beat,
        )

    stalled, alive = running(11), running(1)
    done = ImportJob.objects.create(
        workshop=workshop, file="imports/y.csv", original_name="y.csv", mode="apply"
    )

    assert tasks.fail_stalled_import_jobs() == 1

    stalled.refresh_from_db(), alive.refresh_from_db(), done.refresh_from_db()
    assert stalled.status == ImportStatus.FAILED
    assert stalled.failure.startswith("导入中断") and "interrupted" in stalled.failure
    assert stalled.finished_at is not None
    assert (alive.status, done.status) == (ImportStatus.RUNNING, ImportStatus.QUEUED)
    # Progress saves are the heartbeat.
    services._ProgressSaver(alive.pk)(10, 100)
    alive.refresh_from_db()
    assert alive.heartbeat_at > timezone.now() - timedelta(seconds=5)


def test_the_beat_schedule_runs_the_stalled_job_check():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    tasks_scheduled = {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert "catalog_import.tasks.fail_stalled_import_jobs" in tasks_scheduled
    assert "catalog_import.tasks.fail_stalled_import_jobs" in app.tasks
