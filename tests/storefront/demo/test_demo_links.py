"""The demo host as `load_demo` writes her: host_xiaomei's profile, her short
link /l/xmsea888 to a 斑斓海岸 product, and her live session today with three
featured products, the first pinned; and what a second run does to them."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from brands.models import Membership, Role
from storefront.core.attribution import Attribution
from storefront.demo import links as demo_links
from storefront.demo.services import demo_load
from storefront.links.attribution import attribution_for_order
from storefront.links.codes import normalise_code
from storefront.links.models import (
    HostLink,
    HostProfile,
    LinkTarget,
    LiveSession,
    LiveSessionProduct,
)
from tests.clock import today_at_noon

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _midday():
    """The demo's live session is "today": loaded and checked on the same day."""
    with time_machine.travel(today_at_noon()):
        yield


PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"


def link_rows() -> dict:
    """Every column of every row the demo host part writes."""
    models = [HostProfile, HostLink, LiveSession, LiveSessionProduct]
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in models
    }


def session() -> LiveSession:
    return LiveSession.objects.get(
        host__username="host_xiaomei", title=demo_links.SESSION_TITLE
    )


def test_the_demo_host_has_a_profile_and_sells_banlan_coast(loaded_demo):
    profile = HostProfile.objects.get(user__username="host_xiaomei")
    assert (profile.slug, profile.display_name) == ("xiaomei", "小美 Xiaomei")
    assert Membership.objects.filter(
        user=profile.user, role=Role.LIVESTREAM_HOST, brand__slug="banlan-haian"
    ).exists()
    created = loaded_demo.summary.created
    assert (created["host_profiles"], created["host_links"]) == (1, 1)
    assert (created["live_sessions"], created["live_products"]) == (1, 3)


def test_the_link_code_is_fixed_and_well_formed(loaded_demo):
    assert normalise_code("XMSEA888") == normalise_code("xmsea888") == "xmsea888"
    link = HostLink.objects.select_related("product", "brand").get(code="xmsea888")
    assert link.host.username == "host_xiaomei"
    assert link.target == LinkTarget.PRODUCT
    assert (link.product.name, link.brand.slug) == ("西沪港烤虾干", "banlan-haian")
    assert link.product.is_published
    assert (link.revoked_at, link.expires_at) == (None, None)


def test_the_demo_link_redirects_and_attributes(client, loaded_demo):
    link = HostLink.objects.select_related("product").get(code="xmsea888")
    response = client.get("/l/xmsea888", HTTP_USER_AGENT=PHONE)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/products/{link.product.slug}/")
    assert "utm_source=douyin" in response["Location"]
    tap = Attribution(link.pk, link.host_id, None, int(timezone.now().timestamp()))
    assert attribution_for_order(tap, buyer=None) == {
        "host_id": link.host_id,
        "host_link_id": link.pk,
        "live_session_id": None,
    }


def test_the_live_session_is_today_with_three_products_one_pinned(loaded_demo):
    live = session()
    assert live.brand.slug == "banlan-haian"
    assert timezone.localtime(live.starts_at).date() == timezone.localdate()
    assert live.ends_at > live.starts_at
    featured = [f.product for f in live.featured.select_related("product")]
    assert [p.product_code for p in featured] == [c for _, c in demo_links.FEATURED]
    assert all(p.is_published and p.brand_id == live.brand_id for p in featured)
    assert live.pinned_product == featured[0]
    assert live.pinned_at is not None


def test_a_second_run_writes_nothing(loaded_demo):
    before = link_rows()

    summary = demo_load()

    assert summary.total_created == 0
    assert summary.total_updated == 0
    assert link_rows() == before


def test_a_rerun_keeps_the_hosts_pin_and_brings_the_session_to_today(loaded_demo):
    live = session()
    second = live.featured.get(position=1).product
    LiveSession.objects.filter(pk=live.pk).update(
        pinned_product=second,
        starts_at=live.starts_at - timedelta(days=3),
        ends_at=live.ends_at - timedelta(days=3),
    )
    HostLink.objects.filter(code="xmsea888").update(label="改过的备注")

    summary = demo_load()

    live.refresh_from_db()
    assert live.pinned_product == second
    assert timezone.localtime(live.starts_at).date() == timezone.localdate()
    assert (
        HostLink.objects.get(code="xmsea888").label
        == "直播间置顶 pinned in the live room"
    )
    assert summary.total_created == 0
    assert summary.updated == {"live_sessions": 1, "host_links": 1}


def test_a_rerun_restores_a_removed_featured_product(loaded_demo):
    live = session()
    live.featured.filter(position=2).delete()

    summary = demo_load()

    assert summary.created == {"live_products": 1}
    assert live.featured.count() == 3
