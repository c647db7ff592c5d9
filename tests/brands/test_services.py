"""Writes to brands, villages, workshops and memberships go through
brands.services: validated, with a derived slug, and announcing a change of
name or standing through hooks.organisation_changed (which the catalog
follows) and nothing else."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

import brands
from brands import services
from brands.models import Membership, Role, WorkshopType
from storefront.core import hooks
from tests.factories import make_brand, make_user, make_village

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    heard = []

    def listen(**ids):
        heard.append({key: list(value) for key, value in ids.items() if value})

    hooks.organisation_changed.register(listen)
    yield heard
    hooks.organisation_changed._receivers.remove(listen)


def test_create_derives_the_slug_and_announces(announced):
    brand = services.brand_create(name="斑斓海岸", operator_organisation="象山运营")
    assert brand.slug == "ban-lan-hai-an"
    assert announced == [{"brand_ids": [brand.pk]}]


def test_a_rename_or_a_change_of_standing_is_announced(announced):
    brand = make_brand()
    services.brand_update(brand=brand, name="新名字")
    services.brand_update(brand=brand, is_active=False)
    assert announced == [{"brand_ids": [brand.pk]}] * 2


def test_other_changes_are_not_announced(announced):
    brand = make_brand()
    services.brand_update(brand=brand, story="新的故事", region="舟山")
    services.brand_update(brand=brand, name=brand.name)
    assert announced == []
    brand.refresh_from_db()
    assert brand.story == "新的故事"


def test_the_change_is_judged_against_the_stored_row(announced):
    """A caller that already set the new name on its object still announces."""
    brand = make_brand()
    brand.name = "改过的名字"
    services.brand_update(brand=brand, name="改过的名字")
    assert announced == [{"brand_ids": [brand.pk]}]


def test_writes_are_validated():
    brand = make_brand()
    with pytest.raises(ValidationError):
        services.brand_update(brand=brand, attribution_window_days=0)
    with pytest.raises(TypeError):
        services.brand_update(brand=brand, slug="another")


def test_workshop_create_update_and_delete(announced):
    brand, village = make_brand(), make_village()
    workshop = services.workshop_create(
        name="黄避岙工坊",
        village=village,
        brands=[brand],
        workshop_type=WorkshopType.PROCESSING,
        people_employed=10,
        low_income_households_employed=3,
    )
    assert list(workshop.brands.all()) == [brand]
    services.workshop_update(workshop=workshop, brands=[], name_en="Huangbi'ao")
    assert not workshop.brands.exists()
    pk = workshop.pk
    services.workshop_delete(workshop=workshop)
    assert announced == [{"workshop_ids": [pk]}] * 3


def test_village_rename_is_announced(announced):
    village = make_village()
    services.village_update(village=village, name="南田村")
    assert announced == [{"village_ids": [village.pk]}]


def test_a_membership_is_granted_once():
    user, brand = make_user(), make_brand()
    first = services.membership_grant(user=user, role=Role.BRAND_OPERATOR, brand=brand)
    again = services.membership_grant(user=user, role=Role.BRAND_OPERATOR, brand=brand)
    assert first == again
    assert Membership.objects.filter(user=user).count() == 1
    services.membership_delete(membership=first)
    assert not Membership.objects.filter(user=user).exists()


def test_a_membership_must_name_the_target_of_its_role():
    with pytest.raises(ValidationError):
        services.membership_grant(
            user=make_user(), role=Role.WORKSHOP_MANAGER, brand=make_brand()
        )


def test_brands_does_not_import_the_catalog():
    """It announces changes instead (brands is the lower layer)."""
    for path in Path(brands.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n.startswith("storefront.catalog") for n in names), path
