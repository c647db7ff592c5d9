"""A real Celery worker on Redis processes an import job.

The job is created through the service, as the portal does; its task goes to
Redis on commit; a `celery -A config worker` process (solo pool, pointed at
this test's database and media folder) picks it up and runs it to DONE, and
the products are there. Needs PostgreSQL (another process must reach the
test database) and Redis: skipped without them, failed without them on CI.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from kombu import pools as kombu_pools

from catalog_import import services
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from config.celery import app
from storefront.catalog.models import Product
from tests.catalog_import.jobs_helpers import (
    catalogue_csv,
    catalogue_rows,
    shared_database_url,
    shop,
    upload,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
JOB_TIMEOUT = 60  # seconds for the worker to start and finish the job
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _require(ok: bool, message: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _broker_url(settings) -> str:
    """The Redis this suite uses (REDIS_URL: the conftest empties it before
    each test, so no message is left over from an earlier run)."""
    return (
        os.environ.get("CELERY_TEST_BROKER_URL") or settings.REDIS_URL or DEFAULT_REDIS
    )


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _forget_connections() -> None:
    """Drop the producer connections Celery keeps (an earlier test may have
    opened them on the in-memory broker), so the next task is sent to the
    broker configured now."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # Kombu's own registry still holds producer pools over the connections
    # closed above; a later task would be refused "Acquire on closed pool".
    kombu_pools.reset()


@contextmanager
def _tasks_sent_to(broker_url: str, settings):
    """This process sends tasks to `broker_url` instead of running them
    eagerly. The Celery app read Django's settings when it was configured, so
    its own configuration is switched too, and restored afterwards."""
    keys = ("broker_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(**saved)
        _forget_connections()


@contextmanager
def _worker(*, broker_url: str, media_root: Path, log: Path):
    """A `celery -A config worker` process on this test's database; always
    stopped on the way out."""
    queue = app.conf.task_default_queue
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "IMPORT_ROOT": str(settings.IMPORT_ROOT),
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "-Q",
        queue,
        "--hostname",
        f"import-test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_for(job: ImportJob, process, log: Path) -> list[int]:
    """Poll the job until the worker finishes it; the progress seen on the way."""
    seen = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append(job.progress)
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return seen
        if process.poll() is not None:
            pytest.fail(
                f"the worker died (exit {process.returncode}):\n{log.read_text()}"
            )
        time.sleep(0.2)
    pytest.fail(
        f"job still {job.status} after {JOB_TIMEOUT} s; worker output:\n"
        f"{log.read_text()}"
    )


@pytest.mark.requires_postgres(
    "the worker is another process, which would open its own SQLite file"
)
def test_a_real_worker_runs_an_import_job(settings, tmp_path):
    broker_url = _broker_url(settings)
    _require(_redis_answers(broker_url), f"the worker test needs Redis at {broker_url}")
    brand, workshop, manager = shop()
    content = catalogue_csv(catalogue_rows(brand, products=100, variants=3))
    log = tmp_path / "worker.log"

    with _tasks_sent_to(broker_url, settings):
        job = services.import_job_create(
            user=manager,
            workshop=workshop,
            upload=upload(content),
            mode=ImportMode.APPLY,
        )
    # Sent to Redis, not run here.
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    assert Product.objects.count() == 0

    with _worker(
        broker_url=broker_url, media_root=Path(settings.MEDIA_ROOT), log=log
    ) as process:
        seen = _wait_for(job, process, log)

    assert job.status == ImportStatus.DONE, f"{job.failure}\n{log.read_text()}"
    assert job.progress == 100 and seen[-1] == 100
    assert seen == sorted(seen)
    assert (job.rows_done, job.rows_total) == (300, 300)
    assert (job.created_count, job.error_count) == (100, 0)
    assert job.started_at <= job.finished_at
    assert Product.objects.filter(workshop=workshop).count() == 100
    assert "catalog_import.tasks.run_import_job" in log.read_text()
