"""Each role against each action, on its own objects and on everyone else's."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from brands.models import Brand, Role, Village, Workshop
from brands.permissions import Action, user_can
from revenue.models import Party
from storefront.aftersales.models import AfterSalesRequest
from storefront.catalog.models import Product
from storefront.catalog.selectors import visible_product_filter
from storefront.links.models import HostLink
from storefront.orders.models import Fulfillment, Order
from tests.factories import (
    grant,
    make_brand,
    make_product,
    make_user,
    make_village,
    make_workshop,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    objects: dict
    users: dict


@pytest.fixture
def world() -> World:
    brand_a, brand_b = make_brand(name="斑斓海岸"), make_brand(name="小岛下酒菜")
    brand_off = make_brand(name="停用品牌", is_active=False)
    village_v, village_v2 = make_village(), make_village()
    # W sells A (and the inactive brand); W2 sells B; W3 also sells A, in V2.
    w = make_workshop(brands=[brand_a, brand_off], village=village_v)
    w2 = make_workshop(brands=[brand_b], village=village_v2)
    w3 = make_workshop(brands=[brand_a], village=village_v2)
    w_off = make_workshop(brands=[brand_a], village=village_v, is_active=False)

    def product(brand, workshop, published):
        return make_product(brand=brand, workshop=workshop, published=published)

    objects = {
        "A": brand_a,
        "B": brand_b,
        "W": w,
        "W2": w2,
        "W3": w3,
        "V": village_v,
        "V2": village_v2,
        "p_A_W": product(brand_a, w, True),
        "p_A_W_unpub": product(brand_a, w, False),
        "p_A_W3_unpub": product(brand_a, w3, False),
        "p_B_W2": product(brand_b, w2, True),
        "p_B_W2_unpub": product(brand_b, w2, False),
        # Published, but its brand or its workshop is switched off.
        "p_off_W": product(brand_off, w, True),
        "p_A_Woff": product(brand_a, w_off, True),
        # Unsaved stand-ins are enough: the rules read only these fields.
        "O": Order(number="GF-2026-000001"),
        "F_W": Fulfillment(workshop=w),
        "F_W2": Fulfillment(workshop=w2),
        "AS_W": AfterSalesRequest(workshop=w),
        "AS_W2": AfterSalesRequest(workshop=w2),
    }

    consumer = make_user()
    operator = make_user(staff=True)
    inactive_staff = make_user(staff=True, is_active=False)
    grant(inactive_staff, Role.BRAND_OPERATOR, brand_a)
    brand_operator = make_user()
    grant(brand_operator, Role.BRAND_OPERATOR, brand_a)
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, w)
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village_v)
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand_a)
    other_host = make_user()
    objects.update(
        {
            "P_V": Party(kind="village", village=village_v),
            "P_V2": Party(kind="village", village=village_v2),
            "P_W": Party(kind="workshop", workshop=w),
            "P_W2": Party(kind="workshop", workshop=w2),
            "P_A": Party(kind="brand", brand=brand_a),
            "P_B": Party(kind="brand", brand=brand_b),
            "P_host": Party(kind="host", host=host),
            "P_host2": Party(kind="host", host=other_host),
            "P_platform": Party(kind="platform"),
            # Unsaved host links: the rule reads only host and brand.
            "L_host_A": HostLink(host=host, brand=brand_a),
            "L_host2_A": HostLink(host=other_host, brand=brand_a),
            "L_host_B": HostLink(host=host, brand=brand_b),
        }
    )
    users = {
        "anonymous": AnonymousUser(),
        "none": None,
        "consumer": consumer,
        "operator": operator,
        "inactive_staff": inactive_staff,
        "brand_operator_A": brand_operator,
        "manager_W": manager,
        "treasurer_V": treasurer,
        "host_A": host,
    }
    return World(objects=objects, users=users)


PRODUCTS = [
    "p_A_W",
    "p_A_W_unpub",
    "p_A_W3_unpub",
    "p_B_W2",
    "p_B_W2_unpub",
    "p_off_W",
    "p_A_Woff",
]
TARGETS = {
    Action.OPERATE_PLATFORM: [None],
    Action.VIEW_PRODUCT: PRODUCTS,
    Action.CHANGE_PRODUCT: PRODUCTS,
    # What a product to be would be (its brand and workshop): the import asks
    # this of unsaved products; saved ones stand in for them here.
    Action.CREATE_PRODUCT: PRODUCTS,
    Action.CHANGE_BRAND: ["A", "B"],
    Action.CHANGE_WORKSHOP: ["W", "W2", "W3"],
    Action.VIEW_VILLAGE_ACCOUNTS: ["V", "V2"],
    Action.LINK_PRODUCTS_OF_BRAND: ["A", "B"],
    # An order names nobody but operators; an after-sales request names the
    # managers of its parcel's workshop.
    Action.REFUND_ORDER: ["O", "AS_W", "AS_W2"],
    Action.HANDLE_AFTERSALES: ["AS_W", "AS_W2"],
    Action.SHIP_FULFILLMENT: ["F_W", "F_W2"],
    Action.IMPORT_CATALOG: ["W", "W2", "W3"],
    Action.MANAGE_REVENUE: [None],
    Action.APPROVE_HOSTS: ["A", "B"],
    Action.VIEW_HOST_FIGURES: ["L_host_A", "L_host2_A", "L_host_B"],
    # A party's balance and statements; a village object is not a party.
    Action.VIEW_PARTY_ACCOUNTS: [
        "P_V",
        "P_V2",
        "P_W",
        "P_W2",
        "P_A",
        "P_B",
        "P_host",
        "P_host2",
        "P_platform",
        "V",
    ],
}
ALL = {(action, target) for action, targets in TARGETS.items() for target in targets}
PUBLIC = {(Action.VIEW_PRODUCT, "p_A_W"), (Action.VIEW_PRODUCT, "p_B_W2")}

EXPECTED = {
    "anonymous": PUBLIC,
    "none": PUBLIC,
    "consumer": PUBLIC,
    "operator": ALL,
    # The staff flag and the membership mean nothing once the account is off.
    "inactive_staff": PUBLIC,
    "brand_operator_A": PUBLIC
    | {(Action.VIEW_PRODUCT, p) for p in ["p_A_W_unpub", "p_A_W3_unpub", "p_A_Woff"]}
    | {
        (action, p)
        for action in (Action.CHANGE_PRODUCT, Action.CREATE_PRODUCT)
        for p in ["p_A_W", "p_A_W_unpub", "p_A_W3_unpub", "p_A_Woff"]
    }
    | {
        (Action.CHANGE_BRAND, "A"),
        # Brand operators look after the workshops selling under their brand.
        (Action.CHANGE_WORKSHOP, "W"),
        (Action.CHANGE_WORKSHOP, "W3"),
        (Action.IMPORT_CATALOG, "W"),
        (Action.IMPORT_CATALOG, "W3"),
        (Action.VIEW_PARTY_ACCOUNTS, "P_A"),
        (Action.APPROVE_HOSTS, "A"),
        (Action.VIEW_HOST_FIGURES, "L_host_A"),
        (Action.VIEW_HOST_FIGURES, "L_host2_A"),
    },
    "manager_W": PUBLIC
    | {(Action.VIEW_PRODUCT, p) for p in ["p_A_W_unpub", "p_off_W"]}
    | {
        (action, p)
        for action in (Action.CHANGE_PRODUCT, Action.CREATE_PRODUCT)
        for p in ["p_A_W", "p_A_W_unpub", "p_off_W"]
    }
    | {
        (Action.CHANGE_WORKSHOP, "W"),
        (Action.IMPORT_CATALOG, "W"),
        (Action.SHIP_FULFILLMENT, "F_W"),
        (Action.VIEW_PARTY_ACCOUNTS, "P_W"),
        (Action.HANDLE_AFTERSALES, "AS_W"),
        (Action.REFUND_ORDER, "AS_W"),
    },
    "treasurer_V": PUBLIC
    | {(Action.VIEW_VILLAGE_ACCOUNTS, "V"), (Action.VIEW_PARTY_ACCOUNTS, "P_V")},
    "host_A": PUBLIC
    | {
        (Action.LINK_PRODUCTS_OF_BRAND, "A"),
        (Action.VIEW_PARTY_ACCOUNTS, "P_host"),
        (Action.VIEW_HOST_FIGURES, "L_host_A"),
        (Action.VIEW_HOST_FIGURES, "L_host_B"),
    },
}


def test_table_covers_every_action():
    assert set(TARGETS) == set(Action)


@pytest.mark.parametrize("role", EXPECTED)
def test_role_may_do_exactly_what_the_table_says(world, role):
    user = world.users[role]
    allowed = {
        (action, target)
        for action, target in ALL
        if user_can(user, action, world.objects.get(target))
    }
    assert sorted(allowed - EXPECTED[role]) == [], "allowed but should be refused"
    assert sorted(EXPECTED[role] - allowed) == [], "refused but should be allowed"


@pytest.mark.parametrize(
    ("role", "action", "own", "wrong_model"),
    [
        ("brand_operator_A", Action.CHANGE_BRAND, "A", Workshop),
        ("manager_W", Action.CHANGE_WORKSHOP, "W", Brand),
        ("treasurer_V", Action.VIEW_VILLAGE_ACCOUNTS, "V", Workshop),
        ("host_A", Action.LINK_PRODUCTS_OF_BRAND, "A", Village),
        ("manager_W", Action.SHIP_FULFILLMENT, "F_W", Workshop),
        ("manager_W", Action.IMPORT_CATALOG, "W", Brand),
        ("manager_W", Action.HANDLE_AFTERSALES, "AS_W", Workshop),
    ],
)
def test_object_of_another_kind_with_the_same_id_is_refused(
    world, role, action, own, wrong_model
):
    # Memberships are (role, id) pairs: the object's type must be checked too.
    user, target = world.users[role], world.objects[own]
    assert user_can(user, action, target)
    assert not user_can(user, action, wrong_model(pk=target.pk))


def test_unpublished_product_visibility(world):
    unpublished = world.objects["p_A_W_unpub"]
    for role in ["anonymous", "consumer", "host_A", "treasurer_V", "inactive_staff"]:
        assert not user_can(world.users[role], Action.VIEW_PRODUCT, unpublished)
    for role in ["brand_operator_A", "manager_W", "operator"]:
        assert user_can(world.users[role], Action.VIEW_PRODUCT, unpublished)


@pytest.mark.parametrize("role", EXPECTED)
def test_visible_product_filter_agrees_with_user_can(world, role):
    user = world.users[role]
    products = Product.objects.select_related("brand", "workshop")
    by_rule = {p.pk for p in products if user_can(user, Action.VIEW_PRODUCT, p)}
    by_query = set(
        Product.objects.filter(visible_product_filter(user)).values_list(
            "pk", flat=True
        )
    )
    assert by_query == by_rule
    assert by_query  # every role sees at least the public products


def test_memberships_loaded_once_per_user_object(world, django_assert_num_queries):
    stored = world.users["brand_operator_A"]
    brand_a, brand_b = world.objects["A"], world.objects["B"]
    user = get_user_model().objects.get(pk=stored.pk)
    with django_assert_num_queries(1):
        assert user_can(user, Action.CHANGE_BRAND, brand_a)
    with django_assert_num_queries(0):
        assert not user_can(user, Action.CHANGE_BRAND, brand_b)
        assert not user_can(user, Action.LINK_PRODUCTS_OF_BRAND, brand_a)
        assert not user_can(user, Action.VIEW_VILLAGE_ACCOUNTS, world.objects["V"])
        visible_product_filter(user)
    # A new user object (the next request) loads them again.
    fresh = get_user_model().objects.get(pk=stored.pk)
    with django_assert_num_queries(1):
        assert user_can(fresh, Action.CHANGE_BRAND, brand_a)


def test_platform_operator_needs_no_membership_query(world, django_assert_num_queries):
    operator = world.users["operator"]
    with django_assert_num_queries(0):
        assert user_can(operator, Action.CHANGE_BRAND, world.objects["B"])
        assert user_can(operator, Action.OPERATE_PLATFORM)


def test_anonymous_needs_no_query(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert not user_can(AnonymousUser(), Action.CHANGE_BRAND, world.objects["A"])
        visible_product_filter(AnonymousUser())
