"""No network I/O under a row lock (docs/architecture.md): while a test runs,
Stripe's HTTP client, the import's image downloader and the email backend
refuse to be called when a
transaction is open beyond the test's own wrapping. Nothing is faked: a call
that passes the check goes on to the real localstripe, the mail to Django's
locmem outbox.

Row locks (select_for_update) only exist inside a transaction, so "no
transaction open" is the check: the number of atomic blocks on each
connection of the calling thread, compared with what the test itself had
open when it started (pytest-django wraps a non-transactional test in two).
Other threads (the oversell races, the live server) start from none.
"""

import threading
from contextlib import contextmanager

import stripe
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections

from catalog_import.images import ImageFetcher


class NetworkUnderLock(AssertionError):
    """Raised by the guarded transports; also reported when the test ends,
    in case the code under test swallowed it."""


_baselines: dict[int, dict[str, int]] = {}
violations: list[str] = []


def open_transactions() -> list[str]:
    """'alias: n' for each connection of this thread with n atomic blocks
    open beyond the test's own."""
    base = _baselines.get(threading.get_ident(), {})
    found = []
    for connection in connections.all(initialized_only=True):
        extra = len(connection.atomic_blocks) - base.get(connection.alias, 0)
        if extra > 0:
            found.append(f"{connection.alias}: {extra}")
    return found


def check(what: str) -> None:
    found = open_transactions()
    if found:
        message = (
            f"{what} called inside a transaction ({', '.join(found)} atomic "
            "block(s) open): no network I/O may run while row locks can be held"
        )
        violations.append(message)
        raise NetworkUnderLock(message)


_real_stripe_request = stripe.RequestsClient.request
_real_image_fetch = ImageFetcher.fetch


def _checked_stripe_request(self, method, url, headers, post_data=None):
    check(f"Stripe {method.upper()} {url}")
    return _real_stripe_request(self, method, url, headers, post_data)


def _checked_image_fetch(self, url):
    check(f"image download {url}")
    return _real_image_fetch(self, url)


class GuardedLocmemBackend(LocmemBackend):
    """Django's locmem backend (mail.outbox), after the check."""

    def send_messages(self, messages):
        check("email send")
        return super().send_messages(messages)


@contextmanager
def guarding():
    """Check every Stripe request and image download in this block; the caller sets
    EMAIL_BACKEND to GuardedLocmemBackend."""
    _baselines[threading.get_ident()] = {
        c.alias: len(c.atomic_blocks) for c in connections.all(initialized_only=True)
    }
    violations.clear()
    stripe.RequestsClient.request = _checked_stripe_request
    ImageFetcher.fetch = _checked_image_fetch
    try:
        yield
    finally:
        stripe.RequestsClient.request = _real_stripe_request
        ImageFetcher.fetch = _real_image_fetch
        _baselines.clear()
    found, violations[:] = list(violations), []
    assert not found, "\n".join(found)


@contextmanager
def expect_violation():
    """For the tests of the guard itself: the NetworkUnderLock raised in
    this block is expected and not reported again at the end."""
    before = len(violations)
    try:
        yield
    finally:
        del violations[before:]
