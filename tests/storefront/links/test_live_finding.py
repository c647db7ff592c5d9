"""Live sessions people find: 直播预告 on the brand and host pages, the
正在直播 badge on a product while a running session has it pinned, the
viewers watching now in the host's console (Redis, and in memory without
it), and session times in Asia/Shanghai with an end that says its day."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from storefront.links import services, watching
from storefront.links.models import LiveSession
from storefront.links.templatetags.host_links import session_when

from .live_world import make_session, make_world

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A browser (an empty user agent counts as a bot, and bots are not viewers).
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def world():
    return make_world(with_session=False)


@pytest.fixture(autouse=True)
def _fresh_memory():
    """Session ids repeat between tests (SQLite reuses them); the in-memory
    count of the last test must not leak into the next."""
    watching._local.clear()
    yield
    watching._local.clear()


def test_brand_page_lists_upcoming_sessions_not_ended_ones(client, world):
    coming = make_session(world, starts_in=timedelta(hours=3))
    ended = make_session(world, starts_in=-timedelta(days=1))
    html = client.get(reverse("web:brand", args=[world.brand.slug])).content.decode()
    assert "直播预告" in html
    assert reverse("links:live", args=[coming.pk]) in html
    assert reverse("links:live", args=[ended.pk]) not in html
    assert 'badge-muted">预告' in html


def test_brand_page_without_sessions_shows_no_preview(client, world):
    html = client.get(reverse("web:brand", args=[world.brand.slug])).content.decode()
    assert "直播预告" not in html


def test_product_page_badges_live_while_a_running_session_pins_it(client, world):
    product = world.products[0]
    url = reverse("web:product", args=[product.slug])
    assert "正在直播" not in client.get(url).content.decode()
    session = make_session(world)
    services.live_session_pin(user=world.host, session=session, product=product)
    from storefront.catalog.cache import catalog_changed

    catalog_changed()  # the page is cached for visitors; start afresh
    html = client.get(url).content.decode()
    assert "data-live-now" in html and "正在直播" in html
    assert reverse("links:live", args=[session.pk]) in html


def test_no_badge_when_the_pinning_session_has_ended_or_pinned_another(client, world):
    product = world.products[0]
    ended = make_session(world, starts_in=-timedelta(days=1))
    LiveSession.objects.filter(pk=ended.pk).update(pinned_product=product)
    running = make_session(world)
    services.live_session_pin(
        user=world.host, session=running, product=world.products[1]
    )
    html = client.get(reverse("web:product", args=[product.slug])).content.decode()
    assert "data-live-now" not in html


def test_a_session_past_midnight_shows_its_end_date():
    starts = datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)
    session = LiveSession(starts_at=starts, ends_at=starts + timedelta(hours=16))
    # Not "08:00 – 00:00": the end is the next day's midnight.
    assert session_when(session) == "2026-12-08 08:00 – 12-09 00:00"
    same_day = LiveSession(starts_at=starts, ends_at=starts + timedelta(hours=14))
    assert session_when(same_day) == "2026-12-08 08:00 – 22:00"


def test_times_are_shown_in_shanghai_whatever_the_stored_zone():
    starts = datetime(2026, 12, 8, 0, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 in Shanghai
    session = LiveSession(starts_at=starts, ends_at=starts + timedelta(hours=2))
    assert session_when(session) == "2026-12-08 08:00 – 10:00"


def test_the_live_page_shows_the_end_with_its_day(client, world):
    starts = timezone.now() + timedelta(days=1)
    local = timezone.localtime(starts, SHANGHAI)
    starts = starts - timedelta(hours=local.hour - 20, minutes=local.minute)
    session = make_session(world, starts_in=starts - timezone.now())
    LiveSession.objects.filter(pk=session.pk).update(
        ends_at=starts + timedelta(hours=5)
    )
    session.refresh_from_db()
    html = client.get(reverse("links:live", args=[session.pk])).content.decode()
    end = timezone.localtime(session.ends_at, SHANGHAI)
    assert f"– {end:%m-%d} 01:00" in html


def _poll(client, session, viewer):
    url = reverse("links:live-state", args=[session.pk])
    response = client.get(url, {"v": viewer}, HTTP_USER_AGENT=PHONE)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "in-memory"])
def test_the_console_counts_distinct_viewers_polling(client, world, settings, redis):
    if not redis:
        settings.REDIS_URL = ""
    elif not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    session = make_session(world)
    if redis:  # ids restart with each test database; Redis outlives it
        watching._redis().delete(watching._key(session.pk))
    for viewer in ["viewer000001", "viewer000002", "viewer000003", "viewer000001"]:
        _poll(client, session, viewer)
    assert watching.watching_count(session.pk) == 3
    client.force_login(world.host)
    figures = client.get(reverse("links:console-figures", args=[session.pk])).json()
    assert figures["watching"] == 3
    html = client.get(reverse("links:console", args=[session.pk])).content.decode()
    assert 'data-figure="watching"' in html and "正在观看" in html


def test_viewers_older_than_the_window_are_not_counted(world, settings):
    settings.REDIS_URL = ""
    session = make_session(world)
    watching.watching_seen(session.pk, "fresh0000001")
    watching._local[session.pk]["stale0000001"] = (
        timezone.now().timestamp() - watching.WINDOW_SECONDS - 5
    )
    assert watching.watching_count(session.pk) == 1


def test_a_bot_polling_is_not_a_viewer(client, world, settings):
    settings.REDIS_URL = ""
    session = make_session(world)
    url = reverse("links:live-state", args=[session.pk])
    client.get(url, {"v": "crawler00001"}, HTTP_USER_AGENT="Googlebot/2.1")
    assert watching.watching_count(session.pk) == 0


def test_a_made_up_viewer_id_falls_back_to_the_visitor_key(client, world, settings):
    settings.REDIS_URL = ""
    session = make_session(world)
    for bad in ["", "x", "<script>", "a" * 80]:
        _poll(client, session, bad)
    # One browser, one visitor key, whatever junk it sent.
    assert watching.watching_count(session.pk) == 1


def test_state_json_is_served_from_the_cache_until_the_host_pins(
    client, world, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if not settings.REDIS_URL:
        pytest.skip("the state is cached in Redis; without it every poll reads")
    session = make_session(world)
    first, second = world.products[0], world.products[1]
    services.live_session_pin(user=world.host, session=session, product=first)
    assert _poll(client, session, "viewer000001").json()["pinned"]["product_id"] == (
        first.pk
    )
    with CaptureQueriesContext(connection) as queries:
        again = _poll(client, session, "viewer000002")
    assert again.json()["pinned"]["product_id"] == first.pk
    assert len(queries) == 0  # 500 viewers cost the database nothing
    services.live_session_pin(user=world.host, session=session, product=second)
    # The very next poll has the new pin.
    assert _poll(client, session, "viewer000001").json()["pinned"]["product_id"] == (
        second.pk
    )
    services.live_session_pin(user=world.host, session=session, product=None)
    assert _poll(client, session, "viewer000001").json()["pinned"] is None


def test_an_unknown_session_state_is_404(client):
    url = reverse("links:live-state", args=[999999])
    assert client.get(url, HTTP_USER_AGENT=PHONE).status_code == 404


def test_without_redis_every_poll_reads_the_new_pin(client, world, settings):
    settings.REDIS_URL = ""
    session = make_session(world)
    first, second = world.products[0], world.products[1]
    services.live_session_pin(user=world.host, session=session, product=first)
    assert _poll(client, session, "viewer000001").json()["pinned"]["product_id"] == (
        first.pk
    )
    services.live_session_pin(user=world.host, session=session, product=second)
    assert _poll(client, session, "viewer000001").json()["pinned"]["product_id"] == (
        second.pk
    )


def test_polling_made_up_sessions_without_redis_keeps_nothing_in_memory(
    client, settings
):
    """A 404 poll (no such session) is not a viewer: without Redis, polls of
    made-up session ids must not add to the process's in-memory counts."""
    settings.REDIS_URL = ""
    for pk in range(900001, 900021):
        url = reverse("links:live-state", args=[pk])
        response = client.get(url, {"v": "viewer000001"}, HTTP_USER_AGENT=PHONE)
        assert response.status_code == 404
    assert watching._local == {}


def test_idle_sessions_are_dropped_from_memory_when_it_fills(world, settings):
    """Without Redis the in-memory counts keep at most _LOCAL_SESSIONS_MAX
    sessions: ended sessions' viewers (all older than the window) make way."""
    settings.REDIS_URL = ""
    old = timezone.now().timestamp() - watching.WINDOW_SECONDS - 5
    for pk in range(-watching._LOCAL_SESSIONS_MAX, 0):  # no real session's id
        watching._local[pk] = {"stale0000001": old}
    session = make_session(world)
    watching.watching_seen(session.pk, "fresh0000001")
    assert watching.watching_count(session.pk) == 1
    assert len(watching._local) <= watching._LOCAL_SESSIONS_MAX
