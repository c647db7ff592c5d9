"""The one place that answers "may this user do this to this object?".

Every view, GraphQL resolver and admin page asks `user_can`. Platform operators
(active staff users) may do everything; other roles come from Membership rows.
"""

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, TextChoices

from .models import Brand, Membership, Role, Village, Workshop


class Action(TextChoices):
    OPERATE_PLATFORM = "operate_platform"
    VIEW_PRODUCT = "view_product"
    CHANGE_PRODUCT = "change_product"
    CREATE_PRODUCT = "create_product"
    CHANGE_BRAND = "change_brand"
    CHANGE_WORKSHOP = "change_workshop"
    VIEW_VILLAGE_ACCOUNTS = "view_village_accounts"
    LINK_PRODUCTS_OF_BRAND = "link_products_of_brand"
    REFUND_ORDER = "refund_order"
    SHIP_FULFILLMENT = "ship_fulfillment"
    IMPORT_CATALOG = "import_catalog"
    MANAGE_REVENUE = "manage_revenue"
    APPROVE_HOSTS = "approve_hosts"
    VIEW_HOST_FIGURES = "view_host_figures"
    VIEW_PARTY_ACCOUNTS = "view_party_accounts"
    HANDLE_AFTERSALES = "handle_aftersales"


@dataclass(frozen=True)
class Scope:
    """Who may act on an object for an action: the holders of `role` over
    `target_id` (a workshop's managers), or the one user `user_id` (a host)."""

    role: Role | None = None
    target_id: int | None = None
    user_id: int | None = None


class Scoped(Protocol):
    """An object of a higher package (an order's parcel, a revenue party)
    says who may act on it, so this module never has to know its model."""

    def permission_scope(self, action: Action) -> Scope | None:
        """None when `action` does not apply to this object."""


_CACHE_ATTR = "_gongfu_memberships"


def is_platform_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def may_use_own_account(user) -> bool:
    """Whether `user` is a signed-in, active account that may read and change
    itself (the shopper's `me`, addresses, password, deletion request)."""
    return bool(user and user.is_authenticated and user.is_active)


def may_use_checkout(owner_id: int | None, user) -> bool:
    """A guest's cart is anyone's who holds its token (or id); a signed-in
    customer's cart is theirs alone."""
    if owner_id is None:
        return True
    return bool(user and user.is_authenticated and user.pk == owner_id)


def may_read_order(user, *, owner_id: int | None, parcels=()) -> bool:
    """An order by its id (Saleor's `order(id:)`): its signed-in owner,
    platform operators, and the managers of a workshop with a parcel in it
    (`parcels` are the order's Scoped fulfillments). A guest reads their
    order only through its secret token."""
    if is_platform_operator(user):
        return True
    if owner_id is not None and may_use_own_account(user) and user.pk == owner_id:
        return True
    return any(_in_scope(user, Action.SHIP_FULFILLMENT, parcel) for parcel in parcels)


def may_view_customers(user) -> bool:
    """Another account's details (Saleor's `user(id:)`): operators only."""
    return is_platform_operator(user)


def _memberships(user) -> set[tuple[str, int]]:
    """(role, target id) pairs, loaded once per user object (i.e. per request)."""
    if not user or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return set()
    if not user.is_active:
        return set()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = set()
        rows = Membership.objects.filter(user=user).values_list(
            "role", "brand_id", "workshop_id", "village_id"
        )
        for role, brand_id, workshop_id, village_id in rows:
            cached.add((role, brand_id or workshop_id or village_id))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user, role: Role, target_id: int) -> bool:
    return (role, target_id) in _memberships(user)


def role_targets(user, role: Role) -> set[int]:
    return {target for r, target in _memberships(user) if r == role}


# The Membership column that names each role's target.
_ROLE_TARGET = {
    Role.BRAND_OPERATOR: "brand_id",
    Role.LIVESTREAM_HOST: "brand_id",
    Role.WORKSHOP_MANAGER: "workshop_id",
    Role.VILLAGE_TREASURER: "village_id",
}


def users_named_by(obj: Scoped, action: Action) -> QuerySet:
    """The active users `obj` names for `action` (its `Scope`): the holders
    of the role over its target, or its one user. Platform operators, who may
    do everything, are not among them unless the scope names them too: this
    answers "whose is it" (who is told of it), not "who may see it"."""
    users = get_user_model().objects.filter(is_active=True)
    scope = obj.permission_scope(action)
    if scope is None:
        return users.none()
    if scope.user_id is not None:
        return users.filter(pk=scope.user_id)
    if scope.role is None or scope.target_id is None:
        return users.none()
    holders = Membership.objects.filter(
        role=scope.role, **{_ROLE_TARGET[scope.role]: scope.target_id}
    )
    return users.filter(pk__in=holders.values("user_id"))


def may_approve_some_hosts(user) -> bool:
    """Decides host applications for at least one brand (its operator, or a
    platform operator): the header offers the applications and the host
    dashboard of those brands."""
    return is_platform_operator(user) or bool(role_targets(user, Role.BRAND_OPERATOR))


def _may_manage_product(user, product) -> bool:
    return has_role(user, Role.BRAND_OPERATOR, product.brand_id) or has_role(
        user, Role.WORKSHOP_MANAGER, product.workshop_id
    )


def _may_manage_workshop(user, workshop) -> bool:
    """Its workshop managers, and the operators of a brand it sells under."""
    if not isinstance(workshop, Workshop):
        return False
    if has_role(user, Role.WORKSHOP_MANAGER, workshop.pk):
        return True
    operated = role_targets(user, Role.BRAND_OPERATOR)
    return bool(operated) and workshop.brands.filter(pk__in=operated).exists()


def _in_scope(user, action: Action, obj) -> bool:
    """Whether `user` is among those `obj` names for `action` (`Scoped`)."""
    scope_of = getattr(obj, "permission_scope", None)
    scope = scope_of(action) if callable(scope_of) else None
    if scope is None:
        return False
    if scope.user_id is not None:
        return bool(user and user.is_authenticated and scope.user_id == user.pk)
    return scope.role is not None and has_role(user, scope.role, scope.target_id)


def user_can(user, action: Action, obj=None) -> bool:
    if is_platform_operator(user):
        return True
    if action == Action.OPERATE_PLATFORM:
        return False
    if action == Action.VIEW_PRODUCT:
        # The catalogue's one rule (Product.is_on_sale), asked of the object.
        if obj.is_on_sale:
            return True
        return _may_manage_product(user, obj)
    if action == Action.CHANGE_PRODUCT:
        return _may_manage_product(user, obj)
    if action == Action.CREATE_PRODUCT:
        # `obj` is the product to be: an unsaved Product with its workshop and
        # brand set. Whether the workshop sells under that brand at all is a
        # catalogue rule, checked where products are written.
        return _may_manage_product(user, obj)
    if action == Action.CHANGE_BRAND:
        return isinstance(obj, Brand) and has_role(user, Role.BRAND_OPERATOR, obj.pk)
    if action == Action.CHANGE_WORKSHOP:
        return _may_manage_workshop(user, obj)
    if action == Action.IMPORT_CATALOG:
        # Importing writes the workshop's whole catalogue: the same people who
        # look after the workshop, kept a separate action so the two can part.
        return _may_manage_workshop(user, obj)
    if action == Action.VIEW_VILLAGE_ACCOUNTS:
        return isinstance(obj, Village) and has_role(
            user, Role.VILLAGE_TREASURER, obj.pk
        )
    if action == Action.REFUND_ORDER:
        # Money goes back only on a platform operator's say-so, or for an
        # after-sales request its parcel's workshop approved (the request
        # names them; an order names nobody).
        return _in_scope(user, action, obj)
    if action == Action.HANDLE_AFTERSALES:
        # An after-sales request: the managers of the parcel's workshop.
        return _in_scope(user, action, obj)
    if action == Action.SHIP_FULFILLMENT:
        # Each workshop ships its own parcel of an order, and only its own.
        return _in_scope(user, action, obj)
    if action == Action.MANAGE_REVENUE:
        # Share agreements and payouts move other people's money: operators only.
        return False
    if action == Action.VIEW_PARTY_ACCOUNTS:
        # A revenue party's balance and statements: the people it stands for.
        return _in_scope(user, action, obj)
    if action == Action.APPROVE_HOSTS:
        # A brand's operators decide who may sell it live.
        return isinstance(obj, Brand) and has_role(user, Role.BRAND_OPERATOR, obj.pk)
    if action == Action.VIEW_HOST_FIGURES:
        # A host link or live session: its host, and the operators of its brand.
        host_id = getattr(obj, "host_id", None)
        if host_id is not None and user and user.is_authenticated:
            if host_id == user.pk and user.is_active:
                return True
        brand_id = getattr(obj, "brand_id", None)
        return brand_id is not None and has_role(user, Role.BRAND_OPERATOR, brand_id)
    if action == Action.LINK_PRODUCTS_OF_BRAND:
        return isinstance(obj, Brand) and has_role(user, Role.LIVESTREAM_HOST, obj.pk)
    return False


# The actions whose rule is "looks after the workshop" (`_may_manage_workshop`).
WORKSHOP_ACTIONS = frozenset({Action.CHANGE_WORKSHOP, Action.IMPORT_CATALOG})


def _workshop_roles(user, action: Action) -> tuple[set[int], set[int]] | None:
    """(workshops `user` manages, brands it operates) for a workshop action;
    None for every workshop (platform operators)."""
    if action not in WORKSHOP_ACTIONS:
        raise ValueError(f"{action!r} is not a workshop action")
    if is_platform_operator(user):
        return None
    return role_targets(user, Role.WORKSHOP_MANAGER), role_targets(
        user, Role.BRAND_OPERATOR
    )


def may_act_for_some_workshop(user, action: Action) -> bool:
    """Whether `user` holds a role that `action` on a workshop asks for (or
    is a platform operator), with no query beyond the cached memberships: a
    brand's operator counts even while the brand has no workshop yet."""
    roles = _workshop_roles(user, action)
    return roles is None or any(roles)


def managed_workshop_filter(user, action: Action) -> Q | None:
    """A Q() over the workshops for which `user_can(user, action, workshop)`
    holds (its managers and the operators of a brand it sells under); None
    for every workshop (platform operators). The brand join may repeat a
    workshop: filter by ids (`workshops_user_may`) rather than distinct()."""
    roles = _workshop_roles(user, action)
    if roles is None:
        return None
    managed, operated = roles
    return Q(pk__in=managed) | Q(brands__in=operated)


def workshops_user_may(user, action: Action) -> QuerySet[Workshop]:
    """The workshops `user` may act for with `action`, each once, unordered:
    `user_can(user, action, workshop)` for every workshop, as one query (none
    at all for a user without a role)."""
    roles = _workshop_roles(user, action)
    if roles is None:
        return Workshop.objects.all()
    managed, operated = roles
    if not managed and not operated:
        return Workshop.objects.none()
    ids = Workshop.objects.filter(Q(pk__in=managed) | Q(brands__in=operated))
    return Workshop.objects.filter(pk__in=ids.values("pk"))


def managed_product_filter(user) -> Q | None:
    """A Q() over the products `user` looks after, on sale or not; None for
    every product (operators). The catalogue adds what is on sale to it
    (storefront.catalog.selectors.visible_product_filter)."""
    if is_platform_operator(user):
        return None
    brands = role_targets(user, Role.BRAND_OPERATOR)
    workshops = role_targets(user, Role.WORKSHOP_MANAGER)
    return Q(brand_id__in=brands) | Q(workshop_id__in=workshops)


def visible_party_filter(user) -> Q | None:
    """A Q() over revenue parties whose accounts `user` may view, None for
    every party (operators): `user_can(VIEW_PARTY_ACCOUNTS)` read as one
    query."""
    if is_platform_operator(user):
        return None
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    return (
        Q(kind="workshop", workshop_id__in=role_targets(user, Role.WORKSHOP_MANAGER))
        | Q(kind="village", village_id__in=role_targets(user, Role.VILLAGE_TREASURER))
        | Q(kind="brand", brand_id__in=role_targets(user, Role.BRAND_OPERATOR))
        | Q(kind="host", host_id=user.pk)
    )
