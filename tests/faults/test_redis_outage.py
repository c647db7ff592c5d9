"""The shop's Redis (cache and tap counters) hung, stopped and restarted
under page, GraphQL and tap traffic: every answer is a 200 or a 302, pages
come from the database meanwhile, /healthz says which part is down, and
every tap served is counted exactly once after the flush.

A private redis-server (tests/faults/private_redis.py) is the shop's cache;
the requests go through Django's test client, one process, as gunicorn's
workers would send them.
"""

import io
import json
import signal
import time

import pytest
from django.core.management import call_command
from django.db.models import Sum

from brands.models import Role
from storefront.links.clicks import clicks_flush, link_clicks_pending
from storefront.links.codes import new_code
from storefront.links.models import HostLink, LinkDailyStat, LinkTarget
from tests.factories import grant, make_brand, make_product, make_user
from tests.faults.private_redis import (
    DURABLE,
    VOLATILE,
    PrivateRedis,
    require_redis_server,
)

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36"
GRAPHQL = "{ products(first: 5) { edges { node { name slug } } } }"


@pytest.fixture
def private_redis(tmp_path):
    require_redis_server()
    servers = []

    def start(options):
        server = PrivateRedis(tmp_path / f"redis-{len(servers)}", options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def shop_cache_on(settings, server: PrivateRedis) -> None:
    """Point the shop's cache and tap counters at the private Redis."""
    settings.REDIS_URL = server.url(1)
    settings.CACHES = {
        "default": {
            "BACKEND": "storefront.core.redis_cache.ResilientRedisCache",
            "LOCATION": server.url(1),
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT,
                "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    settings.CATALOG_CACHE_SECONDS = 60


class Traffic:
    """Pages, search, anonymous GraphQL and taps; counts the taps served."""

    def __init__(self, client):
        brand = make_brand()
        self.product = make_product(brand=brand, name="蚂蚁岛虾皮")
        host = make_user()
        grant(host, Role.LIVESTREAM_HOST, brand)
        self.link = HostLink.objects.create(
            code=new_code(),
            host=host,
            brand=brand,
            target=LinkTarget.PRODUCT,
            product=self.product,
        )
        self.client = client
        self.taps = 0
        self.hits = 0

    def round(self, taps: int = 5) -> None:
        """One visitor's worth of requests; fails on anything but 200/302."""
        for url in ("/", f"/products/{self.product.slug}/", "/search/?q=虾皮"):
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            self.hits += response.get("X-Page-Cache") == "hit"
        response = self.client.post(
            "/graphql/", json.dumps({"query": GRAPHQL}), "application/json"
        )
        assert response.status_code == 200, response.content
        names = [
            e["node"]["name"] for e in response.json()["data"]["products"]["edges"]
        ]
        assert names == ["蚂蚁岛虾皮"]
        for _ in range(taps):
            response = self.client.get(f"/l/{self.link.code}", HTTP_USER_AGENT=PHONE)
            assert response.status_code == 302, response.status_code
            self.taps += 1

    def counted(self) -> tuple[int, int]:
        """(HostLink.clicks, sum of its daily rows) in the database."""
        self.link.refresh_from_db()
        days = LinkDailyStat.objects.filter(link=self.link).aggregate(n=Sum("clicks"))
        return self.link.clicks, days["n"] or 0


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def ledger_clean() -> None:
    out = io.StringIO()
    call_command("ledger_check", stdout=out)  # raises CommandError otherwise


def test_a_hung_then_stopped_then_restarted_cache_breaks_nothing_and_loses_no_tap(
    client, settings, private_redis
):
    server = private_redis(VOLATILE)
    shop_cache_on(settings, server)
    traffic = Traffic(client)

    # Up: pages come from the cache, taps wait in Redis.
    for _ in range(3):
        traffic.round()
    assert traffic.hits >= 6
    assert link_clicks_pending(traffic.link.pk) == 15
    assert health(client) == (
        200,
        {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"},
    )

    # Hung: the socket accepts, nothing answers. One timeout, then the
    # shop leaves Redis alone for a moment instead of waiting on every call.
    server.hang()
    hits_before = traffic.hits
    for _ in range(4):
        traffic.round()
    assert traffic.hits == hits_before  # served from the database
    status, body = health(client)
    assert (status, body["status"], body["cache"]) == (200, "degraded", "down")

    # Back: its 15 taps were kept; the 20 of the outage are in the database.
    server.resume()
    time.sleep(2.1)  # the pause after a failure ends
    traffic.round()
    assert clicks_flush() == 15 + 5
    assert traffic.counted() == (traffic.taps, traffic.taps) == (40, 40)

    # Stopped: refused at once.
    server.stop()
    for _ in range(4):
        traffic.round()
    assert health(client)[1]["cache"] == "down"
    assert clicks_flush() == 0  # nothing reachable, nothing fails

    # Restarted empty (nothing was left unflushed in it): counting goes on.
    server.start()
    time.sleep(2.1)
    for _ in range(2):
        traffic.round()
    clicks_flush()
    assert traffic.counted() == (traffic.taps, traffic.taps) == (70, 70)
    assert health(client)[1]["cache"] == "ok"
    ledger_clean()


def test_a_durable_cache_killed_mid_traffic_keeps_its_taps(
    client, settings, private_redis
):
    """With the append-only file docker-compose gives Redis, even a crash
    (SIGKILL) keeps the taps buffered more than a second earlier."""
    server = private_redis(DURABLE)
    shop_cache_on(settings, server)
    traffic = Traffic(client)

    for _ in range(4):
        traffic.round()
    assert link_clicks_pending(traffic.link.pk) == 20
    time.sleep(1.5)  # appendfsync everysec
    server.stop(signal.SIGKILL)
    for _ in range(2):
        traffic.round()  # into the database directly
    server.start()
    time.sleep(2.1)
    traffic.round()

    assert link_clicks_pending(traffic.link.pk) == 25
    assert clicks_flush() == 25
    assert traffic.counted() == (traffic.taps, traffic.taps) == (35, 35)
    assert clicks_flush() == 0  # counted once
    assert traffic.counted() == (35, 35)
    ledger_clean()
