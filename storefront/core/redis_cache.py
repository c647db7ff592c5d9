"""Django's Redis cache, but a Redis that is down or hung is a cache miss.

Every read answers its default, every write is dropped, and one warning is
logged per REDIS_WARN_SECONDS (not one per request). Pages, GraphQL and link
taps then serve from the database. A stopped Redis refuses at once; a hung
one costs one socket timeout (REDIS_SOCKET_TIMEOUT, 0.5 s), after which this
process leaves it alone for REDIS_RETRY_SECONDS before trying again, so a
hung Redis does not add a timeout to every cache call of every request.

Entries written before the outage keep their own expiry (page entries 60 s,
link targets 25 s), so a catalogue write that could not bump the version is
visible at the latest that long after Redis is back.

Django's backend rather than django-redis's DJANGO_REDIS_IGNORE_EXCEPTIONS:
the same behaviour in a few dozen lines, plus the pause after a failure,
without a second client library whose serialisation and key layout differ
from what is stored today.
"""

import logging
import time
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("storefront.redis")

# Unreachable, refused, reset or too slow; not a bad command.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
REDIS_WARN_SECONDS = 30.0
REDIS_RETRY_SECONDS = 2.0

_last_warning: dict[str, float] = {}
# What failed (a name) → monotonic moment until which it is not tried again.
_paused_until: dict[str, float] = {}


def redis_paused(what: str) -> bool:
    """True while `what` failed less than REDIS_RETRY_SECONDS ago."""
    return time.monotonic() < _paused_until.get(what, 0.0)


def redis_failed(what: str, error: Exception) -> None:
    """Pause `what` for REDIS_RETRY_SECONDS, and log that Redis failed it (at
    most once per REDIS_WARN_SECONDS)."""
    now = time.monotonic()
    _paused_until[what] = now + REDIS_RETRY_SECONDS
    if now - _last_warning.get(what, -REDIS_WARN_SECONDS) < REDIS_WARN_SECONDS:
        return
    _last_warning[what] = now
    log.warning("Redis unreachable (%s): %s; serving without it", what, error)


def redis_name(url: str) -> str:
    """host:port/db of a Redis URL, without its password (for logs)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


def _miss(method: str, fallback):
    def call(self, *args, **kwargs):
        if not redis_paused(self._pause_key):
            try:
                return getattr(super(ResilientRedisCache, self), method)(
                    *args, **kwargs
                )
            except REDIS_DOWN as error:
                redis_failed(self._pause_key, error)
        return fallback(*args, **kwargs)

    call.__name__ = method
    return call


def _default(key, default=None, version=None):
    return default


def _constant(value):
    return lambda *args, **kwargs: value


class ResilientRedisCache(RedisCache):
    """RedisCache whose connection failures are misses (reads) and no-ops
    (writes). `incr` raises ValueError as for a missing key."""

    get = _miss("get", _default)
    get_many = _miss("get_many", lambda *args, **kwargs: {})
    has_key = _miss("has_key", _constant(False))
    add = _miss("add", _constant(False))
    set = _miss("set", _constant(None))
    set_many = _miss("set_many", lambda data, *args, **kwargs: list(data))
    touch = _miss("touch", _constant(False))
    delete = _miss("delete", _constant(False))
    delete_many = _miss("delete_many", _constant(None))
    clear = _miss("clear", _constant(False))

    @property
    def _pause_key(self) -> str:
        return "cache " + ",".join(redis_name(url) for url in self._servers)

    def incr(self, key, delta=1, version=None):
        if not redis_paused(self._pause_key):
            try:
                return super().incr(key, delta, version)
            except REDIS_DOWN as error:
                redis_failed(self._pause_key, error)
        raise ValueError(f"Key {key!r} not reachable: Redis is down")

    def ping(self) -> bool:
        """True when Redis answers now (for /healthz, which always asks)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except REDIS_DOWN:
            return False
