"""The operator admin for hosts, applications, live sessions, links and
daily stats: who may open it, what is read-only, and that its actions go
through the services."""

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from brands.models import Membership, Role
from storefront.links.models import (
    ApplicationStatus,
    HostApplication,
    HostLink,
    LiveSessionProduct,
)

from .host_builders import live_session, login, make_world, product_link, stat

pytestmark = pytest.mark.django_db

MODELS = ("hostprofile", "hostapplication", "livesession", "hostlink", "linkdailystat")


@pytest.fixture
def world():
    return make_world()


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:links_{model}_{view}", args=args)


def test_every_list_opens_for_an_operator(client, world):
    link = product_link(world.host, world.product, label="朋友圈")
    stat(link, date(2026, 11, 1), 5, 4)
    HostApplication.objects.create(host=world.consumer, brand=world.brand)
    live_session(world.host, world.brand, title="海边直播")
    login(client, world.operator)
    pages = {model: client.get(admin_url(model)) for model in MODELS}
    assert all(page.status_code == 200 for page in pages.values())
    assert link.code in pages["hostlink"].content.decode()
    assert "海边直播" in pages["livesession"].content.decode()
    assert "小美直播间" in pages["hostprofile"].content.decode()


def test_non_operators_are_kept_out(client, world):
    # Not staff, so not platform operators: the admin is not theirs.
    for user in (world.brand_operator, world.host):
        login(client, user)
        response = client.get(admin_url("hostlink"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_links_are_read_mostly_and_stats_read_only(client, world):
    link = product_link(world.host, world.product)
    row = stat(link, date(2026, 11, 1), 5, 4)
    login(client, world.operator)
    change = client.get(admin_url("hostlink", "change", link.pk))
    assert change.status_code == 200
    form = change.context["adminform"].form
    assert "clicks" not in form.fields and "code" not in form.fields
    assert "label" in form.fields
    assert client.get(admin_url("hostlink", "add")).status_code == 403
    assert client.get(admin_url("hostlink", "delete", link.pk)).status_code == 403
    assert client.get(admin_url("linkdailystat", "add")).status_code == 403
    stat_page = client.get(admin_url("linkdailystat", "change", row.pk))
    assert stat_page.status_code == 200
    assert not stat_page.context["adminform"].form.fields


def test_revoke_action_revokes_through_the_service(client, world):
    link = product_link(world.host, world.product)
    login(client, world.operator)
    response = client.post(
        admin_url("hostlink"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [link.pk]},
        follow=True,
    )
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "已撤销 revoked: 1" in response.content.decode()


def test_approve_and_reject_actions_decide_applications(client, world):
    yes = HostApplication.objects.create(host=world.consumer, brand=world.brand)
    no = HostApplication.objects.create(host=world.consumer, brand=world.other_brand)
    login(client, world.operator)
    for action, application in (("approve", yes), ("reject", no)):
        client.post(
            admin_url("hostapplication"),
            {"action": action, ACTION_CHECKBOX_NAME: [application.pk]},
        )
    yes.refresh_from_db()
    no.refresh_from_db()
    assert (yes.status, no.status) == (
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
    )
    assert yes.decided_by == world.operator
    assert list(
        Membership.objects.filter(
            user=world.consumer, role=Role.LIVESTREAM_HOST
        ).values_list("brand", flat=True)
    ) == [world.brand.pk]
    # A second decision is refused with the service's message.
    response = client.post(
        admin_url("hostapplication"),
        {"action": "reject", ACTION_CHECKBOX_NAME: [yes.pk]},
        follow=True,
    )
    assert "该申请已处理" in response.content.decode()
    yes.refresh_from_db()
    assert yes.status == ApplicationStatus.APPROVED
    assert client.get(admin_url("hostapplication", "add")).status_code == 403


def test_live_session_page_has_its_featured_products(client, world):
    session = live_session(world.host, world.brand)
    LiveSessionProduct.objects.create(session=session, product=world.product)
    login(client, world.operator)
    page = client.get(admin_url("livesession", "change", session.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "featured-TOTAL_FORMS" in html
    assert 'value="1" id="id_featured-TOTAL_FORMS"' in html
    assert "pinned_product" not in page.context["adminform"].form.fields


def test_no_link_is_lost_by_a_bulk_delete(client, world):
    product_link(world.host, world.product)
    login(client, world.operator)
    page = client.get(admin_url("hostlink"))
    assert "delete_selected" not in page.content.decode()
    assert HostLink.objects.count() == 1
