"""`python -m config.periodic`: beat's schedule run in-process when there is
no broker (what `make run` starts beside gunicorn)."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from config.celery import app
from config.periodic import (
    MAX_SLEEP_SECONDS,
    Job,
    jobs_from_schedule,
    run_due,
    run_job,
)
from storefront.orders.emails import SWEEP_GRACE
from storefront.orders.models import Order, OrderStatus
from tests.shop_helpers import expire_reservation, paid_order, place_order

REPO = Path(__file__).resolve().parents[2]


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    jobs = jobs_from_schedule(app, django_settings.CELERY_BEAT_SCHEDULE)
    names = {job.name for job in jobs}
    assert {
        "release-expired-reservations",
        "reconcile-pending-payments",
        "flush-link-clicks",
        "split-unsplit-paid-orders",
        "send-unsent-order-confirmations",
        "propose-payout-batch",
    } <= names
    for job in jobs:
        assert job.task in app.tasks, job.task


def _jobs(*names: str, ago: timedelta) -> list[Job]:
    jobs = jobs_from_schedule(app, django_settings.CELERY_BEAT_SCHEDULE)
    for job in jobs:
        job.last_run_at = app.now() - ago
    return [job for job in jobs if job.name in names]


@pytest.mark.django_db
@pytest.mark.usefixtures("stripe_settings")
def test_due_jobs_run_and_the_rest_wait(client, mailoutbox):
    expiring, _ = place_order()
    expire_reservation(expiring)
    lost = paid_order(client)  # on_commit did not run: its email is unsent
    Order.objects.filter(pk=lost.pk).update(
        paid_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=5)
    )

    # Ran 30 s ago: neither the 60 s nor the 180 s job is due yet.
    jobs = _jobs(
        "release-expired-reservations",
        "send-unsent-order-confirmations",
        ago=timedelta(seconds=30),
    )
    wait = run_due(app, jobs)
    assert 25 <= wait <= 30
    expiring.refresh_from_db()
    assert expiring.status == OrderStatus.UNPAID
    assert mailoutbox == []

    # An hour ago: both are due, run, and are not due again at once.
    for job in jobs:
        job.last_run_at = app.now() - timedelta(hours=1)
    assert run_due(app, jobs) == MAX_SLEEP_SECONDS
    expiring.refresh_from_db()
    assert expiring.status == OrderStatus.CANCELLED
    assert len(mailoutbox) == 1
    for job in jobs:
        due, next_seconds = job.schedule.is_due(job.last_run_at)
        assert not due and next_seconds >= 55
    run_due(app, jobs)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_crontab_job_waits_for_its_moment():
    (payouts,) = _jobs("propose-payout-batch", ago=timedelta(seconds=1))
    due, next_seconds = payouts.schedule.is_due(payouts.last_run_at)
    assert not due and 0 < next_seconds <= 7 * 24 * 3600
    payouts.last_run_at = app.now() - timedelta(days=8)
    assert payouts.schedule.is_due(payouts.last_run_at)[0]
    assert run_job(app, payouts)


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others():
    hour_ago = app.now() - timedelta(hours=1)
    (flush,) = _jobs("flush-link-clicks", ago=timedelta(hours=1))
    broken = Job(
        name="broken",
        task="storefront.links.tasks.flush_clicks",
        schedule=flush.schedule,
        last_run_at=hour_ago,
        kwargs={"no_such_argument": 1},
    )
    assert run_job(app, broken) is False
    assert run_job(app, Job("gone", "no.such.task", flush.schedule, hour_ago)) is False

    run_due(app, [broken, flush])
    # Both had their turn; the broken one waits for its next like the other.
    assert broken.last_run_at > hour_ago and flush.last_run_at > hour_ago


def _runner(env_changes: dict, tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "PYTHONUNBUFFERED": "1",
        **env_changes,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "config.periodic"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_runner_starts_and_stops_on_sigterm(tmp_path):
    process = _runner({}, tmp_path)
    try:
        line = process.stdout.readline()
        assert "periodic jobs without a broker" in line, line
        assert "send-unsent-order-confirmations" in line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()


def test_the_runner_refuses_to_double_a_real_beat(tmp_path):
    process = _runner({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "make worker" in output and "make beat" in output


def test_make_run_starts_the_runner_without_a_broker_and_stops_it():
    recipe = (REPO / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n")[0]
    assert "-m config.periodic &" in recipe
    assert "kill $$stand_in $$periodic" in recipe
    assert 'if [ -z "$${CELERY_BROKER_URL}" ]' in recipe
    assert "make worker" in recipe and "make beat" in recipe
