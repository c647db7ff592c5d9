"""Unknown or hidden things are a friendly 404 page, never a server error."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from brands.models import Role
from storefront.web.views.errors import server_error
from tests.factories import grant, make_product, make_user

pytestmark = pytest.mark.django_db


def assert_not_found_page(response):
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "web/404.html"
    assert "页面未找到" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["web:brand", "web:workshop", "web:village", "web:product", "web:category"]
)
def test_unknown_slug_is_404_page(client, db, name):
    assert_not_found_page(client.get(reverse(name, args=["no-such-thing"])))


@pytest.mark.parametrize("path", ["/no/such/page/", "/products/象山/", "/brands/%00/"])
def test_unknown_path_is_404_page(client, db, path):
    assert_not_found_page(client.get(path))


def test_inactive_brand_is_404_with_its_products(client, shop):
    shop.brand.is_active = False
    shop.brand.save()

    assert_not_found_page(client.get(reverse("web:brand", args=["banlan"])))
    assert_not_found_page(client.get(reverse("web:product", args=[shop.product.slug])))


def test_inactive_workshop_is_404_with_its_products(client, shop):
    shop.workshop.is_active = False
    shop.workshop.save()

    assert_not_found_page(client.get(reverse("web:workshop", args=["dongmen-fish"])))
    assert_not_found_page(client.get(reverse("web:product", args=[shop.product.slug])))
    village = client.get(reverse("web:village", args=["dongmen"]))
    assert "东门海鲜加工工坊" not in village.content.decode()


@pytest.fixture
def unpublished(shop):
    return make_product(
        brand=shop.brand, workshop=shop.workshop, name="试制黄鱼鲞", published=False
    )


def test_unpublished_product_is_404_for_anonymous(client, unpublished):
    assert_not_found_page(client.get(reverse("web:product", args=[unpublished.slug])))


def test_unpublished_product_is_404_for_a_consumer(client, unpublished):
    client.force_login(make_user())

    assert_not_found_page(client.get(reverse("web:product", args=[unpublished.slug])))


def test_unpublished_product_hidden_from_listings_for_anonymous(
    client, shop, unpublished
):
    html = client.get(reverse("web:brand", args=["banlan"])).content.decode()
    assert "试制黄鱼鲞" not in html
    html = client.get(reverse("web:search"), {"q": "黄鱼鲞"}).content.decode()
    assert "试制黄鱼鲞" not in html


def test_unpublished_product_visible_to_its_workshop_manager(client, shop, unpublished):
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, shop.workshop)
    client.force_login(manager)

    response = client.get(reverse("web:product", args=[unpublished.slug]))

    assert response.status_code == 200
    assert "试制黄鱼鲞" in response.content.decode()
    assert "未上架" in response.content.decode()


def test_unpublished_product_hidden_from_another_workshops_manager(
    client, shop, unpublished
):
    other = make_product(name="别家的笋干")
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, other.workshop)
    client.force_login(manager)

    assert_not_found_page(client.get(reverse("web:product", args=[unpublished.slug])))


def test_unpublished_product_visible_to_staff(client, unpublished):
    client.force_login(make_user(staff=True))

    response = client.get(reverse("web:product", args=[unpublished.slug]))

    assert response.status_code == 200
    assert "试制黄鱼鲞" in response.content.decode()


def test_server_error_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "出错了" in response.content.decode()
