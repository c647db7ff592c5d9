import pytest
from graphql_relay import to_global_id

from brands.models import Role
from storefront.catalog import services
from tests.factories import (
    grant,
    make_brand,
    make_product,
    make_user,
    make_village,
    make_workshop,
    png_bytes,
)

pytestmark = pytest.mark.django_db

PRODUCTS = """
query($first: Int, $after: String, $filter: ProductFilterInput,
      $brand: String, $workshop: String, $village: String) {
  products(first: $first, after: $after, filter: $filter, brand: $brand,
           workshop: $workshop, village: $village) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    edges { cursor node {
      id slug name url
      brand { slug name }
      workshop { slug workshopType village { slug } brands { slug } }
      originVillage { slug name }
      category { slug }
      priceFrom { amount: fractionalAmount currency formatted }
      variants { sku options stockState quantityAvailable
                 price { amount: fractionalAmount currency formatted } compareAtPrice
                   { amount: fractionalAmount } }
      images { url(size: 400) alt }
      thumbnail(size: 400) { url alt }
      pricing { onSale priceRange { start { gross { amount fractionalAmount } } } }
      labelFacts { netContent scLicence }
    } }
  }
}
"""


def _catalogue(count: int, *, slug: str = "banlan", name: str = "斑斓海岸"):
    brand = make_brand(slug=slug, name=name)
    workshop = make_workshop(brands=[brand])
    for i in range(count):
        product = make_product(
            brand=brand,
            workshop=workshop,
            name=f"活黄鱼{i}",
            variants=((8800 + i, 3), (16800, 0)),
        )
        services.product_image_add(product=product, data=png_bytes((60, 40)))
    return brand, workshop


def test_products_list_money_and_relations(gql):
    _catalogue(3)
    data = gql(PRODUCTS, {"first": 2})["data"]["products"]
    assert data["totalCount"] == 3
    assert len(data["edges"]) == 2
    assert data["pageInfo"]["hasNextPage"] is True
    # Newest first: 活黄鱼2, then 活黄鱼1.
    assert [e["node"]["name"] for e in data["edges"]] == ["活黄鱼2", "活黄鱼1"]
    node = data["edges"][0]["node"]
    assert node["brand"] == {"slug": "banlan", "name": "斑斓海岸"}
    assert node["priceFrom"] == {
        "amount": 8802,
        "currency": "CNY",
        "formatted": "¥88.02",
    }
    assert node["variants"][1]["stockState"] == "SOLD_OUT"
    assert node["variants"][0]["stockState"] == "LOW"
    assert node["variants"][0]["quantityAvailable"] == 3
    assert node["thumbnail"]["url"].startswith("http://testserver/media/products/400/")
    assert node["images"][0]["url"] == node["thumbnail"]["url"]
    start = node["pricing"]["priceRange"]["start"]["gross"]
    assert start == {"amount": 88.02, "fractionalAmount": 8802}
    assert node["pricing"]["onSale"] is False
    assert node["url"].endswith(f"/products/{node['slug']}/")


def test_products_pagination_walks_every_product_once(gql):
    _catalogue(7)
    seen, after = [], None
    while True:
        page = gql(PRODUCTS, {"first": 3, "after": after})["data"]["products"]
        seen += [edge["node"]["slug"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 7 == len(set(seen))


def test_first_above_cap_is_clamped_to_100(gql, settings):
    brand, workshop = make_brand(), None
    workshop = make_workshop(brands=[brand])
    for i in range(105):
        make_product(brand=brand, workshop=workshop, name=f"虾皮{i}")
    page = gql(PRODUCTS, {"first": 10000})["data"]["products"]
    assert settings.GRAPHQL_PAGE_MAX == 100
    assert len(page["edges"]) == 100
    assert page["totalCount"] == 105
    assert page["pageInfo"]["hasNextPage"] is True


def test_negative_first_returns_no_edges(gql):
    _catalogue(2)
    page = gql(PRODUCTS, {"first": -5})["data"]["products"]
    assert page["edges"] == []


@pytest.mark.parametrize("size", [5, 50])
def test_products_page_query_count_is_bounded(gql, size, django_assert_max_num_queries):
    _catalogue(size)
    with django_assert_max_num_queries(10):
        data = gql(PRODUCTS, {"first": 50})
    assert len(data["data"]["products"]["edges"]) == size


def test_filters(gql):
    brand_a = make_brand(slug="brand-a")
    brand_b = make_brand(slug="brand-b")
    village = make_village(slug="mayidao")
    workshop_a = make_workshop(slug="ws-a", brands=[brand_a], village=village)
    workshop_b = make_workshop(slug="ws-b", brands=[brand_b])
    category = services.category_create(name="干货", name_en="Dried")
    child = services.category_create(
        name="虾皮", name_en="Dried shrimp", parent=category
    )
    make_product(brand=brand_a, workshop=workshop_a, name="蚂蚁岛虾皮", category=child)
    make_product(brand=brand_b, workshop=workshop_b, name="临海垂面")

    def slugs(filter_=None, **shop_filters):
        variables = {"filter": filter_, **shop_filters}
        page = gql(PRODUCTS, variables)["data"]["products"]
        return [edge["node"]["name"] for edge in page["edges"]]

    # The shop's own filters are arguments of their own beside Saleor's.
    assert slugs(brand="brand-a") == ["蚂蚁岛虾皮"]
    assert slugs(workshop="ws-b") == ["临海垂面"]
    assert slugs(village="mayidao") == ["蚂蚁岛虾皮"]
    # Saleor's ProductFilterInput: categories by ID, sub-categories included.
    category_id = to_global_id("Category", category.pk)
    assert slugs({"categories": [category_id]}) == ["蚂蚁岛虾皮"]
    assert slugs({"collections": [to_global_id("Collection", brand_b.pk)]}) == [
        "临海垂面"
    ]
    assert slugs({"search": "垂面"}) == ["临海垂面"]
    assert slugs({"search": "chuimian"}) == ["临海垂面"]


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "'; DROP TABLE catalog_product; --",
        ".*[(",
        "\\",
        "🦐🐟",
        "虾" * 3_000,  # 18 KB as JSON escapes it; longer bodies: test_query_limits
    ],
)
def test_odd_search_strings_never_fail(gql, text):
    make_product(name="蚂蚁岛虾皮")
    body = gql(PRODUCTS, {"filter": {"search": text}})
    assert "errors" not in body
    assert isinstance(body["data"]["products"]["edges"], list)


def test_unpublished_products_are_hidden_except_to_their_managers(client, gql):
    product = make_product(name="未上架草编帽", published=False)
    query = """query($slug: String!) {
        product(slug: $slug) { name } products { totalCount } }"""
    variables = {"slug": product.slug}
    assert gql(query, variables)["data"] == {
        "product": None,
        "products": {"totalCount": 0},
    }

    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    client.force_login(manager)
    data = gql(query, variables)["data"]
    assert data["product"] == {"name": "未上架草编帽"}

    node_query = "query($id: ID!) { node(id: $id) { ... on Product { name } } }"
    node_id = {"id": to_global_id("Product", product.pk)}
    assert gql(node_query, node_id)["data"]["node"] == {"name": "未上架草编帽"}
    client.logout()
    assert gql(node_query, node_id)["data"]["node"] is None


def test_product_by_slug_and_unknown_slug(gql):
    product = make_product(name="象山活黄鱼", sc_licence="SC12233022500123")
    data = gql(
        """query($slug: String!) {
            product(slug: $slug) { name labelFacts { scLicence } } }""",
        {"slug": product.slug},
    )["data"]
    assert data["product"] == {
        "name": "象山活黄鱼",
        "labelFacts": {"scLicence": "SC12233022500123"},
    }
    assert gql('{ product(slug: "nope") { name } }')["data"]["product"] is None


def test_products_page_query_count_does_not_grow_with_page_size(gql):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _catalogue(3)
    with CaptureQueriesContext(connection) as small:
        gql(PRODUCTS, {"first": 50})
    _catalogue(30, slug="xiaodao", name="小岛下酒菜")
    with CaptureQueriesContext(connection) as large:
        body = gql(PRODUCTS, {"first": 50})
    assert len(body["data"]["products"]["edges"]) == 33
    assert len(large.captured_queries) == len(small.captured_queries)


def test_last_and_before_page_backwards(gql):
    _catalogue(5)
    query = """query($last: Int, $before: String) {
      products(last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor }
        edges { node { name } } } }"""
    tail = gql(query, {"last": 2})["data"]["products"]
    assert len(tail["edges"]) == 2
    assert tail["pageInfo"]["hasNextPage"] is False
    assert tail["pageInfo"]["hasPreviousPage"] is True
    middle = gql(query, {"last": 2, "before": tail["pageInfo"]["startCursor"]})
    page = middle["data"]["products"]
    assert len(page["edges"]) == 2
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["hasPreviousPage"] is True
    names = [e["node"]["name"] for e in page["edges"] + tail["edges"]]
    assert len(set(names)) == 4


def test_garbage_cursor_is_an_invalid_argument(gql):
    """More bad cursors in test_query_limits.py."""
    _catalogue(2)
    body = gql(PRODUCTS, {"first": 5, "after": "not-a-cursor"})
    assert body["data"]["products"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "after"}


MONEY = """
query { products(first: 1) { edges { node {
  priceFrom { currency amount fractionalAmount fractionDigits formatted }
} } } }
"""


def test_money_is_saleor_s_yuan_with_the_exact_fen_beside_it(gql):
    """Saleor's Money: `amount` a Float in yuan, `fractionalAmount` the exact
    integer in the smallest unit (fen) with `fractionDigits` 2."""
    brand = make_brand()
    make_product(
        brand=brand, workshop=make_workshop(brands=[brand]), variants=((1999, 3),)
    )
    price = gql(MONEY)["data"]["products"]["edges"][0]["node"]["priceFrom"]
    assert price == {
        "currency": "CNY",
        "amount": 19.99,
        "fractionalAmount": 1999,
        "fractionDigits": 2,
        "formatted": "¥19.99",
    }
