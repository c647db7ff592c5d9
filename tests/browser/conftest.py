import pytest

from tests.payments_stand_in import (
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    start_localstripe,
)


@pytest.fixture
def stripe_with_webhooks(live_server, settings):
    """A localstripe of this test's own, sending its webhooks to the live
    server (a shared one would keep posting to a server that has gone)."""
    server = start_localstripe(
        webhook_url=live_server.url + "/payments/stripe/webhook/",
        webhook_secret=TEST_WEBHOOK_SECRET,
    )
    settings.STRIPE_SECRET_KEY = TEST_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = TEST_PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = server.js_url
    settings.SITE_URL = live_server.url
    yield server
    server.stop()
