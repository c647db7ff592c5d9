"""state.json of a live session, cached: every viewer polls it every few
seconds, so 500 viewers would cost the database ~170 queries a second for
an answer that changes when the host pins (every few minutes).

In Redis (REDIS_URL), two keys per session: the pin version, bumped by
every pin (now and again after the commit), and the state JSON stored with
the version read *before* the database was. A poll is one round trip — the
version and the state (MGET), pipelined with the viewer's "watching" mark
(storefront.links.watching) — and the state is served only if it was
stored under the current version: an answer read before a pin committed
is never served after it. The state lives STATE_SECONDS at most (a product
edit, e.g. a new price or taken off sale, shows within that) and never past
the session's start or end, so "is_live" turns on time. Without Redis, or
while it fails, every poll reads the database.
"""

import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from storefront.core.redis_cache import (
    REDIS_DOWN,
    redis_failed,
    redis_name,
    redis_paused,
)

from .clicks import _redis
from .watching import KEEP_SECONDS, watching_key

STATE_SECONDS = 10
_SEPARATOR = b"|"


def _version_key(pk: int) -> str:
    return f"links:live-pin:{pk}"


def _state_key(pk: int) -> str:
    return f"links:live-state:{pk}"


def _pause_key() -> str:
    return "live state " + redis_name(settings.REDIS_URL or "")


def _client():
    client = _redis()
    return None if client is None or redis_paused(_pause_key()) else client


def state_poll(pk: int, viewer: str | None) -> tuple[bytes | None, bytes | None]:
    """(the cached JSON or None, the version to store a fresh one under),
    marking `viewer` as watching in the same round trip (None: a bot).
    A version of None means Redis is not there: the caller marks the viewer
    in memory (watching_seen_locally) once it knows the session exists, so
    polls of made-up session ids cannot grow this process's memory."""
    client = _client()
    if client is None:
        return None, None
    try:
        pipe = client.pipeline(transaction=False)
        pipe.mget(_version_key(pk), _state_key(pk))
        if viewer is not None:
            pipe.zadd(watching_key(pk), {viewer: timezone.now().timestamp()})
            pipe.expire(watching_key(pk), KEEP_SECONDS)
        (version, stored), *_ = pipe.execute()
    except REDIS_DOWN as error:
        redis_failed(_pause_key(), error)
        return None, None
    version = version or b"0"
    if stored:
        stored_version, _, body = stored.partition(_SEPARATOR)
        if stored_version == version:
            return body, version
    return None, version


def state_remember(pk: int, version: bytes | None, session, body: bytes) -> None:
    client = _client()
    if client is None or version is None:
        return
    now = timezone.now()
    seconds = float(STATE_SECONDS)
    for moment in (session.starts_at, session.ends_at):
        if moment > now:
            seconds = min(seconds, (moment - now).total_seconds())
    seconds = math.floor(seconds)
    if seconds < 1:
        return
    try:
        client.set(_state_key(pk), version + _SEPARATOR + body, ex=seconds)
    except REDIS_DOWN as error:
        redis_failed(_pause_key(), error)


def _bump(pk: int) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.incr(_version_key(pk))
    except REDIS_DOWN as error:
        # Its cached state expires within STATE_SECONDS anyway.
        redis_failed(_pause_key(), error)


def live_state_changed(pk: int) -> None:
    """The host pinned or unpinned: retire the cached state now and once
    the transaction commits."""
    _bump(pk)
    transaction.on_commit(lambda: _bump(pk))
