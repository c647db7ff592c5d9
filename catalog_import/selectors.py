"""Reads about imports that pages, the API and the admin share. They agree with
`user_can(user, Action.IMPORT_CATALOG, workshop)`: a workshop's managers, the
operators of a brand it sells under, and platform operators."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from brands.models import Workshop
from brands.permissions import (
    Action,
    managed_workshop_filter,
    may_act_for_some_workshop,
    workshops_user_may,
)
from storefront.catalog.models import Category, Product

from .access import may_create
from .models import ImportJob


def may_import_somewhere(user) -> bool:
    """Whether to offer the import portal at all: no query beyond the
    membership load the permissions module caches per request."""
    return may_act_for_some_workshop(user, Action.IMPORT_CATALOG)


def workshops_importable_by(user) -> QuerySet[Workshop]:
    """The workshops `user` may import a catalogue into, by name."""
    return (
        workshops_user_may(user, Action.IMPORT_CATALOG)
        .select_related("village")
        .order_by("name")
    )


def jobs_visible_to(user) -> QuerySet[ImportJob]:
    """Import jobs of the workshops `user` may import into, newest first."""
    jobs = ImportJob.objects.select_related(
        "workshop", "created_by", "brand_override"
    ).order_by("-pk")
    if managed_workshop_filter(user, Action.IMPORT_CATALOG) is None:
        return jobs
    return jobs.filter(
        workshop_id__in=workshops_user_may(user, Action.IMPORT_CATALOG).values("pk")
    )


@dataclass(frozen=True)
class TemplateChoices:
    """What the template offers in its category and brand columns (each as
    the import reads it back), and the values of its sample row."""

    categories: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    sample_category: str = ""
    sample_brand: str = ""


def _category_cells() -> tuple[list[str], dict[int, str]]:
    """Every category by the cell that names it: its name, or its slug when
    two share a name (validate would pick the first)."""
    children: dict[int | None, list[Category]] = {}
    for category in Category.objects.order_by("sort_order", "name"):
        children.setdefault(category.parent_id, []).append(category)
    categories: list[Category] = []  # each parent followed by its children
    stack = list(reversed(children.get(None, [])))
    while stack:
        category = stack.pop()
        categories.append(category)
        stack.extend(reversed(children.get(category.pk, [])))
    counts = Counter(c.name.lower() for c in categories)
    cells = {
        c.pk: c.name if counts[c.name.lower()] == 1 else c.slug for c in categories
    }
    return [cells[c.pk] for c in categories], cells


def template_choices(workshop: Workshop | None, user=None) -> TemplateChoices:
    """The categories and, for `workshop`, the brands it sells under that
    `user` (when given) may create products of; the sample row takes the
    workshop's most used category (else the first one without children)
    and its first such brand, so the template imports as it is."""
    names, cell_of = _category_cells()
    if workshop is None:
        return TemplateChoices(categories=names)
    brands = [
        brand
        for brand in workshop.brands.order_by("name")
        if user is None or may_create(user, workshop_id=workshop.pk, brand_id=brand.pk)
    ]
    used = (
        Product.objects.filter(workshop=workshop, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "category_id")
        .values_list("category_id", flat=True)
        .first()
    )
    if used is None:
        used = (
            Category.objects.filter(children__isnull=True)
            .order_by("sort_order", "name")
            .values_list("pk", flat=True)
            .first()
        )
    return TemplateChoices(
        categories=names,
        brands=[b.name for b in brands],
        sample_category=cell_of.get(used, ""),
        sample_brand=brands[0].name if brands else "",
    )
