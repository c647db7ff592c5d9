"""Which column of the sheet holds what: our template (Chinese headers or their
English aliases) or a Shopify product CSV (classic or 2024 headers).

Headers match ignoring case, spaces and full-width brackets, so "价格（元）",
"价格 (元)" and "价格(元)" are one column. The format is decided by the headers:
"URL handle" means Shopify 2024, "Handle" (or Title with Body (HTML), Variant
Price, …) classic Shopify, anything else our template."""

import io
import re
from dataclasses import dataclass, field

from storefront.core import csv_safe

from .errors import ImportErrorCode, ImportFileError, Severity
from .types import Problem, SheetFormat

# Canonical keys beyond the contract's list, used only inside normalise:
#   status          Shopify's Status (active / draft / archived)
#   category_path   Shopify's Product Category ("A > B > Leaf"), used when Type is
#                   empty
#   weight_value    a weight in `weight_unit` (used only without a grams column)
#   weight_unit     g / kg / lb / oz
#   variant_image   Shopify's Variant Image: one more image of the product

# Our template, in order: (Chinese header, key, English aliases).
_CANONICAL: list[tuple[str, str, tuple[str, ...]]] = [
    ("商品编码", "product_code", ("product code", "product_code", "code", "编码")),
    ("商品名称", "name", ("name", "product name", "title", "名称", "品名")),
    ("英文名称", "name_en", ("english name", "name en", "name_en", "英文名")),
    ("规格", "variant_name", ("variant", "variant name", "规格名称")),
    ("SKU", "sku", ("sku code", "货号")),
    ("价格(元)", "price", ("price", "价格", "售价", "售价(元)", "price (yuan)")),
    (
        "划线价(元)",
        "compare_at_price",
        ("compare at price", "compare-at price", "划线价", "原价", "原价(元)"),
    ),
    ("库存", "stock", ("stock", "inventory", "quantity", "库存数量")),
    ("重量(克)", "weight_grams", ("weight (g)", "weight(g)", "weight grams", "克重")),
    ("分类", "category", ("category", "商品分类", "类目")),
    ("品牌", "brand", ("brand",)),
    ("描述", "description", ("description", "商品描述", "详情")),
    ("配料", "ingredients", ("ingredients", "配料表")),
    ("净含量", "net_content", ("net content",)),
    ("保质期", "shelf_life", ("shelf life",)),
    ("储存条件", "storage_conditions", ("storage", "storage conditions", "贮存条件")),
    ("生产者", "producer", ("producer", "生产商", "生产厂家")),
    (
        "生产许可证编号",
        "sc_licence",
        ("sc licence", "sc license", "sc", "生产许可证", "食品生产许可证编号"),
    ),
    ("图片", "images", ("images", "image", "photos", "图片文件")),
    ("上架", "published", ("published", "是否上架")),
    ("条码", "barcode", ("barcode", "条形码", "商品条码")),
    ("选项1名称", "option1_name", ("option1 name", "option 1 name")),
    ("选项1值", "option1_value", ("option1 value", "option 1 value")),
    ("选项2名称", "option2_name", ("option2 name", "option 2 name")),
    ("选项2值", "option2_value", ("option2 value", "option 2 value")),
    ("选项3名称", "option3_name", ("option3 name", "option 3 name")),
    ("选项3值", "option3_value", ("option3 value", "option 3 value")),
]
# Accepted but not in the template.
_CANONICAL_EXTRA: dict[str, tuple[str, ...]] = {
    "image_alt": ("图片说明", "image alt", "image alt text"),
    "image_position": ("图片顺序", "image position"),
    "weight_value": ("重量", "weight"),
    "weight_unit": ("重量单位", "weight unit"),
}

TEMPLATE_HEADERS: list[str] = [zh for zh, _key, _aliases in _CANONICAL]

# Shopify, both header sets (classic first, then the 2024 names). Where a key
# lists several headers they are alternatives in priority order.
_SHOPIFY: dict[str, tuple[str, ...]] = {
    "product_code": ("Handle", "URL handle"),
    "name": ("Title",),
    "description": ("Body (HTML)", "Description"),
    "brand": ("Vendor",),
    "category": ("Type",),
    "category_path": ("Product Category",),
    "published": ("Published", "Published on online store"),
    "status": ("Status",),
    "option1_name": ("Option1 Name",),
    "option1_value": ("Option1 Value",),
    "option2_name": ("Option2 Name",),
    "option2_value": ("Option2 Value",),
    "option3_name": ("Option3 Name",),
    "option3_value": ("Option3 Value",),
    "sku": ("Variant SKU", "SKU"),
    "weight_grams": ("Variant Grams", "Weight value (grams)"),
    "weight_value": ("Variant Weight",),
    "weight_unit": ("Variant Weight Unit", "Weight unit for display"),
    "stock": ("Variant Inventory Qty", "Inventory quantity"),
    "price": ("Variant Price", "Price"),
    "compare_at_price": ("Variant Compare At Price", "Compare-at price"),
    "barcode": ("Variant Barcode", "Barcode"),
    "images": ("Image Src", "Product image URL"),
    "image_position": ("Image Position",),
    "image_alt": ("Image Alt Text",),
    "variant_image": ("Variant Image", "Variant image URL"),
}
# Shopify columns we know and deliberately do not import: no warning for them.
_SHOPIFY_IGNORED = (
    "Tags",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Inventory Tracker",
    "Inventory tracker",
    "Variant Inventory Policy",
    "Continue selling when out of stock",
    "Variant Fulfillment Service",
    "Fulfillment service",
    "Variant Requires Shipping",
    "Requires shipping",
    "Variant Taxable",
    "Charge tax",
    "Variant Tax Code",
    "Tax code",
    "Cost per item",
    "Option1 Linked To",
    "Option2 Linked To",
    "Option3 Linked To",
    "Unit price total measure",
    "Unit price total measure unit",
    "Unit price base measure",
    "Unit price base measure unit",
    "Collection",
)
# …and whole families of them: market prices, Google Shopping, metafields.
_SHOPIFY_IGNORED_PATTERN = re.compile(
    r"^(google shopping/|included/|price/|compare ?-?at ?price/)|"
    r"\.metafields\.|^metafield:|^variant metafield:"
)
# Headers that only a Shopify file has (besides the handle).
_SHOPIFY_MARKERS = (
    "Body (HTML)",
    "Variant SKU",
    "Variant Price",
    "Variant Grams",
    "Image Src",
    "Product image URL",
    "Published on online store",
    "Compare-at price",
    "Weight value (grams)",
)

REQUIRED = {
    SheetFormat.CANONICAL: ("product_code", "name", "sku", "price"),
    SheetFormat.SHOPIFY_CLASSIC: ("product_code", "name"),
    SheetFormat.SHOPIFY_2024: ("product_code", "name"),
}
_REQUIRED_LABEL = {
    SheetFormat.CANONICAL: {
        "product_code": "商品编码",
        "name": "商品名称",
        "sku": "SKU",
        "price": "价格(元)",
    },
    SheetFormat.SHOPIFY_CLASSIC: {"product_code": "Handle", "name": "Title"},
    SheetFormat.SHOPIFY_2024: {"product_code": "URL handle", "name": "Title"},
}

_FOLD = str.maketrans(
    {"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")", "／": "/"}
)
_SPACES = re.compile(r"[\s\u3000\ufeff\u200b]+")


def header_key(header: str) -> str:
    """The form headers are compared in: 'Price （元）' -> 'price(元)'."""
    return _SPACES.sub("", str(header).translate(_FOLD)).casefold()


def _table(pairs) -> dict[str, str]:
    return {header_key(h): key for h, key in pairs}


_CANONICAL_LOOKUP = _table(
    [(zh, key) for zh, key, _ in _CANONICAL]
    + [(alias, key) for _, key, aliases in _CANONICAL for alias in aliases]
    + [(alias, key) for key, aliases in _CANONICAL_EXTRA.items() for alias in aliases]
)
_SHOPIFY_LOOKUP = _table(
    [(h, key) for key, headers in _SHOPIFY.items() for h in headers]
)
_SHOPIFY_PRIORITY = {
    header_key(h): i for headers in _SHOPIFY.values() for i, h in enumerate(headers)
}
_SHOPIFY_IGNORED_KEYS = {header_key(h) for h in _SHOPIFY_IGNORED}
_SHOPIFY_MARKER_KEYS = {header_key(h) for h in _SHOPIFY_MARKERS}


@dataclass
class ColumnMap:
    format: SheetFormat
    field_for: dict[str, str]  # header as written → canonical key
    problems: list[Problem] = field(default_factory=list)  # UNKNOWN_COLUMN
    # canonical key → headers as written, in priority order (a Shopify file
    # may hold both the classic and the 2024 name: Handle before URL handle)
    headers_for: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        if not self.headers_for:  # built by hand from field_for alone
            for header, key in self.field_for.items():
                self.headers_for.setdefault(key, []).append(header)

    def header(self, key: str) -> str | None:
        """The (first) header holding `key`, or None when the file has none."""
        headers = self.headers_for.get(key)
        return headers[0] if headers else None

    def has(self, key: str) -> bool:
        return key in self.headers_for


def detect_format(headers: list[str]) -> SheetFormat:
    keys = {header_key(h) for h in headers}
    if header_key("URL handle") in keys:
        return SheetFormat.SHOPIFY_2024
    if header_key("Handle") in keys:
        return SheetFormat.SHOPIFY_CLASSIC
    if header_key("Title") in keys and len(keys & _SHOPIFY_MARKER_KEYS) >= 2:
        if keys & {header_key("Variant SKU"), header_key("Variant Price")}:
            return SheetFormat.SHOPIFY_CLASSIC
        return SheetFormat.SHOPIFY_2024
    return SheetFormat.CANONICAL


def resolve_columns(headers: list[str]) -> ColumnMap:
    """Map the headers of a sheet to canonical keys.

    Raises ImportFileError: HEADER_DUPLICATED (the same header twice, or two
    headers for one field of our template), HEADER_MISSING (no header is known:
    the first row is probably data), HEADER_REQUIRED_MISSING."""
    written = [str(h).strip() for h in headers]
    named = [h for h in written if h]
    _refuse_duplicates(named)
    fmt = detect_format(named)
    shopify = fmt != SheetFormat.CANONICAL
    lookup = _SHOPIFY_LOOKUP if shopify else _CANONICAL_LOOKUP

    field_for: dict[str, str] = {}
    headers_for: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for header in named:
        folded = header_key(header)
        key = lookup.get(folded)
        if key is None:
            if shopify and (
                folded in _SHOPIFY_IGNORED_KEYS
                or _SHOPIFY_IGNORED_PATTERN.search(
                    header.casefold().replace(" / ", "/")
                )
            ):
                continue
            problems.append(
                Problem(
                    ImportErrorCode.UNKNOWN_COLUMN,
                    column=header,
                    severity=Severity.WARNING,
                )
            )
            continue
        field_for[header] = key
        headers_for.setdefault(key, []).append(header)

    _refuse_two_headers_for_one_field(headers_for, shopify)
    if shopify:
        for hs in headers_for.values():
            hs.sort(key=lambda h: _SHOPIFY_PRIORITY.get(header_key(h), 99))
    if not field_for:
        raise ImportFileError(
            ImportErrorCode.HEADER_MISSING,
            detail=", ".join(named[:5]) or "(空 empty)",
        )
    missing = [
        _REQUIRED_LABEL[fmt][key] for key in REQUIRED[fmt] if key not in headers_for
    ]
    if missing:
        raise ImportFileError(
            ImportErrorCode.HEADER_REQUIRED_MISSING, detail=", ".join(missing)
        )
    return ColumnMap(
        format=fmt, field_for=field_for, problems=problems, headers_for=headers_for
    )


def _refuse_duplicates(headers: list[str]) -> None:
    seen: dict[str, str] = {}
    duplicated: list[str] = []
    for header in headers:
        folded = header_key(header)
        if folded in seen:
            duplicated.append(
                header if header == seen[folded] else f"{seen[folded]} / {header}"
            )
        else:
            seen[folded] = header
    if duplicated:
        raise ImportFileError(
            ImportErrorCode.HEADER_DUPLICATED, detail=", ".join(duplicated)
        )


def _refuse_two_headers_for_one_field(
    headers_for: dict[str, list[str]], shopify: bool
) -> None:
    """'价格(元)' and 'price' in one template sheet: which one is meant? In a
    Shopify sheet the classic and 2024 names of one field are alternatives, but
    one header set must not name a field twice."""
    clashes = []
    for headers in headers_for.values():
        if len(headers) < 2:
            continue
        if shopify:
            ranks = [_SHOPIFY_PRIORITY.get(header_key(h)) for h in headers]
            if len(set(ranks)) == len(ranks):
                continue
        clashes.append(" / ".join(headers))
    if clashes:
        raise ImportFileError(
            ImportErrorCode.HEADER_DUPLICATED, detail=", ".join(clashes)
        )


# ----------------------------------------------------------------- template

# The sample product. Its category and brand come from the workshop the
# template is made for (selectors.template_choices), so it imports as it is;
# it names no photo, which only a ZIP could carry.
_EXAMPLE_ROWS = [
    {
        "商品编码": "HY-001",
        "商品名称": "东海黄鱼鲞（示例）",
        "英文名称": "Dried yellow croaker (sample)",
        "规格": "250克",
        "SKU": "HY-001-250",
        "价格(元)": "58.00",
        "划线价(元)": "68.00",
        "库存": "100",
        "重量(克)": "280",
        "描述": "<p>东海野生黄鱼，古法晾晒。</p>",
        "配料": "黄鱼、食用盐",
        "净含量": "250克",
        "保质期": "12个月",
        "储存条件": "-18℃以下冷冻保存",
        "生产者": "舟山某某水产专业合作社",
        "生产许可证编号": "SC12233090200012",
        "图片": "",
        "上架": "否",
        "条码": "",
        "选项1名称": "规格",
        "选项1值": "250克",
    },
    {
        "商品编码": "HY-001",
        "规格": "500克",
        "SKU": "HY-001-500",
        "价格(元)": "108.00",
        "库存": "50",
        "重量(克)": "540",
        "选项1名称": "规格",
        "选项1值": "500克",
    },
]
LISTS_SHEET = "可选值 Lists"


def _example_rows(choices) -> list[dict[str, str]]:
    rows = [dict(row) for row in _EXAMPLE_ROWS]
    if choices is not None:
        rows[0]["分类"] = choices.sample_category
        rows[0]["品牌"] = choices.sample_brand
    return rows


def template_csv(choices=None) -> bytes:
    """The template as CSV: UTF-8 with BOM (so Excel reads the Chinese),
    the header and two example rows of one product with two variants.
    `choices` (selectors.TemplateChoices) gives the sample's category and
    brand."""
    out = io.StringIO(newline="")
    writer = csv_safe.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    for row in _example_rows(choices):
        writer.writerow([row.get(h, "") for h in TEMPLATE_HEADERS])
    return out.getvalue().encode("utf-8-sig")


_TEXT_ROWS = 1000  # rows pre-formatted as text in the XLSX template


def _add_lists(wb, ws, choices) -> None:
    """A second sheet listing the valid categories and brands, and drop-downs
    on the category and brand columns of the first that offer them (a
    warning, not a refusal, for a value typed otherwise: a slug or an
    English name is read too)."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = wb.create_sheet(LISTS_SHEET)
    columns = (
        ("分类", "分类 Category", choices.categories),
        ("品牌", "品牌 Brand", choices.brands),
    )
    for index, (header, title, values) in enumerate(columns, start=1):
        letter = lists.cell(row=1, column=index).column_letter
        lists.cell(row=1, column=index, value=title).font = Font(bold=True)
        lists.column_dimensions[letter].width = 24
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value).number_format = "@"
        if not values:
            continue
        target = ws.cell(row=1, column=TEMPLATE_HEADERS.index(header) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showDropDown=False,  # openpyxl's name: False shows the arrow
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在列表中 Not in the list",
            error=f"请从“{LISTS_SHEET}”表中选择 / Choose a value listed on "
            f"the “{LISTS_SHEET}” sheet",
        )
        ws.add_data_validation(validation)
        column = target.column_letter
        validation.add(f"{column}2:{column}{_TEXT_ROWS}")


def template_xlsx(choices=None) -> bytes:
    """The template as XLSX; code, SKU and barcode columns are formatted as
    text so that Excel keeps long numbers as typed. With `choices`
    (selectors.TemplateChoices), a second sheet lists the valid categories
    and brands and their columns get drop-downs; the import reads only the
    first sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "商品"
    ws.append(TEMPLATE_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in _example_rows(choices):
        ws.append([row.get(h, "") or None for h in TEMPLATE_HEADERS])
    for header in ("商品编码", "SKU", "条码"):
        column = TEMPLATE_HEADERS.index(header) + 1
        letter = ws.cell(row=1, column=column).column_letter
        ws.column_dimensions[letter].number_format = "@"
        for row in range(2, _TEXT_ROWS + 1):
            ws.cell(row=row, column=column).number_format = "@"
    for i, header in enumerate(TEMPLATE_HEADERS, start=1):
        width = 30 if header in ("商品名称", "描述", "图片") else 14
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ws.freeze_panes = "A2"
    if choices is not None:
        _add_lists(wb, ws, choices)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
