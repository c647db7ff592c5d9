import pytest

from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    start_localstripe,
)


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
