"""Brand operators: header links to host applications and the hosts'
dashboard; deciding an application tells the applicant by e-mail, in
Chinese and English, once the decision is committed (a rolled-back one
sends nothing)."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from storefront.links.models import HostApplication
from storefront.links.services import host_application_decide
from tests.factories import make_user

from .host_builders import login, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def applicant_for(world, email="applicant@example.cn"):
    user = make_user(email=email, first_name="阿海")
    return HostApplication.objects.create(host=user, brand=world.brand, note="想卖紫菜")


def header(html: str) -> str:
    return html.split("</header>", 1)[0]


def test_a_brand_operator_has_header_links_to_applications_and_dashboard(client, world):
    html = header(login(client, world.brand_operator).get("/").content.decode())
    assert f'href="{reverse("links:applications")}"' in html
    assert f'href="{reverse("links:dashboard")}"' in html
    assert "主播申请" in html and "Host applications" in html
    # Both lead somewhere the operator may go.
    assert client.get(reverse("links:applications")).status_code == 200
    assert client.get(reverse("links:dashboard")).status_code == 200


@pytest.mark.parametrize("who", ["consumer", "host"])
def test_others_get_no_operator_links(client, world, who):
    html = header(login(client, getattr(world, who)).get("/").content.decode())
    assert 'data-nav="host-applications"' not in html
    assert 'data-nav="host-dashboard"' not in html


def test_approving_emails_the_applicant_after_commit(
    client, world, django_capture_on_commit_callbacks
):
    application = applicant_for(world)
    decide = reverse("links:application-decide", args=[application.pk])
    login(client, world.brand_operator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(decide, {"decision": "approve"}).status_code == 302
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["applicant@example.cn"]
    assert "已批准" in message.subject and "approved" in message.subject
    assert world.brand.name in message.body
    assert message.body.index("你好") < message.body.index("Hello")  # Chinese first
    assert reverse("links:my-links") in message.body
    assert message.body.count("http") == 2  # an absolute link, in each language


def test_rejecting_emails_the_applicant_too(
    client, world, django_capture_on_commit_callbacks
):
    application = applicant_for(world)
    decide = reverse("links:application-decide", args=[application.pk])
    login(client, world.brand_operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"decision": "reject"})
    (message,) = mail.outbox
    assert "未批准" in message.subject and "declined" in message.subject
    assert reverse("links:apply") in message.body


def test_a_rolled_back_decision_sends_nothing(
    world, django_capture_on_commit_callbacks
):
    application = applicant_for(world)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                host_application_decide(
                    user=world.brand_operator, application=application, approve=True
                )
                raise RuntimeError("the request failed after deciding")
        except RuntimeError:
            pass
    assert mail.outbox == []
    application.refresh_from_db()
    assert application.status == "pending"


def test_an_applicant_without_an_address_gets_no_email(
    world, django_capture_on_commit_callbacks
):
    application = applicant_for(world, email="")
    with django_capture_on_commit_callbacks(execute=True):
        host_application_decide(
            user=world.brand_operator, application=application, approve=True
        )
    assert mail.outbox == []
