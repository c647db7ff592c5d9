"""`python -m config.periodic`: Celery beat's schedule for a shop without a
broker (the embedded default of `make run`).

With no CELERY_BROKER_URL every task runs eagerly in-process, and beat has no
broker to send to, so this runs each entry of CELERY_BEAT_SCHEDULE itself, in
this process, when its schedule (an interval or a crontab, with Celery's own
`is_due`) says so: reservation expiry, payment reconciliation, revenue split
sweeps, tap flushes, confirmation emails, workshop notices, payout
proposals. Like beat, an entry first runs one interval after start. A
failing job is logged and runs again at its next turn; SIGTERM or SIGINT
stops the loop between jobs.

With a broker this refuses to run: `celery worker` and `celery beat` do the
work then (`make worker`, `make beat`), and running both would double it.
"""

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime

log = logging.getLogger("config.periodic")

# Never sleep longer than this, so a changed clock is noticed soon.
MAX_SLEEP_SECONDS = 30.0


@dataclass
class Job:
    name: str
    task: str
    schedule: object  # a celery.schedules.BaseSchedule
    last_run_at: datetime
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def jobs_from_schedule(app, beat_schedule: dict) -> list[Job]:
    from celery.schedules import maybe_schedule

    app.loader.import_default_modules()  # every app's tasks.py, registered
    now = app.now()
    return [
        Job(
            name=name,
            task=entry["task"],
            schedule=maybe_schedule(entry["schedule"], app=app),
            last_run_at=now,
            args=tuple(entry.get("args", ())),
            kwargs=dict(entry.get("kwargs", {})),
        )
        for name, entry in beat_schedule.items()
    ]


def run_job(app, job: Job) -> bool:
    """Run one job in this process; False (and a logged traceback) if it
    failed."""
    try:
        result = app.tasks[job.task].apply(args=job.args, kwargs=job.kwargs, throw=True)
    except Exception:  # noqa: BLE001 - one failing job must not stop the rest
        log.exception("periodic job %s (%s) failed", job.name, job.task)
        return False
    log.info("periodic job %s: %r", job.name, result.result)
    return True


def run_due(app, jobs: list[Job]) -> float:
    """Run every job that is due now; the seconds until one may be due."""
    wait = MAX_SLEEP_SECONDS
    for job in jobs:
        due, next_seconds = job.schedule.is_due(job.last_run_at)
        if due:
            job.last_run_at = app.now()
            run_job(app, job)
            due, next_seconds = job.schedule.is_due(job.last_run_at)
        wait = min(wait, max(float(next_seconds), 0.1))
    return wait


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.periodic")
    parser.add_argument(
        "--once", action="store_true", help="run every job once now, then exit"
    )
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import close_old_connections

    from config.celery import app

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        print(
            "CELERY_BROKER_URL is set: run `make worker` and `make beat` for the "
            "periodic jobs, not this runner.",
            file=sys.stderr,
        )
        return 2
    jobs = jobs_from_schedule(app, settings.CELERY_BEAT_SCHEDULE)
    if options.once:
        failed = [job.name for job in jobs if not run_job(app, job)]
        return 1 if failed else 0

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("periodic jobs without a broker: %s", ", ".join(j.name for j in jobs))
    while not stop.is_set():
        wait = run_due(app, jobs)
        # Between runs, as after a request: no connection kept past its age.
        close_old_connections()
        stop.wait(wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())
