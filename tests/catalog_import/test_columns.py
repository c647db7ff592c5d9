"""resolve_columns: our template (Chinese or English), Shopify classic and
2024 headers, duplicates, unknown and missing columns; the downloadable
template."""

import io

import pytest
from openpyxl import load_workbook

from catalog_import.columns import (
    TEMPLATE_HEADERS,
    ColumnMap,
    resolve_columns,
    template_csv,
    template_xlsx,
)
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import ImportFileError, Severity
from catalog_import.normalise import normalise
from catalog_import.parse import parse_upload
from catalog_import.types import SheetFormat

from .sheets import ENGLISH_HEADERS, SHOPIFY_2024_HEADERS, SHOPIFY_CLASSIC_HEADERS

CANONICAL_KEYS = [
    "product_code",
    "name",
    "name_en",
    "variant_name",
    "sku",
    "price",
    "compare_at_price",
    "stock",
    "weight_grams",
    "category",
    "brand",
    "description",
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
    "sc_licence",
    "images",
    "published",
    "barcode",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
]


def refused(headers) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        resolve_columns(headers)
    return caught.value


def test_template_headers_map_to_every_canonical_key_in_order():
    columns = resolve_columns(TEMPLATE_HEADERS)
    assert columns.format == SheetFormat.CANONICAL
    assert [columns.field_for[h] for h in TEMPLATE_HEADERS] == CANONICAL_KEYS
    assert columns.problems == []


def test_english_aliases_map_like_the_chinese_headers():
    columns = resolve_columns(ENGLISH_HEADERS)
    assert columns.format == SheetFormat.CANONICAL
    assert [columns.field_for[h] for h in ENGLISH_HEADERS] == CANONICAL_KEYS


@pytest.mark.parametrize(
    "header, key",
    [
        ("价格（元）", "price"),
        ("价格 (元)", "price"),
        (" 价格(元) ", "price"),
        ("PRICE", "price"),
        ("Weight (G)", "weight_grams"),
        ("重量（克）", "weight_grams"),
        ("Compare At Price", "compare_at_price"),
        ("Option1 Name", "option1_name"),
        ("SC Licence", "sc_licence"),
        ("划线价（元）", "compare_at_price"),
        ("商品 编码", "product_code"),
    ],
)
def test_headers_match_ignoring_case_spaces_and_full_width_brackets(header, key):
    required = {"product_code": "商品编码", "name": "商品名称", "sku": "SKU"}
    required["price"] = "价格(元)"
    headers = [header if k == key else h for k, h in required.items()]
    if key not in required:
        headers.append(header)
    assert resolve_columns(headers).field_for[header.strip()] == key


def test_exactly_duplicated_headers_are_refused_naming_them():
    error = refused(["商品编码", "商品名称", "SKU", "价格(元)", "SKU"])
    assert error.code == Code.HEADER_DUPLICATED
    assert "SKU" in error.message_en


def test_headers_that_differ_only_in_case_or_width_are_duplicates():
    error = refused(["商品编码", "商品名称", "sku", "价格(元)", "SKU"])
    assert error.code == Code.HEADER_DUPLICATED
    error = refused(["商品编码", "商品名称", "SKU", "价格(元)", "价格（元）"])
    assert error.code == Code.HEADER_DUPLICATED


def test_two_headers_for_one_template_field_are_refused():
    error = refused(["商品编码", "商品名称", "SKU", "价格(元)", "price"])
    assert error.code == Code.HEADER_DUPLICATED
    assert "价格(元) / price" in error.message_en


def test_unknown_columns_are_warnings_naming_them():
    columns = resolve_columns([*TEMPLATE_HEADERS, "备注", "Colour"])
    assert [(p.code, p.column, p.severity, p.row) for p in columns.problems] == [
        (Code.UNKNOWN_COLUMN, "备注", Severity.WARNING, None),
        (Code.UNKNOWN_COLUMN, "Colour", Severity.WARNING, None),
    ]
    assert "备注" not in columns.field_for


def test_empty_headers_are_ignored():
    columns = resolve_columns(["商品编码", "", "商品名称", "SKU", "价格(元)", ""])
    assert columns.problems == []


def test_missing_required_columns_are_named():
    error = refused(["商品编码", "商品名称", "库存"])
    assert error.code == Code.HEADER_REQUIRED_MISSING
    assert "SKU" in error.message_zh and "价格(元)" in error.message_zh


def test_a_first_row_of_data_is_no_header():
    error = refused(["HY-001", "黄鱼鲞", "58.00"])
    assert error.code == Code.HEADER_MISSING


def test_shopify_classic_headers():
    columns = resolve_columns(SHOPIFY_CLASSIC_HEADERS)
    assert columns.format == SheetFormat.SHOPIFY_CLASSIC
    assert columns.problems == []  # known Shopify columns we skip are not "unknown"
    expected = {
        "Handle": "product_code",
        "Title": "name",
        "Body (HTML)": "description",
        "Vendor": "brand",
        "Type": "category",
        "Product Category": "category_path",
        "Published": "published",
        "Status": "status",
        "Option1 Name": "option1_name",
        "Option3 Value": "option3_value",
        "Variant SKU": "sku",
        "Variant Grams": "weight_grams",
        "Variant Inventory Qty": "stock",
        "Variant Price": "price",
        "Variant Compare At Price": "compare_at_price",
        "Variant Barcode": "barcode",
        "Image Src": "images",
        "Image Position": "image_position",
        "Image Alt Text": "image_alt",
        "Variant Image": "variant_image",
        "Variant Weight Unit": "weight_unit",
    }
    assert {h: columns.field_for[h] for h in expected} == expected
    assert "Tags" not in columns.field_for


def test_shopify_2024_headers():
    columns = resolve_columns(SHOPIFY_2024_HEADERS)
    assert columns.format == SheetFormat.SHOPIFY_2024
    assert columns.problems == []
    expected = {
        "URL handle": "product_code",
        "Title": "name",
        "Description": "description",
        "Vendor": "brand",
        "Product category": "category_path",
        "Type": "category",
        "Published on online store": "published",
        "Status": "status",
        "SKU": "sku",
        "Barcode": "barcode",
        "Option1 name": "option1_name",
        "Option2 value": "option2_value",
        "Price": "price",
        "Compare-at price": "compare_at_price",
        "Inventory quantity": "stock",
        "Weight value (grams)": "weight_grams",
        "Weight unit for display": "weight_unit",
        "Product image URL": "images",
        "Image position": "image_position",
        "Image alt text": "image_alt",
        "Variant image URL": "variant_image",
    }
    assert {h: columns.field_for[h] for h in expected} == expected


def test_shopify_unknown_column_is_a_warning():
    columns = resolve_columns([*SHOPIFY_CLASSIC_HEADERS, "My Notes"])
    assert [p.column for p in columns.problems] == ["My Notes"]


def test_shopify_classic_and_2024_names_of_one_field_are_alternatives():
    columns = resolve_columns(["Handle", "URL handle", "Title", "Variant SKU", "SKU"])
    assert columns.format == SheetFormat.SHOPIFY_2024
    assert columns.headers_for["product_code"] == ["Handle", "URL handle"]
    assert columns.headers_for["sku"] == ["Variant SKU", "SKU"]


def test_shopify_without_handle_needs_one():
    error = refused(["Title", "Body (HTML)", "Variant SKU", "Variant Price"])
    assert error.code == Code.HEADER_REQUIRED_MISSING
    assert "Handle" in error.message_en


def test_template_csv_is_utf8_with_bom_and_imports_cleanly():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    sheet = parse_upload("template.csv", io.BytesIO(data))
    assert sheet.headers == TEMPLATE_HEADERS
    drafts = normalise(sheet, resolve_columns(sheet.headers))
    assert len(drafts) == 1
    (draft,) = drafts
    assert draft.problems == []
    assert [v.sku for v in draft.variants] == ["HY-001-250", "HY-001-500"]
    assert [v.price_fen for v in draft.variants] == [5800, 10800]
    # No photo: a sheet alone cannot carry one, and the sample must import.
    assert draft.images == []


def test_template_xlsx_matches_and_keeps_codes_as_text():
    data = template_xlsx()
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == TEMPLATE_HEADERS
    sku_column = TEMPLATE_HEADERS.index("SKU") + 1
    assert ws.cell(row=50, column=sku_column).number_format == "@"
    sheet = parse_upload("template.xlsx", io.BytesIO(data))
    (draft,) = normalise(sheet, resolve_columns(sheet.headers))
    assert draft.problems == []
    assert [v.sku for v in draft.variants] == ["HY-001-250", "HY-001-500"]
    assert draft.fields["sc_licence"] == "SC12233090200012"


def test_a_column_map_built_from_field_for_alone_finds_its_headers():
    columns = ColumnMap(
        format=SheetFormat.CANONICAL, field_for={"编码": "product_code", "价": "price"}
    )
    assert columns.header("price") == "价"
    assert columns.has("product_code") and not columns.has("sku")
