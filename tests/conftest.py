import shutil
import tempfile

import pytest

from tests.clock import today_at_noon
from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    start_localstripe,
)


def new_rsa_private_key_pem() -> str:
    """A fresh 2048-bit RSA private key, PKCS#8 PEM (JWT_PRIVATE_KEY's form)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def pytest_configure(config):
    """SQLite runs get a test database file and a file cache of their own: the
    suite clears the cache after every test, which must not empty the cache of
    a shop served from this checkout (var/cache) or of another run."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        # A file, not Django's default in-memory shared-cache test database:
        # that one refuses a second connection's write at once ("database
        # table is locked") instead of waiting, so tests with two writers
        # (live server, racing threads) failed at random.
        folder = tempfile.mkdtemp(prefix="shop-tests-db-")
        database["TEST"] = {
            **database.get("TEST", {}),
            "NAME": f"{folder}/test.sqlite3",
        }
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))

    # The API's JWTs are signed with a key of this session's own (RS256).
    settings.JWT_PRIVATE_KEY = new_rsa_private_key_pem()

    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("FileBasedCache"):
        cache["LOCATION"] = tempfile.mkdtemp(prefix="shop-tests-cache-")
        config.add_cleanup(lambda: shutil.rmtree(cache["LOCATION"], ignore_errors=True))


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.requires_postgres("why")` skips a test on SQLite, saying why."""
    from django.db import connection

    for item in items:
        marker = item.get_closest_marker("requires_postgres")
        if marker is None:
            continue
        if len(marker.args) != 1 or not marker.args[0]:
            raise pytest.UsageError(
                f"{item.nodeid}: requires_postgres needs one reason (why PostgreSQL)"
            )
        if connection.vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(reason=f"PostgreSQL only: {marker.args[0]}")
            )


@pytest.fixture
def midday(time_machine):
    """The clock at noon today (tests/clock.py), still running: for tests whose
    result would change if a day, a month or a year turned while they run."""
    noon = today_at_noon()
    time_machine.move_to(noon)
    return noon


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes uploads into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Under the test's media folder too, so "nothing stored" checks see it.
    settings.IMPORT_ROOT = tmp_path / "media" / "private-imports"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """make_user hashes a password; the production hasher takes ~0.3 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_join_flag_reset():
    """Celery keeps "a task is running here" in one process-wide flag, set and
    restored around every eager task. Two threads running eager tasks at once
    (threaded race tests: both sides' on-commit emails) can restore it in the
    wrong order and leave it set, and every later `.delay().get()` of the run
    then fails with "Never call result.get() within a task!". No task is
    running between tests."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages must not leak from one test's database into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def localstripe_server():
    """One private localstripe (the Stripe stand-in) for the whole session.

    Its state lives in its memory and is shared by every test that uses it:
    create fresh objects rather than counting what exists."""
    server = start_localstripe()
    yield server
    server.stop()


@pytest.fixture
def stripe_settings(settings, localstripe_server):
    """Point the shop's Stripe settings at the session's localstripe."""
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = TEST_PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_JS_URL = localstripe_server.js_url
    return localstripe_server


@pytest.fixture(autouse=True)
def _platform_default_share_agreement(request):
    """Tests on a flushed database (transaction=True, live_server) get back the
    platform-default share agreement that migration revenue 0003 creates, so
    paid orders there can be split as in production."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    migration = importlib.import_module(
        "revenue.migrations.0003_platform_default_agreement"
    )
    migration.create_default(apps, None)


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _no_network_under_lock(request, settings):
    """Stripe and email refuse to be called inside a transaction the test did
    not open itself (tests/network_guard.py). The test's own database
    wrapping is set up first, so that it counts as the baseline."""
    from tests import network_guard

    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is not None or names & _DB_FIXTURES:
        transactional = (marker is not None and marker.kwargs.get("transaction")) or {
            "transactional_db",
            "live_server",
        } & names
        request.getfixturevalue("transactional_db" if transactional else "db")
    settings.EMAIL_BACKEND = "tests.network_guard.GuardedLocmemBackend"
    if request.node.get_closest_marker("holds_transaction_around_network"):
        yield
        return
    with network_guard.guarding():
        yield
