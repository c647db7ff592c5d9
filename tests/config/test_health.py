"""/healthz names each dependency and fails (503) only without the database."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.private_redis import VOLATILE, PrivateRedis, require_redis_server

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
RESILIENT = "storefront.core.redis_cache.ResilientRedisCache"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": RESILIENT,
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def healthz(client):
    response = client.get("/healthz")
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


@pytest.fixture
def private_redis(tmp_path):
    require_redis_server()
    server = PrivateRedis(tmp_path / "redis", VOLATILE)
    server.start()
    yield server
    server.close()


def test_the_embedded_defaults_are_healthy(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert healthz(client) == (
        200,
        {"status": "ok", "database": "ok", "cache": "local", "broker": "eager"},
    )


def test_redis_cache_and_broker_up(client, settings, private_redis):
    redis_cache(settings, private_redis.url(1))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = private_redis.url(0)
    assert healthz(client) == (
        200,
        {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"},
    )


def test_a_stopped_redis_is_degraded_not_failed(client, settings):
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    redis_cache(settings, dead)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = dead
    assert healthz(client) == (
        200,
        {"status": "degraded", "database": "ok", "cache": "down", "broker": "down"},
    )


def test_a_hung_redis_answers_within_the_probe_timeouts(
    client, settings, private_redis
):
    redis_cache(settings, private_redis.url(1))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = private_redis.url(0)
    private_redis.hang()
    # Without the probes' socket timeouts this call would never return (the
    # suite's hang guard, pytest-timeout, would fail it).
    status, body = healthz(client)
    private_redis.resume()
    assert (status, body["cache"], body["broker"]) == (200, "down", "down")


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(lambda tmp: f"postgres://postgres@127.0.0.1:{closed_port()}/x"),
        pytest.param(lambda tmp: f"sqlite:///{tmp}/no-such-folder/db.sqlite3"),
    ],
    ids=["postgresql-unreachable", "sqlite-unopenable"],
)
def test_without_its_database_the_shop_is_down(database_url, tmp_path):
    """In a process of its own, whose database cannot be reached."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps([r.status_code, r.json()]))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(tmp_path),
        "ALLOWED_HOSTS": "testserver",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body == {
        "status": "down",
        "database": "down",
        "cache": "local",
        "broker": "eager",
    }
