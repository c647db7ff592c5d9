"""normalise: rows grouped into product drafts, values typed, every bad cell a
Problem naming its row and column, never an exception."""

import io

import pytest

from catalog_import.columns import resolve_columns
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import Severity
from catalog_import.normalise import normalise
from catalog_import.parse import parse_upload
from catalog_import.types import ParsedSheet, RawRow
from catalog_import.values import (
    parse_bool,
    parse_grams,
    parse_integer,
    parse_price,
    sanitise_description,
)
from storefront.core.money import MoneyParseError

from .sheets import (
    SHOPIFY_2024_HEADERS,
    SHOPIFY_CLASSIC_HEADERS,
    table,
    template_table,
    xlsx_bytes,
)


def drafts_of(rows, formulas: dict[int, set[str]] | None = None):
    headers, *data = rows
    raw = [
        RawRow(
            number=n,
            cells=dict(zip(headers, values, strict=True)),
            formulas=frozenset((formulas or {}).get(n, ())),
        )
        for n, values in enumerate(data, start=2)
    ]
    sheet = ParsedSheet(headers=list(headers), rows=iter(raw))
    return normalise(sheet, resolve_columns(headers))


def one(rows, **kw):
    (draft,) = drafts_of(rows, **kw)
    return draft


def codes(draft) -> list[tuple]:
    return [(p.code, p.row, p.column) for p in draft.problems]


def variant_row(code="A1", sku="A1-S", price="10", **more):
    return {"商品编码": code, "商品名称": "甲", "SKU": sku, "价格(元)": price, **more}


# --------------------------------------------------------------- grouping


def test_rows_are_grouped_by_product_code_in_order_of_first_appearance():
    drafts = drafts_of(
        template_table(
            variant_row("B2", "B2-S"),
            variant_row("A1", "A1-S"),
            variant_row("B2", "B2-M"),
            variant_row("A1", "A1-M"),
        )
    )
    assert [(d.product_code, d.first_row, d.rows) for d in drafts] == [
        ("B2", 2, [2, 4]),
        ("A1", 3, [3, 5]),
    ]
    assert [v.sku for v in drafts[0].variants] == ["B2-S", "B2-M"]
    assert all(d.problems == [] for d in drafts)


def test_a_row_without_code_or_name_continues_the_product_above():
    draft = one(
        template_table(
            variant_row("A1", "A1-S"),
            {"SKU": "A1-M", "价格(元)": "12"},
            {"SKU": "A1-L", "价格(元)": "14"},
        )
    )
    assert [v.sku for v in draft.variants] == ["A1-S", "A1-M", "A1-L"]
    assert draft.rows == [2, 3, 4]


def test_a_row_with_a_name_but_no_code_is_its_own_product_with_an_error():
    first, orphan = drafts_of(
        template_table(variant_row("A1"), variant_row("", "X-1", 商品名称="乙"))
    )
    assert first.problems == []
    assert orphan.product_code == ""
    assert codes(orphan) == [(Code.REQUIRED, 3, "商品编码")]


def test_a_product_without_variant_rows_is_an_error():
    draft = one(template_table({"商品编码": "A1", "商品名称": "甲", "图片": "a.jpg"}))
    assert draft.variants == []
    assert codes(draft) == [(Code.REQUIRED, 2, "SKU")]


def test_later_rows_that_disagree_get_a_warning_and_the_first_wins():
    draft = one(
        template_table(
            variant_row("A1", "A1-S", 品牌="斑斓海岸"),
            variant_row("A1", "A1-M", 商品名称="乙", 品牌="斑斓海岸"),
            variant_row("A1", "A1-L", 商品名称="", 品牌=""),
        )
    )
    assert draft.fields["name"] == "甲"
    (problem,) = draft.problems
    assert (problem.code, problem.row, problem.column, problem.severity) == (
        Code.INCONSISTENT_PRODUCT,
        3,
        "商品名称",
        Severity.WARNING,
    )
    assert "乙" in problem.detail and "甲" in problem.detail
    assert problem.product_code == "A1"


def test_absent_columns_leave_fields_alone_and_empty_ones_clear_them():
    draft = one(
        table(["商品编码", "商品名称", "SKU", "价格(元)", "配料"], variant_row())
    )
    assert draft.fields == {"name": "甲", "ingredients": ""}


def test_problems_carry_the_product_code():
    draft = one(template_table(variant_row(price="abc")))
    assert [p.product_code for p in draft.problems] == ["A1"]


# ----------------------------------------------------------------- values


@pytest.mark.parametrize(
    "text, fen",
    [
        ("12.5元", 1250),
        ("１２．５", 1250),
        ("12.80", 1280),
        ("¥1,280.00", 128000),
        ("1,280", 128000),
        ("RMB 3", 300),
        ("０.０１", 1),
    ],
)
def test_prices_in_yuan_become_fen(text, fen):
    assert parse_price(text) == fen
    draft = one(template_table(variant_row(price=text)))
    assert draft.variants[0].price_fen == fen
    assert draft.problems == []


@pytest.mark.parametrize(
    "text", ["12,50", "1,5", "12,5000", "abc", "12.345", "1.28E+3", "NaN", "1e400"]
)
def test_prices_that_cannot_be_read_exactly_are_invalid(text):
    with pytest.raises(MoneyParseError):
        parse_price(text)
    draft = one(template_table(variant_row(price=text)))
    assert draft.variants[0].price_fen is None
    assert codes(draft) == [(Code.INVALID_PRICE, 2, "价格(元)")]


def test_a_price_beyond_the_database_integer_is_invalid():
    draft = one(template_table(variant_row(price="99999999")))
    assert codes(draft) == [(Code.INVALID_PRICE, 2, "价格(元)")]


def test_compare_at_price():
    draft = one(template_table(variant_row(**{"划线价(元)": "１５元"})))
    assert draft.variants[0].compare_at_price_fen == 1500


@pytest.mark.parametrize(
    "text, stock", [("12", 12), ("１２", 12), ("10.0", 10), ("1,000", 1000), ("", None)]
)
def test_stock_is_a_whole_number(text, stock):
    draft = one(template_table(variant_row(库存=text)))
    assert draft.variants[0].stock == stock
    assert draft.problems == []


@pytest.mark.parametrize("text", ["1.5", "abc", "1E+3", "1,00", "十"])
def test_stock_that_is_not_a_whole_number(text):
    draft = one(template_table(variant_row(库存=text)))
    assert draft.variants[0].stock is None
    assert codes(draft) == [(Code.INVALID_INTEGER, 2, "库存")]


def test_negative_stock():
    draft = one(template_table(variant_row(库存="-3")))
    assert draft.variants[0].stock is None
    assert codes(draft) == [(Code.NEGATIVE_STOCK, 2, "库存")]


@pytest.mark.parametrize("text, grams", [("500", 500), ("500克", 500), ("500g", 500)])
def test_template_weight_in_grams(text, grams):
    assert (
        one(template_table(variant_row(**{"重量(克)": text}))).variants[0].weight_grams
        == grams
    )


@pytest.mark.parametrize("text", ["1.5", "-2", "heavy"])
def test_template_weight_must_be_whole_grams(text):
    draft = one(template_table(variant_row(**{"重量(克)": text})))
    assert codes(draft) == [(Code.INVALID_INTEGER, 2, "重量(克)")]


def test_weight_with_a_unit_is_converted_only_without_a_grams_column():
    headers = ["商品编码", "商品名称", "SKU", "价格(元)", "重量", "重量单位"]
    draft = one(
        table(
            headers,
            variant_row(sku="S1", 重量="1.5", 重量单位="kg"),
            variant_row(sku="S2", 重量="2", 重量单位="斤"),
            variant_row(sku="S3", 重量="1", 重量单位="lb"),
            variant_row(sku="S4", 重量="250"),
            variant_row(sku="S5", 重量="3", 重量单位="stone"),
        )
    )
    assert [v.weight_grams for v in draft.variants] == [1500, 1000, 454, 250, None]
    assert codes(draft) == [(Code.INVALID_INTEGER, 6, "重量")]


def test_value_parsers_directly():
    assert parse_integer("０") == 0
    assert parse_grams("226.796185") == 227
    assert parse_grams("0.5", "KG") == 500
    with pytest.raises(ValueError):
        parse_integer("12E3")
    with pytest.raises(ValueError):
        parse_grams("1", "furlong")


@pytest.mark.parametrize(
    "column, key", [("SKU", "sku"), ("条码", "barcode"), ("商品编码", "product_code")]
)
@pytest.mark.parametrize("text", ["3.65275E+11", "6.9E+12", "1E+12", "6.90e+12"])
def test_excel_scientific_notation_is_an_error_naming_the_cell(column, key, text):
    draft = one(template_table(variant_row(**{column: text})))
    assert codes(draft) == [(Code.SCIENTIFIC_NOTATION, 2, column)]
    assert draft.problems[0].detail == text
    if key != "product_code":
        assert getattr(draft.variants[0], key) == ""  # the wrong number is dropped


def test_codes_that_merely_contain_an_e_are_not_scientific_notation():
    draft = one(template_table(variant_row(sku="12E3", 条码="E1234")))
    assert draft.problems == []
    assert (draft.variants[0].sku, draft.variants[0].barcode) == ("12E3", "E1234")


def test_a_10000_character_name_is_too_long_and_does_not_crash():
    draft = one(template_table(variant_row(商品名称="鱼" * 10_000)))
    assert codes(draft) == [(Code.TOO_LONG, 2, "商品名称")]
    assert "10000 > 120" in draft.problems[0].detail
    assert len(draft.fields["name"]) == 120


@pytest.mark.parametrize(
    "column, length",
    [
        ("SKU", 65),
        ("规格", 101),
        ("净含量", 51),
        ("生产许可证编号", 17),
        ("商品编码", 65),
    ],
)
def test_other_values_longer_than_their_field(column, length):
    draft = one(template_table(variant_row(**{column: "x" * length})))
    assert codes(draft) == [(Code.TOO_LONG, 2, column)]


def test_description_html_is_sanitised_with_a_warning():
    html = '<p onclick="steal()">鲜<script>alert(1)</script><b>美</b></p>'
    draft = one(template_table(variant_row(描述=html)))
    assert draft.fields["description"] == "<p>鲜<b>美</b></p>"
    assert [(p.code, p.severity, p.column) for p in draft.problems] == [
        (Code.VALUE_SANITISED, Severity.WARNING, "描述")
    ]


@pytest.mark.parametrize(
    "html",
    [
        "Tom & Jerry <3 鱼",
        "<p>第一段</p>\n<p>第二段<br/>换行</p>",
        "<a href='https://example.com/x?a=1&b=2'>链接</a>",
        "纯文本\n第二行",
    ],
)
def test_harmless_description_changes_are_not_warned_about(html):
    clean, changed = sanitise_description(html)
    assert not changed, clean


@pytest.mark.parametrize(
    "text, value",
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("０", False),
        ("上架", True),
        ("下架", False),
        ("active", True),
        ("draft", False),
    ],
)
def test_booleans(text, value):
    assert parse_bool(text) is value
    assert one(template_table(variant_row(上架=text))).fields["is_published"] is value


def test_an_unreadable_boolean_is_an_error():
    draft = one(template_table(variant_row(上架="也许")))
    assert "is_published" not in draft.fields
    assert codes(draft) == [(Code.INVALID_BOOLEAN, 2, "上架")]


def test_images_split_on_commas_enumeration_commas_semicolons_and_newlines():
    draft = one(
        template_table(
            variant_row(sku="S1", 图片="a.jpg、b.jpg;c.jpg\nd.jpg,e.jpg，f.jpg；g.jpg"),
            variant_row(sku="S2", 图片="b.jpg, h.jpg"),
        )
    )
    assert [(i.source, i.position, i.row) for i in draft.images] == [
        ("a.jpg", 1, 2),
        ("b.jpg", 2, 2),
        ("c.jpg", 3, 2),
        ("d.jpg", 4, 2),
        ("e.jpg", 5, 2),
        ("f.jpg", 6, 2),
        ("g.jpg", 7, 2),
        ("h.jpg", 8, 3),
    ]
    assert {i.column for i in draft.images} == {"图片"}


def test_options_and_variant_names():
    draft = one(
        template_table(
            variant_row(sku="S1", 选项1名称="重量", 选项1值="250克", 选项2名称="包装"),
            variant_row(sku="S2", 选项1值="500克", 选项2值="礼盒"),
            variant_row(sku="S3", 规格="家庭装", 选项1值="1000克"),
        )
    )
    assert [(v.name, v.options) for v in draft.variants] == [
        ("250克", {"重量": "250克"}),
        ("500克 / 礼盒", {"重量": "500克", "包装": "礼盒"}),
        ("家庭装", {"重量": "1000克"}),
    ]


def test_variant_name_alone_becomes_the_option():
    draft = one(template_table(variant_row(规格="250克")))
    assert (draft.variants[0].name, draft.variants[0].options) == (
        "250克",
        {"规格": "250克"},
    )


def test_formula_cells_are_errors_and_their_value_is_not_used():
    rows = template_table(variant_row(price="=A1*2"))
    draft = one(rows, formulas={2: {"价格(元)"}})
    assert draft.variants[0].price_fen is None
    assert codes(draft) == [(Code.FORMULA, 2, "价格(元)")]
    assert draft.problems[0].detail == "=A1*2"


def test_xlsx_with_merged_cells_and_formulas_end_to_end():
    rows = template_table(
        variant_row("A1", "A1-S", "10"),
        {"SKU": "A1-M", "价格(元)": "=C2+2"},
        variant_row("B1", "B1-S", "5"),
    )
    data = xlsx_bytes(rows, merged=["A2:A3", "B2:B3"])
    sheet = parse_upload("x.xlsx", io.BytesIO(data))
    first, second = normalise(sheet, resolve_columns(sheet.headers))
    assert [v.sku for v in first.variants] == ["A1-S", "A1-M"]
    assert codes(first) == [(Code.FORMULA, 3, "价格(元)")]
    assert second.problems == []


# ---------------------------------------------------------------- Shopify


def shopify_rows(headers, names):
    """A two-product Shopify sheet written with the header set `headers`;
    `names` maps our short names to that set's headers."""
    h = names
    return table(
        headers,
        {
            h["handle"]: "dried-fish",
            h["title"]: "Dried Fish",
            h["body"]: "<p>Salty</p>",
            h["vendor"]: "斑斓海岸",
            h["category"]: "Food > Seafood > Dried fish",
            h["published"]: "TRUE",
            h["status"]: "active",
            h["o1n"]: "Size",
            h["o1v"]: "250g",
            h["sku"]: "DF-250",
            h["grams"]: "250.4",
            h["qty"]: "7",
            h["price"]: "58",
            h["compare"]: "68.00",
            h["image"]: "https://cdn.example/df-1.jpg",
            h["position"]: "1",
            h["alt"]: "A bag of fish",
        },
        {
            h["handle"]: "dried-fish",
            h["o1v"]: "500g",
            h["sku"]: "DF-500",
            h["grams"]: "500",
            h["qty"]: "3",
            h["price"]: "108",
            h["image"]: "https://cdn.example/df-2.jpg",
            h["position"]: "2",
            h["variant_image"]: "https://cdn.example/df-500.jpg",
        },
        {
            h["handle"]: "dried-fish",
            h["image"]: "https://cdn.example/df-3.jpg",
            h["position"]: "3",
        },
        {
            h["handle"]: "tea",
            h["title"]: "Tea",
            h["type"]: "Tea",
            h["category"]: "Food > Beverages",
            h["published"]: "FALSE",
            h["status"]: "active",
            h["o1n"]: "Title",
            h["o1v"]: "Default Title",
            h["sku"]: "TEA",
            h["price"]: "20",
        },
    )


CLASSIC = {
    "handle": "Handle",
    "title": "Title",
    "body": "Body (HTML)",
    "vendor": "Vendor",
    "category": "Product Category",
    "type": "Type",
    "published": "Published",
    "status": "Status",
    "o1n": "Option1 Name",
    "o1v": "Option1 Value",
    "sku": "Variant SKU",
    "grams": "Variant Grams",
    "qty": "Variant Inventory Qty",
    "price": "Variant Price",
    "compare": "Variant Compare At Price",
    "image": "Image Src",
    "position": "Image Position",
    "alt": "Image Alt Text",
    "variant_image": "Variant Image",
}
NEW_2024 = {
    "handle": "URL handle",
    "title": "Title",
    "body": "Description",
    "vendor": "Vendor",
    "category": "Product category",
    "type": "Type",
    "published": "Published on online store",
    "status": "Status",
    "o1n": "Option1 name",
    "o1v": "Option1 value",
    "sku": "SKU",
    "grams": "Weight value (grams)",
    "qty": "Inventory quantity",
    "price": "Price",
    "compare": "Compare-at price",
    "image": "Product image URL",
    "position": "Image position",
    "alt": "Image alt text",
    "variant_image": "Variant image URL",
}


@pytest.mark.parametrize(
    "headers, names",
    [(SHOPIFY_CLASSIC_HEADERS, CLASSIC), (SHOPIFY_2024_HEADERS, NEW_2024)],
    ids=["classic", "2024"],
)
def test_shopify_sheets_both_header_sets(headers, names):
    fish, tea = drafts_of(shopify_rows(headers, names))
    assert (fish.product_code, fish.rows, tea.product_code) == (
        "dried-fish",
        [2, 3, 4],
        "tea",
    )
    assert fish.problems == [] and tea.problems == []
    assert fish.fields == {
        "name": "Dried Fish",
        "description": "<p>Salty</p>",
        "brand": "斑斓海岸",  # as written: validate decides
        "category": "Dried fish",  # Type empty: the category's last part
        "is_published": True,
    }
    assert [
        (v.sku, v.name, v.options, v.price_fen, v.stock, v.weight_grams)
        for v in fish.variants
    ] == [
        ("DF-250", "250g", {"Size": "250g"}, 5800, 7, 250),
        ("DF-500", "500g", {"Size": "500g"}, 10800, 3, 500),
    ]
    assert fish.variants[0].compare_at_price_fen == 6800
    assert [(i.source.rsplit("/", 1)[-1], i.position, i.alt) for i in fish.images] == [
        ("df-1.jpg", 1, "A bag of fish"),
        ("df-2.jpg", 2, ""),
        ("df-3.jpg", 3, ""),
        ("df-500.jpg", 4, ""),  # a variant's image goes after the numbered ones
    ]
    assert tea.fields["category"] == "Tea"  # Type wins over Product Category
    assert tea.fields["is_published"] is False  # not published on the store
    assert [(v.name, v.options) for v in tea.variants] == [("", {})]  # Default Title


@pytest.mark.parametrize("status, published", [("draft", False), ("archived", False)])
def test_shopify_status_other_than_active_unpublishes(status, published):
    rows = shopify_rows(SHOPIFY_CLASSIC_HEADERS, CLASSIC)
    rows[1][SHOPIFY_CLASSIC_HEADERS.index("Status")] = status
    fish, _ = drafts_of(rows)
    assert fish.fields["is_published"] is published


def test_shopify_unknown_status_is_an_error():
    rows = shopify_rows(SHOPIFY_CLASSIC_HEADERS, CLASSIC)
    rows[1][SHOPIFY_CLASSIC_HEADERS.index("Status")] = "sold out"
    fish, _ = drafts_of(rows)
    assert codes(fish) == [(Code.INVALID_BOOLEAN, 2, "Status")]


def test_shopify_image_only_rows_add_no_variant():
    fish, _ = drafts_of(shopify_rows(SHOPIFY_CLASSIC_HEADERS, CLASSIC))
    assert 4 in fish.rows
    assert [v.row for v in fish.variants] == [2, 3]
    assert [i.row for i in fish.images if i.source.endswith("df-3.jpg")] == [4]


def test_shopify_grams_keep_precedence_over_the_display_unit():
    headers = ["Handle", "Title", "Variant SKU", "Variant Price"]
    headers += ["Variant Grams", "Variant Weight Unit"]
    draft = one(
        table(
            headers,
            {
                "Handle": "h",
                "Title": "T",
                "Variant SKU": "S",
                "Variant Price": "1",
                "Variant Grams": "226.796185",
                "Variant Weight Unit": "oz",
            },
        )
    )
    assert draft.variants[0].weight_grams == 227


def test_shopify_weight_in_kg_is_converted_when_there_is_no_grams_column():
    headers = ["Handle", "Title", "Variant SKU", "Variant Price"]
    headers += ["Variant Weight", "Variant Weight Unit"]
    draft = one(
        table(
            headers,
            {
                "Handle": "h",
                "Title": "T",
                "Variant SKU": "S",
                "Variant Price": "1",
                "Variant Weight": "1.25",
                "Variant Weight Unit": "kg",
            },
        )
    )
    assert draft.variants[0].weight_grams == 1250
