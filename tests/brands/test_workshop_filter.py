"""`workshops_user_may` / `managed_workshop_filter`: which workshops a user may
act for, the one rule behind the workshop portal's switcher
(`workshops_managed_by`) and the import's (`workshops_importable_by`), read
as one query and agreeing with `user_can` for every role."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from brands.models import Role, Workshop
from brands.permissions import (
    WORKSHOP_ACTIONS,
    Action,
    managed_workshop_filter,
    may_act_for_some_workshop,
    user_can,
    workshops_user_may,
)
from catalog_import.selectors import workshops_importable_by
from storefront.web.current_workshop import workshops_managed_by
from tests.factories import grant, make_brand, make_user, make_village, make_workshop

pytestmark = pytest.mark.django_db


@dataclass
class World:
    workshops: dict
    users: dict


@pytest.fixture
def world() -> World:
    brand_a, brand_b = make_brand(name="斑斓海岸"), make_brand(name="小岛下酒菜")
    brand_empty = make_brand(name="还没有工坊")
    village = make_village()
    # W sells A and B (two operated brands must not list it twice); W2 sells
    # B; W3 sells A; W_off sells A but is switched off (still managed).
    workshops = {
        "W": make_workshop(brands=[brand_a, brand_b], village=village, name="甲"),
        "W2": make_workshop(brands=[brand_b], village=village, name="乙"),
        "W3": make_workshop(brands=[brand_a], village=village, name="丙"),
        "W_off": make_workshop(
            brands=[brand_a], village=village, name="丁", is_active=False
        ),
    }
    operator = make_user(staff=True)
    inactive_staff = make_user(staff=True, is_active=False)
    brand_operator_a = make_user()
    grant(brand_operator_a, Role.BRAND_OPERATOR, brand_a)
    brand_operator_ab = make_user()
    grant(brand_operator_ab, Role.BRAND_OPERATOR, brand_a)
    grant(brand_operator_ab, Role.BRAND_OPERATOR, brand_b)
    brand_operator_empty = make_user()
    grant(brand_operator_empty, Role.BRAND_OPERATOR, brand_empty)
    manager_w = make_user()
    grant(manager_w, Role.WORKSHOP_MANAGER, workshops["W"])
    manager_w2 = make_user()
    grant(manager_w2, Role.WORKSHOP_MANAGER, workshops["W2"])
    inactive_manager = make_user(is_active=False)
    grant(inactive_manager, Role.WORKSHOP_MANAGER, workshops["W"])
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village)
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand_a)
    users = {
        "anonymous": AnonymousUser(),
        "none": None,
        "customer": make_user(),
        "operator": operator,
        "inactive_staff": inactive_staff,
        "brand_operator_A": brand_operator_a,
        "brand_operator_AB": brand_operator_ab,
        "brand_operator_empty": brand_operator_empty,
        "manager_W": manager_w,
        "manager_W2": manager_w2,
        "inactive_manager_W": inactive_manager,
        "treasurer": treasurer,
        "host_A": host,
    }
    return World(workshops=workshops, users=users)


# role → the workshops it may act for (CHANGE_WORKSHOP and IMPORT_CATALOG alike).
TABLE = {
    "anonymous": set(),
    "none": set(),
    "customer": set(),
    "operator": {"W", "W2", "W3", "W_off"},
    "inactive_staff": set(),
    "brand_operator_A": {"W", "W3", "W_off"},  # its own brand's, not W2
    "brand_operator_AB": {"W", "W2", "W3", "W_off"},
    "brand_operator_empty": set(),
    "manager_W": {"W"},  # its own workshop, not the others
    "manager_W2": {"W2"},
    "inactive_manager_W": set(),
    "treasurer": set(),
    "host_A": set(),
}
# Whether the portal's link is offered: any role that could act for one.
SOME_WORKSHOP = {
    role for role, names in TABLE.items() if names or role == "brand_operator_empty"
}


def _names(world, workshops) -> set[str]:
    by_pk = {w.pk: name for name, w in world.workshops.items()}
    return {by_pk[w.pk] for w in workshops}


def _fresh(user):
    """A new user object, as the next request has (memberships reloaded)."""
    if user is None or not user.is_authenticated:
        return user
    return get_user_model().objects.get(pk=user.pk)


def test_table_covers_every_role(world):
    assert set(TABLE) == set(world.users)


@pytest.mark.parametrize("action", sorted(WORKSHOP_ACTIONS))
@pytest.mark.parametrize("role", sorted(TABLE))
def test_workshops_user_may_follows_the_table(world, role, action):
    user = world.users[role]
    workshops = list(workshops_user_may(user, action))

    assert _names(world, workshops) == TABLE[role]
    assert len(workshops) == len(TABLE[role]), "a workshop listed twice"
    by_rule = {name for name, w in world.workshops.items() if user_can(user, action, w)}
    assert by_rule == TABLE[role]


@pytest.mark.parametrize("action", sorted(WORKSHOP_ACTIONS))
@pytest.mark.parametrize("role", sorted(TABLE))
def test_the_filter_selects_the_same_workshops(world, role, action):
    condition = managed_workshop_filter(world.users[role], action)
    if condition is None:
        assert role == "operator"
        selected = Workshop.objects.all()
    else:
        selected = Workshop.objects.filter(condition).distinct()
    assert _names(world, selected) == TABLE[role]


@pytest.mark.parametrize("role", sorted(TABLE))
def test_the_portal_and_the_import_list_the_same_workshops_by_name(world, role):
    user = world.users[role]
    managed = list(workshops_managed_by(user))
    importable = list(workshops_importable_by(_fresh(user)))

    assert managed == importable
    assert _names(world, managed) == TABLE[role]
    assert [w.name for w in managed] == sorted(w.name for w in managed)


@pytest.mark.parametrize("role", sorted(TABLE))
def test_may_act_for_some_workshop_needs_only_a_role(world, role):
    for action in WORKSHOP_ACTIONS:
        assert may_act_for_some_workshop(world.users[role], action) == (
            role in SOME_WORKSHOP
        )


@pytest.mark.parametrize(
    "role", ["anonymous", "customer", "inactive_staff", "operator", "treasurer"]
)
def test_no_query_for_users_without_a_workshop_role(
    world, role, django_assert_num_queries
):
    user = _fresh(world.users[role])
    may_act_for_some_workshop(user, Action.CHANGE_WORKSHOP)  # roles loaded, cached
    with django_assert_num_queries(0):
        workshops = workshops_user_may(user, Action.CHANGE_WORKSHOP)
        if role != "operator":
            assert list(workshops) == []


def test_one_query_for_a_brand_operator(world, django_assert_num_queries):
    user = _fresh(world.users["brand_operator_AB"])
    assert may_act_for_some_workshop(user, Action.IMPORT_CATALOG)  # roles cached
    with django_assert_num_queries(1):
        assert len(list(workshops_user_may(user, Action.IMPORT_CATALOG))) == 4


@pytest.mark.parametrize(
    "action", sorted(set(Action) - WORKSHOP_ACTIONS) + ["change_workshop "]
)
def test_an_action_that_is_not_about_workshops_is_refused(world, action):
    for role in ("operator", "manager_W", "anonymous"):
        with pytest.raises(ValueError, match="not a workshop action"):
            workshops_user_may(world.users[role], action)
        with pytest.raises(ValueError, match="not a workshop action"):
            managed_workshop_filter(world.users[role], action)
