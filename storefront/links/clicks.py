"""Counting taps on host links so that a live-session spike costs one Redis
round trip per tap, and moving the counts into PostgreSQL in batches that
lose nothing and count nothing twice.

With REDIS_URL, each tap is one atomic round trip (a Lua script, which
costs less in redis-py than a MULTI/EXEC pipeline object) on these keys:

    links:clk:total:<link>          taps not yet flushed, per link
    links:clk:day:<link>:<day>      taps not yet flushed, per link and day
    links:clk:hll:<link>:<day>      HyperLogLog of the day's visitors (kept)
    links:clk:dirty                 set of "<link>:<day>" with unflushed taps

A flush runs in three steps, each safe to repeat or to die in:

1. `flush_claim()`: one Lua script (atomic in Redis, so a tap lands wholly
   before or wholly after it) moves every dirty day counter into the hash
   links:clk:inflight:<token> and registers the token.
2. `flush_apply(token)`: one database transaction adds the counts to
   HostLink.clicks and LinkDailyStat and inserts ClickFlush(token); the
   unique token makes a second apply of the same batch a no-op.
3. `flush_finish(token)`: deletes the in-flight hash and the token.

`clicks_flush()` first completes every registered token (a flush that died
between the steps) with apply + finish, then claims, applies and finishes a
new batch. Unique visitors are not summed: the day's HyperLogLog keeps
growing, and its count replaces the stored one when larger (never more than
the day's clicks), so re-applying it is harmless.

Without REDIS_URL, `click_record` writes the database directly: on
PostgreSQL one statement adds to the link's count and upserts its day row
(_TAP_SQL); first visits of the day are told apart with Django's cache. It
does the same for a tap Redis refuses or does not answer in time (REDIS_SOCKET_
TIMEOUT), and for every tap in the REDIS_RETRY_SECONDS after such a failure
(storefront.core.redis_cache): such a tap is in the database instead of in
Redis, and the taps Redis already holds are flushed as usual once it is
back. A tap is never in both: the script carries a deadline (Redis's TIME,
TAP_DEADLINE_SHARE of the socket timeout) after which it counts nothing, so
a script still queued in a hung Redis when the caller gives up is a no-op
when it finally runs; and the client never re-sends it (no retries). Only a
reply lost after a timely run (Redis dying in that instant) or clocks apart
by more than the margin could count a tap twice; none is ever lost.
"""

import time
import uuid
from datetime import date

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.commands.core import Script

from storefront.core.client_ip import client_ip
from storefront.core.redis_cache import (
    REDIS_DOWN,
    redis_failed,
    redis_name,
    redis_paused,
)

from .models import ClickFlush, HostLink, LinkDailyStat

PREFIX = "links:clk:"
DIRTY = PREFIX + "dirty"
TOKENS = PREFIX + "inflight-tokens"
# Unique visitors of a day are still counted for taps flushed the day after.
HLL_SECONDS = 3 * 24 * 3600
# The tap script counts only if Redis runs it within this share of the
# socket timeout; the rest is margin for the reply and for clock skew.
TAP_DEADLINE_SHARE = 0.6

# ARGV[4]: the moment (unix µs, Redis's clock) after which the caller has
# given up waiting and counted the tap in the database instead.
_TAP = """
local now = redis.call('TIME')
if tonumber(now[1]) * 1000000 + tonumber(now[2]) > tonumber(ARGV[4]) then
  return 0
end
redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PFADD', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
return 1
"""
_CLAIM = """
local prefix, token = ARGV[1], ARGV[2]
local members = redis.call('SMEMBERS', KEYS[1])
if #members == 0 then return 0 end
local inflight = prefix .. 'inflight:' .. token
local total = 0
for _, member in ipairs(members) do
  local n = redis.call('GETDEL', prefix .. 'day:' .. member)
  if n then
    n = tonumber(n)
    total = total + n
    redis.call('HINCRBY', inflight, 'c:' .. member, n)
    local link = string.match(member, '^(%d+):')
    redis.call('DECRBY', prefix .. 'total:' .. link, n)
  end
  local unique = redis.call('PFCOUNT', prefix .. 'hll:' .. member)
  redis.call('HSET', inflight, 'u:' .. member, unique)
end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[2], token)
return total
"""

_clients: dict[str, tuple[redis.Redis, Script, Script]] = {}


def _connected() -> tuple[redis.Redis, Script, Script] | None:
    """(client, tap script, claim script) for REDIS_URL, or None without it."""
    url = settings.REDIS_URL
    if not url:
        return None
    found = _clients.get(url)
    if found is None:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        found = (client, client.register_script(_TAP), client.register_script(_CLAIM))
        _clients[url] = found
    return found


def _redis() -> redis.Redis | None:
    found = _connected()
    return found[0] if found else None


def visitor_key(request) -> str:
    """Who tapped, for unique visitors: the session if the visitor has one,
    else their address and browser. Only a keyed hash is kept, never the IP."""
    session = getattr(request, "session", None)
    session_key = session.session_key if session is not None else None
    if session_key:
        raw = "s:" + session_key
    else:
        ip = client_ip(request) or ""
        raw = f"a:{ip}|{request.META.get('HTTP_USER_AGENT', '')[:512]}"
    return salted_hmac("storefront.links.clicks.visitor", raw).hexdigest()[:32]


def click_record(*, link_id: int, visitor: str, live_session_id: int | None) -> None:
    """Count one tap on a link (`visitor` from visitor_key). Live-session
    figures are the sums over the session's links, so `live_session_id` is
    not counted separately."""
    day = timezone.localdate().isoformat()
    found = _connected()
    if found is None:
        _record_in_database(link_id=link_id, visitor=visitor, day=day)
        return
    member = f"{link_id}:{day}"
    pause_key = "link taps " + redis_name(settings.REDIS_URL)
    if redis_paused(pause_key):
        _record_in_database(link_id=link_id, visitor=visitor, day=day)
        return
    # A script still queued in a hung Redis when we give up must not count
    # later: it carries a deadline well inside our socket timeout.
    deadline = time.time() + TAP_DEADLINE_SHARE * settings.REDIS_SOCKET_TIMEOUT
    try:
        counted = found[1](
            keys=[
                f"{PREFIX}total:{link_id}",
                f"{PREFIX}day:{member}",
                f"{PREFIX}hll:{member}",
                DIRTY,
            ],
            args=[visitor, member, HLL_SECONDS, int(deadline * 1_000_000)],
        )
    except REDIS_DOWN as error:
        redis_failed(pause_key, error)
        counted = 0
    if not counted:
        _record_in_database(link_id=link_id, visitor=visitor, day=day)


def _record_in_database(*, link_id: int, visitor: str, day: str) -> None:
    first_visit = cache.add(
        f"links:seen:{link_id}:{day}:{visitor}", 1, timeout=HLL_SECONDS
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Not quick inside a caller's transaction: the setting would last
            # to its end and cover its other writes too.
            sql = _TAP_SQL if connection.in_atomic_block else _TAP_SQL_QUICK
            cursor.execute(sql, [link_id, day, int(first_visit)])
            return
        with transaction.atomic():
            cursor.execute(_LINK_PLUS_ONE, [link_id])
            if cursor.rowcount:
                cursor.execute(_DAY_PLUS_ONE, [link_id, day, int(first_visit)])


# A tap's writes: increments and an upsert the database evaluates on the row
# it locks, so concurrent taps cannot overwrite each other's counts (the ORM's
# upsert can only set values, not add to them). On PostgreSQL the link's count
# and its day row are one statement, in a transaction of its own, so no lock
# outlives it. _TAP_SQL_QUICK also turns synchronous_commit off for that
# transaction (set_config(…, true)): its commit returns before the WAL reaches
# the disk, which cost a tap ~4 ms, most of its time. A PostgreSQL crash can
# then forget the last fraction of a second of taps (3 × wal_writer_delay at
# most), never half of one; a crash of the web process loses none.
_LINK_PLUS_ONE = "UPDATE links_hostlink SET clicks = clicks + 1 WHERE id = %s"
_DAY_PLUS_ONE = """
INSERT INTO links_linkdailystat (link_id, day, clicks, unique_visitors)
VALUES (%s, %s, 1, %s)
ON CONFLICT (link_id, day) DO UPDATE SET
  clicks = links_linkdailystat.clicks + 1,
  unique_visitors = links_linkdailystat.unique_visitors + EXCLUDED.unique_visitors
"""
_TAP_SQL = """
WITH link AS (
  UPDATE links_hostlink SET clicks = clicks + 1 WHERE id = %s RETURNING id
)
INSERT INTO links_linkdailystat (link_id, day, clicks, unique_visitors)
SELECT id, %s::date, 1, %s FROM link
ON CONFLICT (link_id, day) DO UPDATE SET
  clicks = links_linkdailystat.clicks + 1,
  unique_visitors = links_linkdailystat.unique_visitors + EXCLUDED.unique_visitors
"""
_TAP_SQL_QUICK = """
WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)),
link AS (
  UPDATE links_hostlink SET clicks = clicks + 1 WHERE id = %s RETURNING id
)
INSERT INTO links_linkdailystat (link_id, day, clicks, unique_visitors)
SELECT id, %s::date, 1, %s FROM link, quick
ON CONFLICT (link_id, day) DO UPDATE SET
  clicks = links_linkdailystat.clicks + 1,
  unique_visitors = links_linkdailystat.unique_visitors + EXCLUDED.unique_visitors
"""


def link_clicks_pending(link_id: int) -> int:
    """Taps counted in Redis and not yet in HostLink.clicks (0 without Redis,
    where every tap is written at once). A batch between its claim and its
    commit, a few milliseconds, shows in neither."""
    client = _redis()
    if client is None:
        return 0
    try:
        return int(client.get(f"{PREFIX}total:{link_id}") or 0)
    except REDIS_DOWN as error:
        redis_failed("link taps " + redis_name(settings.REDIS_URL), error)
        return 0


def flush_claim() -> str | None:
    """Step 1: move the pending counts into a new in-flight batch; its token,
    or None when nothing was pending."""
    found = _connected()
    if found is None:
        return None
    client, _, claim = found
    token = uuid.uuid4().hex
    if not claim(keys=[DIRTY, TOKENS], args=[PREFIX, token]):
        # Only visitors with no new taps: nothing to apply.
        client.delete(f"{PREFIX}inflight:{token}")
        client.srem(TOKENS, token)
        return None
    return token


def _batch(client: redis.Redis, token: str) -> dict[tuple[int, date], list[int]]:
    """{(link id, day): [clicks, unique visitors]} of an in-flight batch."""
    rows: dict[tuple[int, date], list[int]] = {}
    for field, value in client.hgetall(f"{PREFIX}inflight:{token}").items():
        kind, link_id, day = field.decode().split(":")
        counts = rows.setdefault((int(link_id), date.fromisoformat(day)), [0, 0])
        counts[0 if kind == "c" else 1] = int(value)
    return rows


def flush_apply(token: str) -> int:
    """Step 2: add the batch to the database in one transaction with its
    ClickFlush row; the clicks applied, or 0 if this batch already was."""
    client = _redis()
    if client is None:
        return 0
    rows = _batch(client, token)
    total = sum(clicks for clicks, _ in rows.values())
    try:
        with transaction.atomic():
            ClickFlush.objects.create(token=token, clicks=total)
            _apply_rows(rows)
    except IntegrityError:
        if ClickFlush.objects.filter(token=token).exists():
            return 0
        raise
    return total


def _apply_rows(rows: dict[tuple[int, date], list[int]]) -> None:
    existing = set(
        HostLink.objects.filter(pk__in={link for link, _ in rows}).values_list(
            "pk", flat=True
        )
    )
    per_link: dict[int, int] = {}
    for (link_id, _), (clicks, _) in rows.items():
        if link_id in existing:
            per_link[link_id] = per_link.get(link_id, 0) + clicks
    # Primary-key order, so concurrent flushes cannot deadlock.
    for link_id in sorted(per_link):
        if per_link[link_id]:
            HostLink.objects.filter(pk=link_id).update(
                clicks=F("clicks") + per_link[link_id]
            )
    keys = sorted(key for key in rows if key[0] in existing)
    LinkDailyStat.objects.bulk_create(
        [LinkDailyStat(link_id=link, day=day) for link, day in keys],
        ignore_conflicts=True,
    )
    for link_id, day in keys:
        clicks, unique = rows[(link_id, day)]
        LinkDailyStat.objects.filter(link_id=link_id, day=day).update(
            clicks=F("clicks") + clicks,
            unique_visitors=Least(
                Greatest(F("unique_visitors"), Value(unique)),
                F("clicks") + clicks,
            ),
        )


def flush_finish(token: str) -> None:
    """Step 3: forget an applied batch."""
    client = _redis()
    if client is None:
        return
    pipe = client.pipeline(transaction=True)
    pipe.delete(f"{PREFIX}inflight:{token}")
    pipe.srem(TOKENS, token)
    pipe.execute()


def clicks_flush() -> int:
    """Move every counted tap into the database: first the batches of a flush
    that died half-way, then what is pending now. Returns the clicks added.
    With Redis down, nothing to do: its taps wait in it (or in its AOF)."""
    try:
        return _flush()
    except REDIS_DOWN as error:
        redis_failed("link taps " + redis_name(settings.REDIS_URL), error)
        return 0


def _flush() -> int:
    client = _redis()
    if client is None:
        return 0
    added = 0
    for raw in sorted(client.smembers(TOKENS)):
        token = raw.decode()
        added += flush_apply(token)
        flush_finish(token)
    token = flush_claim()
    if token is not None:
        added += flush_apply(token)
        flush_finish(token)
    return added
