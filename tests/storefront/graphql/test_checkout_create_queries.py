"""checkoutCreate writes a cart in a fixed number of queries, however many
lines it has (issue 18): the variants are read in one query, the lines go in
with one INSERT, and the new cart is answered without reading it back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from storefront.checkout.models import Checkout, CheckoutLine
from storefront.graphql.ids import checkout_token_from_id
from tests.factories import make_brand, make_workshop
from tests.shop_helpers import make_variant

pytestmark = pytest.mark.django_db

CREATE = """mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id email } errors { field code: shopCode } } }"""
# The transaction (a savepoint inside the test's), the cart, its variants
# with their products, brands, workshops and stock, and its lines.
CREATE_MAX_QUERIES = 5


def _create(gql, variants, quantity=1):
    lines = [
        {"variantId": to_global_id("ProductVariant", v.pk), "quantity": quantity}
        for v in variants
    ]
    with CaptureQueriesContext(connection) as queries:
        body = gql(
            CREATE,
            {
                "input": {
                    "channel": "default-channel",
                    "email": "buyer@example.com",
                    "lines": lines,
                }
            },
        )
    payload = body["data"]["checkoutCreate"]
    return payload, len(queries.captured_queries)


def test_checkout_create_takes_as_many_queries_for_five_lines_as_for_one(gql):
    brand = make_brand()
    workshops = [make_workshop(brands=[brand]) for _ in range(3)]
    variants = [make_variant(1000 + i, workshop=workshops[i % 3]) for i in range(5)]

    one, one_line = _create(gql, variants[:1])
    five, five_lines = _create(gql, variants, quantity=2)

    assert one["errors"] == [] and five["errors"] == []
    assert five["checkout"]["email"] == "buyer@example.com"
    assert one_line == five_lines, (one_line, five_lines)
    assert five_lines <= CREATE_MAX_QUERIES, five_lines
    checkout = Checkout.objects.get(
        token=checkout_token_from_id(five["checkout"]["id"])
    )
    assert sorted(checkout.lines.values_list("variant_id", "quantity")) == sorted(
        (v.pk, 2) for v in variants
    )


def test_a_bad_line_among_good_ones_leaves_no_cart_and_names_its_index(gql):
    brand = make_brand()
    good = make_variant(1200, brand=brand)
    unpublished = make_variant(1300, brand=brand, published=False)

    payload, _ = _create(gql, [good, unpublished, good])

    assert payload["checkout"] is None
    assert payload["errors"] == [
        {"field": "lines.1.variantId", "code": "PRODUCT_UNAVAILABLE"}
    ]
    assert not Checkout.objects.exists()
    assert not CheckoutLine.objects.exists()
