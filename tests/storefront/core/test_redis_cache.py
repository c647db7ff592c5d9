"""The pause after a failure, counted in connections rather than seconds: a
Redis that failed is not asked again until REDIS_RETRY_SECONDS have passed."""

import socket
import threading
import time

import pytest

from storefront.core import redis_cache
from storefront.core.redis_cache import ResilientRedisCache, redis_paused


class SilentServer:
    """Listens on a port, accepts every connection, never answers: a hung
    Redis as the shop sees it. Counts what it accepted."""

    def __init__(self, port: int):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(timeout=5)
        for connection in self.accepted:
            connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def short_pause(monkeypatch):
    monkeypatch.setattr(redis_cache, "REDIS_RETRY_SECONDS", 0.3)
    monkeypatch.setattr(redis_cache, "_paused_until", {})
    monkeypatch.setattr(redis_cache, "_last_warning", {})


def cache_at(port: int) -> ResilientRedisCache:
    return ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )


def test_a_refused_redis_is_a_miss_and_is_left_alone_while_paused(short_pause):
    port = free_port()
    cache = cache_at(port)
    assert cache.get("k", "default") == "default"  # refused: nothing listens
    assert cache.set("k", "v") is None
    assert redis_paused(cache._pause_key)

    server = SilentServer(port)  # now something listens, and hangs
    try:
        for _ in range(20):
            assert cache.get("k", "default") == "default"
            assert cache.get_many(["a", "b"]) == {}
            assert cache.add("k", "v") is False
            with pytest.raises(ValueError):
                cache.incr("n")
        assert server.accepted == []  # 80 calls, not one connection

        while redis_paused(cache._pause_key):
            time.sleep(0.05)
        assert cache.get("k", "default") == "default"  # tried again: timed out
        assert len(server.accepted) == 1
        assert redis_paused(cache._pause_key)  # and paused again
        assert cache.get("k", "default") == "default"
        assert len(server.accepted) == 1
    finally:
        server.close()


def test_one_warning_for_many_failures(short_pause, caplog):
    cache = cache_at(free_port())
    for _ in range(3):
        cache.get("k")
        while redis_paused(cache._pause_key):
            time.sleep(0.05)
    warnings = [r for r in caplog.records if r.name == "storefront.redis"]
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0].getMessage()
