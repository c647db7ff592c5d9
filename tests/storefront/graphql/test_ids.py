"""One parser for Relay global IDs (storefront.graphql.ids), on the one
reader of primary keys from text (storefront.core.ids)."""

import pytest
from graphql_relay import to_global_id

from storefront.core.ids import MAX_PK, pk_from_text
from storefront.graphql.ids import decode_id, parse_global_id


@pytest.mark.parametrize(
    ("text", "pk"),
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_PK), MAX_PK),
        (str(MAX_PK + 1), None),
        ("9" * 40, None),
        ("0", None),
        ("-1", None),
        ("1.0", None),
        (" 1", None),
        ("١", None),  # an Arabic-Indic digit: isdigit(), but not ASCII
        ("", None),
        (None, None),
        (7, None),
    ],
)
def test_pk_from_text(text, pk):
    assert pk_from_text(text) == pk


def test_a_global_id_names_its_type_and_key():
    assert parse_global_id(to_global_id("Product", 12)) == ("Product", 12)
    assert decode_id(to_global_id("Product", 12), "Product") == 12
    assert decode_id(to_global_id("Product", 12), "Brand") is None


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "UHJvZHVjdDo=", to_global_id("Product", "x"), None, 12, []],
)
def test_anything_else_is_none(value):
    assert parse_global_id(value) is None
    assert decode_id(value, "Product") is None
