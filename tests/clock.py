"""A moment for tests whose result would change if a day, a month or a year
turned while they run (see the `midday` fixture in tests/conftest.py)."""

import datetime
from functools import cache

from django.utils import timezone


@cache
def today_at_noon() -> datetime.datetime:
    """Noon, in the shop's time zone, of the day this run started: hours from
    any midnight, and on the day that what was made at the real time
    (migrations, localstripe) is dated. One moment for the whole run, so data
    loaded by a fixture and the test that reads it agree on "today"."""
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
