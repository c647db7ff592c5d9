"""The catalogue's editing services: stock, prices, texts, standards,
photos, publishing, new products, each change recorded, and permissions."""

import threading

import pytest
from django.db import connection

from brands.models import BrandStandard, BrandStandardRule, Role, RuleKind
from storefront.catalog import editing
from storefront.catalog.editing import EditError, EditErrorCode, NewProduct
from storefront.catalog.inventory import stock_reserve
from storefront.catalog.models import Product, ProductChange, Stock
from tests.factories import grant, make_product, make_user, make_workshop, png_bytes

pytestmark = pytest.mark.django_db


def _variant(product):
    return product.variants.select_related("product").get()


def _stock(variant) -> Stock:
    return Stock.objects.get(variant=variant)


@pytest.fixture
def shop():
    product = make_product(variants=((1280, 10),))
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    return product, _variant(product), manager


def _code(excinfo) -> str:
    return excinfo.value.code


def test_stock_set_and_adjust_are_recorded(shop):
    product, variant, manager = shop
    editing.stock_set(variant=variant, quantity="25", user=manager)
    editing.stock_adjust(variant=variant, delta="-5", user=manager)
    assert _stock(variant).quantity == 20
    changes = list(
        ProductChange.objects.filter(product=product)
        .order_by("pk")
        .values_list("field", "old_value", "new_value", "user_id", "variant_id")
    )
    assert changes == [
        ("stock", "10", "25", manager.pk, variant.pk),
        ("stock", "25", "20", manager.pk, variant.pk),
    ]


def test_stock_never_below_what_orders_hold(shop):
    _, variant, manager = shop
    stock_reserve(wanted={variant.pk: 4}, tracked={variant.pk})
    with pytest.raises(EditError) as excinfo:
        editing.stock_set(variant=variant, quantity=3, user=manager)
    assert _code(excinfo) == EditErrorCode.BELOW_RESERVED
    assert "已占用" in excinfo.value.message and "orders hold" in excinfo.value.message
    with pytest.raises(EditError) as excinfo:
        editing.stock_adjust(variant=variant, delta=-7, user=manager)
    assert _code(excinfo) == EditErrorCode.BELOW_RESERVED
    editing.stock_set(variant=variant, quantity=4, user=manager)
    stock = _stock(variant)
    assert (stock.quantity, stock.quantity_reserved) == (4, 4)
    assert ProductChange.objects.count() == 1


@pytest.mark.parametrize("bad", ["-1", -1, "1.5", 1.5, "abc", "", "１２", True, None])
def test_stock_must_be_a_whole_number_from_zero(shop, bad):
    _, variant, manager = shop
    with pytest.raises(EditError) as excinfo:
        editing.stock_set(variant=variant, quantity=bad, user=manager)
    assert _code(excinfo) == EditErrorCode.INVALID_QUANTITY
    assert "整数" in excinfo.value.message and "whole number" in excinfo.value.message
    assert _stock(variant).quantity == 10


def test_adjust_takes_signed_whole_numbers_only(shop):
    _, variant, manager = shop
    for bad in ("1.5", "abc", "+-1"):
        with pytest.raises(EditError):
            editing.stock_adjust(variant=variant, delta=bad, user=manager)
    editing.stock_adjust(variant=variant, delta="+3", user=manager)
    assert _stock(variant).quantity == 13


@pytest.mark.parametrize(
    ("bad", "zh", "en"),
    [
        ("0,50", "逗号", "comma"),
        ("abc", "不是数字", "not a number"),
        ("0", "大于 0", "above 0"),
        ("1.234", "两位小数", "2 decimals"),
    ],
)
def test_price_is_read_by_the_money_parser(shop, bad, zh, en):
    _, variant, manager = shop
    with pytest.raises(EditError) as excinfo:
        editing.variant_update(variant=variant, user=manager, price=bad)
    assert _code(excinfo) == EditErrorCode.INVALID_PRICE
    assert excinfo.value.field == "price"
    assert zh in excinfo.value.message_zh and en in excinfo.value.message_en
    variant.refresh_from_db()
    assert variant.price_fen == 1280


def test_price_and_compare_at(shop):
    product, variant, manager = shop
    editing.variant_update(
        variant=variant, user=manager, price="15.80", compare_at_price="¥19.9"
    )
    variant.refresh_from_db()
    assert (variant.price_fen, variant.compare_at_price_fen) == (1580, 1990)
    with pytest.raises(EditError) as excinfo:
        editing.variant_update(variant=variant, user=manager, compare_at_price="15.80")
    assert _code(excinfo) == EditErrorCode.COMPARE_AT_NOT_ABOVE
    with pytest.raises(EditError) as excinfo:
        editing.variant_update(variant=variant, user=manager, price="20")
    assert _code(excinfo) == EditErrorCode.COMPARE_AT_NOT_ABOVE
    editing.variant_update(variant=variant, user=manager, compare_at_price="")
    variant.refresh_from_db()
    assert variant.compare_at_price_fen is None
    history = set(
        ProductChange.objects.filter(product=product).values_list(
            "field", "old_value", "new_value"
        )
    )
    assert history == {
        ("price", "12.80", "15.80"),
        ("compare_at_price", "", "19.90"),
        ("compare_at_price", "19.90", ""),
    }


def test_product_update_sanitises_and_records(shop):
    product, _, manager = shop
    old_name = product.name
    editing.product_update(
        product=product,
        user=manager,
        name="象山紫菜",
        description='<p onclick="x()">好<script>alert(1)</script></p>',
        net_content="250克",
    )
    product.refresh_from_db()
    assert product.name == "象山紫菜"
    assert "script" not in product.description and "onclick" not in product.description
    fields = dict(
        ProductChange.objects.filter(product=product).values_list("field", "old_value")
    )
    assert fields["name"] == old_name
    assert set(fields) == {"name", "description", "net_content"}


def test_product_update_refuses_a_bad_licence(shop):
    product, _, manager = shop
    with pytest.raises(EditError) as excinfo:
        editing.product_update(product=product, user=manager, sc_licence="SC123")
    assert excinfo.value.field == "sc_licence"
    assert not ProductChange.objects.exists()


def test_brand_standards_hold_as_in_the_import(shop):
    product, _, manager = shop
    standard = BrandStandard.objects.create(
        brand=product.brand, code="label", name="标签"
    )
    BrandStandardRule.objects.create(
        standard=standard,
        field="shelf_life",
        kind=RuleKind.REQUIRED,
        message_zh="须填写保质期",
        message_en="shelf life is required",
    )
    with pytest.raises(EditError) as excinfo:
        editing.product_update(product=product, user=manager, name="新名字")
    assert _code(excinfo) == EditErrorCode.BRAND_STANDARD
    assert excinfo.value.field == "shelf_life"
    assert "须填写保质期" in excinfo.value.message
    assert "shelf life is required" in excinfo.value.message
    editing.product_update(product=product, user=manager, shelf_life="12个月")
    product.refresh_from_db()
    assert product.shelf_life == "12个月"


def test_publish_and_unpublish(shop):
    product, _, manager = shop
    editing.product_set_published(product=product, user=manager, published=False)
    assert not Product.objects.get(pk=product.pk).is_published
    editing.product_set_published(product=product, user=manager, published=True)
    assert Product.objects.get(pk=product.pk).is_published
    assert ProductChange.objects.filter(field="is_published").count() == 2


def test_photo_through_the_pipeline_and_not_an_image_refused(shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product, _, manager = shop
    with pytest.raises(EditError) as excinfo:
        editing.product_photo_add(
            product=product, user=manager, data=b"%PDF-1.4 not a photo"
        )
    assert _code(excinfo) == EditErrorCode.IMAGE_INVALID
    assert "图片" in excinfo.value.message_zh and "image" in excinfo.value.message_en
    assert not product.images.exists()
    image = editing.product_photo_add(product=product, user=manager, data=png_bytes())
    assert image.rendition_small and image.rendition_large
    assert ProductChange.objects.filter(field="photo").count() == 1
    editing.product_photo_remove(product=product, user=manager, image_id=image.pk)
    assert not product.images.exists()
    assert ProductChange.objects.filter(field="photo").count() == 2


def test_product_create_with_first_variant(shop):
    product, _, manager = shop
    new = NewProduct(
        workshop=product.workshop,
        brand=product.brand,
        product_code="NEW-1",
        name="新品",
        sku="NEW-1-A",
        price="9.90",
        quantity="5",
    )
    created = editing.product_create(new=new, user=manager)
    variant = created.variants.get()
    assert (variant.price_fen, variant.stock.quantity) == (990, 5)
    assert not created.is_published
    assert ProductChange.objects.filter(product=created, field="created").exists()
    with pytest.raises(EditError) as excinfo:
        editing.product_create(new=new, user=manager)
    assert _code(excinfo) == EditErrorCode.DUPLICATE_CODE
    bad_price = NewProduct(**{**new.__dict__, "product_code": "NEW-2", "price": "abc"})
    with pytest.raises(EditError) as excinfo:
        editing.product_create(new=bad_price, user=manager)
    assert _code(excinfo) == EditErrorCode.INVALID_PRICE
    assert not Product.objects.filter(product_code="NEW-2").exists()


def test_others_may_not_edit(shop):
    product, variant, _ = shop
    other_manager = make_user()
    grant(other_manager, Role.WORKSHOP_MANAGER, make_workshop())
    for user in (other_manager, make_user()):
        for call in (
            lambda u: editing.stock_set(variant=variant, quantity=1, user=u),
            lambda u: editing.stock_adjust(variant=variant, delta=1, user=u),
            lambda u: editing.variant_update(variant=variant, user=u, price="1"),
            lambda u: editing.product_update(product=product, user=u, name="x"),
            lambda u: editing.product_set_published(
                product=product, user=u, published=False
            ),
        ):
            with pytest.raises(EditError) as excinfo:
                call(user)
            assert _code(excinfo) == EditErrorCode.PERMISSION_DENIED
    assert _stock(variant).quantity == 10
    assert not ProductChange.objects.exists()


def run_at_once(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        try:
            barrier.wait(timeout=15)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_managers_adjusting_the_same_variant_lose_no_update():
    product = make_product(variants=((1280, 100),))
    variant = _variant(product)
    managers = [make_user(), make_user()]
    for manager in managers:
        grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    rounds = 10

    def work(i):
        for _ in range(rounds):
            editing.stock_adjust(
                variant=variant, delta=1 if i else -1, user=managers[i]
            )
            editing.stock_adjust(variant=variant, delta=2, user=managers[i])

    results = run_at_once(2, work)
    assert all(r is None for r in results), results
    assert _stock(variant).quantity == 100 + rounds * (2 + 2 + 1 - 1)
    history = ProductChange.objects.filter(variant=variant)
    assert history.count() == 4 * rounds
    # Each recorded step starts where the one before it ended: no lost update.
    steps = [(int(c.old_value), int(c.new_value)) for c in history.order_by("pk")]
    assert steps[0][0] == 100 and steps[-1][1] == 100 + rounds * 4
    assert all(a[1] == b[0] for a, b in zip(steps, steps[1:], strict=False))


@pytest.mark.django_db(transaction=True)
def test_a_set_and_an_order_reservation_at_once_never_go_below_reserved():
    product = make_product(variants=((1280, 10),))
    variant = _variant(product)
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)

    def work(i):
        if i == 0:
            return editing.stock_set(variant=variant, quantity=2, user=manager)
        return stock_reserve(wanted={variant.pk: 5}, tracked={variant.pk})

    results = run_at_once(2, work)
    stock = _stock(variant)
    assert stock.quantity >= stock.quantity_reserved
    if isinstance(results[0], EditError):
        assert (stock.quantity, stock.quantity_reserved) == (10, 5)
    else:
        assert stock.quantity == 2 and stock.quantity_reserved == 0
        assert results[1] is not None  # the reservation was refused


def test_two_managers_setting_the_stock_from_the_same_page_lose_no_update(shop):
    """Both saw 10: one sets 12 (a delivery), the other then sets 8 (a
    breakage). The second is refused, not written over the first."""
    _, variant, manager = shop
    other = make_user()
    grant(other, Role.WORKSHOP_MANAGER, variant.product.workshop)
    editing.stock_set(variant=variant, quantity="12", user=manager, expected="10")

    with pytest.raises(EditError) as excinfo:
        editing.stock_set(variant=variant, quantity="8", user=other, expected="10")

    assert _code(excinfo) == EditErrorCode.CHANGED_MEANWHILE
    assert _stock(variant).quantity == 12
    editing.stock_set(variant=variant, quantity="8", user=other, expected="12")
    assert _stock(variant).quantity == 8


def test_a_price_changed_meanwhile_is_not_written_over(shop):
    _, variant, manager = shop
    editing.variant_update(
        variant=variant, user=manager, price="13.80", expected_price_fen=1280
    )

    with pytest.raises(EditError) as excinfo:
        editing.variant_update(
            variant=variant, user=manager, price="11.80", expected_price_fen=1280
        )

    assert _code(excinfo) == EditErrorCode.CHANGED_MEANWHILE
    variant.refresh_from_db()
    assert variant.price_fen == 1380
