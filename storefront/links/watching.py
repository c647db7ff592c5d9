"""How many viewers are watching a live session now (approximate): the
distinct viewer ids that polled its state.json in the last WINDOW_SECONDS.

With REDIS_URL: one sorted set per session, viewer → last poll (unix
seconds); a poll adds ZADD and EXPIRE to the round trip that reads the
cached state (storefront.links.live_cache.state_poll), the console's count
trims and counts (ZREMRANGEBYSCORE, ZCARD).
Without Redis, or while it fails (storefront.core.redis_cache's pause), each
process keeps its own map in memory: no database write per poll, and with
several processes each counts only the polls it served (an undercount).

The viewer id is what live.js sends as `v` (random, kept per browser tab);
without it, the visitor key of storefront.links.clicks. Anyone can send
made-up ids, so the count is a guide for the host, never a figure money
depends on.
"""

import re
import time

from django.conf import settings

from storefront.core.redis_cache import (
    REDIS_DOWN,
    redis_failed,
    redis_name,
    redis_paused,
)

from .clicks import _redis, visitor_key

WINDOW_SECONDS = 30
KEEP_SECONDS = 120  # an idle session's set goes away by itself
_VIEWER = re.compile(r"[A-Za-z0-9_-]{6,40}")
# {session id: {viewer: last poll}} when Redis is not there
_local: dict[int, dict[str, float]] = {}
_LOCAL_MAX = 20000  # viewers per session kept in memory
_LOCAL_SESSIONS_MAX = 200  # sessions kept; idle ones are dropped first


def watching_key(session_id: int) -> str:
    return f"links:watching:{session_id}"


_key = watching_key


def _pause_key() -> str:
    return "live viewers " + redis_name(settings.REDIS_URL or "")


def viewer_id(request) -> str:
    raw = request.GET.get("v", "")
    return raw if _VIEWER.fullmatch(raw) else "k" + visitor_key(request)


def watching_seen(session_id: int, viewer: str) -> None:
    now = time.time()
    client = _redis()
    if client is not None and not redis_paused(_pause_key()):
        try:
            pipe = client.pipeline(transaction=False)
            pipe.zadd(_key(session_id), {viewer: now})
            pipe.expire(_key(session_id), KEEP_SECONDS)
            pipe.execute()
            return
        except REDIS_DOWN as error:
            redis_failed(_pause_key(), error)
    watching_seen_locally(session_id, viewer)


def watching_seen_locally(session_id: int, viewer: str) -> None:
    """This process's count, when Redis is not there."""
    now = time.time()
    if session_id not in _local and len(_local) >= _LOCAL_SESSIONS_MAX:
        # Ended sessions' maps would otherwise stay for the process's life.
        for known, viewers in list(_local.items()):
            _trim(viewers, now)
            if not viewers:
                del _local[known]
        if len(_local) >= _LOCAL_SESSIONS_MAX:
            return
    seen = _local.setdefault(session_id, {})
    if len(seen) >= _LOCAL_MAX and viewer not in seen:
        _trim(seen, now)
        if len(seen) >= _LOCAL_MAX:
            return
    seen[viewer] = now


def _trim(seen: dict[str, float], now: float) -> None:
    for viewer in [v for v, at in seen.items() if at < now - WINDOW_SECONDS]:
        del seen[viewer]


def watching_count(session_id: int) -> int:
    """Distinct viewers in the last WINDOW_SECONDS (Redis's count plus this
    process's, which holds only polls served while Redis was away)."""
    now = time.time()
    seen = _local.get(session_id, {})
    _trim(seen, now)
    total = len(seen)
    client = _redis()
    if client is not None and not redis_paused(_pause_key()):
        try:
            pipe = client.pipeline(transaction=False)
            pipe.zremrangebyscore(_key(session_id), "-inf", now - WINDOW_SECONDS)
            pipe.zcard(_key(session_id))
            total += int(pipe.execute()[1])
        except REDIS_DOWN as error:
            redis_failed(_pause_key(), error)
    return total
