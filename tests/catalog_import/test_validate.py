"""validate(): every rule of the contract, on drafts built directly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import BrandStandardRule, RuleKind
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.types import Problem
from catalog_import.validate import validate
from storefront.catalog.models import Category
from tests.catalog_import.drafts import (
    codes,
    draft,
    food_fields,
    gb7718_standard,
    make_shop,
    problems,
    sheet,
    variant,
)
from tests.factories import make_brand, make_product, make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


def test_a_good_product_has_no_problems_and_gets_the_workshops_only_brand(shop):
    drafts = sheet(draft("P1", variant("P1-A"), variant("P1-B", 2280, 0)))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    assert drafts[0].fields["brand"] == shop.brand
    assert "category" not in drafts[0].fields


@pytest.mark.parametrize("cell", ["海鲜", "seafood", "SEAFOOD", "Seafood"])
def test_category_is_found_by_name_slug_or_english_name(shop, cell):
    drafts = sheet(draft("P1", category=cell))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    assert drafts[0].fields["category"] == shop.category


def test_an_unknown_category_is_an_error_on_the_category_cell(shop):
    drafts = sheet(draft("P1", category="不存在的分类"))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("unknown_category", 2, "category")]
    assert "不存在的分类" in drafts[0].problems[0].message_zh


@pytest.mark.parametrize("cell", ["brand", "BRAND", "name", "english"])
def test_brand_is_found_by_name_slug_or_english_name(shop, cell):
    brand = shop.brand
    value = {
        "brand": brand.slug,
        "BRAND": brand.slug.upper(),
        "name": brand.name,
        "english": brand.name_en.upper(),
    }[cell]
    drafts = sheet(draft("P1", brand=value))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    assert drafts[0].fields["brand"] == brand


def test_an_unknown_brand_is_an_error(shop):
    drafts = sheet(draft("P1", brand="没有这个品牌"))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("unknown_brand", 2, "brand")]


def test_a_brand_the_workshop_does_not_sell_under_is_refused(shop):
    other = make_brand()
    drafts = sheet(draft("P1", brand=other.name))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("brand_not_allowed", 2, "brand")]


def test_an_empty_brand_is_required_when_the_workshop_sells_several(shop):
    second = make_brand()
    shop.workshop.brands.add(second)
    drafts = sheet(draft("P1"), draft("P2", brand=second.name))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("required", 2, "brand")]
    assert drafts[1].fields["brand"] == second


def test_an_empty_brand_keeps_an_existing_products_brand(shop):
    second = make_brand()
    shop.workshop.brands.add(second)
    make_product(brand=second, workshop=shop.workshop, product_code="P1")
    drafts = sheet(draft("P1"))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    assert drafts[0].fields["brand"] == second


def test_required_product_code_and_name(shop):
    drafts = sheet(draft("", name=""), draft("P2", name="   "))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [
        ("required", 2, "name"),
        ("required", 2, "product_code"),
        ("required", 3, "name"),
    ]


def test_a_product_needs_a_variant(shop):
    product = draft("P1")
    product.variants = []
    validate([product], workshop=shop.workshop)
    assert codes(product) == ["required"]
    assert product.problems[0].column == "sku"


@pytest.mark.parametrize(
    ("price", "code"),
    [
        (None, "required"),
        (0, "invalid_price"),
        (-100, "invalid_price"),
        (2**31, "invalid_price"),
        ("12.80", "invalid_price"),
        (True, "invalid_price"),
    ],
)
def test_price_must_be_a_positive_number_of_fen(shop, price, code):
    drafts = sheet(draft("P1", variant("A", 1280), variant("B", price)))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [(code, 3, "price")]


def test_stock_may_be_empty_but_not_negative(shop):
    drafts = sheet(
        draft("P1", variant("A", stock=None)),
        draft("P2", variant("B", stock=-1)),
        draft("P3", variant("C", stock=0)),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("negative_stock", 3, "stock")]


def test_weight_must_be_a_whole_non_negative_number(shop):
    drafts = sheet(
        draft("P1", variant("A", weight_grams=-5)),
        draft("P2", variant("B", weight_grams=500)),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("invalid_integer", 2, "weight_grams")]


def test_compare_at_price_must_be_above_the_price(shop):
    drafts = sheet(
        draft("P1", variant("A", 1280, compare_at_price_fen=1280)),
        draft("P2", variant("B", 1280, compare_at_price_fen=990)),
        draft("P3", variant("C", 1280, compare_at_price_fen=1580)),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [
        ("compare_at_not_above_price", 2, "compare_at_price"),
        ("compare_at_not_above_price", 3, "compare_at_price"),
    ]
    assert "9.90 ≤ 12.80" in drafts[1].problems[0].message_zh


def test_sku_is_required(shop):
    drafts = sheet(draft("P1", variant("A"), variant("  ")))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("required", 3, "sku")]


def test_a_sku_repeated_in_the_file_is_an_error_on_the_second_row(shop):
    drafts = sheet(
        draft("P1", variant("SKU-1"), variant("SKU-2")),
        draft("P2", variant("SKU-3"), variant("SKU-1")),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("duplicate_sku_in_file", 5, "sku")]
    assert drafts[0].problems == []
    assert "第 2 行" in drafts[1].problems[0].message_zh


def test_a_sku_of_another_product_of_the_workshop_is_refused(shop):
    make_product(brand=shop.brand, workshop=shop.workshop, product_code="OLD")
    taken = shop.workshop.products.get().variants.get().sku
    drafts = sheet(draft("P1", variant(taken)), draft("OLD", variant(taken)))
    validate(drafts, workshop=shop.workshop)
    # Same SKU twice in the file: the second row repeats it; the first row
    # takes it from product OLD.
    assert problems(drafts) == [
        ("duplicate_sku_in_workshop", 2, "sku"),
        ("duplicate_sku_in_file", 3, "sku"),
    ]
    assert "OLD" in drafts[0].problems[0].detail


def test_a_sku_used_in_another_workshop_is_fine(shop):
    other = make_product(brand=shop.brand, workshop=make_workshop(brands=[shop.brand]))
    drafts = sheet(draft("P1", variant(other.variants.get().sku)))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []


def test_at_most_three_options(shop):
    options = {"规格": "500g", "包装": "礼盒", "产地": "象山", "颜色": "红"}
    drafts = sheet(
        draft("P1", variant("A", options=dict(list(options.items())[:3]))),
        draft("P2", variant("B", options={"规格": "1"}), variant("C", options=options)),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("too_many_options", 3, "option1_name")]


def test_at_most_one_hundred_variants(shop):
    many = [variant(f"V{i}") for i in range(101)]
    drafts = sheet(
        draft("P1", *many[:100]), draft("P2", *[variant(f"W{i}") for i in range(101)])
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("too_many_variants", 202, "sku")]


def test_over_long_values_and_unstorable_characters(shop):
    drafts = sheet(
        draft("P1", name="长" * 121),
        draft("P2", variant("S" * 65)),
        draft("P3", variant("A", name="规" * 101)),
        draft("P4", net_content="五" * 51),
        draft("P5", producer="工坊\x00"),
        draft("P6" * 33, variant("X")),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [
        ("too_long", 2, "name"),
        ("too_long", 3, "sku"),
        ("too_long", 4, "variant_name"),
        ("too_long", 5, "net_content"),
        ("invalid_character", 6, "producer"),
        ("too_long", 7, "product_code"),
    ]


def test_the_sc_licence_is_sc_and_fourteen_digits(shop):
    drafts = sheet(
        draft("P1", sc_licence="SC11233022500123"),
        draft("P2", sc_licence="SC1123"),
        draft("P3", sc_licence=""),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("invalid_sc_licence", 3, "sc_licence")]


def test_description_html_is_sanitised_and_published_is_a_boolean(shop):
    drafts = sheet(
        draft("P1", description='<p onclick="x()">好</p><script>alert(1)</script>'),
        draft("P2", is_published="否"),
        draft("P3", is_published=None),
    )
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    assert drafts[0].fields["description"] == "<p>好</p>"
    assert drafts[1].fields["is_published"] is False
    assert "is_published" not in drafts[2].fields


def test_problems_name_the_header_as_written_when_columns_are_given(shop):
    from catalog_import.columns import resolve_columns

    columns = resolve_columns(
        ["商品编码", "商品名称", "SKU", "价格（元）", "库存", "品牌"]
    )
    drafts = sheet(draft("P1", variant("A", 0), variant("B", stock=-2), brand="无"))
    validate(drafts, workshop=shop.workshop, columns=columns)
    assert problems(drafts) == [
        ("invalid_price", 2, "价格（元）"),
        ("unknown_brand", 2, "品牌"),
        ("negative_stock", 3, "库存"),
    ]
    assert all(p.product_code == "P1" for p in drafts[0].problems)


def test_a_plain_header_mapping_works_too(shop):
    drafts = sheet(draft("P1", variant("A", None)))
    validate(drafts, workshop=shop.workshop, columns={"Variant Price": "price"})
    assert problems(drafts) == [("required", 2, "Variant Price")]


def test_a_cell_normalise_already_reported_is_not_reported_twice(shop):
    product = draft("P1", variant("A", None))
    product.problems.append(
        Problem(code=Code.INVALID_PRICE, row=2, column="price", detail="abc")
    )
    validate([product], workshop=shop.workshop)
    assert codes(product) == ["invalid_price"]


def test_a_repeated_product_code_is_refused(shop):
    drafts = sheet(draft("P1", variant("A")), draft("P1", variant("B")))
    validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == [("inconsistent_product", 3, "product_code")]


# -------------------------------------------------------------- brand standard


@pytest.fixture
def food_shop():
    shop = make_shop(name="小岛下酒菜")
    gb7718_standard(shop.brand)
    return shop


def test_prepackaged_food_must_carry_the_gb7718_label_facts(food_shop):
    drafts = sheet(
        draft("P1", **food_fields()),
        draft("P2", **food_fields(ingredients="", shelf_life="")),
        draft("P3", **food_fields(net_content="一袋")),
        draft("P4"),
    )
    validate(drafts, workshop=food_shop.workshop)
    assert drafts[0].problems == []
    assert problems(drafts[1:3]) == [
        ("brand_standard", 3, "ingredients"),
        ("brand_standard", 3, "shelf_life"),
        ("brand_standard", 4, "net_content"),
    ]
    assert "净含量须带单位" in drafts[2].problems[0].message_zh
    assert "Net content needs a unit" in drafts[2].problems[0].message_en
    assert {p.column for p in drafts[3].problems} == {
        "ingredients",
        "net_content",
        "shelf_life",
        "storage_conditions",
        "producer",
        "sc_licence",
    }


def test_brand_standard_problems_name_the_header(food_shop):
    from catalog_import.columns import resolve_columns

    columns = resolve_columns(["商品编码", "商品名称", "SKU", "价格(元)", "配料"])
    drafts = sheet(draft("P1", **food_fields(ingredients="")))
    validate(drafts, workshop=food_shop.workshop, columns=columns)
    assert problems(drafts) == [("brand_standard", 2, "配料")]
    # The standard's own words, each language once.
    [problem] = drafts[0].problems
    assert problem.as_dict()["message"] == (
        "不符合品牌标准：须填写ingredients / "
        "Does not meet the brand standard: ingredients is required"
    )


def test_a_standard_for_some_categories_applies_only_to_them(food_shop):
    standard = food_shop.brand.standards.get()
    standard.category_slugs = ["seafood"]
    standard.save()
    Category.objects.create(slug="crafts", name="手工艺品")
    drafts = sheet(
        draft("P1", category="海鲜"),
        draft("P2", category="手工艺品"),
        draft("P3"),
    )
    validate(drafts, workshop=food_shop.workshop)
    assert {row for _code, row, _column in problems(drafts)} == {2}
    assert drafts[1].problems == drafts[2].problems == []


def test_an_update_without_the_label_columns_keeps_the_stored_facts(food_shop):
    make_product(
        brand=food_shop.brand,
        workshop=food_shop.workshop,
        product_code="P1",
        **food_fields(),
    )
    drafts = sheet(draft("P1"), draft("P2"))
    validate(drafts, workshop=food_shop.workshop)
    assert drafts[0].problems == []
    assert drafts[1].has_errors


def test_an_inactive_standard_or_another_brands_standard_does_not_apply(food_shop):
    other = make_brand()
    food_shop.workshop.brands.add(other)
    drafts = sheet(draft("P1", brand=other.name))
    validate(drafts, workshop=food_shop.workshop)
    assert drafts[0].problems == []
    food_shop.brand.standards.update(is_active=False)
    drafts = sheet(draft("P2", brand=food_shop.brand.name))
    validate(drafts, workshop=food_shop.workshop)
    assert drafts[0].problems == []


def test_a_max_length_and_one_of_rule(food_shop):
    standard = food_shop.brand.standards.get()
    BrandStandardRule.objects.create(
        standard=standard,
        field="name",
        kind=RuleKind.MAX_LENGTH,
        argument="6",
        message_zh="名称最多 6 个字",
        message_en="Name: at most 6 characters",
    )
    BrandStandardRule.objects.create(
        standard=standard,
        field="shelf_life",
        kind=RuleKind.ONE_OF,
        argument="6个月|12个月",
        message_zh="保质期只能是 6 或 12 个月",
        message_en="Shelf life: 6 or 12 months",
    )
    drafts = sheet(
        draft("P1", **food_fields(name="象山大黄鱼")),
        draft("P2", **food_fields(name="象山东海野生大黄鱼", shelf_life="18个月")),
    )
    validate(drafts, workshop=food_shop.workshop)
    assert problems(drafts) == [
        ("brand_standard", 3, "name"),
        ("brand_standard", 3, "shelf_life"),
    ]


# ------------------------------------------------------------------ queries


def _queries_to_validate(shop, count: int) -> int:
    drafts = sheet(
        *[
            draft(
                f"Q{count}-{i}",
                variant(f"Q{count}-{i}-A"),
                variant(f"Q{count}-{i}-B"),
                brand=shop.brand.name,
                category="海鲜",
                **food_fields(),
            )
            for i in range(count)
        ]
    )
    with CaptureQueriesContext(connection) as queries:
        validate(drafts, workshop=shop.workshop)
    assert problems(drafts) == []
    return len(queries)


def test_validate_reads_the_database_a_fixed_number_of_times(food_shop):
    make_product(brand=food_shop.brand, workshop=food_shop.workshop, **food_fields())
    few = _queries_to_validate(food_shop, 3)
    many = _queries_to_validate(food_shop, 60)
    assert few == many <= 8
