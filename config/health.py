"""/healthz for load balancers and compose healthchecks.

Each dependency is probed with a short timeout and reported by name:

    database  "ok" | "down"            the shop cannot work without it: 503
    cache     "ok" | "down" | "local"  Redis cache and tap counters; "local"
                                       is the file cache of a first run
    broker    "ok" | "down" | "eager"  Celery's broker; "eager" runs tasks
                                       in-process (no CELERY_BROKER_URL)

`status` is "ok" when everything answers, "down" (503) when the database
does not, and "degraded" when the cache or the broker does not: the shop
still serves and sells then (pages from the database, taps written
directly, missed tasks caught up by the sweeps). Errors go to the log, not
into the answer.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

log = logging.getLogger(__name__)

PROBE_SECONDS = 1.0


def database_state() -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SET LOCAL statement_timeout = %s", [int(PROBE_SECONDS * 1000)]
                )
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down"
        log.exception("healthz: the database does not answer")
        return "down"
    return "ok"


def cache_state() -> str:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"
    return "ok" if ping() else "down"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    options = {
        "socket_connect_timeout": PROBE_SECONDS,
        "socket_timeout": PROBE_SECONDS,
    }
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=PROBE_SECONDS,
            transport_options=options,
        ) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_SECONDS
            )
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        log.warning("healthz: the broker does not answer: %s", error)
        return "down"
    return "ok"


@never_cache
def healthz(request):
    states = {
        "database": database_state(),
        "cache": cache_state(),
        "broker": broker_state(),
    }
    healthy = all(state in {"ok", "local", "eager"} for state in states.values())
    if states["database"] != "ok":
        return JsonResponse({"status": "down", **states}, status=503)
    return JsonResponse({"status": "ok" if healthy else "degraded", **states})
