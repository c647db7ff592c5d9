"""Click counting: exact under concurrent taps, across a flush running at the
same time, after a flush that died half-way, and without Redis.

These run on a real PostgreSQL (transaction=True, so each thread has its own
connection and commits) and, where named, on the real Redis at REDIS_URL.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Role
from storefront.links import clicks
from storefront.links.clicks import (
    click_record,
    clicks_flush,
    flush_apply,
    flush_claim,
    flush_finish,
    link_clicks_pending,
)
from storefront.links.codes import new_code
from storefront.links.models import ClickFlush, HostLink, LinkDailyStat, LinkTarget
from storefront.links.tasks import flush_clicks
from tests.factories import grant, make_brand, make_product, make_user

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; 23127PN0CC) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0 Mobile Safari/537.36 XiaoHongShu/8.30"
)


@pytest.fixture
def with_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    return clicks._redis()


@pytest.fixture
def without_redis(settings):
    settings.REDIS_URL = ""


def make_links(count: int) -> list[HostLink]:
    brand = make_brand()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    product = make_product(brand=brand)
    return [
        HostLink.objects.create(
            code=new_code(),
            host=host,
            brand=brand,
            target=LinkTarget.PRODUCT,
            product=product,
        )
        for _ in range(count)
    ]


def in_threads(workers: int, job, jobs) -> None:
    """Run job(item) for every item on `workers` threads, each closing its own
    database connection afterwards."""

    def run(item):
        try:
            job(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, jobs))


def clicks_of(link: HostLink) -> tuple[int, int, int]:
    """(HostLink.clicks, sum of daily clicks, sum of daily unique visitors)."""
    link.refresh_from_db()
    days = LinkDailyStat.objects.filter(link=link).aggregate(
        clicks=Sum("clicks"), unique=Sum("unique_visitors")
    )
    return link.clicks, days["clicks"] or 0, days["unique"] or 0


def tap(link: HostLink, visitor: str) -> None:
    click_record(link_id=link.pk, visitor=visitor, live_session_id=None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_taps_then_a_flush_count_exactly(with_redis):
    links = make_links(3)
    taps = [(links[n % 3], f"visitor-{n % 7}") for n in range(1200)]

    in_threads(16, lambda item: tap(*item), taps)

    # On a loaded machine a tap whose Redis script misses its deadline is
    # written to the database at once instead: counted, just not pending.
    pending = [link_clicks_pending(link.pk) for link in links]
    written = [clicks_of(link)[0] for link in links]
    assert [p + w for p, w in zip(pending, written, strict=True)] == [400, 400, 400]
    assert flush_clicks.delay().get() == sum(pending)
    for link in links:
        clicked, per_day, unique = clicks_of(link)
        assert (clicked, per_day) == (400, 400)
        # The database's "seen" marks and Redis's HyperLogLog are kept apart.
        assert unique == 7 if not any(written) else 7 <= unique <= 14
        assert link_clicks_pending(link.pk) == 0
    assert ClickFlush.objects.get().clicks == sum(pending)
    assert clicks_flush() == 0  # nothing new: nothing moves, no empty batch
    assert ClickFlush.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_taps_through_the_redirect_from_many_clients_count_exactly(with_redis):
    (link,) = make_links(1)

    def taps(n):
        client = Client(REMOTE_ADDR=f"10.0.0.{n}")
        for _ in range(25):
            response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)
            assert response.status_code == 302

    in_threads(8, taps, range(8))
    clicks_flush()

    clicked, per_day, unique = clicks_of(link)
    assert (clicked, per_day) == (200, 200)
    # A tap creates no session, so each client is its address + browser.
    assert unique == 8


@pytest.mark.django_db(transaction=True)
def test_taps_arriving_during_flushes_are_neither_lost_nor_doubled(with_redis):
    links = make_links(2)
    tapping = threading.Event()
    tapping.set()
    sent = [0] * 6

    def tapper(n):
        for _ in range(1500):
            tap(links[n % 2], f"v{n}-{sent[n] % 5}")
            sent[n] += 1

    def flusher():
        while tapping.is_set():
            clicks_flush()
        connection.close()

    flushing = threading.Thread(target=flusher)
    flushing.start()
    in_threads(6, tapper, range(6))
    tapping.clear()
    flushing.join()
    clicks_flush()

    per_link = [sum(sent[n] for n in range(6) if n % 2 == i) for i in range(2)]
    for link, expected in zip(links, per_link, strict=True):
        clicked, per_day, unique = clicks_of(link)
        assert (clicked, per_day) == (expected, expected)
        assert unique == 15
    assert ClickFlush.objects.count() > 1  # the flusher really ran meanwhile
    assert ClickFlush.objects.aggregate(n=Sum("clicks"))["n"] == sum(sent)


@pytest.mark.django_db(transaction=True)
def test_a_flush_that_died_after_its_commit_is_not_applied_twice(with_redis):
    (link,) = make_links(1)
    for n in range(5):
        tap(link, f"v{n}")
    token = flush_claim()
    assert flush_apply(token) == 5
    # Died here: the batch is in the database but still in Redis.
    for n in range(3):
        tap(link, f"w{n}")

    assert clicks_flush() == 3

    assert clicks_of(link) == (8, 8, 8)
    assert not with_redis.exists(f"{clicks.PREFIX}inflight:{token}")
    assert not with_redis.smembers(clicks.TOKENS)
    assert ClickFlush.objects.filter(token=token, clicks=5).exists()


@pytest.mark.django_db(transaction=True)
def test_a_flush_that_died_before_its_commit_is_finished_by_the_next(with_redis):
    (link,) = make_links(1)
    for _ in range(4):
        tap(link, "same visitor")
    token = flush_claim()
    assert link_clicks_pending(link.pk) == 0  # moved into the batch
    tap(link, "same visitor")

    assert clicks_flush() == 5

    assert clicks_of(link) == (5, 5, 1)
    assert ClickFlush.objects.filter(token=token, clicks=4).exists()


@pytest.mark.django_db(transaction=True)
def test_one_batch_applied_by_two_flushes_at_once_counts_once(with_redis):
    (link,) = make_links(1)
    for n in range(10):
        tap(link, f"v{n}")
    token = flush_claim()
    results = []
    in_threads(2, lambda _: results.append(flush_apply(token)), range(2))
    flush_finish(token)

    assert sorted(results) == [0, 10]
    assert clicks_of(link) == (10, 10, 10)


@pytest.mark.django_db(transaction=True)
def test_taps_on_a_deleted_link_are_dropped_without_failing_the_batch(with_redis):
    keep, gone = make_links(2)
    tap(keep, "a")
    tap(gone, "b")
    gone.delete()

    clicks_flush()

    assert clicks_of(keep) == (1, 1, 1)
    assert not with_redis.smembers(clicks.TOKENS)


@pytest.mark.django_db(transaction=True)
def test_without_redis_concurrent_taps_are_written_exactly(without_redis):
    links = make_links(2)
    taps = [(links[n % 2], f"visitor-{n % 9}") for n in range(400)]

    in_threads(12, lambda item: tap(*item), taps)

    for link in links:
        assert clicks_of(link) == (200, 200, 9)
        assert link_clicks_pending(link.pk) == 0
    assert clicks_flush() == 0
    assert not ClickFlush.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_without_redis_first_taps_of_the_day_at_the_same_instant_all_count(
    without_redis,
):
    """Every thread's tap is the link's first of the day, released together:
    they race to create the day row and to add to both counts. A tap that
    read a count and wrote it back, or skipped a row another tap was still
    creating, leaves the totals short."""
    links = make_links(4)
    threads = 8
    for link in links:
        start = threading.Barrier(threads)

        def first_tap(n, link=link, start=start):
            start.wait()
            tap(link, f"visitor-{n}")

        in_threads(threads, first_tap, range(threads))

    for link in links:
        assert clicks_of(link) == (threads, threads, threads)
        assert LinkDailyStat.objects.filter(link=link).count() == 1


@pytest.mark.django_db(transaction=True)
def test_without_redis_taps_through_the_redirect_from_many_clients_count_exactly(
    without_redis,
):
    links = make_links(2)
    served = [0] * 8

    def taps(n):
        client = Client(REMOTE_ADDR=f"10.0.1.{n}")
        for i in range(30):
            response = client.get(f"/l/{links[i % 2].code}", HTTP_USER_AGENT=PHONE)
            assert response.status_code == 302
            served[n] += 1

    in_threads(8, taps, range(8))

    for link in links:
        clicked, per_day, unique = clicks_of(link)
        assert (clicked, per_day) == (sum(served) // 2, sum(served) // 2)
        assert unique == 8
    assert sum(served) == 240


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("a tap is one PostgreSQL statement (a CTE upsert)")
def test_without_redis_a_tap_is_one_statement_and_leaves_commits_durable(
    without_redis,
):
    (link,) = make_links(1)
    tap(link, "first")
    with CaptureQueriesContext(connection) as queries:
        tap(link, "second")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        after = cursor.fetchone()[0]

    assert len(queries) == 1
    assert "ON CONFLICT" in queries[0]["sql"]
    # Only the tap's own transaction skips waiting for the disk.
    assert "set_config('synchronous_commit', 'off', true)" in queries[0]["sql"]
    assert after == "on"
    assert clicks_of(link) == (2, 2, 2)


@pytest.mark.django_db
@pytest.mark.requires_postgres("the tap's quick commit is a PostgreSQL setting")
def test_a_tap_inside_a_callers_transaction_does_not_change_its_commit(
    without_redis,
):
    (link,) = make_links(1)
    with CaptureQueriesContext(connection) as queries:
        tap(link, "v")  # the test's own transaction is around it

    assert len(queries) == 1
    assert "synchronous_commit" not in queries[0]["sql"]
    assert clicks_of(link) == (1, 1, 1)


@pytest.mark.django_db
def test_without_redis_a_tap_on_a_deleted_link_writes_nothing(without_redis):
    keep, gone = make_links(2)
    gone_pk = gone.pk
    gone.delete()

    click_record(link_id=gone_pk, visitor="v", live_session_id=None)
    tap(keep, "v")

    assert not LinkDailyStat.objects.filter(link_id=gone_pk).exists()
    assert clicks_of(keep) == (1, 1, 1)


@pytest.mark.django_db
def test_without_redis_the_redirect_counts_at_once(client, without_redis, midday):
    (link,) = make_links(1)
    for _ in range(3):
        client.get(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)

    clicked, per_day, _ = clicks_of(link)
    assert (clicked, per_day) == (3, 3)
    day = LinkDailyStat.objects.get(link=link)
    assert day.day == timezone.localdate()


def test_the_visitor_key_hides_the_address(rf):
    request = rf.get("/l/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=PHONE)
    key = clicks.visitor_key(request)
    assert "203.0.113.9" not in key and len(key) == 32
    other = rf.get("/l/x", REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT=PHONE)
    assert clicks.visitor_key(other) != key
    assert (
        clicks.visitor_key(
            rf.get("/l/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=PHONE)
        )
        == key
    )


def test_visitors_behind_the_shops_proxy_are_told_apart_by_its_header(rf, settings):
    def tap(forwarded_for):
        return clicks.visitor_key(
            rf.get(
                "/l/x",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=forwarded_for,
                HTTP_USER_AGENT=PHONE,
            )
        )

    # Without a trusted proxy the header is the client's to forge: ignored.
    settings.TRUSTED_PROXY_COUNT = 0
    assert tap("203.0.113.9") == tap("203.0.113.10")
    # One proxy of ours appends the address it saw; what is left of it is not
    # trusted, so a forged first entry changes nothing.
    settings.TRUSTED_PROXY_COUNT = 1
    assert tap("203.0.113.9") != tap("203.0.113.10")
    assert tap("198.51.100.1, 203.0.113.9") == tap("203.0.113.9")
