"""List pages cost the same few queries however many products they show."""

import pytest
from django.urls import reverse

from tests.factories import make_product

pytestmark = pytest.mark.django_db

# An anonymous brand page today: brand, workshops, their brands, paginator count,
# products, variants with stock, images = 7 queries. One spare for growth.
MAX_QUERIES = 8


@pytest.fixture(params=[1, 30])
def stocked(request, shop):
    for n in range(request.param):
        make_product(
            brand=shop.brand,
            workshop=shop.workshop,
            name=f"黄鱼干{n:02d}",
            variants=((990, 2), (1990, 0)),
        )
    return shop


@pytest.mark.parametrize(
    "url",
    [
        reverse("web:brand", args=["banlan"]),
        reverse("web:search") + "?q=%E9%BB%84%E9%B1%BC",  # 黄鱼
        reverse("web:search") + "?q=huangyu&page=2",
        reverse("web:home"),
        reverse("web:workshop", args=["dongmen-fish"]),
        reverse("web:village", args=["dongmen"]),
    ],
)
def test_list_pages_have_bounded_queries(
    client, stocked, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200


def test_category_page_has_bounded_queries(
    client, stocked, django_assert_max_num_queries
):
    url = reverse("web:category", args=[stocked.category.slug])

    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200


def test_product_page_has_bounded_queries(
    client, stocked, django_assert_max_num_queries
):
    url = reverse("web:product", args=[stocked.product.slug])

    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200
