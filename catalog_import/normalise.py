"""Rows → product drafts: group the rows of each product, turn text into
typed values, and attach a Problem to whatever cannot be used. Never raises
for a row (only the sheet's own ImportFileError, such as TOO_MANY_ROWS, goes
through).

Grouping: rows are grouped by product code (Shopify: the handle), in the order
products first appear. A row without a product code and without a name
continues the product above it (merged cells in XLSX, forward-filled Shopify
files); with a name it is a product of its own with a REQUIRED error. A row
with no variant value at all (no SKU, price, stock, options …) adds only what
it has: images (Shopify's image-only rows) or product fields.

Product fields come from the first row that fills them; a later row that says
something else gets an INCONSISTENT_PRODUCT warning naming both values (the
first wins; the product is still imported). A template column that is present
but empty clears the field; a column that is absent leaves it alone (its key is
not in `fields`)."""

import hashlib
import re
import sys

from storefront.core.money import MoneyParseError

from .columns import ColumnMap
from .errors import ImportErrorCode as Code
from .errors import Severity
from .types import (
    ImageRef,
    ParsedSheet,
    Problem,
    ProductDraft,
    RawRow,
    SheetFormat,
    VariantDraft,
)
from .values import (
    EXCEL_SCIENTIFIC,
    UNSTORABLE,
    parse_bool,
    parse_grams,
    parse_integer,
    parse_price,
    sanitise_description,
    visible,
)

# key → (Product field, longest value allowed or None)
PRODUCT_TEXT: dict[str, tuple[str, int | None]] = {
    "name": ("name", 120),
    "name_en": ("name_en", 120),
    "description": ("description", None),
    "ingredients": ("ingredients", None),
    "net_content": ("net_content", 50),
    "shelf_life": ("shelf_life", 50),
    "storage_conditions": ("storage_conditions", 120),
    "producer": ("producer", 150),
    "sc_licence": ("sc_licence", 16),
    "brand": ("brand", None),
    "category": ("category", None),
}
PRODUCT_CODE_MAX = 64
SKU_MAX = 64
BARCODE_MAX = 64
VARIANT_NAME_MAX = 100
OPTION_COUNT = 3
MAX_STORED_INT = 2_147_483_647  # the database's integer columns
# A row holding any of these describes a variant.
VARIANT_KEYS = (
    "sku",
    "variant_name",
    "price",
    "compare_at_price",
    "stock",
    "weight_grams",
    "weight_value",
    "barcode",
    *(f"option{i}_value" for i in range(1, OPTION_COUNT + 1)),
)
IMAGE_SEPARATORS = re.compile(r"[,，、;；\r\n]+")

_SHOPIFY_NO_OPTION = ("title", "default title")

# Images without a position sort after those with one, in file order.
UNPOSITIONED = sys.maxsize


def normalise(sheet: ParsedSheet, columns: ColumnMap) -> list[ProductDraft]:
    """The drafts of the sheet's products, in order of first appearance; rows
    without a product code that cannot continue one come as drafts of their
    own (product_code "") carrying their errors."""
    builder = _Builder(columns)
    for raw in sheet.rows:
        builder.add(raw)
    return builder.finish()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ grouping


class _Row:
    """One RawRow read through the column map; formulas in mapped cells become
    FORMULA errors and read as empty; characters no database column can hold
    (NUL, lone surrogates) become an INVALID_CHARACTER error on their cell and
    read as a visible mark (␀, �), so the row still groups as written but is
    never stored."""

    def __init__(self, raw: RawRow, columns: ColumnMap, problems: list[Problem]):
        self.raw = raw
        self.number = raw.number
        self.columns = columns
        self.problems = problems
        cells, formulas = raw.cells, raw.formulas
        if formulas:
            for header in columns.field_for:
                if header in formulas:
                    problems.append(
                        Problem(
                            Code.FORMULA,
                            row=raw.number,
                            column=header,
                            detail=_short(str(cells.get(header) or "")),
                        )
                    )
        # key → (value, header): the first of the key's columns holding one
        self._values: dict[str, tuple[str, str]] = {}
        for key, headers in columns.headers_for.items():
            for header in headers:
                value = cells.get(header)
                if value and header not in formulas:
                    value = self._storable(str(value), header)
                    if value:
                        self._values[key] = (value, header)
                        break

    def _storable(self, value: str, header: str) -> str:
        bad = UNSTORABLE.search(value)
        if bad is None:
            return value.strip()
        value = visible(value)
        at = bad.start() + 1
        self.problems.append(
            Problem(
                Code.INVALID_CHARACTER,
                row=self.number,
                column=header,
                detail=f"第 {at} 个字符 / character {at}: {_short(value)}",
            )
        )
        return value.strip()

    def text(self, key: str) -> str:
        found = self._values.get(key)
        return found[0] if found else ""

    def category_leaf(self) -> str:
        """Shopify's Product Category "A > B > Leaf" → "Leaf" (used when the
        Type column is empty)."""
        leaf = self.text("category_path").split(">")[-1].strip()
        if leaf:
            self._values["category"] = (leaf, self._values["category_path"][1])
        return leaf

    def column(self, key: str) -> str:
        found = self._values.get(key)
        return found[1] if found else (self.columns.header(key) or key)

    def problem(self, code, key: str, detail: str = "", **kw) -> None:
        column = self.column(key)
        if any(p.column == column and p.is_error for p in self.problems):
            return  # one error per cell: the first says what is wrong
        self.problems.append(
            Problem(code, row=self.number, column=column, detail=detail, **kw)
        )


class _State:
    """What the builder remembers of a product beyond its draft."""

    def __init__(self):
        self.first: dict[str, tuple[str, int]] = {}  # key → (text, row)
        self.option_names: list[str] = [""] * OPTION_COUNT
        self.images: dict[str, int] = {}  # source → index in draft.images
        # per image of the draft: the position the file gives it, if any
        self.image_positions: list[int] = []
        self.published: list[bool] = []


class _Builder:
    def __init__(self, columns: ColumnMap):
        self.columns = columns
        self.shopify = columns.format != SheetFormat.CANONICAL
        self.drafts: list[ProductDraft] = []
        self.by_code: dict[str, ProductDraft] = {}
        self.states: dict[int, _State] = {}
        self.current: ProductDraft | None = None
        has = columns.has
        # only the keys this sheet has columns for
        self.product_keys = [
            key
            for key in PRODUCT_TEXT
            if has(key) or (key == "category" and has("category_path"))
        ]
        self.variant_keys = [key for key in VARIANT_KEYS if has(key)]

    # -- rows

    def add(self, raw: RawRow) -> None:
        problems: list[Problem] = []
        row = _Row(raw, self.columns, problems)
        code = row.text("product_code")
        if code:
            draft = self.by_code.get(code) or self._new_draft(code, raw.number)
            self._check_code(row, code)
        elif self.current is not None and not row.text("name"):
            draft = self.current
        else:
            draft = self._new_draft("", raw.number, register=False)
            row.problem(Code.REQUIRED, "product_code")
        self.current = draft
        draft.rows.append(raw.number)
        state = self.states[id(draft)]
        self._product_fields(row, draft, state)
        if any(row.text(key) for key in self.variant_keys):
            draft.variants.append(self._variant(row, state))
        self._images(row, draft, state)
        draft.problems.extend(problems)

    def _new_draft(self, code: str, number: int, register: bool = True):
        draft = ProductDraft(product_code=code, first_row=number)
        for key in self.product_keys:
            draft.fields[PRODUCT_TEXT[key][0]] = ""
        self.drafts.append(draft)
        self.states[id(draft)] = _State()
        if register:
            self.by_code[code] = draft
        return draft

    def _check_code(self, row: _Row, code: str) -> None:
        if EXCEL_SCIENTIFIC.match(code):
            row.problem(Code.SCIENTIFIC_NOTATION, "product_code", code)
        elif len(code) > PRODUCT_CODE_MAX:
            row.problem(
                Code.TOO_LONG, "product_code", f"{len(code)} > {PRODUCT_CODE_MAX}"
            )

    # -- product level

    def _product_fields(self, row: _Row, draft: ProductDraft, state: _State) -> None:
        for key in self.product_keys:
            value = row.text(key)
            if key == "category" and not value:
                value = row.category_leaf()
            if value and self._first(row, state, key, value):
                self._set_text(row, draft, key, value)
        for key in ("published", "status"):
            value = row.text(key)
            if value and self._first(row, state, key, value):
                try:
                    state.published.append(parse_bool(value))
                except ValueError:
                    row.problem(Code.INVALID_BOOLEAN, key, _short(value))
        for i in range(1, OPTION_COUNT + 1):
            key = f"option{i}_name"
            value = row.text(key)
            if value and self._first(row, state, key, value):
                state.option_names[i - 1] = value

    def _first(self, row: _Row, state: _State, key: str, value: str) -> bool:
        """True when this is the first value of a product field; a later,
        different value gets an INCONSISTENT_PRODUCT warning."""
        if key not in state.first:
            state.first[key] = (value, row.number)
            return True
        first, first_row = state.first[key]
        if value != first:
            row.problem(
                Code.INCONSISTENT_PRODUCT,
                key,
                f"{_short(value)} ≠ {_short(first)} (row {first_row})",
                severity=Severity.WARNING,
            )
        return False

    def _set_text(self, row: _Row, draft: ProductDraft, key: str, value: str) -> None:
        field, limit = PRODUCT_TEXT[key]
        if key == "description":
            clean, changed = sanitise_description(value)
            if changed:
                row.problem(Code.VALUE_SANITISED, key, severity=Severity.WARNING)
            value = clean
        if limit is not None and len(value) > limit:
            row.problem(Code.TOO_LONG, key, f"{len(value)} > {limit}")
            value = value[:limit]
        draft.fields[field] = value

    # -- variant level

    def _variant(self, row: _Row, state: _State) -> VariantDraft:
        variant = VariantDraft(row=row.number, sku=self._code(row, "sku", SKU_MAX))
        variant.barcode = self._code(row, "barcode", BARCODE_MAX)
        variant.options = self._options(row, state)
        name = row.text("variant_name")
        if not name and variant.options:
            name = " / ".join(variant.options.values())
        if len(name) > VARIANT_NAME_MAX:
            row.problem(
                Code.TOO_LONG, "variant_name", f"{len(name)} > {VARIANT_NAME_MAX}"
            )
            name = name[:VARIANT_NAME_MAX]
        variant.name = name
        variant.price_fen = self._price(row, "price")
        variant.compare_at_price_fen = self._price(row, "compare_at_price")
        variant.stock = self._stock(row)
        variant.weight_grams = self._weight(row)
        return variant

    def _code(self, row: _Row, key: str, limit: int) -> str:
        """A SKU or barcode; one Excel turned into 6.9E+12 is an error and is
        not imported (its digits are gone)."""
        value = row.text(key)
        if EXCEL_SCIENTIFIC.match(value):
            row.problem(Code.SCIENTIFIC_NOTATION, key, value)
            return ""
        if len(value) > limit:
            row.problem(Code.TOO_LONG, key, f"{len(value)} > {limit}")
            return value[:limit]
        return value

    def _options(self, row: _Row, state: _State) -> dict[str, str]:
        options: dict[str, str] = {}
        for i in range(1, OPTION_COUNT + 1):
            value = row.text(f"option{i}_value")
            name = state.option_names[i - 1] or f"选项{i}"
            if not value:
                continue
            if (
                self.shopify
                and (name.casefold(), value.casefold()) == _SHOPIFY_NO_OPTION
            ):
                continue
            options[name] = value
        if not options and not self.shopify and row.text("variant_name"):
            options["规格"] = row.text("variant_name")
        return options

    def _price(self, row: _Row, key: str) -> int | None:
        value = row.text(key)
        if not value:
            return None
        try:
            fen = parse_price(value)
        except MoneyParseError:
            fen = None
        if fen is None or abs(fen) > MAX_STORED_INT:
            row.problem(Code.INVALID_PRICE, key, _short(value))
            return None
        return fen

    def _stock(self, row: _Row) -> int | None:
        value = row.text("stock")
        if not value:
            return None
        try:
            stock = parse_integer(value)
        except ValueError:
            row.problem(Code.INVALID_INTEGER, "stock", _short(value))
            return None
        if stock < 0:
            row.problem(Code.NEGATIVE_STOCK, "stock", _short(value))
            return None
        if stock > MAX_STORED_INT:
            row.problem(Code.INVALID_INTEGER, "stock", _short(value))
            return None
        return stock

    def _weight(self, row: _Row) -> int | None:
        if self.columns.has("weight_grams"):
            key, value, unit = "weight_grams", row.text("weight_grams"), "g"
            if not self.shopify:  # our template: whole grams, "500克" is fine
                value = re.sub(r"(?i)\s*(克|g)$", "", value)
        else:
            key, value = "weight_value", row.text("weight_value")
            unit = row.text("weight_unit") or "g"
        if not value:
            return None
        try:
            if self.shopify or key == "weight_value":
                grams = parse_grams(value, unit)
            else:
                grams = parse_integer(value)
        except ValueError:
            row.problem(Code.INVALID_INTEGER, key, _short(f"{value} {unit}".strip()))
            return None
        if not 0 <= grams <= MAX_STORED_INT:
            row.problem(Code.INVALID_INTEGER, key, _short(value))
            return None
        return grams

    # -- images

    def _images(self, row: _Row, draft: ProductDraft, state: _State) -> None:
        cell = row.text("images")
        sources = [cell] if self.shopify else IMAGE_SEPARATORS.split(cell)
        alt = row.text("image_alt")
        position = None
        if row.text("image_position"):
            try:
                position = parse_integer(row.text("image_position"))
            except ValueError:
                pass  # an order we cannot read: the image goes last
        for source in (s.strip() for s in sources):
            self._add_image(draft, state, row, "images", source, alt, position)
            position = None
        self._add_image(draft, state, row, "variant_image", row.text("variant_image"))

    def _add_image(self, draft, state, row, key, source, alt="", position=None):
        """Each source once per product. Shopify may name a photo first as a
        variant's image and later in Image Src with its position and alt
        text: the later, fuller mention is kept."""
        if not source:
            return
        given = position if position is not None and position >= 1 else None
        ref = ImageRef(row=row.number, column=row.column(key), source=source, alt=alt)
        index = state.images.get(source)
        if index is None:
            state.images[source] = len(draft.images)
            state.image_positions.append(given or UNPOSITIONED)
            draft.images.append(ref)
        elif key == "images" and draft.images[index].column != ref.column:
            draft.images[index] = ref
            state.image_positions[index] = given or UNPOSITIONED

    @staticmethod
    def _order_images(draft: ProductDraft, state: _State) -> None:
        """Images by the position the file gives (Shopify's Image Position),
        the rest in the order they appear; then numbered 1, 2, 3 …"""
        order = sorted(
            range(len(draft.images)), key=lambda i: (state.image_positions[i], i)
        )
        draft.images = [draft.images[i] for i in order]
        for position, image in enumerate(draft.images, start=1):
            image.position = position

    # -- the end

    def _name_unnamed_variants(self, draft: ProductDraft) -> None:
        """Shopify lets a variant go without a SKU; our catalogue keys
        variants by SKU. Give each one a SKU made from its handle and option
        values, so the same export always yields the same SKUs and a
        re-import updates instead of duplicating. Cells Excel mangled stay
        errors: their SKU existed, we just cannot read it."""
        mangled = {
            p.row
            for p in draft.problems
            if p.code == Code.SCIENTIFIC_NOTATION
            and p.column == self.columns.header("sku")
        }
        for variant in draft.variants:
            if variant.sku or variant.row in mangled or not draft.product_code:
                continue
            parts = [draft.product_code, *variant.options.values()]
            sku = "-".join(part.strip() for part in parts if part.strip())
            if len(sku) > SKU_MAX:
                digest = hashlib.sha1(sku.encode()).hexdigest()[:10]
                sku = f"{sku[: SKU_MAX - 11]}-{digest}"
            variant.sku = sku

    def finish(self) -> list[ProductDraft]:
        for draft in self.drafts:
            state = self.states[id(draft)]
            if state.published:
                draft.fields["is_published"] = all(state.published)
            self._order_images(draft, state)
            if self.shopify:
                self._name_unnamed_variants(draft)
            if not draft.variants and draft.product_code:
                draft.problems.append(
                    Problem(
                        Code.REQUIRED,
                        row=draft.first_row,
                        column=self.columns.header("sku")
                        or self.columns.header("price")
                        or "",
                        detail="没有规格行 / no variant rows",
                    )
                )
            for problem in draft.problems:
                problem.product_code = problem.product_code or draft.product_code
        return self.drafts
