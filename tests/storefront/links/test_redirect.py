"""/l/<code>: where a tap goes, what it records, and what it refuses."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brands.models import Role
from storefront.catalog.models import Product
from storefront.links.attribution import COOKIE, SESSION_KEY
from storefront.links.codes import new_code
from storefront.links.models import HostLink, LinkDailyStat, LinkTarget, LiveSession
from tests.factories import grant, make_brand, make_product, make_user

pytestmark = pytest.mark.django_db

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003133) "
    "NetType/WIFI Language/zh_CN"
)


@pytest.fixture
def world():
    brand = make_brand(attribution_window_days=3)
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    product = make_product(brand=brand, name="象山梭子蟹")
    return {"brand": brand, "host": host, "product": product}


def make_link(world, **fields) -> HostLink:
    values = {
        "code": new_code(),
        "host": world["host"],
        "brand": world["brand"],
        "target": LinkTarget.PRODUCT,
        "product": world["product"],
    }
    return HostLink.objects.create(**{**values, **fields})


def tap(client, path, agent=PHONE, **extra):
    return client.get(path, HTTP_USER_AGENT=agent, **extra)


def link_reads(queries) -> list[str]:
    """The link lookups among the queries (counting without Redis writes)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and "links_hostlink" in q["sql"]
    ]


def query_of(location: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(location).query, keep_blank_values=True)


def test_product_link_redirects_to_the_product_page_with_its_utm_fields(client, world):
    link = make_link(world, utm_source="douyin", utm_medium="live", utm_campaign="蟹季")

    response = tap(client, f"/l/{link.code}")

    assert response.status_code == 302
    location = response["Location"]
    assert urlsplit(location).path == reverse(
        "web:product", args=[world["product"].slug]
    )
    assert query_of(location) == [
        ("utm_source", "douyin"),
        ("utm_medium", "live"),
        ("utm_campaign", "蟹季"),
    ]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_taps_own_query_string_is_kept_before_the_utm_fields(client, world):
    link = make_link(world, utm_source="wechat")

    response = tap(client, f"/l/{link.code}?x=1&ref=&x=2")

    assert query_of(response["Location"]) == [
        ("x", "1"),
        ("ref", ""),
        ("x", "2"),
        ("utm_source", "wechat"),
    ]


def test_the_links_utm_fields_replace_ones_the_tap_carried(client, world):
    link = make_link(world, utm_source="wechat")

    response = tap(client, f"/l/{link.code}?utm_source=forged&utm_term=keep")

    assert query_of(response["Location"]) == [
        ("utm_term", "keep"),
        ("utm_source", "wechat"),
    ]


def test_a_link_without_utm_and_query_leads_to_the_bare_target(client, world):
    link = make_link(world)

    assert tap(client, f"/l/{link.code}")["Location"] == reverse(
        "web:product", args=[world["product"].slug]
    )


def test_brand_link_redirects_to_the_brand_page(client, world):
    link = make_link(world, target=LinkTarget.BRAND, product=None)

    response = tap(client, f"/l/{link.code}")

    assert response["Location"] == reverse("web:brand", args=[world["brand"].slug])


def test_live_session_link_redirects_to_the_live_page(client, world):
    now = timezone.now()
    session = LiveSession.objects.create(
        host=world["host"],
        brand=world["brand"],
        title="今晚开海",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
    )
    link = make_link(
        world, target=LinkTarget.LIVE_SESSION, product=None, live_session=session
    )

    response = tap(client, f"/l/{link.code}")

    assert response["Location"] == reverse("links:live", args=[session.pk])
    assert client.get(response["Location"]).status_code == 200
    value = client.cookies[COOKIE].value
    assert f":{session.pk}:" in value


def test_the_link_still_works_after_the_product_is_renamed(client, world):
    link = make_link(world)
    product = world["product"]
    Product.objects.filter(pk=product.pk).update(slug="renamed-crab", name="新名字")

    response = tap(client, f"/l/{link.code}")

    assert response["Location"] == "/products/renamed-crab/"
    assert client.get(response["Location"]).status_code == 200


def test_codes_are_case_insensitive_and_a_trailing_slash_is_accepted(client, world):
    link = make_link(world)

    assert tap(client, f"/l/{link.code.upper()}").status_code == 302
    assert tap(client, f"/l/{link.code}/").status_code == 302


def test_a_tap_credits_the_host_and_counts_a_click(client, world):
    link = make_link(world)

    response = tap(client, f"/l/{link.code}")

    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == 3 * 24 * 3600
    assert cookie["httponly"]
    # An anonymous tap creates no session (a spike would write a row per tap).
    assert SESSION_KEY not in client.session
    from storefront.links.clicks import clicks_flush, link_clicks_pending

    clicks_flush()
    link.refresh_from_db()
    assert link.clicks == 1
    assert link_clicks_pending(link.pk) == 0
    day = LinkDailyStat.objects.get(link=link)
    assert (day.clicks, day.unique_visitors) == (1, 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"revoked_at": "now"},
        {"expires_at": "past"},
    ],
    ids=["revoked", "expired"],
)
def test_revoked_or_expired_links_redirect_without_crediting(client, world, fields):
    now = timezone.now()
    values = {
        key: (now if value == "now" else now - timedelta(minutes=1))
        for key, value in fields.items()
    }
    link = make_link(world, **values)

    response = tap(client, f"/l/{link.code}")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:product", args=[world["product"].slug])
    assert COOKIE not in response.cookies
    assert SESSION_KEY not in client.session


def test_a_link_expiring_while_its_data_is_cached_stops_crediting(
    client, world, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    link = make_link(world, expires_at=timezone.now() + timedelta(seconds=1))
    assert COOKIE in tap(client, f"/l/{link.code}").cookies
    client.cookies.clear()

    time_machine.shift(timedelta(seconds=1.1))
    # The redirect data is still cached; its expiry time is checked per tap.
    with CaptureQueriesContext(connection) as queries:
        response = tap(client, f"/l/{link.code}")
    assert not link_reads(queries)
    assert response.status_code == 302
    assert COOKIE not in response.cookies


def test_a_revoke_shows_at_once_when_the_cached_data_is_forgotten(client, world):
    from storefront.links.views_redirect import link_target_forget

    link = make_link(world)
    assert COOKIE in tap(client, f"/l/{link.code}").cookies
    client.cookies.clear()

    HostLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    link_target_forget(link.code)

    assert COOKIE not in tap(client, f"/l/{link.code}").cookies


@pytest.mark.parametrize(
    "code",
    [
        "abc",  # too short
        "abcd-efgh",  # not in the alphabet
        "abcdefghi0",  # 0 is left out of the alphabet
        "a" * 17,  # longer than any code
        "x" * 5000,  # enormous
        "%00%ff",
        "abcd.efgh",
        "abcdefgh&x=1",
    ],
)
def test_malformed_codes_are_refused_without_a_database_query(
    client, world, code, django_assert_num_queries
):
    make_link(world)
    with django_assert_num_queries(0):
        response = tap(client, f"/l/{code}")
    assert response.status_code == 404
    assert "This link does not exist" in response.text
    assert COOKIE not in response.cookies


def test_an_unknown_code_is_404_after_one_indexed_lookup(client, world):
    make_link(world)
    with CaptureQueriesContext(connection) as queries:
        response = tap(client, "/l/" + new_code())
    assert response.status_code == 404
    lookups = link_reads(queries)
    assert len(lookups) == 1
    assert "WHERE" in lookups[0] and '"code" =' in lookups[0]


def test_repeated_taps_read_the_link_from_the_cache(client, world):
    link = make_link(world)
    tap(client, f"/l/{link.code}")

    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert tap(client, f"/l/{link.code}").status_code == 302
    assert not link_reads(queries)


def test_other_methods_are_refused(client, world):
    link = make_link(world)
    assert client.post(f"/l/{link.code}").status_code == 405


def test_a_head_request_redirects_but_is_not_a_tap(client, world):
    link = make_link(world)

    response = client.head(f"/l/{link.code}", HTTP_USER_AGENT=PHONE)

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    from storefront.links.clicks import clicks_flush

    clicks_flush()
    link.refresh_from_db()
    assert link.clicks == 0


def test_a_visitor_with_a_session_gets_the_tap_in_it_too(client, world):
    link = make_link(world)
    client.force_login(make_user())  # signed in: the session exists

    tap(client, f"/l/{link.code}")

    assert client.session[SESSION_KEY].startswith(f"{link.pk}:{world['host'].pk}:")
