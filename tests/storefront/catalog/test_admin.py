"""The operator admin: reachable by platform operators only, every page renders,
and writes go through the catalogue services."""

import io

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from brands.models import BrandStandard, BrandStandardRule, Membership, Role
from storefront.catalog import services
from storefront.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
)
from tests.factories import grant, make_brand, make_product, make_user, png_bytes

pytestmark = pytest.mark.django_db

OUR_APPS = {"brands", "catalog"}
OUR_MODELS = [
    model for model in admin.site._registry if model._meta.app_label in OUR_APPS
]


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def operator_client(client):
    # A plain staff user: no superuser flag, no Django model permissions.
    client.force_login(make_user(staff=True))
    return client


@pytest.fixture
def catalogue():
    brand = make_brand(name="斑斓海岸")
    product = make_product(
        brand=brand, name="东海黄鱼", variants=((1280, 5), (2560, 2))
    )
    services.product_image_add(product=product, data=png_bytes())
    category = services.category_create(name="海鲜", name_en="Seafood")
    Product.objects.filter(pk=product.pk).update(category=category)
    standard = BrandStandard.objects.create(brand=brand, code="food", name="食品标准")
    BrandStandardRule.objects.create(
        standard=standard,
        field="sc_licence",
        kind="required",
        message_zh="须填写",
        message_en="required",
    )
    grant(make_user(), Role.BRAND_OPERATOR, brand)
    return product


def test_all_our_models_are_registered():
    names = {model.__name__ for model in OUR_MODELS}
    assert names >= {
        "Brand",
        "Village",
        "Workshop",
        "Membership",
        "BrandStandard",
        "Category",
        "Product",
        "ProductVariant",
        "Stock",
        "ProductImage",
    }


def _more_rows():
    """Another brand, workshop, product with variants and photo, standard,
    membership: each changelist gets more rows."""
    brand = make_brand()
    product = make_product(
        brand=brand, name="小岛鱿鱼丝", variants=((990, 1), (1990, 0))
    )
    services.product_image_add(product=product, data=png_bytes((300, 300)))
    Product.objects.filter(pk=product.pk).update(
        category=services.category_create(name="零食", parent=Category.objects.first())
    )
    BrandStandard.objects.create(brand=brand, code="more", name="更多")
    grant(make_user(), Role.WORKSHOP_MANAGER, product.workshop)
    grant(make_user(), Role.VILLAGE_TREASURER, product.origin_village)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_operator_gets_changelist_search_add_and_change_pages(
    operator_client, catalogue, model
):
    url = _url(model, "changelist")
    with CaptureQueriesContext(connection) as before:
        assert operator_client.get(url).status_code == 200
    _more_rows()
    with CaptureQueriesContext(connection) as after:
        response = operator_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 2
    # No query per row: more rows, same number of queries.
    assert len(after) == len(before), [q["sql"] for q in after]

    assert operator_client.get(url, {"q": "黄鱼"}).status_code == 200
    assert operator_client.get(_url(model, "add")).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    response = operator_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200


def test_index_lists_our_apps(operator_client):
    response = operator_client.get(reverse("admin:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert _url(Product, "changelist") in content
    assert _url(Membership, "changelist") in content


def test_product_change_page_shows_variants_prices_and_thumbnail(
    operator_client, catalogue
):
    response = operator_client.get(_url(Product, "change", catalogue.pk))
    content = response.content.decode()
    assert "¥12.80" in content
    image = catalogue.images.get()
    assert image.rendition_small.url in content
    # Available stock is shown, not edited, on the inline.
    assert 'name="variants-0-sku"' in content
    assert 'name="variants-0-available"' not in content
    # Slug and workshop do not change once the product exists.
    assert 'name="slug"' not in content
    assert 'name="workshop"' not in content


def test_product_search_and_filters(operator_client, catalogue):
    other = make_product(name="小岛鱿鱼丝", published=False)
    url = _url(Product, "changelist")
    for query, shown, hidden in [
        ({"q": "黄鱼"}, catalogue, other),
        ({"q": "huangyu"}, catalogue, other),
        ({"q": catalogue.variants.first().sku}, catalogue, other),
        ({"q": other.product_code}, other, catalogue),
        ({"is_published__exact": "0"}, other, catalogue),
        ({"brand__id__exact": catalogue.brand_id}, catalogue, other),
        (
            {"workshop__village__city": "宁波市", "is_published__exact": "1"},
            catalogue,
            other,
        ),
    ]:
        response = operator_client.get(url, query)
        assert response.status_code == 200, query
        listed = set(response.context["cl"].result_list)
        assert shown in listed and hidden not in listed, query


def test_product_list_shows_formatted_price_range(operator_client, catalogue):
    response = operator_client.get(_url(Product, "changelist"))
    assert "¥12.80 – ¥25.60" in response.content.decode()


def test_filters_on_other_changelists(operator_client, catalogue):
    for model, query in [
        (ProductVariant, {"workshop__id__exact": catalogue.workshop_id}),
        (Stock, {"variant__product__brand__id__exact": catalogue.brand_id}),
        (Membership, {"role__exact": Role.BRAND_OPERATOR}),
        (Category, {"q": "seafood"}),
    ]:
        response = operator_client.get(_url(model, "changelist"), query)
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1, model


def test_non_staff_brand_operator_is_sent_to_login(client, catalogue):
    user = Membership.objects.get(role=Role.BRAND_OPERATOR).user
    client.force_login(user)
    for url in [reverse("admin:index"), _url(Product, "changelist")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_inactive_staff_is_sent_to_login(client):
    user = make_user(staff=True, is_active=False)
    client.force_login(user)
    response = client.get(_url(Product, "changelist"))
    assert response.status_code == 302


def test_publish_and_unpublish_actions(operator_client):
    a, b = make_product(published=False), make_product(published=False)
    url = _url(Product, "changelist")
    response = operator_client.post(
        url, {"action": "publish", "_selected_action": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    assert Product.objects.filter(pk__in=[a.pk, b.pk], is_published=True).count() == 2
    operator_client.post(url, {"action": "unpublish", "_selected_action": [a.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert not a.is_published and b.is_published


def _management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _product_form(product=None, **overrides):
    brand = product.brand if product else make_brand()
    data = {
        "product_code": "HY-100",
        "name": "东海小黄鱼",
        "name_en": "",
        "description": "<p>鲜</p><script>x()</script>",
        "brand": brand.pk,
        "is_published": "on",
        "attributes": "{}",
        **_management("variants"),
        **_management("images"),
    }
    data.update(overrides)
    return data


def test_add_product_with_variant_and_photo(operator_client, catalogue):
    workshop = catalogue.workshop
    photo = io.BytesIO(png_bytes((1600, 1200)))
    photo.name = "huangyu.png"
    data = _product_form(
        catalogue,
        workshop=workshop.pk,
        **_management("variants", total=1),
        **{
            "variants-0-sku": "HY-100-500",
            "variants-0-name": "500g",
            "variants-0-price_fen": "3990",
            "variants-0-weight_grams": "500",
            "variants-0-track_inventory": "on",
            "variants-0-sort_order": "0",
        },
        **_management("images", total=1),
        **{"images-0-upload": photo, "images-0-alt": "", "images-0-sort_order": "0"},
    )
    response = operator_client.post(_url(Product, "add"), data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors,
        [fs.errors for fs in response.context["inline_admin_formsets"]],
    )
    product = Product.objects.get(product_code="HY-100")
    assert product.slug == "dong-hai-xiao-huang-yu"
    assert "script" not in product.description
    assert product.origin_village_id == workshop.village_id
    variant = product.variants.get()
    assert variant.workshop_id == workshop.id
    assert variant.stock.quantity == 0
    image = product.images.get()
    assert Image.open(image.rendition_small.path).size == (400, 300)
    assert Image.open(image.rendition_large.path).size == (1200, 900)
    assert image.alt == "东海小黄鱼"


def test_add_product_refuses_brand_the_workshop_does_not_sell(
    operator_client, catalogue
):
    data = _product_form(workshop=catalogue.workshop.pk, brand=make_brand().pk)
    response = operator_client.post(_url(Product, "add"), data)
    assert response.status_code == 200
    assert "brand" in response.context["adminform"].form.errors
    assert not Product.objects.filter(product_code="HY-100").exists()


def test_duplicate_sku_is_a_form_error_not_a_crash(operator_client, catalogue):
    taken = catalogue.variants.first().sku
    data = _product_form(
        workshop=catalogue.workshop.pk,
        **_management("variants", total=2),
        **{
            "variants-0-sku": taken,
            "variants-0-price_fen": "100",
            "variants-0-weight_grams": "0",
            "variants-0-sort_order": "0",
            "variants-1-sku": "NEW",
            "variants-1-price_fen": "100",
            "variants-1-weight_grams": "0",
            "variants-1-sort_order": "1",
        },
    )
    response = operator_client.post(_url(Product, "add"), data)
    assert response.status_code == 200
    [variants_formset] = [
        fs.formset
        for fs in response.context["inline_admin_formsets"]
        if fs.formset.model is ProductVariant
    ]
    assert "SKU 在本工坊内重复" in str(variants_formset.errors[0]["sku"])
    assert not Product.objects.filter(product_code="HY-100").exists()


def test_same_sku_twice_in_one_submission_is_a_form_error(operator_client, catalogue):
    data = _product_form(
        workshop=catalogue.workshop.pk,
        **_management("variants", total=2),
        **{
            f"variants-{i}-{field}": value
            for i in range(2)
            for field, value in [
                ("sku", "TWICE"),
                ("price_fen", "100"),
                ("weight_grams", "0"),
                ("sort_order", str(i)),
            ]
        },
    )
    response = operator_client.post(_url(Product, "add"), data)
    assert response.status_code == 200
    assert not ProductVariant.objects.filter(sku="TWICE").exists()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not an image at all", "图片无法识别"),
        (png_bytes((50, 50))[:60], "The image cannot be read"),
    ],
)
def test_bad_photo_upload_is_a_form_error(operator_client, catalogue, payload, message):
    upload = io.BytesIO(payload)
    upload.name = "photo.png"
    response = operator_client.post(
        _url(ProductImage, "add"),
        {"product": catalogue.pk, "upload": upload, "alt": "", "sort_order": "0"},
    )
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["upload"])
    assert catalogue.images.count() == 1


def test_too_large_photo_upload_is_a_form_error(operator_client, catalogue, settings):
    settings.IMAGE_MAX_BYTES = 100
    upload = io.BytesIO(png_bytes((50, 50)))
    upload.name = "photo.png"
    response = operator_client.post(
        _url(ProductImage, "add"),
        {"product": catalogue.pk, "upload": upload, "alt": "", "sort_order": "0"},
    )
    assert response.status_code == 200
    assert "图片过大" in str(response.context["adminform"].form.errors["upload"])


def test_photo_upload_through_image_admin(operator_client, catalogue):
    upload = io.BytesIO(png_bytes((2000, 1000)))
    upload.name = "photo.png"
    response = operator_client.post(
        _url(ProductImage, "add"),
        {"product": catalogue.pk, "upload": upload, "alt": "礼盒", "sort_order": "3"},
    )
    assert response.status_code == 302
    image = catalogue.images.get(alt="礼盒")
    assert image.sort_order == 3
    assert Image.open(image.rendition_small.path).size == (400, 200)
    assert response.url == _url(ProductImage, "changelist")


def test_photo_upload_is_required_on_add(operator_client, catalogue):
    response = operator_client.post(
        _url(ProductImage, "add"),
        {"product": catalogue.pk, "alt": "", "sort_order": "0"},
    )
    assert response.status_code == 200
    assert "upload" in response.context["adminform"].form.errors


def test_stock_edit_keeps_concurrent_reservations(operator_client, catalogue):
    stock = Stock.objects.get(variant__sku=catalogue.variants.first().sku)
    response = operator_client.get(_url(Stock, "change", stock.pk))
    assert response.status_code == 200
    # Checkout reserves two units after the operator opened the page.
    Stock.objects.filter(pk=stock.pk).update(quantity_reserved=2)
    response = operator_client.post(_url(Stock, "change", stock.pk), {"quantity": "40"})
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_reserved) == (40, 2)


def test_stock_cannot_go_below_reserved(operator_client, catalogue):
    stock = Stock.objects.get(variant__sku=catalogue.variants.first().sku)
    Stock.objects.filter(pk=stock.pk).update(quantity_reserved=3)
    response = operator_client.post(_url(Stock, "change", stock.pk), {"quantity": "2"})
    assert response.status_code == 200
    assert "quantity" in response.context["adminform"].form.errors


def test_add_variant_through_variant_admin_creates_stock(operator_client, catalogue):
    data = {
        "product": catalogue.pk,
        "sku": "HY-NEW",
        "name": "1kg",
        "options": "{}",
        "price_fen": "5990",
        "weight_grams": "1000",
        "track_inventory": "on",
        "sort_order": "5",
        **_management("stock", total=1),
        "stock-0-quantity": "12",
    }
    response = operator_client.post(_url(ProductVariant, "add"), data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors
    )
    variant = ProductVariant.objects.get(sku="HY-NEW")
    assert variant.workshop_id == catalogue.workshop_id
    assert variant.stock.quantity == 12


def test_add_variant_with_duplicate_sku_through_variant_admin(
    operator_client, catalogue
):
    data = {
        "product": catalogue.pk,
        "sku": catalogue.variants.first().sku,
        "options": "{}",
        "price_fen": "5990",
        "weight_grams": "0",
        "sort_order": "0",
        **_management("stock", total=1),
        "stock-0-quantity": "1",
    }
    response = operator_client.post(_url(ProductVariant, "add"), data)
    assert response.status_code == 200
    assert "sku" in response.context["adminform"].form.errors


def test_slug_derived_on_add_and_readonly_on_change(operator_client):
    response = operator_client.post(
        _url(Category, "add"),
        {"name": "干货", "name_en": "", "sort_order": "0", "aftersales_kind": "fresh"},
    )
    assert response.status_code == 302
    category = Category.objects.get(name="干货")
    assert category.aftersales_kind == "fresh"
    assert category.slug == "gan-huo"
    response = operator_client.post(
        _url(Category, "change", category.pk),
        {
            "name": "海味干货",
            "name_en": "",
            "slug": "hacked",
            "sort_order": "0",
            "aftersales_kind": "standard",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.slug) == ("海味干货", "gan-huo")


def test_category_cycle_is_a_form_error(operator_client):
    root = services.category_create(name="海鲜")
    child = services.category_create(name="鱼", parent=root)
    response = operator_client.post(
        _url(Category, "change", root.pk),
        {"name": "海鲜", "name_en": "", "parent": child.pk, "sort_order": "0"},
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors


def test_invalid_rule_pattern_is_a_form_error(operator_client):
    brand = make_brand()
    data = {
        "brand": brand.pk,
        "code": "sc",
        "name": "SC 标准",
        "description": "",
        "category_slugs": "[]",
        "is_active": "on",
        **_management("rules", total=1),
        "rules-0-field": "sc_licence",
        "rules-0-kind": "pattern",
        "rules-0-argument": "(SC",
        "rules-0-message_zh": "格式不对",
        "rules-0-message_en": "bad format",
    }
    response = operator_client.post(_url(BrandStandard, "add"), data)
    assert response.status_code == 200
    assert not BrandStandard.objects.filter(code="sc").exists()
    data["rules-0-argument"] = r"SC\d{14}"
    response = operator_client.post(_url(BrandStandard, "add"), data)
    assert response.status_code == 302
    assert BrandStandard.objects.get(code="sc").rules.get().argument == r"SC\d{14}"


def test_membership_role_target_mismatch_is_a_form_error(operator_client):
    user, brand = make_user(), make_brand()
    response = operator_client.post(
        _url(Membership, "add"),
        {"user": user.pk, "role": Role.WORKSHOP_MANAGER, "brand": brand.pk},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=user).exists()
    response = operator_client.post(
        _url(Membership, "add"),
        {"user": user.pk, "role": Role.BRAND_OPERATOR, "brand": brand.pk},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user).brand == brand


def test_autocomplete_works_for_operators(operator_client, catalogue):
    response = operator_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "catalog",
            "model_name": "product",
            "field_name": "brand",
            "term": "斑斓",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["斑斓海岸"]


def test_edit_product_with_existing_variants_and_photo(operator_client, catalogue):
    first, second = catalogue.variants.order_by("sort_order")
    image = catalogue.images.get()
    data = _product_form(
        catalogue,
        name="东海野生小黄鱼",
        product_code=catalogue.product_code,
        **_management("variants", total=2, initial=2),
        **_management("images", total=1, initial=1),
        **{"images-0-id": image.pk, "images-0-product": catalogue.pk},
        **{"images-0-alt": "新的替代文字", "images-0-sort_order": "0"},
    )
    for i, variant in enumerate([first, second]):
        data.update(
            {
                f"variants-{i}-id": variant.pk,
                f"variants-{i}-product": catalogue.pk,
                f"variants-{i}-sku": variant.sku,
                f"variants-{i}-name": variant.name,
                f"variants-{i}-price_fen": str(variant.price_fen + 100),
                f"variants-{i}-weight_grams": "0",
                f"variants-{i}-sort_order": str(i),
            }
        )
    response = operator_client.post(_url(Product, "change", catalogue.pk), data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors,
        [fs.formset.errors for fs in response.context["inline_admin_formsets"]],
    )
    catalogue.refresh_from_db()
    assert catalogue.name == "东海野生小黄鱼"
    assert catalogue.slug == "dong-hai-huang-yu"
    assert sorted(catalogue.variants.values_list("price_fen", flat=True)) == [
        1380,
        2660,
    ]
    image.refresh_from_db()
    assert image.alt == "新的替代文字"
    assert image.rendition_small  # untouched renditions
    assert Stock.objects.filter(variant__product=catalogue).count() == 2


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ({"staff": True}, True),
        ({"staff": True, "is_superuser": True}, True),
        ({"staff": False, "is_superuser": True}, False),
        ({"staff": True, "is_active": False}, False),
        ({"staff": False}, False),
    ],
)
def test_every_admin_and_inline_asks_the_permissions_module(rf, who, allowed):
    request = rf.get("/admin/")
    request.user = make_user(**who)
    product = make_product()
    for model in OUR_MODELS:
        model_admin = admin.site._registry[model]
        inlines = (
            model_admin.get_inline_instances(request, None)
            if allowed
            else [inline(model, admin.site) for inline in model_admin.inlines]
        )
        for checked in [model_admin, *inlines]:
            assert checked.has_module_permission(request) is allowed, checked
            assert checked.has_view_permission(request, product) is allowed
            assert checked.has_change_permission(request, product) is allowed
            assert checked.has_delete_permission(request, product) is allowed
        assert model_admin.has_add_permission(request) is allowed


def test_variant_page_stock_inline_keeps_concurrent_reservations(
    operator_client, catalogue
):
    variant = catalogue.variants.order_by("sort_order").first()
    stock = variant.stock
    Stock.objects.filter(pk=stock.pk).update(quantity_reserved=4)
    data = {
        "sku": variant.sku,
        "name": variant.name,
        "options": '{"规格": "250g"}',
        "price_fen": "1580",
        "weight_grams": "250",
        "sort_order": "0",
        **_management("stock", total=1, initial=1),
        "stock-0-id": stock.pk,
        "stock-0-variant": variant.pk,
        "stock-0-quantity": "30",
    }
    response = operator_client.post(_url(ProductVariant, "change", variant.pk), data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors,
        [fs.formset.errors for fs in response.context["inline_admin_formsets"]],
    )
    stock.refresh_from_db()
    variant.refresh_from_db()
    assert (stock.quantity, stock.quantity_reserved) == (30, 4)
    assert variant.price_fen == 1580
    assert variant.product_id == catalogue.pk
