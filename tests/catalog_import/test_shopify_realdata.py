"""The real Shopify exports in ../shared/realdata/shopify/, read where they lie
(never copied into the repository): parse + columns + normalise."""

import io
import os
from collections import Counter
from pathlib import Path

import pytest

from catalog_import.columns import resolve_columns
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.normalise import normalise
from catalog_import.parse import parse_upload
from catalog_import.types import SheetFormat

from .sheets import xlsx_bytes, zip_bytes

REPO = Path(__file__).resolve().parents[2]
# CI checks the repository out beside ../shared; REALDATA_DIR points
# elsewhere when a clone lives somewhere else.
REALDATA = (
    Path(os.environ.get("REALDATA_DIR") or REPO / ".." / "shared" / "realdata")
    / "shopify"
)


@pytest.fixture(autouse=True)
def _the_exports_are_there():
    if not REALDATA.is_dir():
        pytest.fail(
            f"the real Shopify exports are not at {REALDATA}: check out the "
            "repository beside ../shared, or set REALDATA_DIR"
        )


def read(name: str):
    path = REALDATA / name
    with path.open("rb") as fileobj:
        sheet = parse_upload(name, fileobj)
        columns = resolve_columns(sheet.headers)
        drafts = normalise(sheet, columns)
    return sheet, columns, drafts


def by_code(drafts):
    return {d.product_code: d for d in drafts}


# ------------------------------------------------- saved through Excel


def test_excel_saved_export_groups_three_handles():
    raw = (REALDATA / "shopify_products.csv").read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # CRLF, no final newline
    sheet, columns, drafts = read("shopify_products.csv")
    assert columns.format == SheetFormat.SHOPIFY_CLASSIC
    assert columns.problems == []
    assert sheet.row_count_hint == 17
    assert [(d.product_code, len(d.variants), len(d.images)) for d in drafts] == [
        ("example-shirt", 12, 6),
        ("example-pants", 3, 4),
        ("example-hat", 1, 1),
    ]
    assert [d.rows for d in drafts] == [list(range(2, 14)), [14, 15, 16, 17], [18]]


def test_excel_mangled_barcodes_are_scientific_notation_errors_per_cell():
    _, _, drafts = read("shopify_products.csv")
    problems = [p for d in drafts for p in d.problems]
    assert {p.code for p in problems} == {Code.SCIENTIFIC_NOTATION}
    cells = [(p.row, p.column, p.detail, p.product_code) for p in problems]
    assert cells[0] == (2, "Variant Barcode", "3.65275E+11", "example-shirt")
    assert cells[12] == (14, "Variant Barcode", "7.79202E+11", "example-pants")
    assert cells[-1] == (18, "Variant Barcode", "1.22328E+11", "example-hat")
    # every variant row (not the image-only row 17) has one
    assert [row for row, *_ in cells] == [*range(2, 17), 18]
    assert {column for _, column, *_ in cells} == {"Variant Barcode"}
    # the mangled numbers are not imported
    assert {v.barcode for d in drafts for v in d.variants} == {""}


def test_excel_saved_export_values():
    _, _, drafts = read("shopify_products.csv")
    shirt, pants, hat = drafts
    assert shirt.fields == {
        "name": "Example T-Shirt",
        "description": shirt.fields["description"],
        "brand": "Acme",
        "category": "Shirts",
        "is_published": True,  # Published TRUE, Status active
    }
    assert shirt.fields["description"].startswith("<p>This t-shirt is as simple")
    assert [v.options for v in shirt.variants[:4]] == [
        {"Color": "Green", "Size": "S"},
        {"Color": "Green", "Size": "M"},
        {"Color": "Green", "Size": "L"},
        {"Color": "Blue", "Size": "S"},
    ]
    assert {v.price_fen for v in shirt.variants} == {2500}
    assert {v.weight_grams for v in shirt.variants} == {145}
    assert pants.fields["is_published"] is False  # FALSE and draft
    assert hat.fields["is_published"] is False  # archived
    assert [v.weight_grams for v in pants.variants] == [227, 283, 397]
    assert [v.stock for v in pants.variants] == [20, 15, 10]
    assert {(v.price_fen, v.compare_at_price_fen) for v in pants.variants} == {
        (9500, 6495)
    }
    assert [v.row for v in pants.variants] == [14, 15, 16]  # 17 holds an image
    assert pants.images[-1].row == 17
    assert pants.images[-1].alt == "Large tapered stone wash jeans"
    assert [(v.name, v.options) for v in hat.variants] == [("", {})]


# --------------------------------------------------- Shopify's demo shop


def test_apparel_demo_export():
    _, columns, drafts = read("shopify_products_apparel.csv")
    assert columns.format == SheetFormat.SHOPIFY_CLASSIC
    assert columns.problems == []
    assert len(drafts) == 20
    counts = Counter({d.product_code: len(d.variants) for d in drafts})
    assert counts["classic-varsity-top"] == 3
    assert {c for code, c in counts.items() if code != "classic-varsity-top"} == {1}
    top = by_code(drafts)["classic-varsity-top"]
    assert [(v.name, v.price_fen) for v in top.variants] == [
        ("Small", 6000),
        ("Medium", 6000),
        ("Large", 6000),
    ]
    assert all(d.problems == [] for d in drafts)
    assert all(d.fields["is_published"] is True for d in drafts)  # lowercase true
    assert {d.fields["brand"] for d in drafts} == {"partners-demo"}
    # Variant Grams 0 in grams, although the display unit says kg
    assert {v.weight_grams for d in drafts for v in d.variants} == {0}
    assert (
        by_code(drafts)["ocean-blue-shirt"]
        .fields["description"]
        .startswith("Ocean blue cotton shirt")
    )


def test_variants_without_a_sku_get_a_stable_one_from_handle_and_options():
    _, _, drafts = read("shopify_products_apparel.csv")
    skus = [v.sku for d in drafts for v in d.variants]
    assert all(skus) and len(set(skus)) == len(skus)
    _, _, again = read("shopify_products_apparel.csv")
    assert [v.sku for d in again for v in d.variants] == skus


def test_legacy_template_with_quoted_inch_marks():
    _, columns, drafts = read("shopify_products_legacy_template.csv")
    assert columns.problems == []
    (shirt,) = drafts
    assert shirt.problems == []
    variants = shirt.variants
    assert [(v.sku, v.name, v.price_fen, v.compare_at_price_fen) for v in variants] == [
        # No SKU in the export: one is made from the handle and the options.
        (
            'example-t-shirt-Lithograph - Height: 9" x Width: 12"',
            'Lithograph - Height: 9" x Width: 12"',
            2500,
            None,
        ),
        ("example-shirt-s", "Small", 1999, 2499),
        ("example-shirt-m", "Medium", 1999, 2499),
    ]
    assert [v.stock for v in shirt.variants] == [None, None, None]  # left as is
    assert [v.weight_grams for v in shirt.variants] == [3629, 200, 200]


# -------------------------------------------- the same data in other shapes


@pytest.mark.parametrize(
    "name", ["shopify_products.csv", "shopify_products_apparel.csv"]
)
def test_same_drafts_from_a_zip_and_from_an_xlsx(name):
    _, _, expected = read(name)
    raw = (REALDATA / name).read_bytes()

    zipped = parse_upload("upload.zip", io.BytesIO(zip_bytes({name: raw})))
    from_zip = normalise(zipped, resolve_columns(zipped.headers))

    import csv

    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    xlsx = parse_upload("export.xlsx", io.BytesIO(xlsx_bytes(rows)))
    from_xlsx = normalise(xlsx, resolve_columns(xlsx.headers))

    assert from_zip == expected
    assert from_xlsx == expected
