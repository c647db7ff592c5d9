import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from brands.models import Membership, Role, Workshop
from storefront.catalog import services
from storefront.catalog.errors import CatalogError, CatalogErrorCode
from storefront.catalog.models import (
    Category,
    Product,
    ProductVariant,
    Stock,
)
from tests.factories import (
    make_brand,
    make_product,
    make_user,
    make_village,
    make_workshop,
)

pytestmark = pytest.mark.django_db


def _refused_by_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def _variant(product, sku, price_fen=1280, **fields):
    # Bypasses the service on purpose: the database itself must refuse.
    variant = ProductVariant(product=product, sku=sku, price_fen=price_fen, **fields)
    variant.save()
    return variant


def test_sku_unique_within_a_workshop():
    product = make_product()
    other_product = make_product(brand=product.brand, workshop=product.workshop)
    _refused_by_database(lambda: _variant(other_product, product.variants.get().sku))


def test_same_sku_allowed_in_another_workshop():
    product = make_product()
    sku = product.variants.get().sku
    elsewhere = make_product()
    variant = _variant(elsewhere, sku)
    assert variant.workshop_id == elsewhere.workshop_id != product.workshop_id


def test_variant_workshop_copied_from_product():
    product = make_product()
    assert product.variants.get().workshop_id == product.workshop_id


def test_price_zero_refused():
    product = make_product(variants=())
    _refused_by_database(lambda: _variant(product, "ZERO", price_fen=0))


@pytest.mark.parametrize("compare_at", [1280, 1000])
def test_compare_at_price_must_exceed_price(compare_at):
    product = make_product(variants=())
    _refused_by_database(
        lambda: _variant(
            product, "CMP", price_fen=1280, compare_at_price_fen=compare_at
        )
    )


def test_compare_at_above_price_accepted():
    product = make_product(variants=())
    variant = _variant(product, "CMP", price_fen=1280, compare_at_price_fen=1580)
    assert variant.compare_at_price_fen == 1580


def test_stock_reserved_cannot_exceed_quantity():
    product = make_product(variants=((1280, 5),))
    stock = Stock.objects.get(variant__product=product)
    stock.quantity_reserved = 6
    _refused_by_database(stock.save)
    stock.quantity_reserved = 5
    stock.save()
    assert Stock.objects.get(pk=stock.pk).quantity_available == 0


def test_product_code_unique_per_workshop():
    product = make_product(product_code="HY-001")
    _refused_by_database(
        lambda: Product.objects.create(
            slug="dup",
            product_code="HY-001",
            name="重复",
            brand=product.brand,
            workshop=product.workshop,
        )
    )
    # The same code in another workshop is fine.
    assert make_product(product_code="HY-001").product_code == "HY-001"


def test_product_code_duplicate_refused_by_full_clean_too():
    product = make_product(product_code="HY-002")
    with pytest.raises(ValidationError):
        services.product_create(
            workshop=product.workshop,
            brand=product.brand,
            product_code="HY-002",
            name="另一个",
        )


@pytest.mark.parametrize(
    "licence", ["SC1234", "sc12345678901234", "SC1234567890123X", "XX12345678901234"]
)
def test_sc_licence_format_refused_by_database_and_full_clean(licence):
    product = make_product()
    with pytest.raises(ValidationError) as info:
        product.sc_licence = licence
        product.full_clean()
    assert "sc_licence" in info.value.message_dict
    _refused_by_database(
        lambda: Product.objects.filter(pk=product.pk).update(sc_licence=licence)
    )


def test_sc_licence_valid_or_empty_accepted():
    product = make_product(sc_licence="SC12345678901234")
    product.full_clean()
    product.sc_licence = ""
    product.full_clean()
    product.save()


def test_workshop_households_within_people_employed():
    workshop = make_workshop()
    _refused_by_database(
        lambda: Workshop.objects.filter(pk=workshop.pk).update(
            people_employed=3, low_income_households_employed=4
        )
    )
    workshop.people_employed, workshop.low_income_households_employed = 3, 4
    with pytest.raises(ValidationError):
        workshop.full_clean()


def test_membership_role_must_match_its_target():
    user = make_user()
    brand, workshop, village = make_brand(), make_workshop(), make_village()
    refused = [
        {"role": Role.WORKSHOP_MANAGER, "brand": brand},
        {"role": Role.WORKSHOP_MANAGER, "workshop": workshop, "brand": brand},
        {"role": Role.BRAND_OPERATOR, "workshop": workshop},
        {"role": Role.BRAND_OPERATOR},
        {"role": Role.LIVESTREAM_HOST, "village": village},
        {"role": Role.VILLAGE_TREASURER, "brand": brand},
        {"role": Role.VILLAGE_TREASURER, "village": village, "workshop": workshop},
    ]
    for fields in refused:
        _refused_by_database(lambda f=fields: Membership.objects.create(user=user, **f))
        with pytest.raises(ValidationError):
            Membership(user=user, **fields).full_clean()
    Membership.objects.create(user=user, role=Role.WORKSHOP_MANAGER, workshop=workshop)
    Membership.objects.create(user=user, role=Role.LIVESTREAM_HOST, brand=brand)
    Membership.objects.create(user=user, role=Role.VILLAGE_TREASURER, village=village)


def test_membership_unique_per_user_role_and_target():
    user, brand = make_user(), make_brand()
    Membership.objects.create(user=user, role=Role.BRAND_OPERATOR, brand=brand)
    _refused_by_database(
        lambda: Membership.objects.create(
            user=user, role=Role.BRAND_OPERATOR, brand=brand
        )
    )


def test_category_cycle_refused_by_clean():
    root = services.category_create(name="海鲜")
    child = services.category_create(name="鱼类", parent=root)
    grandchild = services.category_create(name="黄鱼", parent=child)
    root.parent = grandchild
    with pytest.raises(ValidationError) as info:
        root.full_clean()
    assert "parent" in info.value.message_dict
    child.parent = child
    with pytest.raises(ValidationError):
        child.full_clean()


def test_category_cannot_be_its_own_parent_in_the_database():
    category = services.category_create(name="干货")
    _refused_by_database(
        lambda: Category.objects.filter(pk=category.pk).update(parent=category)
    )


def test_category_move_within_tree_allowed():
    root = services.category_create(name="农产品")
    a = services.category_create(name="水果", parent=root)
    b = services.category_create(name="蔬菜", parent=root)
    b.parent = a
    b.full_clean()


def test_origin_village_defaults_to_the_workshops_village():
    product = make_product()
    assert product.origin_village_id == product.workshop.village_id
    bare = Product.objects.create(
        slug="bare",
        product_code="BARE",
        name="裸建",
        brand=product.brand,
        workshop=product.workshop,
    )
    assert bare.origin_village_id == product.workshop.village_id


def test_origin_village_can_differ():
    other = make_village()
    product = make_product(origin_village=other)
    assert product.origin_village == other


def test_description_sanitised_on_save():
    product = make_product(
        description="<p>鲜<strong>美</strong></p><script>alert(1)</script>"
        '<img src=x onerror="alert(2)">'
    )
    product.refresh_from_db()
    assert product.description.startswith("<p>鲜<strong>美</strong></p>")
    assert "script" not in product.description
    assert "onerror" not in product.description
    product.description = '<a href="javascript:alert(3)">x</a>'
    product.save()
    product.refresh_from_db()
    assert "javascript" not in product.description


def test_search_text_holds_name_and_pinyin():
    product = make_product(name="东海黄鱼")
    assert "东海黄鱼" in product.search_text
    assert "donghaihuangyu" in product.search_text
    assert "dong hai huang yu" in product.search_text


def test_product_create_refuses_brand_the_workshop_does_not_sell():
    allowed, other = make_brand(), make_brand()
    workshop = make_workshop(brands=[allowed])
    with pytest.raises(CatalogError) as info:
        services.product_create(
            workshop=workshop, brand=other, product_code="X1", name="越界商品"
        )
    assert info.value.code == CatalogErrorCode.BRAND_NOT_ALLOWED
    assert info.value.field == "brand"
    assert info.value.message_zh and info.value.message_en
    assert not Product.objects.filter(product_code="X1").exists()


def test_product_clean_refuses_brand_the_workshop_does_not_sell():
    product = make_product()
    product.brand = make_brand()
    with pytest.raises(ValidationError) as info:
        product.full_clean()
    assert "brand" in info.value.message_dict


def test_variant_create_duplicate_sku_leaves_nothing_behind():
    product = make_product(variants=())
    services.variant_create(product=product, sku="DUP", price_fen=1280, quantity=3)
    variants, stocks = ProductVariant.objects.count(), Stock.objects.count()
    with pytest.raises(CatalogError) as info:
        services.variant_create(product=product, sku="DUP", price_fen=990, quantity=7)
    assert info.value.code == CatalogErrorCode.DUPLICATE_SKU
    assert info.value.field == "sku"
    assert ProductVariant.objects.count() == variants
    assert Stock.objects.count() == stocks
    assert not Stock.objects.filter(quantity=7).exists()


def test_variant_create_duplicate_sku_inside_an_outer_transaction():
    product = make_product(variants=())
    services.variant_create(product=product, sku="DUP", price_fen=1280)
    with transaction.atomic():
        with pytest.raises(CatalogError):
            services.variant_create(product=product, sku="DUP", price_fen=990)
        # The outer transaction is still usable after the refused variant.
        services.variant_create(product=product, sku="OK", price_fen=990, quantity=2)
    assert set(product.variants.values_list("sku", flat=True)) == {"DUP", "OK"}
    assert Stock.objects.get(variant__sku="OK").quantity == 2


def test_variant_create_makes_its_stock_row():
    product = make_product(variants=())
    variant = services.variant_create(
        product=product, sku="S1", price_fen=1280, quantity=9
    )
    assert variant.stock.quantity == 9
    assert variant.stock.quantity_reserved == 0


def test_variant_create_refuses_zero_price_before_writing():
    product = make_product(variants=())
    with pytest.raises(ValidationError):
        services.variant_create(product=product, sku="Z", price_fen=0)
    assert not ProductVariant.objects.filter(sku="Z").exists()


def test_products_set_published():
    a, b = make_product(published=False), make_product(published=False)
    assert services.products_set_published(products=[a], published=True) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.is_published and not b.is_published
