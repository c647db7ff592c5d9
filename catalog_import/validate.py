"""Validate: check every draft against the rules of the shop and of its brand,
and resolve the brand and category cells to model instances.

Set-based: a handful of queries for the whole file (the workshop's brands and
their standards, its products and SKUs, the brands and categories the file
names), never one per row. Problems are attached to the drafts; a draft with
any error is skipped as a whole by the plan. Never raises for a bad value.

After validate, a draft without errors has `fields["brand"]` set to a Brand
and `fields["category"]` to a Category, or no "category" key when the cell is
empty (on an existing product: leave its category as it is); an empty brand
cell means the product's current brand, or the workshop's only brand.

`brand_override` (a Brand the workshop sells under, chosen for the whole
file, e.g. for a Shopify export whose Vendor is the old shop's name) replaces
every brand cell that is not one of the workshop's brands, with one warning
per such value instead of an error per row, and fills the brand of a new
product whose cell is empty. A cell naming one of the workshop's brands is
kept."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Lower

from brands.models import Brand
from brands.standards import active_standards, brand_standard_violations
from storefront.catalog.models import Category, Product, ProductVariant

from .checks import (
    PRODUCT_KEYS,
    TEXT_FIELDS,
    add_problem,
    as_text,
    check_duplicates,
    check_product,
    column_labels,
    lookup_key,
)
from .errors import ImportErrorCode as Code
from .errors import Severity
from .types import Problem, ProductDraft


@dataclass
class _Shop:
    """What the database knows, read once for the whole file."""

    workshop_brands: dict[int, Brand]
    standards: dict[int, list]
    standard_fields: set[str]
    existing: dict[str, dict]  # product code → brand_id, category slug, values
    sku_owner: dict[str, str]  # SKU → product code in this workshop
    brands: dict[str, Brand] = field(default_factory=dict)  # lookup key → brand
    categories: dict[str, Category] = field(default_factory=dict)
    override: Brand | None = None  # the brand chosen for the whole file
    replaced: set[str] = field(default_factory=set)  # cells warned about


def _load_named(model, keys: set[str]) -> dict[str, object]:
    """Objects of `model` (Brand or Category) named by the cells `keys`, in
    one query: by slug, name or English name, ignoring case. Several matches
    for one cell: a slug beats a name, a name beats an English name, then the
    model's ordering decides."""
    if not keys:
        return {}
    lowered = {k.lower() for k in keys}
    candidates = list(
        model.objects.annotate(_name=Lower("name"), _name_en=Lower("name_en")).filter(
            Q(slug__in=keys | lowered) | Q(_name__in=lowered) | Q(_name_en__in=lowered)
        )
    )
    found: dict[str, object] = {}
    for attribute in ("slug", "name", "name_en"):
        for obj in candidates:
            value = getattr(obj, attribute) or ""
            if value:
                found.setdefault(value.lower(), obj)
    return found


def _resolve(found: dict[str, object], key: str):
    return found.get(key.lower())


def _read_shop(drafts: list[ProductDraft], workshop) -> _Shop:
    workshop_brands = {b.pk: b for b in workshop.brands.all()}
    standards = active_standards(workshop_brands) if workshop_brands else {}
    standard_fields = {
        rule.field
        for brand_standards in standards.values()
        for standard in brand_standards
        for rule in standard.rules.all()
    }
    extra = sorted(standard_fields & set(TEXT_FIELDS))
    existing = {}
    for row in Product.objects.filter(workshop=workshop).values(
        "product_code", "brand_id", "category__slug", *extra
    ):
        existing[row["product_code"]] = row
    sku_owner = dict(
        ProductVariant.objects.filter(workshop=workshop).values_list(
            "sku", "product__product_code"
        )
    )
    shop = _Shop(workshop_brands, standards, standard_fields, existing, sku_owner)
    brand_keys = {lookup_key(d.fields.get("brand")) for d in drafts} - {""}
    category_keys = {lookup_key(d.fields.get("category")) for d in drafts} - {""}
    shop.brands = _load_named(Brand, brand_keys)
    shop.categories = _load_named(Category, category_keys)
    return shop


def validate(
    drafts: list[ProductDraft],
    *,
    workshop,
    columns=None,
    brand_override: Brand | None = None,
) -> None:
    """Check `drafts` (in file order) for `workshop`, adding Problems to them.

    `columns` (the file's columns.ColumnMap, optional) turns canonical keys
    back into the headers as written, so each problem names its column.
    `brand_override`: see the module's docstring; the caller has checked
    that the actor may use it (access.may_use_brand)."""
    labels = column_labels(columns)
    for draft in drafts:
        check_product(draft, labels)
    check_duplicates(drafts, labels)
    shop = _read_shop(drafts, workshop)
    if brand_override is not None:
        shop.override = shop.workshop_brands.get(brand_override.pk)
    for draft in drafts:
        _check_against_shop(draft, shop, labels)


# ------------------------------------------------------ against the database


def _check_against_shop(
    draft: ProductDraft, shop: _Shop, labels: dict[str, str]
) -> None:
    row, fields = draft.first_row, draft.fields
    code = as_text(draft.product_code).strip()
    existing = shop.existing.get(code)
    for variant in draft.variants:
        owner = shop.sku_owner.get(variant.sku)
        if variant.sku and owner is not None and owner != code:
            add_problem(
                draft,
                Code.DUPLICATE_SKU_IN_WORKSHOP,
                row=variant.row,
                key="sku",
                labels=labels,
                detail=f"{variant.sku} → {owner}",
            )
    brand = _check_brand(draft, shop, existing, labels)
    category_slug = existing["category__slug"] if existing else None
    category = fields.get("category")
    if not isinstance(category, Category):
        key = lookup_key(category)
        category = _resolve(shop.categories, key) if key else None
        if category is not None:
            fields["category"] = category
        else:
            fields.pop("category", None)
            if key:
                add_problem(
                    draft,
                    Code.UNKNOWN_CATEGORY,
                    row=row,
                    key="category",
                    labels=labels,
                    detail=key,
                )
    if category is not None:
        category_slug = category.slug
    if brand is None or not shop.standards.get(brand.pk):
        return
    values = {}
    for name in shop.standard_fields:
        if name in fields:
            values[name] = as_text(fields[name])
        elif existing is not None:
            values[name] = as_text(existing.get(name))
    violations = brand_standard_violations(
        brand=brand,
        values=values,
        category_slug=category_slug,
        standards=shop.standards[brand.pk],
    )
    for violation in violations:
        add_problem(
            draft,
            Code.BRAND_STANDARD,
            row=row,
            key=PRODUCT_KEYS.get(violation.field, violation.field),
            labels=labels,
            detail=violation.message_zh,
            detail_en=violation.message_en,
        )


def _check_brand(
    draft: ProductDraft, shop: _Shop, existing: dict | None, labels
) -> Brand | None:
    """The product's brand once imported (None: there is a problem)."""
    row, fields = draft.first_row, draft.fields
    value = fields.get("brand")
    if isinstance(value, Brand):
        brand = value
    elif key := lookup_key(value):
        brand = _resolve(shop.brands, key)
        if shop.override is not None and (
            brand is None or brand.pk not in shop.workshop_brands
        ):
            _warn_replaced(draft, shop, key, labels)
            brand = shop.override
        elif brand is None:
            add_problem(
                draft,
                Code.UNKNOWN_BRAND,
                row=row,
                key="brand",
                labels=labels,
                detail=key,
            )
            return None
    elif existing is not None:
        brand = shop.workshop_brands.get(existing["brand_id"])
        if brand is None:
            add_problem(
                draft, Code.BRAND_NOT_ALLOWED, row=row, key="brand", labels=labels
            )
            return None
    elif len(shop.workshop_brands) == 1:
        brand = next(iter(shop.workshop_brands.values()))
    elif shop.override is not None:
        brand = shop.override
    else:
        add_problem(draft, Code.REQUIRED, row=row, key="brand", labels=labels)
        return None
    if brand.pk not in shop.workshop_brands:
        add_problem(
            draft,
            Code.BRAND_NOT_ALLOWED,
            row=row,
            key="brand",
            labels=labels,
            detail=brand.name,
        )
        return None
    fields["brand"] = shop.workshop_brands[brand.pk]
    return fields["brand"]


def _warn_replaced(draft: ProductDraft, shop: _Shop, key: str, labels) -> None:
    """One warning per brand value the chosen brand replaces, at its first
    row: a Shopify export names its Vendor on every product."""
    if key.lower() in shop.replaced:
        return
    shop.replaced.add(key.lower())
    draft.problems.append(
        Problem(
            Code.BRAND_REPLACED,
            row=draft.first_row,
            column=labels.get("brand", "brand"),
            detail=f"{key} → {shop.override.name}",
            severity=Severity.WARNING,
            product_code=as_text(draft.product_code),
        )
    )
