"""make_plan(): create / update with a field-level diff / unchanged / skip /
archive, keyed by workshop + product code + SKU."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_import.plan import make_plan
from catalog_import.types import Action
from storefront.catalog.models import Category, Stock
from tests.catalog_import.drafts import (
    PLATFORM,
    draft,
    import_drafts,
    make_shop,
    plan_for,
    sheet,
    variant,
)
from tests.factories import make_brand, make_product, make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


def catalogue():
    """The file as first imported: two products, three variants."""
    return sheet(
        draft(
            "P1",
            variant("P1-A", 1280, 10, name="250g", options={"规格": "250g"}),
            variant("P1-B", 2280, 5, name="500g", options={"规格": "500g"}),
            name="象山大黄鱼",
            category="海鲜",
            net_content="250克",
        ),
        draft("P2", variant("P2-A", 990, 3, weight_grams=300), name="虾皮"),
    )


def actions(plan):
    return [(entry.action, entry.product_code) for entry in plan]


def test_new_product_codes_are_created_with_all_their_skus(shop):
    plan = plan_for(catalogue(), shop.workshop)
    assert actions(plan) == [(Action.CREATE, "P1"), (Action.CREATE, "P2")]
    assert plan[0].new_skus == ["P1-A", "P1-B"]
    assert plan[0].product_id is None
    assert plan[0].draft.fields["name"] == "象山大黄鱼"


def test_the_same_file_again_is_unchanged(shop):
    import_drafts(catalogue(), shop.workshop)
    plan = plan_for(catalogue(), shop.workshop)
    assert actions(plan) == [(Action.UNCHANGED, "P1"), (Action.UNCHANGED, "P2")]
    assert all(e.changes == {} and e.variant_changes == {} for e in plan)
    assert all(e.product_id for e in plan)


def test_an_update_lists_every_changed_field_old_and_new(shop):
    import_drafts(catalogue(), shop.workshop)
    second_brand = make_brand(name="斑斓海岸")
    shop.workshop.brands.add(second_brand)
    Category.objects.create(slug="dried", name="干货")
    edited = catalogue()
    p1, p2 = edited
    p1.fields.update(name="象山野生大黄鱼", net_content="300克", is_published=False)
    p1.variants[0].price_fen = 1380
    p1.variants[0].compare_at_price_fen = 1580
    p1.variants[1].stock = 7
    p1.variants[1].options = {"规格": "500克"}
    p1.variants.append(variant("P1-C", 3280, 1, row=99))
    p2.fields.update(brand="斑斓海岸", category="干货")
    p2.variants[0].weight_grams = 350
    plan = plan_for(edited, shop.workshop)
    assert actions(plan) == [(Action.UPDATE, "P1"), (Action.UPDATE, "P2")]
    assert plan[0].changes == {
        "name": ("象山大黄鱼", "象山野生大黄鱼"),
        "net_content": ("250克", "300克"),
        "is_published": (True, False),
    }
    assert plan[0].variant_changes == {
        "P1-A": {"price_fen": (1280, 1380), "compare_at_price_fen": (None, 1580)},
        "P1-B": {"options": ({"规格": "500g"}, {"规格": "500克"}), "stock": (5, 7)},
    }
    assert plan[0].new_skus == ["P1-C"]
    assert plan[1].changes == {
        "brand": (shop.brand.name, "斑斓海岸"),
        "category": (None, "干货"),
    }
    assert plan[1].variant_changes == {"P2-A": {"weight_grams": (300, 350)}}


def test_what_the_file_does_not_carry_is_left_as_it_is(shop):
    import_drafts(catalogue(), shop.workshop)
    sparse = catalogue()
    for product in sparse:
        product.fields.pop("net_content", None)
        product.fields.pop("category", None)
        for item in product.variants:
            item.stock = None
            item.weight_grams = None
    plan = plan_for(sparse, shop.workshop)
    assert actions(plan) == [(Action.UNCHANGED, "P1"), (Action.UNCHANGED, "P2")]


def test_a_variant_missing_from_the_file_is_kept_out_of_the_plan(shop):
    import_drafts(catalogue(), shop.workshop)
    shorter = catalogue()
    shorter[0].variants.pop()
    plan = plan_for(shorter, shop.workshop)
    assert actions(plan) == [(Action.UNCHANGED, "P1"), (Action.UNCHANGED, "P2")]


def test_a_draft_with_errors_is_skipped(shop):
    import_drafts(catalogue(), shop.workshop)
    bad = catalogue()
    bad[0].variants[1].price_fen = 0
    bad.append(sheet(draft("P3", variant("P3-A", None)))[0])
    plan = plan_for(bad, shop.workshop)
    assert actions(plan) == [
        (Action.SKIP, "P1"),
        (Action.UNCHANGED, "P2"),
        (Action.SKIP, "P3"),
    ]
    assert plan[0].product_id is not None
    assert plan[2].product_id is None


def test_stock_below_what_orders_hold_is_a_row_error(shop):
    import_drafts(catalogue(), shop.workshop)
    Stock.objects.filter(variant__sku="P1-B").update(quantity_reserved=4)
    lower = catalogue()
    lower[0].variants[1].stock = 3
    plan = plan_for(lower, shop.workshop)
    assert plan[0].action == Action.SKIP
    [problem] = plan[0].draft.problems
    assert (problem.code, problem.row, problem.column) == (
        "stock_below_reserved",
        3,
        "stock",
    )
    assert problem.detail == "3 < 4"
    enough = catalogue()
    enough[0].variants[1].stock = 4
    plan = plan_for(enough, shop.workshop)
    assert plan[0].variant_changes == {"P1-B": {"stock": (5, 4)}}


def test_a_sku_taken_by_another_product_since_validate_is_skipped(shop):
    drafts = catalogue()
    from catalog_import.validate import validate

    validate(drafts, workshop=shop.workshop)
    make_product(brand=shop.brand, workshop=shop.workshop, product_code="X")
    from storefront.catalog.models import ProductVariant

    ProductVariant.objects.filter(product__product_code="X").update(sku="P2-A")
    plan = make_plan(drafts, workshop=shop.workshop, actor=PLATFORM)
    assert actions(plan) == [(Action.CREATE, "P1"), (Action.SKIP, "P2")]
    assert plan[1].draft.problems[0].code == "duplicate_sku_in_workshop"


def test_products_of_other_workshops_are_not_compared(shop):
    other = make_workshop(brands=[shop.brand])
    import_drafts(catalogue(), other)
    plan = plan_for(catalogue(), shop.workshop)
    assert actions(plan) == [(Action.CREATE, "P1"), (Action.CREATE, "P2")]


def test_archive_missing_unpublishes_only_published_products_not_in_the_file(shop):
    import_drafts(catalogue(), shop.workshop)
    gone = make_product(brand=shop.brand, workshop=shop.workshop, product_code="G")
    make_product(
        brand=shop.brand, workshop=shop.workshop, product_code="H", published=False
    )
    only_p1 = catalogue()[:1]
    assert [e.action for e in plan_for(only_p1, shop.workshop)] == [Action.UNCHANGED]
    plan = plan_for(catalogue()[:1], shop.workshop, archive_missing=True)
    assert actions(plan) == [
        (Action.UNCHANGED, "P1"),
        (Action.ARCHIVE, "P2"),
        (Action.ARCHIVE, "G"),
    ] or sorted(actions(plan)[1:]) == [(Action.ARCHIVE, "G"), (Action.ARCHIVE, "P2")]
    archived = {e.product_code: e for e in plan if e.action == Action.ARCHIVE}
    assert archived["G"].product_id == gone.pk
    assert archived["G"].draft is None
    assert archived["G"].changes == {"is_published": (True, False)}


def test_a_product_in_the_file_with_errors_is_not_archived(shop):
    import_drafts(catalogue(), shop.workshop)
    bad = catalogue()
    bad[1].variants[0].price_fen = None
    plan = plan_for(bad, shop.workshop, archive_missing=True)
    assert actions(plan) == [(Action.UNCHANGED, "P1"), (Action.SKIP, "P2")]


def test_plan_reads_the_database_twice_whatever_the_size(shop):
    import_drafts(catalogue(), shop.workshop)
    drafts = catalogue() + sheet(*[draft(f"N{i}") for i in range(30)])
    from catalog_import.validate import validate

    validate(drafts, workshop=shop.workshop)
    with CaptureQueriesContext(connection) as queries:
        plan = make_plan(
            drafts, workshop=shop.workshop, actor=PLATFORM, archive_missing=True
        )
    assert len(plan) == 32
    assert len(queries) == 2


def test_validate_and_plan_write_nothing(shop):
    """A dry run is validate + make_plan: reads only."""
    import_drafts(catalogue(), shop.workshop)
    edited = catalogue() + sheet(draft("NEW"))
    edited[0].fields["name"] = "改名"
    with CaptureQueriesContext(connection) as queries:
        plan = plan_for(edited, shop.workshop, archive_missing=True)
    assert {e.action for e in plan} == {Action.UPDATE, Action.UNCHANGED, Action.CREATE}
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
