"""Scheduling a live session from the host's pages (/host/live/new/), and
the sessions listed on "my links"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from storefront.links.models import LiveSession
from tests.factories import make_product

from .host_builders import live_session, login, make_world

pytestmark = pytest.mark.django_db

NEW = reverse("links:live-new")


@pytest.fixture
def world():
    return make_world()


def local(delta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def schedule(client, world, **fields):
    data = {
        "brand": world.brand.pk,
        "title": "今晚海鲜专场",
        "starts_at": local(timedelta(hours=1)),
        "ends_at": local(timedelta(hours=3)),
        "products": [world.product.pk],
    }
    data.update(fields)
    return client.post(NEW, data)


def test_a_host_schedules_a_session_and_lands_on_its_console(client, world):
    second = make_product(brand=world.brand, workshop=world.workshop, name="虾干")
    login(client, world.host)
    assert client.get(NEW).status_code == 200
    response = schedule(client, world, products=[second.pk, world.product.pk])
    session = LiveSession.objects.get(host=world.host)
    assert response.status_code == 302
    assert response["Location"] == reverse("links:console", args=[session.pk])
    assert session.title == "今晚海鲜专场"
    assert session.ends_at - session.starts_at == timedelta(hours=2)
    featured = list(session.featured.values_list("product_id", flat=True))
    assert sorted(featured) == sorted([second.pk, world.product.pk])
    page = client.get(reverse("links:my-links")).content.decode()
    assert reverse("links:console", args=[session.pk]) in page


def test_only_hosts_schedule(client, world):
    assert client.get(NEW).status_code == 302
    login(client, world.consumer)
    assert client.get(NEW).status_code == 403
    assert schedule(client, world).status_code == 403
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_at": local(timedelta(minutes=30))}, "结束时间必须晚于开始时间"),
        ({"title": ""}, "Please give a title"),
        ({"ends_at": ""}, "Please give a time"),
        ({"starts_at": "soon"}, "Use YYYY-MM-DD HH:MM"),
        ({"brand": ""}, "Please choose one"),
        ({"brand": "99999999"}, "Pick one from the list"),
        ({"products": ["99999999"]}, "Pick one from the list"),
    ],
)
def test_bad_sessions_show_errors(client, world, fields, message):
    response = schedule(login(client, world.host), world, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LiveSession.objects.exists()


def test_a_session_for_a_brand_not_approved_is_refused(client, world):
    response = schedule(
        login(client, world.host),
        world,
        brand=world.other_brand.pk,
        products=[],
    )
    assert response.status_code == 400
    assert "您尚未获该品牌批准带货" in response.content.decode()
    assert not LiveSession.objects.exists()


def test_only_current_sessions_are_listed(client, world):
    over = live_session(world.host, world.brand, starts_in=-timedelta(days=1))
    coming = live_session(world.host, world.brand, title="明天")
    page = login(client, world.host).get(reverse("links:my-links")).content.decode()
    assert reverse("links:console", args=[coming.pk]) in page
    assert reverse("links:console", args=[over.pk]) not in page
