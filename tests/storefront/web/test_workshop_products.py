"""/workshop/products/: the workshop's products, stock, prices, publishing,
editing with history, new products; and who may do which."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from brands.models import Role
from storefront.catalog.inventory import stock_reserve
from storefront.catalog.models import Product, ProductChange, Stock
from tests.factories import (
    grant,
    make_brand,
    make_product,
    make_user,
    make_workshop,
    png_bytes,
)

pytestmark = pytest.mark.django_db

LIST = "/workshop/products/"


@pytest.fixture
def shop():
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    product = make_product(brand=brand, workshop=workshop, variants=((1280, 10),))
    return product, product.variants.get()


def _manager(workshop):
    user = make_user()
    grant(user, Role.WORKSHOP_MANAGER, workshop)
    return user


def _q(product) -> str:
    return f"?workshop={product.workshop.slug}"


def test_list_shows_stock_available_and_reserved_at_390px(client, shop):
    product, variant = shop
    stock_reserve(wanted={variant.pk: 3}, tracked={variant.pk})
    client.force_login(_manager(product.workshop))
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert product.name in page and variant.sku in page
    assert "可售 Available <strong>7</strong>" in page
    assert "已占用 Reserved 3" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="viewport" content="width=device-width' in page
    assert 'value="12.80"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_set_and_adjust_stock_from_the_list(client, shop):
    product, variant = shop
    client.force_login(_manager(product.workshop))
    url = f"{LIST}variants/{variant.pk}/stock/{_q(product)}"
    response = client.post(url, {"mode": "set", "quantity": "30"})
    assert response.status_code == 302
    client.post(url, {"mode": "adjust", "delta": "-4"})
    assert Stock.objects.get(variant=variant).quantity == 26


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"mode": "set", "quantity": "2"}, "库存不能少于订单已占用的数量"),
        ({"mode": "set", "quantity": "-1"}, "Stock must be a whole number"),
        ({"mode": "set", "quantity": "2.5"}, "库存须为不小于 0 的整数"),
        ({"mode": "adjust", "delta": "-8"}, "Stock cannot go below what orders hold"),
    ],
)
def test_bad_stock_is_refused_with_a_message(client, shop, data, shown):
    product, variant = shop
    stock_reserve(wanted={variant.pk: 3}, tracked={variant.pk})
    client.force_login(_manager(product.workshop))
    response = client.post(
        f"{LIST}variants/{variant.pk}/stock/{_q(product)}", data, follow=True
    )
    assert shown in response.content.decode()
    assert Stock.objects.get(variant=variant).quantity == 10


@pytest.mark.parametrize(
    ("price", "shown"), [("0,50", "逗号只能用作千位分隔符"), ("abc", "not a number")]
)
def test_bad_price_is_refused_with_a_message(client, shop, price, shown):
    product, variant = shop
    client.force_login(_manager(product.workshop))
    response = client.post(
        f"{LIST}variants/{variant.pk}/price/{_q(product)}",
        {"price": price, "compare_at_price": ""},
        follow=True,
    )
    page = response.content.decode()
    assert shown in page and "价格无效" in page and "Invalid price" in page
    variant.refresh_from_db()
    assert variant.price_fen == 1280


def test_price_compare_at_and_publish(client, shop):
    product, variant = shop
    client.force_login(_manager(product.workshop))
    client.post(
        f"{LIST}variants/{variant.pk}/price/{_q(product)}",
        {"price": "15.00", "compare_at_price": "18"},
    )
    variant.refresh_from_db()
    assert (variant.price_fen, variant.compare_at_price_fen) == (1500, 1800)
    client.post(f"{LIST}{product.pk}/publish/{_q(product)}", {"published": "0"})
    assert not Product.objects.get(pk=product.pk).is_published


def test_edit_page_saves_texts_shows_history_and_refuses_a_non_image(
    client, shop, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    product, _ = shop
    manager = _manager(product.workshop)
    client.force_login(manager)
    url = f"{LIST}{product.pk}/{_q(product)}"
    assert client.get(url).status_code == 200
    data = {
        "action": "text",
        "name": "新的名字",
        "description": "<p>好</p><script>x</script>",
        "net_content": "500克",
    }
    assert client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.name == "新的名字" and "script" not in product.description
    bad = SimpleUploadedFile("a.jpg", b"this is text", content_type="image/jpeg")
    response = client.post(url, {"action": "photo", "photo": bad})
    assert response.status_code == 400
    assert "不是可识别的图片" in response.content.decode()
    assert "Not an image we can read" in response.content.decode()
    good = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    assert client.post(url, {"action": "photo", "photo": good}).status_code == 302
    assert product.images.count() == 1
    page = client.get(url).content.decode()
    assert "变更记录 History" in page and manager.username in page
    assert "新的名字" in page and "net_content" in page and "photo" in page


def test_create_product_form(client, shop):
    product, _ = shop
    client.force_login(_manager(product.workshop))
    url = f"{LIST}new/{_q(product)}"
    assert client.get(url).status_code == 200
    data = {
        "brand": product.brand.pk,
        "product_code": "NEW-9",
        "name": "手工年糕",
        "sku": "NEW-9-1",
        "price": "0,50",
        "quantity": "5",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "逗号只能用作千位分隔符" in response.content.decode()
    response = client.post(url, {**data, "price": "12.5"})
    assert response.status_code == 302
    created = Product.objects.get(product_code="NEW-9")
    assert created.variants.get().price_fen == 1250


# The permission table: each role × own/other × each action.
ROLES = [
    ("manager_own", True),
    ("manager_other", False),
    ("brand_operator_own", True),
    ("brand_operator_other", False),
    ("consumer", False),
    ("anonymous", False),
    ("platform_operator", True),
]
ACTIONS = ["list", "edit", "stock", "price", "publish", "create"]


def _actor(role, product):
    if role == "anonymous":
        return None
    user = make_user(staff=role == "platform_operator")
    if role == "manager_own":
        grant(user, Role.WORKSHOP_MANAGER, product.workshop)
    elif role == "manager_other":
        grant(user, Role.WORKSHOP_MANAGER, make_workshop())
    elif role == "brand_operator_own":
        grant(user, Role.BRAND_OPERATOR, product.brand)
    elif role == "brand_operator_other":
        other = make_brand()
        make_workshop(brands=[other])
        grant(user, Role.BRAND_OPERATOR, other)
    return user


def _attempt(client, action, product, variant):
    q = _q(product)
    if action == "list":
        return client.get(f"{LIST}{q}")
    if action == "edit":
        return client.post(f"{LIST}{product.pk}/{q}", {"action": "text", "name": "改"})
    if action == "stock":
        return client.post(
            f"{LIST}variants/{variant.pk}/stock/{q}", {"mode": "set", "quantity": "77"}
        )
    if action == "price":
        return client.post(f"{LIST}variants/{variant.pk}/price/{q}", {"price": "99"})
    if action == "publish":
        return client.post(f"{LIST}{product.pk}/publish/{q}", {"published": "0"})
    return client.post(
        f"{LIST}new/{q}",
        {
            "brand": product.brand.pk,
            "product_code": "PERM-1",
            "name": "权限测试",
            "sku": "PERM-1",
            "price": "5",
            "quantity": "1",
        },
    )


def _changed(action, product, variant) -> bool:
    product.refresh_from_db()
    variant.refresh_from_db()
    return {
        "list": None,
        "edit": product.name == "改",
        "stock": Stock.objects.get(variant=variant).quantity == 77,
        "price": variant.price_fen == 9900,
        "publish": not product.is_published,
        "create": Product.objects.filter(product_code="PERM-1").exists(),
    }[action]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("role", "allowed"), ROLES)
def test_permission_table(client, shop, role, allowed, action):
    product, variant = shop
    user = _actor(role, product)
    if user is not None:
        client.force_login(user)
    response = _attempt(client, action, product, variant)
    if allowed:
        assert response.status_code in (200, 302), response.content[:300]
        if action != "list":
            assert _changed(action, product, variant)
        else:
            assert product.name in response.content.decode()
    else:
        if role == "anonymous":
            assert response.status_code == 302
            assert "/login" in response["Location"] or "login" in response["Location"]
        else:
            assert response.status_code in (403, 404)
        if action != "list":
            assert not _changed(action, product, variant)
        assert not ProductChange.objects.exists()
