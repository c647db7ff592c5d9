"""The host's pages: public profile, my links (create, revoke, QR codes),
applying to a brand and the brand operator's approvals, the header link."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brands.models import Membership, Role
from storefront.links.models import (
    ApplicationStatus,
    HostApplication,
    HostLink,
    HostProfile,
)
from tests.factories import make_product

from .host_builders import live_session, login, make_world, product_link

pytestmark = pytest.mark.django_db

MY_LINKS = reverse("links:my-links")
APPLY = reverse("links:apply")
APPLICATIONS = reverse("links:applications")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://shop.example"


def qr_url(link, kind="png"):
    return reverse("links:qr", kwargs={"pk": link.pk, "kind": kind})


# Public profile ---------------------------------------------------------------


def test_profile_shows_the_host_brands_and_coming_sessions(client, world):
    coming = live_session(world.host, world.brand, title="今晚八点海鲜专场")
    on_now = live_session(
        world.host, world.brand, starts_in=-timedelta(minutes=30), title="正在直播"
    )
    live_session(world.host, world.brand, starts_in=-timedelta(days=2), title="旧场")
    link = product_link(world.host, world.product)
    HostLink.objects.filter(pk=link.pk).update(clicks=4242)
    response = client.get(reverse("links:host", args=["xiaomei"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "小美直播间" in html and "象山海边的村播" in html
    assert world.brand.name in html and world.other_brand.name not in html
    assert reverse("links:live", args=[coming.pk]) in html
    assert reverse("links:live", args=[on_now.pk]) in html
    assert 'badge-live">正在直播' in html  # the one on air now, badged
    assert html.count('badge-muted">预告') == 1  # the one to come
    assert "旧场" not in html
    # Never a figure (a bare number: timestamps' microseconds may hold 4242).
    assert not re.search(r"(?<![\d.])4242(?!\d)", html)
    assert link.code not in html


def test_an_unknown_profile_is_404(client):
    assert client.get(reverse("links:host", args=["nobody"])).status_code == 404


# My links ---------------------------------------------------------------------


def test_my_links_needs_sign_in_and_the_host_role(client, world):
    response = client.get(MY_LINKS)
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]
    login(client, world.consumer)
    assert client.get(MY_LINKS).status_code == 403
    assert client.post(MY_LINKS, {"target": "brand"}).status_code == 403
    login(client, world.brand_operator)
    assert client.get(MY_LINKS).status_code == 403
    login(client, world.operator)
    assert client.get(MY_LINKS).status_code == 200


def test_my_links_lists_only_the_hosts_own_links(client, world):
    mine = product_link(world.host, world.product, label="朋友圈")
    HostLink.objects.filter(pk=mine.pk).update(clicks=17)
    theirs = product_link(world.other_host, world.other_product)
    response = login(client, world.host).get(MY_LINKS)
    html = response.content.decode()
    assert f"https://shop.example/l/{mine.code}" in html
    assert "朋友圈" in html and "象山紫菜" in html
    assert '<strong class="link-clicks">17</strong>' in html
    assert theirs.code not in html
    assert qr_url(mine, "png") in html and qr_url(mine, "svg") in html


def post_link(client, **fields):
    data = {"target": "product", "label": "", "expires_at": ""}
    data.update({key: str(value) for key, value in fields.items()})
    return client.post(MY_LINKS, data)


def test_a_host_creates_a_product_link_with_utm_and_expiry(client, world):
    login(client, world.host)
    response = post_link(
        client,
        product=world.product.pk,
        label="抖音",
        utm_source="douyin",
        utm_campaign="double11",
        expires_at=(timezone.localtime() + timedelta(days=3)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    )
    assert response.status_code == 302
    link = HostLink.objects.get(host=world.host)
    assert (link.product, link.brand, link.label) == (
        world.product,
        world.brand,
        "抖音",
    )
    assert (link.utm_source, link.utm_campaign) == ("douyin", "double11")
    assert link.expires_at > timezone.now() + timedelta(days=2)
    page = client.get(MY_LINKS).content.decode()
    assert f"https://shop.example/l/{link.code}" in page


def test_a_host_links_a_brand_and_their_live_session(client, world):
    login(client, world.host)
    assert post_link(client, target="brand", brand=world.brand.pk).status_code == 302
    session = live_session(world.host, world.brand)
    response = post_link(client, target="live_session", live_session=session.pk)
    assert response.status_code == 302
    assert set(HostLink.objects.values_list("target", flat=True)) == {
        "brand",
        "live_session",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "brand"}, "请选择"),
        ({"product": 999999999}, "Not found"),
        ({"product": "abc"}, "Pick one from the list"),
        ({"target": "nonsense"}, "Pick one from the list"),
        ({"utm_source": "x" * 101}, "At most 100 characters"),
        ({"utm_medium": "tab\x01"}, "without control characters"),
        ({"label": "bell\x07"}, "holds control characters"),
        ({"expires_at": "tomorrow"}, "Use YYYY-MM-DD HH:MM"),
    ],
)
def test_bad_link_inputs_show_errors(client, world, fields, message):
    login(client, world.host)
    response = post_link(client, **{"product": world.product.pk, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HostLink.objects.exists()


def test_a_host_cannot_link_a_brand_they_are_not_approved_for(client, world):
    login(client, world.host)
    response = post_link(client, product=world.other_product.pk)
    assert response.status_code == 400
    assert "您尚未获该品牌批准带货" in response.content.decode()
    response = post_link(client, target="brand", brand=world.other_brand.pk)
    assert "You are not approved to sell this brand" in response.content.decode()
    assert not HostLink.objects.exists()


def test_an_unpublished_product_cannot_be_linked(client, world):
    hidden = make_product(
        brand=world.brand, workshop=world.workshop, published=False, name="未上架"
    )
    response = post_link(login(client, world.host), product=hidden.pk)
    assert response.status_code == 400
    assert "该商品未上架" in response.content.decode()
    assert not HostLink.objects.exists()


def test_someone_elses_live_session_and_a_past_expiry_are_refused(client, world):
    login(client, world.host)
    theirs = live_session(world.other_host, world.brand)
    response = post_link(client, target="live_session", live_session=theirs.pk)
    assert response.status_code == 400
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_link(client, product=world.product.pk, expires_at=past)
    assert response.status_code == 400
    assert "失效时间必须在将来" in response.content.decode()
    assert not HostLink.objects.exists()


def test_creating_a_link_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.host)
    response = client.post(MY_LINKS, {"target": "product", "product": world.product.pk})
    assert response.status_code == 403
    assert not HostLink.objects.exists()


def test_a_host_revokes_their_link_and_not_anothers(client, world):
    mine = product_link(world.host, world.product)
    theirs = product_link(world.other_host, world.other_product)
    login(client, world.host)
    assert client.get(reverse("links:revoke", args=[mine.pk])).status_code == 405
    response = client.post(reverse("links:revoke", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert "已撤销" in client.get(MY_LINKS).content.decode()
    assert client.post(reverse("links:revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# QR codes ---------------------------------------------------------------------


def test_qr_codes_for_whoever_may_see_the_link(client, world):
    link = product_link(world.host, world.product)
    assert client.get(qr_url(link)).status_code == 302
    for user in (world.host, world.brand_operator, world.operator):
        login(client, user)
        png = client.get(qr_url(link, "png"))
        assert png.status_code == 200
        assert png["Content-Type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        svg = client.get(qr_url(link, "svg") + "?download=1")
        assert svg["Content-Type"] == "image/svg+xml"
        assert b"<svg" in svg.content
        assert f'filename="link-{link.code}.svg"' in svg["Content-Disposition"]


def test_other_hosts_and_consumers_get_no_qr(client, world):
    link = product_link(world.host, world.product)
    for user in (world.other_host, world.other_brand_operator, world.consumer):
        login(client, user)
        assert client.get(qr_url(link)).status_code == 404
        assert client.get(qr_url(link, "svg")).status_code == 404


def test_bad_qr_addresses_are_404(client, world):
    link = product_link(world.host, world.product)
    login(client, world.host)
    base = f"/host/links/{link.pk}/qr"
    assert client.get(base + ".gif").status_code == 404
    assert client.get(f"/host/links/{'9' * 19}/qr.png").status_code == 404
    assert client.get("/host/links/999999999/qr.png").status_code == 404


# Applying and approving -------------------------------------------------------


def test_a_user_applies_and_the_brand_operator_approves(client, world):
    applicant = world.consumer
    login(client, applicant)
    assert client.get(APPLY).status_code == 200
    response = client.post(APPLY, {"brand": world.brand.pk, "note": "我在象山直播"})
    assert response.status_code == 302
    application = HostApplication.objects.get(host=applicant)
    assert application.status == ApplicationStatus.PENDING
    again = client.post(APPLY, {"brand": world.brand.pk})
    assert again.status_code == 400
    assert "您已申请" in again.content.decode()
    assert "待审批" in client.get(APPLY).content.decode()
    # The applicant cannot decide for themself.
    assert client.get(APPLICATIONS).status_code == 403
    decide = reverse("links:application-decide", args=[application.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403

    login(client, world.other_brand_operator)
    assert "我在象山直播" not in client.get(APPLICATIONS).content.decode()
    assert client.post(decide, {"decision": "approve"}).status_code == 403

    login(client, world.brand_operator)
    page = client.get(APPLICATIONS).content.decode()
    assert "我在象山直播" in page and applicant.username in page
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == world.brand_operator
    assert Membership.objects.filter(
        user=applicant, role=Role.LIVESTREAM_HOST, brand=world.brand
    ).exists()
    assert HostProfile.objects.filter(user=applicant).exists()
    # Deciding twice is refused with a message, not an error page.
    client.post(decide, {"decision": "reject"})
    assert "该申请已处理" in client.get(APPLICATIONS).content.decode()

    login(client, applicant)
    assert client.get(MY_LINKS).status_code == 200


def test_a_rejected_application_grants_nothing(client, world):
    application = HostApplication.objects.create(host=world.consumer, brand=world.brand)
    login(client, world.operator)
    decide = reverse("links:application-decide", args=[application.pk])
    assert client.post(decide, {"decision": "reject"}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert not Membership.objects.filter(user=world.consumer).exists()


def test_applying_needs_sign_in_and_a_real_brand(client, world):
    assert client.get(APPLY).status_code == 302
    assert client.get(APPLICATIONS).status_code == 302
    login(client, world.consumer)
    response = client.post(APPLY, {"brand": "999999"})
    assert response.status_code == 400
    assert "Pick one from the list" in response.content.decode()
    assert not HostApplication.objects.exists()
    response = client.post(APPLY, {"brand": world.brand.pk, "note": "x" * 201})
    assert response.status_code == 400
    assert "At most 200 characters" in response.content.decode()


# Header -----------------------------------------------------------------------


def test_the_header_offers_host_pages_to_hosts_only(client, world):
    login(client, world.host)
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{MY_LINKS}">主播 Host</a>' in html
    login(client, world.consumer)
    assert "主播 Host" not in client.get(reverse("web:home")).content.decode()
