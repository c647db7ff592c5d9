"""apply_plan(): writes valid products, each all or nothing; an unchanged
re-import writes nothing; archiving only unpublishes. These tests act as a
platform operator; what other roles may write is in test_row_permissions.py."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_import import apply as apply_module
from catalog_import.apply import apply_plan
from catalog_import.plan import make_plan
from catalog_import.types import Action
from catalog_import.validate import validate
from storefront.catalog.cache import VERSION_KEY
from storefront.catalog.models import Product, ProductVariant, Stock
from tests.catalog_import.drafts import (
    PLATFORM,
    draft,
    import_drafts,
    make_shop,
    plan_for,
    sheet,
    variant,
)
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


def catalogue():
    return sheet(
        draft(
            "P1",
            variant("P1-A", 1280, 10, name="250g", options={"规格": "250g"}),
            variant(
                "P1-B",
                2280,
                5,
                name="500g",
                options={"规格": "500g"},
                compare_at_price_fen=2580,
                weight_grams=500,
            ),
            name="象山黄鱼",
            category="海鲜",
            description="<p>东海野生</p>",
            net_content="250克",
        ),
        draft("P2", variant("P2-A", 990, None), name="虾皮", is_published=False),
    )


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_new_products_are_written_with_variants_stock_slug_and_search_text(shop):
    counts = import_drafts(catalogue(), shop.workshop)
    assert counts == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "skipped": 0,
    }
    p1 = Product.objects.get(workshop=shop.workshop, product_code="P1")
    assert p1.slug == "xiang-shan-huang-yu"
    assert p1.brand == shop.brand
    assert p1.category == shop.category
    assert p1.origin_village == shop.workshop.village
    assert p1.is_published is True  # published unless the file says otherwise
    assert p1.description == "<p>东海野生</p>"
    assert p1.net_content == "250克"
    assert "xiangshanhuangyu" in p1.search_text
    assert "海鲜" in p1.search_text and shop.brand.name in p1.search_text
    assert p1.created_at and p1.updated_at
    a, b = p1.variants.order_by("sort_order")
    assert (a.sku, a.name, a.options, a.price_fen, a.sort_order) == (
        "P1-A",
        "250g",
        {"规格": "250g"},
        1280,
        0,
    )
    assert (b.compare_at_price_fen, b.weight_grams, b.sort_order) == (2580, 500, 1)
    assert (a.stock.quantity, b.stock.quantity) == (10, 5)
    assert a.workshop_id == shop.workshop.pk
    p2 = Product.objects.get(workshop=shop.workshop, product_code="P2")
    assert p2.is_published is False
    assert p2.variants.get().stock.quantity == 0
    assert p2.category is None


def test_slugs_are_unique_against_the_catalogue_and_within_the_file(shop):
    make_product(name="象山黄鱼", brand=shop.brand, workshop=shop.workshop)
    make_product(name="象山黄鱼", brand=shop.brand, workshop=shop.workshop)
    drafts = sheet(
        draft("A", name="象山黄鱼"),
        draft("B", name="象山黄鱼"),
        draft("C", name="!!!"),
    )
    import_drafts(drafts, shop.workshop)
    slugs = dict(
        Product.objects.filter(product_code__in=["A", "B", "C"]).values_list(
            "product_code", "slug"
        )
    )
    assert slugs == {
        "A": "xiang-shan-huang-yu-3",
        "B": "xiang-shan-huang-yu-4",
        "C": "c",
    }


def test_slugs_fill_gaps_as_unique_slug_does(shop):
    for slug in ["hong-cha", "hong-cha-3", "hong-cha-4", "lv-cha-2"]:
        made = make_product(name="茶", brand=shop.brand, workshop=shop.workshop)
        Product.objects.filter(pk=made.pk).update(slug=slug)
    drafts = sheet(
        *[draft(f"H{i}", name="红茶") for i in range(4)], draft("L", name="绿茶")
    )
    plan = plan_for(drafts, shop.workshop)
    with CaptureQueriesContext(connection) as queries:
        slugs = apply_module.planned_slugs(plan)
    assert slugs == {
        "H0": "hong-cha-2",
        "H1": "hong-cha-5",
        "H2": "hong-cha-6",
        "H3": "hong-cha-7",
        "L": "lv-cha",
    }
    assert len(queries) == 2  # the bases, then a window of suffixes


def test_updates_write_the_changes_and_keep_everything_else(shop):
    import_drafts(catalogue(), shop.workshop)
    p1 = Product.objects.get(product_code="P1")
    extra = ProductVariant.objects.create(
        product=p1, sku="KEEP", price_fen=100, workshop=shop.workshop
    )
    Stock.objects.create(variant=extra, quantity=3)
    edited = catalogue()
    edited[0].fields["name"] = "象山野生黄鱼"
    edited[0].variants[0].price_fen = 1380
    edited[0].variants[1].stock = None
    edited[0].variants.append(variant("P1-C", 3280, 2, row=9))
    counts = import_drafts(edited, shop.workshop)
    assert counts["updated"] == 1 and counts["unchanged"] == 1
    p1.refresh_from_db()
    assert p1.name == "象山野生黄鱼"
    assert "xiangshanyeshenghuangyu" in p1.search_text
    assert p1.slug == "xiang-shan-huang-yu"  # a slug never changes
    assert p1.updated_at > p1.created_at
    variants = {v.sku: v for v in p1.variants.select_related("stock")}
    assert set(variants) == {"P1-A", "P1-B", "P1-C", "KEEP"}
    assert variants["P1-A"].price_fen == 1380
    assert variants["P1-B"].stock.quantity == 5
    assert (variants["P1-C"].price_fen, variants["P1-C"].stock.quantity) == (3280, 2)
    assert variants["P1-C"].sort_order == 2
    assert variants["KEEP"].stock.quantity == 3


def test_brand_category_and_stock_updates(shop):
    import_drafts(catalogue(), shop.workshop)
    from storefront.catalog.models import Category
    from tests.factories import make_brand

    other = make_brand(name="斑斓海岸")
    shop.workshop.brands.add(other)
    Category.objects.create(slug="dried", name="干货")
    edited = catalogue()
    edited[1].fields.update(brand="斑斓海岸", category="干货")
    edited[1].variants[0].stock = 8
    counts = import_drafts(edited, shop.workshop)
    assert counts["updated"] == 1
    p2 = Product.objects.get(product_code="P2")
    assert (p2.brand.name, p2.category.name) == ("斑斓海岸", "干货")
    assert "斑斓海岸" in p2.search_text and "干货" in p2.search_text
    assert p2.variants.get().stock.quantity == 8


def test_a_variant_without_a_stock_row_gets_one(shop):
    import_drafts(catalogue(), shop.workshop)
    Stock.objects.filter(variant__sku="P2-A").delete()
    edited = catalogue()
    edited[1].variants[0].stock = 4
    import_drafts(edited, shop.workshop)
    assert Stock.objects.get(variant__sku="P2-A").quantity == 4


def test_the_same_file_again_is_all_unchanged_and_writes_nothing(shop):
    import_drafts(catalogue(), shop.workshop)
    version = cache.get(VERSION_KEY)
    drafts = catalogue()
    with CaptureQueriesContext(connection) as queries:
        counts = import_drafts(drafts, shop.workshop)
    assert counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "archived": 0,
        "skipped": 0,
    }
    assert writes(queries) == []
    assert cache.get(VERSION_KEY) == version  # the page cache is not retired


def test_the_catalogue_cache_is_retired_once_after_writing(shop, monkeypatch):
    calls = []
    monkeypatch.setattr(apply_module, "catalog_changed", lambda: calls.append(1))
    import_drafts(catalogue(), shop.workshop)
    assert calls == [1]


def test_a_product_the_database_refuses_leaves_nothing_and_the_others_import(shop):
    """The second variant of P2 breaks a database constraint (validate is
    bypassed to get it that far): nothing of P2 is written, P1 and P3 are."""
    drafts = sheet(
        draft("P1"),
        draft("P2", variant("P2-A", 1280), variant("P2-B", 1280)),
        draft("P3"),
    )
    validate(drafts, workshop=shop.workshop)
    drafts[1].variants[1].compare_at_price_fen = 100  # below the price
    plan = make_plan(drafts, workshop=shop.workshop, actor=PLATFORM)
    assert [e.action for e in plan] == [Action.CREATE] * 3
    counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert (counts["created"], counts["skipped"]) == (2, 1)
    assert set(
        Product.objects.filter(workshop=shop.workshop).values_list(
            "product_code", flat=True
        )
    ) == {"P1", "P3"}
    assert not ProductVariant.objects.filter(sku__startswith="P2").exists()
    [problem] = drafts[1].problems
    assert (problem.code, problem.row) == ("save_failed", 3)
    assert "variant_compare_at_above_price" in problem.detail


def test_an_update_the_database_refuses_changes_nothing_of_that_product(shop):
    import_drafts(catalogue(), shop.workshop)
    drafts = catalogue()
    drafts[0].fields["name"] = "新名字"
    drafts[0].variants[0].price_fen = 1500
    drafts[1].fields["name"] = "新虾皮"
    validate(drafts, workshop=shop.workshop)
    drafts[0].variants[1].price_fen = 0  # breaks variant_price_positive
    plan = make_plan(drafts, workshop=shop.workshop, actor=PLATFORM)
    counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert (counts["updated"], counts["skipped"]) == (1, 1)
    p1 = Product.objects.get(product_code="P1")
    assert p1.name == "象山黄鱼"
    assert p1.variants.get(sku="P1-A").price_fen == 1280
    assert Product.objects.get(product_code="P2").name == "新虾皮"


def test_a_sku_taken_between_plan_and_apply_skips_only_that_product(shop):
    drafts = sheet(*[draft(f"P{i}") for i in range(1, 6)])
    plan = plan_for(drafts, shop.workshop)
    taker = make_product(brand=shop.brand, workshop=shop.workshop, product_code="T")
    taker.variants.update(sku="P3-1")
    counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert (counts["created"], counts["skipped"]) == (4, 1)
    assert [str(p.code) for p in drafts[2].problems] == ["duplicate_sku_in_workshop"]
    assert drafts[2].problems[0].column == "sku"
    assert not Product.objects.filter(product_code="P3").exists()


def test_stock_reserved_between_plan_and_apply_skips_only_that_product(shop):
    import_drafts(catalogue(), shop.workshop)
    drafts = catalogue()
    drafts[0].variants[0].stock = 2
    drafts[1].fields["name"] = "新虾皮"
    plan = plan_for(drafts, shop.workshop)
    Stock.objects.filter(variant__sku="P1-A").update(quantity_reserved=3)
    counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert (counts["updated"], counts["skipped"]) == (1, 1)
    assert drafts[0].problems[0].code == "stock_below_reserved"
    assert Stock.objects.get(variant__sku="P1-A").quantity == 10


def test_many_batches_with_one_bad_product_in_the_middle(shop, monkeypatch):
    monkeypatch.setattr(apply_module, "BATCH_ROWS", 20)
    drafts = sheet(
        *[draft(f"B{i}", *[variant(f"B{i}-{j}") for j in range(4)]) for i in range(30)]
    )
    validate(drafts, workshop=shop.workshop)
    drafts[17].variants[3].price_fen = 0
    plan = make_plan(drafts, workshop=shop.workshop, actor=PLATFORM)
    progress = []
    counts = apply_plan(
        plan,
        workshop=shop.workshop,
        actor=PLATFORM,
        on_progress=lambda *a: progress.append(a),
    )
    assert (counts["created"], counts["skipped"]) == (29, 1)
    assert ProductVariant.objects.filter(workshop=shop.workshop).count() == 29 * 4
    assert not Product.objects.filter(product_code="B17").exists()
    done = [d for d, _total in progress]
    assert done == sorted(done) and done[-1] == 120
    assert {total for _d, total in progress} == {120}
    assert len(progress) >= 120 // apply_module.PROGRESS_ROWS


def test_skipped_drafts_are_not_written(shop):
    drafts = sheet(draft("P1"), draft("P2", variant("P2-A", None)))
    counts = import_drafts(drafts, shop.workshop)
    assert (counts["created"], counts["skipped"]) == (1, 1)
    assert not Product.objects.filter(product_code="P2").exists()


def test_archive_missing_unpublishes_and_never_deletes(shop):
    import_drafts(catalogue(), shop.workshop)
    gone = make_product(brand=shop.brand, workshop=shop.workshop, product_code="G")
    counts = import_drafts(catalogue()[:1], shop.workshop, archive_missing=True)
    assert counts["archived"] == 1  # P2 was not published; G was
    gone.refresh_from_db()
    assert gone.is_published is False
    assert gone.variants.exists()
    assert Product.objects.filter(product_code="P2").exists()
    again = import_drafts(catalogue()[:1], shop.workshop, archive_missing=True)
    assert again["archived"] == 0


def test_without_archive_missing_nothing_is_unpublished(shop):
    gone = make_product(brand=shop.brand, workshop=shop.workshop, product_code="G")
    import_drafts(catalogue(), shop.workshop)
    gone.refresh_from_db()
    assert gone.is_published is True


def test_writing_a_thousand_rows_takes_a_handful_of_queries(shop):
    drafts = sheet(
        *[draft(f"Q{i}", *[variant(f"Q{i}-{j}") for j in range(4)]) for i in range(250)]
    )
    plan = plan_for(drafts, shop.workshop)
    with CaptureQueriesContext(connection) as queries:
        counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert counts["created"] == 250
    # slugs (1) + per batch of 500 rows: savepoint, 3 INSERTs, release.
    limit = 1 + 2 * 5 + 2
    if connection.vendor == "sqlite":
        # At most 999 parameters a statement: Django splits each INSERT of a
        # batch into a few (products ~6, variants ~12, stock ~3 for 1,000).
        limit += 20
    assert len(queries) <= limit


def test_the_published_cell_is_applied_on_update(shop):
    import_drafts(catalogue(), shop.workshop)
    edited = catalogue()
    edited[1].fields["is_published"] = True
    import_drafts(edited, shop.workshop)
    assert Product.objects.get(product_code="P2").is_published is True


# ------------------------------------------------------------------ images


def zip_of(**files):
    """image_bytes for a ZIP holding `files` (name → bytes)."""
    return files.get


def test_images_from_the_zip_are_stored_with_the_product(shop):
    from tests.factories import png_bytes

    photos = zip_of(**{"a.png": png_bytes(), "b.png": png_bytes(colour=(1, 2, 3))})
    drafts = sheet(draft("P1", images=("a.png", "b.png")), draft("P2"))
    counts = import_drafts(drafts, shop.workshop, image_bytes=photos)
    assert counts["created"] == 2
    p1 = Product.objects.get(product_code="P1")
    assert p1.images.count() == 2
    assert all(image.rendition_small for image in p1.images.all())
    # Again, with the same photos: unchanged, nothing written or decoded.
    drafts = sheet(draft("P1", images=("a.png", "b.png")), draft("P2"))
    with CaptureQueriesContext(connection) as queries:
        counts = import_drafts(drafts, shop.workshop, image_bytes=photos)
    assert counts["unchanged"] == 2
    assert writes(queries) == []
    # A new photo for an unchanged product is added, and counts as an update.
    photos = zip_of(**{"a.png": png_bytes(), "c.png": png_bytes(colour=(9, 9, 9))})
    drafts = sheet(draft("P1", images=("a.png", "c.png")), draft("P2"))
    counts = import_drafts(drafts, shop.workshop, image_bytes=photos)
    assert (counts["updated"], counts["unchanged"]) == (1, 1)
    assert p1.images.count() == 3


def test_a_missing_zip_image_skips_its_product_and_writes_nothing_of_it(shop):
    from tests.factories import png_bytes

    drafts = sheet(draft("P1", images=("missing.png",)), draft("P2", images=("a.png",)))
    counts = import_drafts(
        drafts, shop.workshop, image_bytes=zip_of(**{"a.png": png_bytes()})
    )
    assert (counts["created"], counts["skipped"]) == (1, 1)
    assert [str(p.code) for p in drafts[0].problems] == ["image_not_found"]
    assert not Product.objects.filter(product_code="P1").exists()
    assert Product.objects.get(product_code="P2").images.count() == 1


def test_an_unreachable_image_url_is_a_warning_and_the_product_is_imported(shop):
    drafts = sheet(draft("P1", images=("https://example.invalid/a.jpg",)))
    counts = import_drafts(drafts, shop.workshop, fetch_remote=False)
    assert counts["created"] == 1
    assert [str(p.code) for p in drafts[0].problems] == ["image_unreachable"]
    assert not drafts[0].has_errors
    assert Product.objects.get(product_code="P1").images.count() == 0


def test_a_thousand_rows_again_are_unchanged_with_no_write(shop):
    def rows():
        return sheet(
            *[
                draft(f"R{i}", *[variant(f"R{i}-{j}", 990 + j) for j in range(4)])
                for i in range(250)
            ]
        )

    assert import_drafts(rows(), shop.workshop)["created"] == 250
    with CaptureQueriesContext(connection) as queries:
        counts = import_drafts(rows(), shop.workshop)
    assert counts["unchanged"] == 250
    assert writes(queries) == []
    assert len(queries) <= 10  # validate and plan read; apply reads nothing
