from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from storefront.demo.services import DemoSummary, demo_load
from tests.clock import today_at_noon


@dataclass
class LoadedDemo:
    summary: DemoSummary
    media_root: Path


@pytest.fixture(scope="package")
def loaded_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for the tests of this folder (a full load takes
    seconds), inside a transaction that is rolled back after them, so no other
    test sees demo rows. Each test still runs in its own savepoint. Loaded at
    noon (tests/clock.py), as its live session is "today"."""
    media_root = tmp_path_factory.mktemp("demo-media")
    # The hasher tests/conftest.py sets for each test, so that the demo users'
    # passwords, hashed here before any test starts, check inside the tests.
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=fast_hashing),
    ):
        with transaction.atomic():
            with time_machine.travel(today_at_noon()):
                summary = demo_load()
            yield LoadedDemo(summary=summary, media_root=media_root)
            transaction.set_rollback(True)
