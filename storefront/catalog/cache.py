"""A catalogue version for caches of public pages and API answers.

Every catalogue write calls `catalog_changed()`; cached pages are keyed by the
version, so one write retires them all at once. The version lives in Django's
cache (Redis in production, so every worker sees the same number).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalog:version"


def catalog_cache_seconds() -> int:
    return settings.CATALOG_CACHE_SECONDS


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1, so a restarted cache never brings back
        # pages stored under an old number.
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), None)


def catalog_changed() -> None:
    """Retire cached pages now, and again once the transaction commits, so a
    reader cannot cache what it saw before the commit under the new version."""
    _bump()
    transaction.on_commit(_bump)


def public_cache_key(kind: str, language: str, *parts: bytes) -> str:
    """A cache key for a public answer: the catalogue version, the language and
    a digest of what identifies the request (host, path or body)."""
    digest = hashlib.sha256(b"|".join(parts)).hexdigest()
    return f"{kind}:{catalog_version()}:{language}:{digest}"
