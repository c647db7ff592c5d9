"""Version numbers kept in Django's cache (Redis in production, so every
process sees the same number): caches key what they store by one, and a
change retires all of it at once by moving the number."""

import time

from django.core.cache import cache


def version_read(key: str) -> int:
    version = cache.get(key)
    if version is None:
        # Start from the clock, not 1, so a restarted cache never brings back
        # what was stored under an old number.
        cache.add(key, time.time_ns(), None)
        version = cache.get(key)
    return version


def version_bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, time.time_ns(), None)
