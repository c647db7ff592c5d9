"""Writes to brands, villages, workshops and memberships. Keyword-only,
validated with full_clean(), one transaction each.

Product search text copies brand, workshop and village names, and whether a
product is on sale depends on its brand and workshop being active. When such
a name or standing changes (or the row comes or goes), the services say so
through `storefront.core.hooks.organisation_changed`, inside their
transaction; the catalog rebuilds what it copied and drops its cached pages.
"""

from django.db import IntegrityError, transaction
from django.db.models import Model

from storefront.core import hooks
from storefront.core.slugs import unique_slug

from .models import Brand, Membership, Role, Village, Workshop

# What others copy or decide by: names (search text) and standing (on sale).
ANNOUNCED_FIELDS = {
    Brand: ("name", "name_en", "is_active"),
    Village: ("name", "name_en"),
    Workshop: ("name", "name_en", "is_active"),
}
HOOK_ARGUMENT = {Brand: "brand_ids", Village: "village_ids", Workshop: "workshop_ids"}


def _assign(instance: Model, fields: dict) -> None:
    """Set model fields as a form would (a file field given False is cleared)."""
    if "slug" in fields and instance.pk is not None:
        raise TypeError("a slug does not change once made: links use it")
    for name, value in fields.items():
        instance._meta.get_field(name).save_form_data(instance, value)


def _announce(model: type[Model], pk: int) -> None:
    ids = {argument: [] for argument in HOOK_ARGUMENT.values()}
    ids[HOOK_ARGUMENT[model]] = [pk]
    hooks.organisation_changed(**ids)


def _create(model: type[Model], *, name: str, slug: str = "", **fields) -> Model:
    instance = model()
    _assign(instance, {"name": name, **fields})
    instance.slug = slug or unique_slug(model, name, fallback=model._meta.model_name)
    instance.full_clean()
    instance.save()
    return instance


def _update(instance: Model, fields: dict) -> bool:
    """Save `fields` on `instance`; True when an announced field changed
    (compared with the row as stored, not as the caller last saw it)."""
    watched = ANNOUNCED_FIELDS[type(instance)]
    before = type(instance).objects.filter(pk=instance.pk).values(*watched).get()
    _assign(instance, fields)
    instance.full_clean()
    instance.save()
    return before != {name: getattr(instance, name) for name in watched}


def _delete(instance: Model) -> None:
    pk = instance.pk
    instance.delete()
    _announce(type(instance), pk)


# Brands -----------------------------------------------------------------------


@transaction.atomic
def brand_create(
    *, name: str, operator_organisation: str, slug: str = "", **fields
) -> Brand:
    """A new brand; the slug is derived from the name's pinyin when blank."""
    brand = _create(
        Brand,
        name=name,
        slug=slug,
        operator_organisation=operator_organisation,
        **fields,
    )
    _announce(Brand, brand.pk)
    return brand


@transaction.atomic
def brand_update(*, brand: Brand, **fields) -> Brand:
    if _update(brand, fields):
        _announce(Brand, brand.pk)
    return brand


@transaction.atomic
def brand_delete(*, brand: Brand) -> None:
    _delete(brand)


# Villages ---------------------------------------------------------------------


@transaction.atomic
def village_create(*, name: str, slug: str = "", **fields) -> Village:
    village = _create(Village, name=name, slug=slug, **fields)
    _announce(Village, village.pk)
    return village


@transaction.atomic
def village_update(*, village: Village, **fields) -> Village:
    if _update(village, fields):
        _announce(Village, village.pk)
    return village


@transaction.atomic
def village_delete(*, village: Village) -> None:
    _delete(village)


# Workshops --------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *, name: str, village: Village, slug: str = "", brands=(), **fields
) -> Workshop:
    """A new workshop of `village`, selling under `brands`."""
    workshop = _create(Workshop, name=name, slug=slug, village=village, **fields)
    workshop.brands.set(brands)
    _announce(Workshop, workshop.pk)
    return workshop


@transaction.atomic
def workshop_update(*, workshop: Workshop, brands=None, **fields) -> Workshop:
    """`brands`, when given, replaces the brands it sells under."""
    announce = _update(workshop, fields)
    if brands is not None:
        workshop.brands.set(brands)
    if announce:
        _announce(Workshop, workshop.pk)
    return workshop


@transaction.atomic
def workshop_delete(*, workshop: Workshop) -> None:
    _delete(workshop)


# Memberships ------------------------------------------------------------------


@transaction.atomic
def membership_grant(
    *, user, role: Role, brand=None, workshop=None, village=None
) -> Membership:
    """`user` holds `role` on the brand, workshop or village (the one the
    role is about); a grant they already hold is returned as it is."""
    target = {"brand": brand, "workshop": workshop, "village": village}
    existing = Membership.objects.filter(user=user, role=role, **target).first()
    if existing is not None:
        return existing
    membership = Membership(user=user, role=role, **target)
    membership.full_clean()
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        # Granted by a concurrent request meanwhile.
        existing = Membership.objects.filter(user=user, role=role, **target).first()
        if existing is None:
            raise
        return existing
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, **fields) -> Membership:
    _assign(membership, fields)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership) -> None:
    membership.delete()
