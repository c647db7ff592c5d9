"""Plan: compare the validated drafts with what the workshop already has.

Keyed by workshop + product code + SKU. Reads the workshop's products and its
variants with their stock in two queries, then decides per product:

- SKIP       the draft has an error (nothing of it will be written);
- CREATE     a product code the workshop does not have;
- UPDATE     `changes` {field: (old, new)} on the product, `variant_changes`
             {sku: {field: (old, new)}} on its variants, `new_skus` to add;
- UNCHANGED  nothing differs;
- ARCHIVE    (only with archive_missing) a published product the file does
             not mention: it will be unpublished, never deleted.

Every row is also checked against the actor (access.py): a row naming a
product the actor may not change, creating one of a brand the actor may not
create, or moving a product to or from such a brand is SKIP with a
PERMISSION_DENIED error; archive_missing only ever archives products the
actor may change.

A field the file does not carry (no key in `fields`, None for a variant's
stock or weight) is left as it is. Variants missing from the file are kept.
Changes hold plain values (brand and category by name) for the report; a
create's changes are every field it writes, from None."""

from brands.models import Brand
from storefront.catalog.models import Category, Product, ProductVariant

from .access import may_change, may_create
from .checks import TEXT_FIELDS, add_problem, column_labels
from .errors import ImportErrorCode as Code
from .types import Action, PlanEntry, ProductDraft

PRODUCT_FIELDS = (*TEXT_FIELDS, "is_published")
VARIANT_FIELDS = ("name", "options", "price_fen", "compare_at_price_fen")
# Left as they are when the file has no value (None).
VARIANT_OPTIONAL = ("weight_grams",)

_VARIANT_COLUMNS = (
    "id",
    "product_id",
    "sku",
    "name",
    "options",
    "price_fen",
    "compare_at_price_fen",
    "weight_grams",
    "stock__id",
    "stock__quantity",
    "stock__quantity_reserved",
)


def read_products(workshop) -> dict[str, dict]:
    """The workshop's products by code, each a dict of its values with
    "variants": {sku: {...values, "stock_id", "quantity", "reserved"}}."""
    products = Product.objects.filter(workshop=workshop)
    variants = ProductVariant.objects.filter(workshop=workshop)
    by_code: dict[str, dict] = {}
    by_id: dict[int, dict] = {}
    for row in products.values(
        "id",
        "product_code",
        "brand_id",
        "brand__name",
        "category_id",
        "category__name",
        *PRODUCT_FIELDS,
    ).order_by():
        row["variants"] = {}
        by_code[row["product_code"]] = by_id[row["id"]] = row
    for values in variants.values_list(*_VARIANT_COLUMNS).order_by():
        variant = dict(zip(_VARIANT_COLUMNS, values, strict=True))
        variant["quantity"] = variant.pop("stock__quantity")
        variant["reserved"] = variant.pop("stock__quantity_reserved")
        variant["stock_id"] = variant.pop("stock__id")
        by_id[variant["product_id"]]["variants"][variant["sku"]] = variant
    return by_code


def make_plan(
    drafts: list[ProductDraft],
    *,
    workshop,
    actor,
    archive_missing: bool = False,
    columns=None,
) -> list[PlanEntry]:
    """One entry per draft (in file order), then the archived products.

    Run validate first: it resolves brands and categories. Plan adds the
    problems only it can see (stock below what orders hold; a SKU another
    product took meanwhile; a product `actor` may not write) and skips those
    drafts."""
    labels = column_labels(columns)
    existing = read_products(workshop)
    sku_owner = {
        sku: product["product_code"]
        for product in existing.values()
        for sku in product["variants"]
    }
    plan = []
    for draft in drafts:
        _check_permission(draft, existing, actor, workshop.pk, labels)
        plan.append(_entry(draft, existing, sku_owner, labels))
    if archive_missing:
        in_file = {str(draft.product_code).strip() for draft in drafts}
        for code, product in existing.items():
            if code not in in_file and product["is_published"]:
                if not may_change(
                    actor,
                    workshop_id=workshop.pk,
                    product_id=product["id"],
                    brand_id=product["brand_id"],
                ):
                    continue
                plan.append(
                    PlanEntry(
                        action=Action.ARCHIVE,
                        product_code=code,
                        draft=None,
                        product_id=product["id"],
                        changes={"is_published": (True, False)},
                    )
                )
    return plan


def _check_permission(
    draft: ProductDraft, existing: dict[str, dict], actor, workshop_id: int, labels
) -> None:
    """A PERMISSION_DENIED error on `draft` when `actor` may not write it.
    A brand validate could not resolve is an error already: nothing to ask."""
    product = existing.get(str(draft.product_code).strip())
    brand = draft.fields.get("brand")
    new_brand_id = brand.pk if isinstance(brand, Brand) else None
    if product is not None:
        allowed = may_change(
            actor,
            workshop_id=workshop_id,
            product_id=product["id"],
            brand_id=product["brand_id"],
            new_brand_id=new_brand_id,
        )
        moving = new_brand_id is not None and new_brand_id != product["brand_id"]
        detail = product["brand__name"] or ""
        if moving:
            detail = f"{detail} → {brand.name}"
    elif new_brand_id is not None:
        allowed = may_create(actor, workshop_id=workshop_id, brand_id=new_brand_id)
        moving, detail = False, brand.name
    else:
        return
    if not allowed:
        add_problem(
            draft,
            Code.PERMISSION_DENIED,
            row=draft.first_row,
            key="brand" if moving else "product_code",
            labels=labels,
            detail=detail,
        )


def _entry(
    draft: ProductDraft, existing: dict[str, dict], sku_owner: dict[str, str], labels
) -> PlanEntry:
    code = str(draft.product_code).strip()
    product = existing.get(code)
    product_id = product["id"] if product else None
    if not draft.has_errors:
        _check_skus(draft, code, product, sku_owner, labels)
    if draft.has_errors:
        return PlanEntry(Action.SKIP, code, draft, product_id=product_id)
    if product is None:
        skus = [v.sku for v in draft.variants]
        return PlanEntry(
            Action.CREATE, code, draft, changes=_new_product(draft), new_skus=skus
        )
    changes = _product_changes(draft, product)
    variant_changes, new_skus = {}, []
    for variant in draft.variants:
        old = product["variants"].get(variant.sku)
        if old is None:
            new_skus.append(variant.sku)
            continue
        diff = _variant_changes(variant, old)
        if diff:
            variant_changes[variant.sku] = diff
    action = (
        Action.UPDATE if changes or variant_changes or new_skus else Action.UNCHANGED
    )
    return PlanEntry(
        action,
        code,
        draft,
        product_id=product_id,
        changes=changes,
        variant_changes=variant_changes,
        new_skus=new_skus,
    )


def _check_skus(draft, code, product, sku_owner, labels) -> None:
    for variant in draft.variants:
        owner = sku_owner.get(variant.sku)
        if owner is not None and owner != code:
            add_problem(
                draft,
                Code.DUPLICATE_SKU_IN_WORKSHOP,
                row=variant.row,
                key="sku",
                labels=labels,
                detail=f"{variant.sku} → {owner}",
            )
        old = product["variants"].get(variant.sku) if product else None
        stock = variant.stock
        if old is not None and stock is not None and stock < (old["reserved"] or 0):
            add_problem(
                draft,
                Code.STOCK_BELOW_RESERVED,
                row=variant.row,
                key="stock",
                labels=labels,
                detail=f"{stock} < {old['reserved']}",
            )


def _new_product(draft: ProductDraft) -> dict:
    """Every field a new product gets from the file, as changes from
    nothing (None), so the diff of a create shows what apply writes."""
    fields = draft.fields
    changes = {
        name: (None, fields[name])
        for name in TEXT_FIELDS
        if name in fields and fields[name] not in (None, "")
    }
    published = fields.get("is_published")
    changes["is_published"] = (None, True if published is None else published)
    brand = fields.get("brand")
    if isinstance(brand, Brand):
        changes["brand"] = (None, brand.name)
    category = fields.get("category")
    if isinstance(category, Category):
        changes["category"] = (None, category.name)
    return changes


def _product_changes(draft: ProductDraft, product: dict) -> dict:
    fields = draft.fields
    changes = {}
    for name in PRODUCT_FIELDS:
        if name in fields and fields[name] != product[name]:
            changes[name] = (product[name], fields[name])
    brand = fields.get("brand")
    if isinstance(brand, Brand) and brand.pk != product["brand_id"]:
        changes["brand"] = (product["brand__name"], brand.name)
    category = fields.get("category")
    if isinstance(category, Category) and category.pk != product["category_id"]:
        changes["category"] = (product["category__name"], category.name)
    return changes


def _variant_changes(variant, old: dict) -> dict:
    diff = {}
    for name in VARIANT_FIELDS:
        new = getattr(variant, name)
        if new != old[name]:
            diff[name] = (old[name], new)
    for name in VARIANT_OPTIONAL:
        new = getattr(variant, name)
        if new is not None and new != old[name]:
            diff[name] = (old[name], new)
    if variant.stock is not None and variant.stock != old["quantity"]:
        diff["stock"] = (old["quantity"], variant.stock)
    return diff
