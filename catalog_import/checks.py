"""The checks of validate that need no database: required values, types and
ranges, lengths and characters the database cannot hold, options and
variants per product, SKUs and product codes repeated in the file. Plus the
helpers every stage after normalise uses to attach a problem to a draft."""

import re
from functools import lru_cache

from brands.models import Brand
from storefront.catalog.models import Category, Product, ProductVariant
from storefront.core.html import sanitize_html

from .errors import ImportErrorCode as Code
from .types import MAX_OPTIONS, MAX_VARIANTS, Problem, ProductDraft, VariantDraft
from .values import UNSTORABLE

# Product text fields a file may set (catalog.Product names = canonical keys).
TEXT_FIELDS = (
    "name",
    "name_en",
    "description",
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
    "sc_licence",
)
# Where a value's column differs from its field name: field → canonical key.
PRODUCT_KEYS = {"is_published": "published"}
VARIANT_KEYS = {
    "sku": "sku",
    "name": "variant_name",
    "options": "option1_name",
    "price_fen": "price",
    "compare_at_price_fen": "compare_at_price",
    "stock": "stock",
    "weight_grams": "weight_grams",
}
MAX_INTEGER = 2_147_483_647  # PostgreSQL integer, what the columns hold
SC_LICENCE = re.compile(r"SC[0-9]{14}")
# Normalise has sanitised descriptions already; again here because apply
# writes with bulk_create (no Product.save). Files repeat descriptions a lot.
_sanitised = lru_cache(maxsize=256)(sanitize_html)
FALSE_WORDS = {"", "0", "false", "no", "n", "f", "否", "不", "下架", "draft"}

_PRODUCT = {f.name: f for f in Product._meta.get_fields() if hasattr(f, "attname")}
_VARIANT = {f.name: f for f in ProductVariant._meta.get_fields()}
MAX_LENGTHS = {
    name: _PRODUCT[name].max_length for name in TEXT_FIELDS if _PRODUCT[name].max_length
}
PRODUCT_CODE_MAX = _PRODUCT["product_code"].max_length
SKU_MAX = _VARIANT["sku"].max_length
VARIANT_NAME_MAX = _VARIANT["name"].max_length


def column_labels(columns) -> dict[str, str]:
    """Canonical key → the header as written in the file. `columns` is a
    columns.ColumnMap, a {header: key} dict, or None (keep the keys)."""
    if columns is None:
        return {}
    field_for = getattr(columns, "field_for", columns)
    labels: dict[str, str] = {}
    for header, key in dict(field_for).items():
        labels.setdefault(key, header)
    return labels


def add_problem(
    draft: ProductDraft,
    code: Code,
    *,
    row: int | None,
    key: str,
    labels: dict[str, str],
    detail: str = "",
    detail_en: str = "",
) -> None:
    """Attach an error to `draft`, unless that cell already has one (normalise
    may have reported it: one message per cell is enough)."""
    column = labels.get(key, key)
    for problem in draft.problems:
        if problem.is_error and problem.row == row and problem.column == column:
            return
    draft.problems.append(
        Problem(
            code=code,
            row=row,
            column=column,
            detail=detail,
            detail_en=detail_en,
            product_code=as_text(draft.product_code),
        )
    )


def as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def lookup_key(value: object) -> str:
    """A brand or category cell as a lookup key ("" when empty or unusable)."""
    cell = as_text(value).strip()
    return "" if UNSTORABLE.search(cell) else cell


def check_product(draft: ProductDraft, labels: dict[str, str]) -> None:
    row = draft.first_row
    if not isinstance(draft.fields, dict):
        draft.fields = {}
    fields = draft.fields
    code = draft.product_code = as_text(draft.product_code).strip()
    if not code:
        add_problem(draft, Code.REQUIRED, row=row, key="product_code", labels=labels)
    elif len(code) > PRODUCT_CODE_MAX:
        add_problem(
            draft,
            Code.TOO_LONG,
            row=row,
            key="product_code",
            labels=labels,
            detail=f"{len(code)} > {PRODUCT_CODE_MAX}",
        )
    elif UNSTORABLE.search(code):
        add_problem(
            draft, Code.INVALID_CHARACTER, row=row, key="product_code", labels=labels
        )
    for name in TEXT_FIELDS:
        if name in fields:
            _check_text(draft, name, labels)
    if not as_text(fields.get("name")).strip():
        add_problem(draft, Code.REQUIRED, row=row, key="name", labels=labels)
    if "is_published" in fields:
        published = fields["is_published"]
        if published is None:
            del fields["is_published"]
        elif not isinstance(published, bool):
            fields["is_published"] = as_text(published).strip().lower() not in (
                FALSE_WORDS
            )
    for key in ("brand", "category"):
        value = fields.get(key)
        if value is not None and not isinstance(value, Brand | Category):
            if UNSTORABLE.search(as_text(value)):
                add_problem(
                    draft, Code.INVALID_CHARACTER, row=row, key=key, labels=labels
                )
    _check_variants(draft, labels)


def _check_text(draft: ProductDraft, name: str, labels: dict[str, str]) -> None:
    row, key = draft.first_row, PRODUCT_KEYS.get(name, name)
    value = as_text(draft.fields[name])
    value = _sanitised(value) if name == "description" else value.strip()
    draft.fields[name] = value
    limit = MAX_LENGTHS.get(name)
    if UNSTORABLE.search(value):
        add_problem(draft, Code.INVALID_CHARACTER, row=row, key=key, labels=labels)
    elif limit and len(value) > limit:
        add_problem(
            draft,
            Code.TOO_LONG,
            row=row,
            key=key,
            labels=labels,
            detail=f"{len(value)} > {limit}",
        )
    elif name == "sc_licence" and value and not SC_LICENCE.fullmatch(value):
        add_problem(
            draft,
            Code.INVALID_SC_LICENCE,
            row=row,
            key=key,
            labels=labels,
            detail=value,
        )


def _check_variants(draft: ProductDraft, labels: dict[str, str]) -> None:
    if not isinstance(draft.variants, list):
        draft.variants = list(draft.variants or ())
    if not draft.variants:
        add_problem(draft, Code.REQUIRED, row=draft.first_row, key="sku", labels=labels)
        return
    if len(draft.variants) > MAX_VARIANTS:
        add_problem(
            draft,
            Code.TOO_MANY_VARIANTS,
            row=draft.variants[MAX_VARIANTS].row,
            key="sku",
            labels=labels,
            detail=str(len(draft.variants)),
        )
    option_names: list[str] = []
    for variant in draft.variants:
        _check_variant(draft, variant, labels)
        for name in variant.options:
            if name not in option_names:
                option_names.append(name)
    if len(option_names) > MAX_OPTIONS:
        add_problem(
            draft,
            Code.TOO_MANY_OPTIONS,
            row=draft.first_row,
            key="option1_name",
            labels=labels,
            detail=" / ".join(option_names),
        )


def _check_variant(
    draft: ProductDraft, variant: VariantDraft, labels: dict[str, str]
) -> None:
    row = variant.row

    def problem(code: Code, field_name: str, detail: str = "") -> None:
        key = VARIANT_KEYS[field_name]
        add_problem(draft, code, row=row, key=key, labels=labels, detail=detail)

    variant.sku = as_text(variant.sku).strip()
    if not variant.sku:
        problem(Code.REQUIRED, "sku")
    elif len(variant.sku) > SKU_MAX:
        problem(Code.TOO_LONG, "sku", f"{len(variant.sku)} > {SKU_MAX}")
    elif UNSTORABLE.search(variant.sku):
        problem(Code.INVALID_CHARACTER, "sku")
    variant.name = as_text(variant.name).strip()
    if len(variant.name) > VARIANT_NAME_MAX:
        problem(Code.TOO_LONG, "name", f"{len(variant.name)} > {VARIANT_NAME_MAX}")
    elif UNSTORABLE.search(variant.name):
        problem(Code.INVALID_CHARACTER, "name")
    options = variant.options if isinstance(variant.options, dict) else {}
    variant.options = {
        as_text(k).strip(): as_text(v).strip()
        for k, v in options.items()
        if as_text(k).strip()
    }
    if any(UNSTORABLE.search(k + v) for k, v in variant.options.items()):
        problem(Code.INVALID_CHARACTER, "options")
    _check_money(draft, variant, labels)
    for name in ("stock", "weight_grams"):
        value = getattr(variant, name)
        if value is None:
            continue
        if not _is_integer(value) or value > MAX_INTEGER:
            problem(Code.INVALID_INTEGER, name, as_text(value)[:40])
        elif value < 0:
            code = Code.NEGATIVE_STOCK if name == "stock" else Code.INVALID_INTEGER
            problem(code, name, str(value))


def _check_money(
    draft: ProductDraft, variant: VariantDraft, labels: dict[str, str]
) -> None:
    row = variant.row
    price, compare_at = variant.price_fen, variant.compare_at_price_fen
    price_ok = False
    if price is None:
        add_problem(draft, Code.REQUIRED, row=row, key="price", labels=labels)
    elif not _is_integer(price) or not 0 < price <= MAX_INTEGER:
        add_problem(
            draft,
            Code.INVALID_PRICE,
            row=row,
            key="price",
            labels=labels,
            detail=_fen_text(price),
        )
    else:
        price_ok = True
    if compare_at is None:
        return
    if not _is_integer(compare_at) or not 0 < compare_at <= MAX_INTEGER:
        add_problem(
            draft,
            Code.INVALID_PRICE,
            row=row,
            key="compare_at_price",
            labels=labels,
            detail=_fen_text(compare_at),
        )
    elif price_ok and compare_at <= price:
        add_problem(
            draft,
            Code.COMPARE_AT_NOT_ABOVE_PRICE,
            row=row,
            key="compare_at_price",
            labels=labels,
            detail=f"{_fen_text(compare_at)} ≤ {_fen_text(price)}",
        )


def _fen_text(value: object) -> str:
    """Fen as yuan for a message ("12.80"); anything else as it is."""
    if _is_integer(value) and abs(value) < 10**15:
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    return as_text(value)[:40]


def check_duplicates(drafts: list[ProductDraft], labels: dict[str, str]) -> None:
    """A SKU may appear once in the file, a product code once (normalise groups
    rows by code, so a repeated code means drafts built some other way)."""
    first_code: dict[str, ProductDraft] = {}
    first_sku: dict[str, int] = {}
    for draft in drafts:
        code = as_text(draft.product_code).strip()
        if code in first_code:
            add_problem(
                draft,
                Code.INCONSISTENT_PRODUCT,
                row=draft.first_row,
                key="product_code",
                labels=labels,
                detail=code,
            )
        elif code:
            first_code[code] = draft
        for variant in draft.variants:
            if not variant.sku:
                continue
            if variant.sku in first_sku:
                add_problem(
                    draft,
                    Code.DUPLICATE_SKU_IN_FILE,
                    row=variant.row,
                    key="sku",
                    labels=labels,
                    detail=f"{variant.sku}（第 {first_sku[variant.sku]} 行 row）",
                )
            else:
                first_sku[variant.sku] = variant.row
