"""A job whose worker died: failed within two minutes, with Run again
(重新运行) on its page; Apply is never stuck behind it; a run presumed dead
that wakes up cannot overwrite the job's later run."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog_import import services
from catalog_import.errors import ImportJobError, ImportJobErrorCode
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from storefront.catalog.models import Product, ProductVariant
from tests.catalog_import.jobs_helpers import (
    catalogue_csv,
    catalogue_rows,
    shop,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return shop()


def _dry_run(world, content):
    _, workshop, manager = world
    job = services.import_job_create(
        user=manager, workshop=workshop, upload=upload(content), mode=ImportMode.DRY_RUN
    )
    services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    return job


def _stalled_apply(preview, *, seconds_ago: int) -> ImportJob:
    """An apply of `preview`'s file whose worker stopped `seconds_ago`."""
    beat = timezone.now() - timedelta(seconds=seconds_ago)
    return ImportJob.objects.create(
        workshop=preview.workshop,
        created_by=preview.created_by,
        file=preview.file.name,
        original_name=preview.original_name,
        mode=ImportMode.APPLY,
        status=ImportStatus.RUNNING,
        attempt=1,
        started_at=beat,
        heartbeat_at=beat,
        rows_done=40,
        rows_total=100,
    )


def test_stall_detection_fails_a_killed_workers_job_within_two_minutes():
    """Heartbeat every few seconds while working, failed this long after the
    last one, by a sweep this often: the worst case stays under 120 s."""
    sweep = settings.CELERY_BEAT_SCHEDULE["fail-stalled-import-jobs"]
    assert sweep["task"] == "catalog_import.tasks.fail_stalled_import_jobs"
    worst = (
        services.HEARTBEAT_SECONDS
        + settings.IMPORT_STALLED_SECONDS
        + float(sweep["schedule"])
    )
    assert worst <= 120
    # Yet well above the heartbeat, so a busy worker is never taken for dead.
    assert settings.IMPORT_STALLED_SECONDS >= 10 * services.HEARTBEAT_SECONDS


def test_apply_is_not_sent_to_a_stalled_job(world):
    """Before: Apply for the workshop redirected to the stuck job for an hour.
    Now the stuck job is failed (may be run again) and the apply goes ahead."""
    brand = world[0]
    preview = _dry_run(world, catalogue_csv(catalogue_rows(brand, products=2)))
    stuck = _stalled_apply(preview, seconds_ago=settings.IMPORT_STALLED_SECONDS + 5)

    applied = services.import_job_apply(user=world[2], job=preview)

    assert applied.pk != stuck.pk and applied.status == ImportStatus.QUEUED
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and stuck.can_run_again


def test_a_recent_running_apply_still_holds_the_workshop(world):
    brand = world[0]
    preview = _dry_run(world, catalogue_csv(catalogue_rows(brand, products=2)))
    running = _stalled_apply(preview, seconds_ago=5)

    assert services.import_job_apply(user=world[2], job=preview).pk == running.pk


def test_the_page_of_an_interrupted_job_runs_it_again(
    world, client, django_capture_on_commit_callbacks
):
    brand, workshop, manager = world
    rows = catalogue_rows(brand, products=3, variants=2)
    preview = _dry_run(world, catalogue_csv(rows))
    stuck = _stalled_apply(preview, seconds_ago=settings.IMPORT_STALLED_SECONDS + 5)
    assert services.import_jobs_fail_stalled() == 1
    client.force_login(manager)

    page = client.get(reverse("catalog_import:job", args=[stuck.pk]))
    html = page.content.decode()
    assert "重新运行" in html and "Run again" in html
    assert "导入中断" in html and "interrupted" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog_import:rerun", args=[stuck.pk]))

    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.DONE, stuck.failure
    assert (stuck.attempt, stuck.created_count) == (2, 3)
    assert Product.objects.filter(workshop=workshop).count() == 3
    assert ProductVariant.objects.filter(workshop=workshop).count() == 6


def test_only_a_job_failed_through_no_fault_of_its_file_runs_again(world, client):
    brand, workshop, manager = world
    broken = services.import_job_create(
        user=manager,
        workshop=workshop,
        upload=upload(b"\xff\xfe\x00garbage", "catalogue.xlsx"),
        mode=ImportMode.DRY_RUN,
    )
    services.import_job_run(broken.pk)
    broken.refresh_from_db()
    assert broken.status == ImportStatus.FAILED and not broken.can_run_again
    client.force_login(manager)

    page = client.get(reverse("catalog_import:job", args=[broken.pk]))
    assert "重新运行" not in page.content.decode()
    refused = client.post(reverse("catalog_import:rerun", args=[broken.pk]))
    assert refused.status_code == 409
    assert "只有中断" in refused.content.decode()
    with pytest.raises(ImportJobError) as error:
        services.import_job_rerun(user=manager, job=broken)
    assert error.value.code == ImportJobErrorCode.JOB_NOT_RERUNNABLE


def test_someone_who_may_not_import_cannot_run_it_again(world):
    from tests.factories import make_user

    brand = world[0]
    preview = _dry_run(world, catalogue_csv(catalogue_rows(brand, products=1)))
    stuck = _stalled_apply(preview, seconds_ago=settings.IMPORT_STALLED_SECONDS + 5)
    services.import_jobs_fail_stalled()
    stuck.refresh_from_db()

    with pytest.raises(ImportJobError) as error:
        services.import_job_rerun(user=make_user(), job=stuck)

    assert error.value.code == ImportJobErrorCode.PERMISSION_DENIED
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED


def test_a_run_presumed_dead_cannot_overwrite_the_next_run(world):
    """Attempt 1 was failed as stalled and run again (attempt 2 running);
    when attempt 1's worker wakes up, its progress and result go nowhere."""
    brand = world[0]
    preview = _dry_run(world, catalogue_csv(catalogue_rows(brand, products=1)))
    job = _stalled_apply(preview, seconds_ago=settings.IMPORT_STALLED_SECONDS + 5)
    services.import_jobs_fail_stalled()
    job.refresh_from_db()
    services.import_job_rerun(user=world[2], job=job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, attempt=2, rows_done=7, rows_total=10
    )

    services._ProgressSaver(job.pk, attempt=1)(9, 10)
    services._fail(job, 1, ImportJobErrorCode.INTERNAL_ERROR)

    job.refresh_from_db()
    assert (job.status, job.attempt, job.rows_done) == (ImportStatus.RUNNING, 2, 7)
    assert job.failure == ""


def test_the_heartbeat_is_written_while_progress_stands_still(world):
    """A long step that reports the same count (photos being fetched) still
    keeps the job alive."""
    _, workshop, _ = world
    job = ImportJob.objects.create(
        workshop=workshop,
        file="imports/x.csv",
        original_name="x.csv",
        mode=ImportMode.APPLY,
        status=ImportStatus.RUNNING,
        attempt=1,
    )
    saver = services._ProgressSaver(job.pk, attempt=1)
    saver(5, 10)
    old = timezone.now() - timedelta(minutes=5)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
    saver.saved_at -= services.HEARTBEAT_SECONDS  # as if that long has passed

    saver(5, 10)

    job.refresh_from_db()
    assert job.heartbeat_at > timezone.now() - timedelta(seconds=5)
