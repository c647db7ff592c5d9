"""The Celery side of the split: the per-order task is a no-op when repeated,
the beat sweep finds paid orders whose task never ran, and two workers
splitting the same order at once post one entry (PostgreSQL row locks)."""

import threading
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import EntryKind, JournalEntry, Share
from revenue.tasks import SWEEP_GRACE, split_order, split_unsplit_orders
from storefront.orders.models import Order, OrderStatus
from tests.revenue.split_helpers import (
    assert_ledger_consistent,
    brand_agreement,
    make_scene,
    owed,
    sale_entries,
    unsplit_paid_order,
)
from tests.shop_helpers import place_order

pytestmark = pytest.mark.usefixtures("stripe_settings")


def paid_minutes_ago(order, minutes) -> None:
    Order.objects.filter(pk=order.pk).update(
        paid_at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_the_split_task_run_twice_posts_once(client):
    scene = make_scene()
    order = unsplit_paid_order(client, [(scene.variant(999), 1)])

    assert split_order.delay(order.pk).get() == 1
    assert split_order.delay(order.pk).get() == 0
    assert split_order(order.pk) == 0

    assert sale_entries(order) == 1
    assert owed(scene.w1) == 699 + 777
    assert_ledger_consistent()


@pytest.mark.django_db
def test_the_split_task_leaves_an_unpaid_order_alone():
    scene = make_scene()
    order, _payment = place_order([(scene.variant(999), 1)])

    assert split_order(order.pk) == 0
    assert split_order(0) == 0  # gone: nothing to do
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_the_sweep_splits_paid_orders_whose_task_never_ran(client):
    scene = make_scene()
    lost = unsplit_paid_order(client, [(scene.variant(999), 1)])
    also_lost = unsplit_paid_order(client, [(scene.variant(3333, scene.w2), 3)])
    just_paid = unsplit_paid_order(client, [(scene.variant(500), 1)])
    unpaid, _payment = place_order([(scene.variant(700), 1)])
    paid_minutes_ago(lost, 60 * 24)
    paid_minutes_ago(also_lost, 6)
    paid_minutes_ago(just_paid, 4)

    assert split_unsplit_orders.delay().get() == 2

    assert (sale_entries(lost), sale_entries(also_lost)) == (1, 1)
    # Paid under five minutes ago: its own task may still be on its way.
    assert (sale_entries(just_paid), sale_entries(unpaid)) == (0, 0)
    assert split_unsplit_orders() == 0
    assert_ledger_consistent()

    paid_minutes_ago(just_paid, 6)
    assert split_unsplit_orders() == 1
    assert sale_entries(just_paid) == 1
    assert_ledger_consistent()


@pytest.mark.django_db
def test_the_sweep_grace_is_five_minutes_and_it_runs_every_ten():
    assert SWEEP_GRACE == timedelta(minutes=5)
    beat = settings.CELERY_BEAT_SCHEDULE["split-unsplit-paid-orders"]
    assert beat == {"task": "revenue.tasks.split_unsplit_orders", "schedule": 600.0}


@pytest.mark.django_db
def test_a_split_order_is_never_swept_again(client, django_capture_on_commit_callbacks):
    scene = make_scene()
    with django_capture_on_commit_callbacks(execute=True):
        order = unsplit_paid_order(client, [(scene.variant(999), 1)])
    assert sale_entries(order) == 1
    paid_minutes_ago(order, 60)
    shares = Share.objects.count()

    assert split_unsplit_orders() == 0
    assert Share.objects.count() == shares


@pytest.mark.django_db
def test_an_order_without_an_agreement_waits_for_one_and_holds_up_no_other(
    client, caplog
):
    scene = make_scene(agreement=False)
    stranded = unsplit_paid_order(client, [(scene.variant(999), 1)])
    # Paid before any agreement was in force (the platform default starts on
    # 2026-01-01).
    Order.objects.filter(pk=stranded.pk).update(
        paid_at=timezone.make_aware(timezone.datetime(2025, 6, 1, 12))
    )
    other = make_scene()
    fine = unsplit_paid_order(client, [(other.variant(999), 1)])
    paid_minutes_ago(fine, 30)

    with pytest.raises(RevenueError) as raised:
        split_order(stranded.pk)
    assert raised.value.code == RevenueErrorCode.AGREEMENT_MISSING
    assert sale_entries(stranded) == 0
    assert not Share.objects.filter(order=stranded).exists()

    assert split_unsplit_orders() == 1
    assert (sale_entries(stranded), sale_entries(fine)) == (0, 1)
    assert f"order {stranded.pk} not split: agreement_missing" in caplog.text
    assert split_unsplit_orders() == 0
    assert_ledger_consistent()

    brand_agreement(scene.operator, scene.brand, effective_from=date(2025, 1, 1))
    assert split_unsplit_orders() == 1
    assert sale_entries(stranded) == 1
    assert owed(scene.w1) == 699 + 777
    assert_ledger_consistent()


# --- two workers at once ----------------------------------------------------------


def order_paid_without_its_task(scene):
    """An order marked paid whose split task never ran. (Paying through the
    webhook here would commit and run the eager task at once.)"""
    order, _payment = place_order([(scene.variant(999), 1), (scene.variant(1), 3)])
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.PAID,
        paid_fen=order.total_fen,
        paid_at=timezone.now() - timedelta(minutes=30),
    )
    return order


def run_at_once(*jobs):
    """Run each job in its own thread (and database connection), released
    together; returns each job's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = jobs[i]()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_splitting_the_same_order_at_once_post_once():
    scene = make_scene()
    order = order_paid_without_its_task(scene)

    results = run_at_once(lambda: split_order(order.pk), lambda: split_order(order.pk))

    assert sorted(results, key=str) == [0, 1], results
    assert sale_entries(order) == 1
    assert JournalEntry.objects.filter(kind=EntryKind.SALE).count() == 1
    assert owed(scene.w1) == 699 + 2 + 777  # 3 × 1 fen: 2 to the workshop
    assert_ledger_consistent()


@pytest.mark.django_db(transaction=True)
def test_the_sweep_and_a_late_task_at_once_post_once():
    scene = make_scene()
    order = order_paid_without_its_task(scene)
    other = order_paid_without_its_task(scene)

    results = run_at_once(
        split_unsplit_orders,
        lambda: split_order(other.pk),
        lambda: split_order(order.pk),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 2
    assert (sale_entries(order), sale_entries(other)) == (1, 1)
    assert_ledger_consistent()
