"""A catalogue version for caches of public pages and API answers.

Every catalogue write calls `catalog_changed()`; cached pages are keyed by the
version, so one write retires them all at once. The version lives in Django's
cache (Redis in production, so every worker sees the same number).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from storefront.core.versions import version_bump, version_read

VERSION_KEY = "catalog:version"


def catalog_cache_seconds() -> int:
    return settings.CATALOG_CACHE_SECONDS


def catalog_version() -> int:
    return version_read(VERSION_KEY)


def _bump() -> None:
    version_bump(VERSION_KEY)


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


def catalog_fragment_seconds() -> int:
    """How long values kept under the version live (memory, not freshness:
    the version retires them); 0 keeps none."""
    return settings.CATALOG_FRAGMENT_SECONDS


def catalog_cached(kind: str, key: str, build, *, version: int | None = None):
    """`build()`'s value, kept under the catalogue version: for reads made only
    of catalogue data, which every catalogue write retires at once. Computed
    afresh each time while fragments are off (CATALOG_FRAGMENT_SECONDS=0).
    `version`: one the caller read earlier, to key its other fragments alike."""
    seconds = catalog_fragment_seconds()
    if seconds <= 0:
        return build()
    # The version is read first, as in public_cache_key: a write committing
    # meanwhile moves it again, so nothing older lands under the new number.
    if version is None:
        version = catalog_version()
    return _kept(f"{kind}:{version}:{key}", build, seconds)


def catalog_kept(key: str, build):
    """`build()`'s value for CATALOG_CACHE_SECONDS under the catalogue version:
    for figures that also read data outside the catalogue (share agreements)
    and so may be that late, as on the cached pages that show them."""
    seconds = catalog_cache_seconds()
    if seconds <= 0:
        return build()
    return _kept(f"kept:{catalog_version()}:{key}", build, seconds)


_MISSING = object()


def _kept(full_key: str, build, seconds: int):
    found = cache.get(full_key, _MISSING)
    if found is not _MISSING:
        return found
    value = build()
    cache.set(full_key, value, seconds)
    return value
