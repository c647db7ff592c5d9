"""The demo shop as `load_demo` writes it, and what a second run does."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from brands.models import (
    Brand,
    BrandStandard,
    BrandStandardRule,
    Membership,
    Role,
    RuleKind,
    StandardField,
    Village,
    Workshop,
    ZhejiangCity,
)
from brands.standards import brand_standard_violations
from storefront.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
)
from storefront.demo import data
from storefront.demo.services import demo_load

pytestmark = pytest.mark.django_db

GB7718_REQUIRED = {
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
}


def snapshot() -> dict:
    """Every column of every row the demo touches, timestamps included, so any
    write at all shows up as a difference."""
    models = [
        Brand,
        Village,
        Workshop,
        Workshop.brands.through,
        Category,
        BrandStandard,
        BrandStandardRule,
        Product,
        ProductVariant,
        Stock,
        ProductImage,
        get_user_model(),
        Membership,
    ]
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in models
    }


def test_first_load_creates_every_row_of_the_data(loaded_demo):
    created = loaded_demo.summary.created
    assert created["brands"] == len(data.BRANDS) >= 4
    assert created["brand_logos"] == len(data.BRANDS)
    assert created["villages"] == len(data.VILLAGES) >= 8
    assert created["workshops"] == len(data.WORKSHOPS) >= 12
    assert created["categories"] == len(data.CATEGORIES)
    assert created["products"] == len(data.PRODUCTS) >= 40
    assert created["variants"] == sum(len(p["variants"]) for p in data.PRODUCTS)
    assert created["images"] == sum(p["images"] for p in data.PRODUCTS)
    assert created["users"] == len(data.DEMO_USERS)
    assert loaded_demo.summary.total_updated == 0
    assert Product.objects.count() == len(data.PRODUCTS)


def test_every_product_has_variants_stock_and_pictures(loaded_demo):
    products = Product.objects.prefetch_related("variants__stock", "images")
    for product in products:
        variants = list(product.variants.all())
        assert 1 <= len(variants) <= 3, product.name
        for variant in variants:
            assert variant.stock.quantity >= 0
            assert variant.weight_grams > 0
            assert len(variant.options) == 1
            assert set(variant.options) <= {"规格", "尺码"}
        images = list(product.images.all())
        assert 1 <= len(images) <= 3, product.name
        assert [image.sort_order for image in images] == list(range(len(images)))
        for image in images:
            assert image.alt.startswith(product.name)
            for field in (image.image, image.rendition_small, image.rendition_large):
                assert (loaded_demo.media_root / field.name).is_file()


def test_brands_have_logos_and_the_tree_of_categories(loaded_demo):
    for brand in Brand.objects.all():
        assert brand.logo and brand.name_en and brand.story and brand.is_active
        assert (loaded_demo.media_root / brand.logo.name).is_file()
    roots = Category.objects.filter(parent=None)
    assert set(roots.values_list("slug", flat=True)) == {
        "fresh-seafood",
        "local-specialties",
        "handicrafts",
    }
    for product in Product.objects.select_related("category"):
        assert product.category.parent is not None, "products sit on leaves"


def test_prices_are_positive_integers_in_fen(loaded_demo):
    for variant in ProductVariant.objects.all():
        assert isinstance(variant.price_fen, int) and variant.price_fen > 0
        if variant.compare_at_price_fen is not None:
            assert isinstance(variant.compare_at_price_fen, int)
            assert variant.compare_at_price_fen > variant.price_fen
    assert ProductVariant.objects.exclude(compare_at_price_fen=None).exists()


def test_some_stock_is_sold_out_and_some_is_low(loaded_demo):
    published = Stock.objects.filter(variant__product__is_published=True)
    assert published.filter(quantity=0).count() >= 2
    assert published.filter(quantity__gte=1, quantity__lte=5).count() >= 2


def test_some_products_are_featured_and_one_or_two_are_drafts(loaded_demo):
    assert Product.objects.filter(is_featured=True, is_published=True).count() >= 3
    assert 1 <= Product.objects.filter(is_published=False).count() <= 2


def test_every_product_passes_its_brands_standards(loaded_demo):
    fields = StandardField.values
    for product in Product.objects.select_related("brand", "category"):
        violations = brand_standard_violations(
            brand=product.brand,
            values={name: getattr(product, name) for name in fields},
            category_slug=product.category.slug,
        )
        assert violations == [], (product.name, violations)


@pytest.mark.parametrize("brand_slug", ["banlan-haian", "xiaodao-xiajiucai"])
def test_seafood_brands_require_the_gb7718_label_on_food(loaded_demo, brand_slug):
    standard = BrandStandard.objects.get(brand__slug=brand_slug, code="gb7718-label")
    rules = set(standard.rules.values_list("field", "kind", "argument"))
    assert {(f, RuleKind.REQUIRED, "") for f in GB7718_REQUIRED} <= rules
    assert ("sc_licence", RuleKind.PATTERN, r"^SC\d{14}$") in rules
    assert "live-seafood" in standard.category_slugs
    assert "dried-seafood" in standard.category_slugs


def test_food_products_carry_their_label_facts(loaded_demo):
    food = Product.objects.filter(category__slug__in=data.FOOD_CATEGORY_SLUGS)
    assert food.count() >= 30
    for product in food:
        for name in GB7718_REQUIRED:
            assert getattr(product, name), (product.name, name)
    licensed = food.exclude(sc_licence="")
    assert licensed.count() >= 20


def test_every_workshop_sells_under_the_brand_of_each_of_its_products(loaded_demo):
    for product in Product.objects.select_related("workshop", "brand"):
        assert product.workshop.brands.filter(pk=product.brand_id).exists()
        assert product.origin_village_id == product.workshop.village_id
        assert product.name_en


def test_villages_and_workshops_are_real_places_with_sound_figures(loaded_demo):
    for village in Village.objects.all():
        assert village.city in ZhejiangCity.values
        assert village.collective_organisation.endswith("股份经济合作社")
    for workshop in Workshop.objects.all():
        assert workshop.people_employed >= workshop.low_income_households_employed
        assert workshop.brands.exists()
        assert workshop.products.exists()


def test_every_role_has_a_demo_user(loaded_demo):
    users = get_user_model().objects.filter(
        username__in=[u["username"] for u in data.DEMO_USERS]
    )
    assert users.count() == len(data.DEMO_USERS)
    memberships = Membership.objects.filter(user__in=users)
    assert set(memberships.values_list("role", flat=True)) == set(Role.values)

    operator = users.get(username="operator")
    assert operator.is_staff and operator.is_superuser
    assert operator.check_password(data.DEMO_PASSWORD)
    consumer = users.get(username="consumer")
    assert not consumer.is_staff and not consumer.memberships.exists()
    assert consumer.check_password(data.DEMO_PASSWORD)
    assert not users.exclude(username="operator").filter(is_staff=True).exists()

    host = memberships.get(role=Role.LIVESTREAM_HOST)
    assert (host.user.username, host.brand.slug) == ("host_xiaomei", "banlan-haian")
    manager = memberships.get(role=Role.WORKSHOP_MANAGER)
    assert manager.workshop.products.filter(name__contains="活黄鱼").exists()
    treasurer = memberships.get(role=Role.VILLAGE_TREASURER)
    assert treasurer.village == manager.workshop.village


def test_a_second_run_creates_and_changes_nothing(loaded_demo):
    before = snapshot()

    summary = demo_load()
    assert summary.total_created == 0
    assert summary.total_updated == 0
    assert snapshot() == before

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "created 0, 更新 updated 0" in out.getvalue()
    assert snapshot() == before


def test_a_rerun_after_an_operator_renamed_a_product_keeps_its_slug(loaded_demo):
    product = Product.objects.get(product_code="BL-HY-001")
    slug, count = product.slug, Product.objects.count()
    product.name = "象山大黄鱼（运营改名）"
    product.save()

    summary = demo_load()

    product.refresh_from_db()
    assert product.slug == slug == "xiang-shan-xi-hu-gang-huo-huang-yu"
    assert product.name == "象山西沪港活黄鱼"
    assert Product.objects.count() == count
    assert summary.total_created == 0
    assert summary.updated == {"products": 1}


def test_a_rerun_leaves_stock_alone_and_restores_deleted_rows(loaded_demo):
    variant = ProductVariant.objects.get(sku="BL-HY-001-1T")
    Stock.objects.filter(variant=variant).update(quantity=7)
    ProductVariant.objects.get(sku="BL-YX-001-500").delete()

    summary = demo_load()

    assert summary.created == {"variants": 1}
    assert summary.total_updated == 0
    assert Stock.objects.get(variant=variant).quantity == 7
    restored = ProductVariant.objects.get(sku="BL-YX-001-500")
    assert (restored.price_fen, restored.stock.quantity) == (12800, 45)
