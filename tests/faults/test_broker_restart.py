"""The work a paid order leaves behind survives a crash of a durable broker.

A private redis-server with the append-only file docker-compose gives it is
the Celery broker. An order is paid through localstripe and its signed
webhook; its split and its confirmation email go to the broker on commit (a
second copy of each too, as a redelivery would). The broker is killed
(SIGKILL, a crash) with no worker running, and restarted from its file; a
real `celery worker` then does the work, and each piece is done exactly
once: one sale entry, one email (the console backend prints it into the
worker's log), ledger_check clean. Needs PostgreSQL, as the worker is
another process.
"""

import io
import re
import signal
import time
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command

from revenue.models import EntryKind, JournalEntry
from revenue.tasks import split_order
from storefront.orders.models import Order, OrderEventType
from storefront.orders.tasks import send_order_confirmation
from tests.catalog_import.test_celery_worker import _tasks_sent_to, _worker
from tests.faults.private_redis import DURABLE, PrivateRedis, require_redis_server
from tests.revenue.split_helpers import make_scene
from tests.shop_helpers import paid_order

ROOT = Path(__file__).resolve().parents[2]
WORK_TIMEOUT = 60


def queued(url: str) -> int:
    return redis.Redis.from_url(url).llen("celery")


def test_docker_compose_keeps_the_broker_and_taps_across_restarts():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--appendfsync everysec" in command
    assert "noeviction" in command
    assert any(v.endswith(":/data") for v in compose["services"]["redis"]["volumes"])
    assert django_settings.CELERY_TASK_ACKS_LATE
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.requires_postgres(
    "the worker is another process, which would open its own SQLite file"
)
@pytest.mark.django_db(transaction=True)
def test_a_paid_orders_split_and_email_survive_a_broker_crash(
    client, settings, stripe_settings, tmp_path
):
    require_redis_server()
    broker = PrivateRedis(tmp_path / "broker", DURABLE)
    broker.start()
    try:
        url = broker.url(0)
        scene = make_scene()
        with _tasks_sent_to(url, settings):
            order = paid_order(client, [(scene.variant(2560), 2)])
            # A second copy of each, as a redelivery or a sweep would send.
            split_order.delay(order.pk)
            send_order_confirmation.delay(order.pk)
        # The confirmation, the workshops' new-parcel notice and the split,
        # and the two copies.
        assert queued(url) == 5
        assert not JournalEntry.objects.filter(kind=EntryKind.SALE).exists()

        time.sleep(1.5)  # appendfsync everysec
        broker.stop(signal.SIGKILL)
        broker.start()
        assert queued(url) == 5

        log = tmp_path / "worker.log"
        with _worker(
            broker_url=url, media_root=Path(settings.MEDIA_ROOT), log=log
        ) as process:
            deadline = time.monotonic() + WORK_TIMEOUT
            while queued(url) or not _done(order):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the worker did not finish:\n{log.read_text()}")
                time.sleep(0.2)
            time.sleep(1)  # the last task's own writes and ack
    finally:
        broker.close()

    order.refresh_from_db()
    assert JournalEntry.objects.filter(order=order, kind=EntryKind.SALE).count() == 1
    assert order.events.filter(type=OrderEventType.EMAIL_SENT).count() == 1
    printed = log.read_text()
    # One email, carrying the order link once.
    assert len(re.findall(r"^Subject: ", printed, re.MULTILINE)) == 1, printed
    assert printed.count(f"/orders/{order.token}/") == 1
    call_command("ledger_check", stdout=io.StringIO())


def _done(order: Order) -> bool:
    order.refresh_from_db()
    return (
        order.confirmation_sent_at is not None
        and JournalEntry.objects.filter(order=order, kind=EntryKind.SALE).exists()
    )
