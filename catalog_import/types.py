"""The values that pass from one stage of the pipeline to the next:

    parse ─► RawRow ─► normalise ─► ProductDraft ─► validate (adds Problems)
    ─► images (ImageRef → stored image) ─► plan (PlanEntry) ─► apply ─► report

Stages never raise for a bad row: they attach a Problem and go on. Only a
file that cannot be read at all raises ImportFileError."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import MESSAGES, ImportErrorCode, Severity

# Limits (the issue's): per sheet, per ZIP, rows, options and variants.
MAX_SHEET_BYTES = 20 * 1024 * 1024
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
# Reading stops after this many blank rows in a row (a sheet formatted down to
# its last row), and refuses a sheet with more rows than MAX_RECORDS, blank or
# not, as soon as it gets there: never read to its end.
MAX_BLANK_RUN = 1_000
MAX_RECORDS = 3 * MAX_ROWS
MAX_OPTIONS = 3
MAX_VARIANTS = 100


@dataclass
class Problem:
    code: ImportErrorCode
    row: int | None = None  # sheet row number, header = 1; None: the file
    column: str = ""  # the header as written in the file
    detail: str = ""  # the offending value or a hint, shown after the message
    severity: Severity = Severity.ERROR
    product_code: str = ""
    # An English detail when `detail` is Chinese text (a brand standard's
    # own message); otherwise `detail` serves both languages.
    detail_en: str = ""

    @property
    def message_zh(self) -> str:
        zh = MESSAGES[self.code][0]
        return f"{zh}：{self.detail}" if self.detail else zh

    @property
    def message_en(self) -> str:
        en = MESSAGES[self.code][1]
        detail = self.detail_en or self.detail
        return f"{en}: {detail}" if detail else en

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "code": str(self.code),
            "severity": str(self.severity),
            "message": f"{self.message_zh} / {self.message_en}",
            "product_code": self.product_code,
        }


class SheetFormat(StrEnum):
    CANONICAL = "canonical"  # our template, Chinese headers or English aliases
    SHOPIFY_CLASSIC = "shopify_classic"
    SHOPIFY_2024 = "shopify_2024"


@dataclass
class RawRow:
    number: int  # sheet row number (the header is row 1)
    cells: dict[str, str]  # header as written → cell text ("" when empty)
    # Columns whose cell was a formula, or a number Excel stored in E-notation.
    formulas: frozenset[str] = frozenset()


@dataclass
class ParsedSheet:
    headers: list[str]
    rows: Iterator[RawRow]  # streamed: read once, never all in memory
    file_problems: list[Problem] = field(default_factory=list)  # warnings
    # For a ZIP: the bytes of an image member by its file name (None: absent).
    image_bytes: Callable[[str], bytes | None] | None = None
    row_count_hint: int | None = None  # for progress bars, when cheap to know
    read: "ReadCount | None" = None  # rows taken from the file so far


@dataclass
class ReadCount:
    records: int = 0  # rows read from the file, blank or not


@dataclass
class ImageRef:
    row: int
    column: str
    source: str  # a file name in the ZIP, or an http(s) URL
    alt: str = ""
    position: int = 0


@dataclass
class VariantDraft:
    row: int
    sku: str
    name: str = ""
    options: dict[str, str] = field(default_factory=dict)
    price_fen: int | None = None
    compare_at_price_fen: int | None = None
    stock: int | None = None  # None: leave the stock as it is
    weight_grams: int | None = None
    barcode: str = ""


@dataclass
class ProductDraft:
    """One product as the file describes it, grouped from its rows.

    `fields` holds catalog.Product field names → values: name, name_en,
    description (sanitised HTML), ingredients, net_content, shelf_life,
    storage_conditions, producer, sc_licence, is_published; plus the lookups
    `category` and `brand` (as written: a name or slug), resolved by
    validate."""

    product_code: str
    first_row: int
    fields: dict[str, object] = field(default_factory=dict)
    variants: list[VariantDraft] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    # The photos (sources) the product does not have yet, once
    # images.prepare_images has opened them; None: not looked at.
    new_images: list[str] | None = None

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ARCHIVE = "archive"
    SKIP = "skip"  # has errors: nothing is written for it


@dataclass
class PlanEntry:
    action: Action
    product_code: str
    draft: ProductDraft | None  # None for ARCHIVE
    product_id: int | None = None  # the existing product, if any
    # field → (old, new), for the product and per variant SKU
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    variant_changes: dict[str, dict[str, tuple[object, object]]] = field(
        default_factory=dict
    )
    new_skus: list[str] = field(default_factory=list)
    # Set by apply once the product is written (created, updated, or given
    # new photos): its slug, for links to its pages.
    product_slug: str = ""
    written: bool = False
