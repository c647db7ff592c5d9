"""workshopProductVariantStocksUpdate, workshopProductVariantUpdate and
workshopProductUpdate: the catalogue's editing services over GraphQL, with
Saleor's error shape."""

import pytest
from graphql_relay import to_global_id

from brands.models import Role
from storefront.catalog.inventory import stock_reserve
from storefront.catalog.models import Product, ProductChange, Stock
from tests.factories import grant, make_product, make_user, make_workshop

pytestmark = pytest.mark.django_db

STOCKS = """
mutation($id: ID!, $stocks: [WorkshopStockInput!]!) {
  workshopProductVariantStocksUpdate(variantId: $id, stocks: $stocks) {
    productVariant { sku quantityAvailable }
    errors { field code message }
  }
}"""

VARIANT = """
mutation($id: ID!, $input: WorkshopProductVariantInput!) {
  workshopProductVariantUpdate(id: $id, input: $input) {
    productVariant { price { amount: fractionalAmount } compareAtPrice {
      amount: fractionalAmount } }
    errors { field code message }
  }
}"""

PRODUCT = """
mutation($id: ID!, $input: WorkshopProductInput!) {
  workshopProductUpdate(id: $id, input: $input) {
    product { name description }
    errors { field code message }
  }
}"""


@pytest.fixture
def shop(client):
    product = make_product(variants=((1280, 10),))
    variant = product.variants.get()
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    client.force_login(manager)
    return product, variant


def _vid(variant):
    return to_global_id("ProductVariant", variant.pk)


def _pid(product):
    return to_global_id("Product", product.pk)


def test_stocks_update_sets_the_one_stock(gql, shop):
    _, variant = shop
    body = gql(STOCKS, {"id": _vid(variant), "stocks": [{"quantity": 40}]})
    payload = body["data"]["workshopProductVariantStocksUpdate"]
    assert payload["errors"] == []
    assert payload["productVariant"]["quantityAvailable"] == 40
    assert ProductChange.objects.filter(field="stock", new_value="40").exists()


def test_stocks_below_reserved_or_negative_refused(gql, shop):
    _, variant = shop
    stock_reserve(wanted={variant.pk: 6}, tracked={variant.pk})
    body = gql(STOCKS, {"id": _vid(variant), "stocks": [{"quantity": 5}]})
    (error,) = body["data"]["workshopProductVariantStocksUpdate"]["errors"]
    assert error["code"] == "BELOW_RESERVED"
    assert error["field"] == "stocks.0.quantity"
    assert "已占用" in error["message"] and "orders hold" in error["message"]
    body = gql(STOCKS, {"id": _vid(variant), "stocks": [{"quantity": -1}]})
    (error,) = body["data"]["workshopProductVariantStocksUpdate"]["errors"]
    assert error["code"] == "INVALID_QUANTITY"
    body = gql(
        STOCKS, {"id": _vid(variant), "stocks": [{"quantity": 1}, {"quantity": 2}]}
    )
    (error,) = body["data"]["workshopProductVariantStocksUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "stocks")
    assert Stock.objects.get(variant=variant).quantity == 10


def test_stocks_non_integer_refused_by_the_schema(gql, shop):
    _, variant = shop
    body = gql(STOCKS, {"id": _vid(variant), "stocks": [{"quantity": 1.5}]}, status=400)
    assert "Int cannot represent non-integer value" in body["errors"][0]["message"]
    assert Stock.objects.get(variant=variant).quantity == 10


@pytest.mark.parametrize(
    ("price", "code"), [("0,50", "INVALID_PRICE"), ("abc", "INVALID_PRICE")]
)
def test_variant_update_bad_price(gql, shop, price, code):
    _, variant = shop
    body = gql(VARIANT, {"id": _vid(variant), "input": {"price": price}})
    (error,) = body["data"]["workshopProductVariantUpdate"]["errors"]
    assert (error["code"], error["field"]) == (code, "price")
    assert "价格无效" in error["message"] and "Invalid price" in error["message"]


def test_variant_update_price_and_compare_at(gql, shop):
    _, variant = shop
    body = gql(
        VARIANT,
        {"id": _vid(variant), "input": {"price": "9.90", "compareAtPrice": "12"}},
    )
    payload = body["data"]["workshopProductVariantUpdate"]
    assert payload["errors"] == []
    assert payload["productVariant"]["price"]["amount"] == 990  # fen
    body = gql(VARIANT, {"id": _vid(variant), "input": {"compareAtPrice": "9"}})
    (error,) = body["data"]["workshopProductVariantUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("COMPARE_AT_NOT_ABOVE", "compareAtPrice")


def test_product_update_texts_and_publishing(gql, shop):
    product, _ = shop
    body = gql(
        PRODUCT,
        {
            "id": _pid(product),
            "input": {
                "name": "新名",
                "description": "<b>好</b><script>1</script>",
                "isPublished": False,
            },
        },
    )
    payload = body["data"]["workshopProductUpdate"]
    assert payload["errors"] == [], payload
    product.refresh_from_db()
    assert product.name == "新名" and not product.is_published
    assert "script" not in product.description
    body = gql(PRODUCT, {"id": _pid(product), "input": {"scLicence": "SC1"}})
    (error,) = body["data"]["workshopProductUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "scLicence")


def test_another_workshops_product_is_refused(client, gql, shop):
    product, variant = shop
    outsider = make_user()
    grant(outsider, Role.WORKSHOP_MANAGER, make_workshop())
    client.force_login(outsider)
    for query, variables, name in (
        (
            STOCKS,
            {"id": _vid(variant), "stocks": [{"quantity": 1}]},
            "workshopProductVariantStocksUpdate",
        ),
        (
            VARIANT,
            {"id": _vid(variant), "input": {"price": "1"}},
            "workshopProductVariantUpdate",
        ),
        (
            PRODUCT,
            {"id": _pid(product), "input": {"name": "x"}},
            "workshopProductUpdate",
        ),
    ):
        (error,) = gql(query, variables)["data"][name]["errors"]
        assert error["code"] == "PERMISSION_DENIED"
    client.logout()
    (error,) = gql(PRODUCT, {"id": _pid(product), "input": {"name": "x"}})["data"][
        "workshopProductUpdate"
    ]["errors"]
    assert error["code"] == "PERMISSION_DENIED"
    assert Product.objects.get(pk=product.pk).name == product.name
    assert not ProductChange.objects.exists()
