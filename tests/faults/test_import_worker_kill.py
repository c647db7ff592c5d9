"""A Celery worker SIGKILLed in the middle of applying an import.

A real `celery -A config worker` on Redis takes an apply job of 4,000
products; once some of them are in the catalogue it is killed with SIGKILL
(no chance to clean up). Then:

- what it wrote is whole: every product it created has all its variants and
  their stock (apply writes whole batches in one transaction each);
- the stalled-job sweep fails the job (INTERRUPTED) with Run again — here
  with IMPORT_STALLED_SECONDS shortened to 3 s so the test need not wait the
  production 75 s (test_stalled_jobs.py checks that the production settings
  reach "failed" within two minutes);
- Run again, on a fresh worker, finishes the job with exactly the file's
  catalogue: every product once, every variant once, with the file's prices.

The worker is another process, so it must reach this test's database:
PostgreSQL only (SQLite's test database lives in this process's memory).
"""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db.models import Count

from catalog_import import services
from catalog_import.models import ImportMode, ImportStatus
from storefront.catalog.models import Product, ProductVariant, Stock
from tests.catalog_import.jobs_helpers import (
    catalogue_csv,
    catalogue_rows,
    shop,
    upload,
)
from tests.catalog_import.test_celery_worker import (
    _broker_url,
    _redis_answers,
    _require,
    _tasks_sent_to,
    _worker,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.requires_postgres(
        "the worker is another process: its own settings would open its own "
        "SQLite file, not the test database"
    ),
]

PRODUCTS, VARIANTS = 4_000, 2
DEADLINE = 120  # seconds for each wait below; a hang fails the test


def _wait(condition, what: str, process=None, log: Path | None = None):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited while {what}:\n{log.read_text()}")
        time.sleep(0.05)
    pytest.fail(f"timed out: {what}\n{log.read_text() if log else ''}")


def _whole(workshop) -> bool:
    """Every product in the catalogue has all its variants, each with stock."""
    counts = (
        Product.objects.filter(workshop=workshop)
        .annotate(n=Count("variants"))
        .values_list("n", flat=True)
    )
    stocked = Stock.objects.filter(variant__workshop=workshop).count()
    variants = ProductVariant.objects.filter(workshop=workshop).count()
    return set(counts) <= {VARIANTS} and stocked == variants


def test_a_killed_workers_import_fails_with_run_again_and_reruns_exactly(
    settings, tmp_path
):
    broker_url = _broker_url(settings)
    _require(_redis_answers(broker_url), f"the fault test needs Redis at {broker_url}")
    settings.IMPORT_STALLED_SECONDS = 3
    brand, workshop, manager = shop()
    rows = catalogue_rows(brand, products=PRODUCTS, variants=VARIANTS)
    media = Path(settings.MEDIA_ROOT)

    with _tasks_sent_to(broker_url, settings):
        job = services.import_job_create(
            user=manager,
            workshop=workshop,
            upload=upload(catalogue_csv(rows)),
            mode=ImportMode.APPLY,
        )
    first_log = tmp_path / "worker-1.log"
    with _worker(broker_url=broker_url, media_root=media, log=first_log) as worker:
        _wait(
            lambda: 0 < Product.objects.filter(workshop=workshop).count() < PRODUCTS,
            "waiting for the apply to be half-way",
            worker,
            first_log,
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    written = Product.objects.filter(workshop=workshop).count()
    assert 0 < written < PRODUCTS
    assert _whole(workshop), "a product was half-written"
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING  # nobody has noticed yet

    def swept() -> bool:
        services.import_jobs_fail_stalled()
        job.refresh_from_db()
        return job.status == ImportStatus.FAILED

    _wait(swept, "waiting for the sweep to fail the stalled job")
    assert job.can_run_again and "interrupted" in job.failure

    with _tasks_sent_to(broker_url, settings):
        services.import_job_rerun(user=manager, job=job)
    second_log = tmp_path / "worker-2.log"
    with _worker(broker_url=broker_url, media_root=media, log=second_log) as worker:

        def finished() -> bool:
            job.refresh_from_db()
            return job.status in (ImportStatus.DONE, ImportStatus.FAILED)

        _wait(finished, "waiting for the run again to finish", worker, second_log)

    assert job.status == ImportStatus.DONE, f"{job.failure}\n{second_log.read_text()}"
    assert job.attempt == 2 and job.error_count == 0
    # What the first run wrote is unchanged; only the rest is created.
    assert (job.unchanged_count, job.created_count) == (written, PRODUCTS - written)
    expected = {row[3]: row[4] for row in rows}  # SKU → price in yuan
    variants = ProductVariant.objects.filter(workshop=workshop)
    found = {
        sku: f"{fen // 100}.{fen % 100:02d}"
        for sku, fen in variants.values_list("sku", "price_fen")
    }
    assert found == expected
    assert variants.count() == PRODUCTS * VARIANTS
    assert Product.objects.filter(workshop=workshop).count() == PRODUCTS
    assert _whole(workshop)
