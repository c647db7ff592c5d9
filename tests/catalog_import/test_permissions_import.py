"""Who may import into a workshop, through every way in: user_can, the job
services and the selectors agree."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from brands.models import Role
from brands.permissions import Action, user_can
from catalog_import import selectors, services
from catalog_import.errors import ImportJobError, ImportJobErrorCode
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from tests.catalog_import.jobs_helpers import catalogue_csv, catalogue_rows, upload
from tests.factories import grant, make_brand, make_user, make_workshop

pytestmark = pytest.mark.django_db


@dataclass
class World:
    brand: object
    workshop: object  # W sells under the brand
    other: object  # W2 sells under another brand
    users: dict


@pytest.fixture
def world() -> World:
    brand, other_brand = make_brand(), make_brand()
    workshop = make_workshop(brands=[brand])
    other = make_workshop(brands=[other_brand])
    users = {
        "anonymous": AnonymousUser(),
        "consumer": make_user(),
        "operator": make_user(staff=True),
        "inactive_staff": make_user(staff=True, is_active=False),
    }
    roles = {
        "manager_W": (Role.WORKSHOP_MANAGER, workshop),
        "manager_W2": (Role.WORKSHOP_MANAGER, other),
        "brand_operator": (Role.BRAND_OPERATOR, brand),
        "other_brand_operator": (Role.BRAND_OPERATOR, other_brand),
        "host": (Role.LIVESTREAM_HOST, brand),
        "treasurer": (Role.VILLAGE_TREASURER, workshop.village),
    }
    for name, (role, target) in roles.items():
        users[name] = make_user()
        grant(users[name], role, target)
    return World(brand, workshop, other, users)


ALLOWED = {"manager_W", "brand_operator", "operator"}
REFUSED = {
    "anonymous",
    "consumer",
    "inactive_staff",
    "manager_W2",
    "other_brand_operator",
    "host",
    "treasurer",
}


def _create(user, workshop, brand, mode=ImportMode.DRY_RUN):
    content = catalogue_csv(catalogue_rows(brand, products=1, variants=1))
    return services.import_job_create(
        user=user, workshop=workshop, upload=upload(content), mode=mode
    )


@pytest.mark.parametrize("role", sorted(ALLOWED | REFUSED))
def test_user_can_import_catalog(world, role):
    assert user_can(world.users[role], Action.IMPORT_CATALOG, world.workshop) is (
        role in ALLOWED
    )


@pytest.mark.parametrize("role", sorted(REFUSED))
def test_job_create_refuses(world, role):
    with pytest.raises(ImportJobError) as refused:
        _create(world.users[role], world.workshop, world.brand)
    assert refused.value.code == ImportJobErrorCode.PERMISSION_DENIED
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_job_create_allows(world, role):
    job = _create(world.users[role], world.workshop, world.brand)
    assert job.status == ImportStatus.QUEUED and job.workshop == world.workshop


def test_apply_is_checked_again_for_the_one_who_applies(world):
    job = _create(world.users["manager_W"], world.workshop, world.brand)
    services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.failure

    for role in ["manager_W2", "host", "consumer"]:
        with pytest.raises(ImportJobError) as refused:
            services.import_job_apply(user=world.users[role], job=job)
        assert refused.value.code == ImportJobErrorCode.PERMISSION_DENIED
    applied = services.import_job_apply(user=world.users["brand_operator"], job=job)
    assert applied.mode == ImportMode.APPLY


@pytest.mark.parametrize("role", sorted(ALLOWED | REFUSED))
def test_selectors_agree_with_user_can(world, role):
    user = world.users[role]
    own = _create(world.users["operator"], world.workshop, world.brand)
    elsewhere = _create(world.users["operator"], world.other, world.brand)

    importable = set(selectors.workshops_importable_by(user))
    expected = {
        w
        for w in (world.workshop, world.other)
        if user_can(user, Action.IMPORT_CATALOG, w)
    }
    assert importable == expected
    visible = set(selectors.jobs_visible_to(user))
    assert visible == {job for job in (own, elsewhere) if job.workshop in expected}


def test_a_workshop_selling_under_two_operated_brands_is_listed_once(world):
    second = make_brand()
    world.workshop.brands.add(second)
    operator = world.users["brand_operator"]
    grant(operator, Role.BRAND_OPERATOR, second)
    fresh = type(operator).objects.get(pk=operator.pk)  # memberships reloaded

    assert list(selectors.workshops_importable_by(fresh)) == [world.workshop]


def _admin_url(view, *args):
    return reverse(f"admin:catalog_import_importjob_{view}", args=args)


def test_the_admin_shows_jobs_to_platform_operators_read_only(world, client):
    job = _create(world.users["manager_W"], world.workshop, world.brand)
    job.report = {
        "problems": [
            {"row": 3, "column": "价格(元)", "code": "invalid_price", "message": "x"}
        ]
    }
    job.save()
    client.force_login(world.users["operator"])

    assert client.get(_admin_url("changelist")).status_code == 200
    page = client.get(_admin_url("change", job.pk))
    assert page.status_code == 200 and "invalid_price" in page.content.decode()
    assert client.get(_admin_url("add")).status_code == 403
    assert client.post(_admin_url("delete", job.pk), {"post": "yes"}).status_code == 403
    assert ImportJob.objects.filter(pk=job.pk).exists()


@pytest.mark.parametrize("role", ["manager_W", "brand_operator", "consumer"])
def test_the_admin_is_closed_to_everyone_else(world, client, role):
    job = _create(world.users["operator"], world.workshop, world.brand)
    client.force_login(world.users[role])

    for url in [_admin_url("changelist"), _admin_url("change", job.pk)]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
