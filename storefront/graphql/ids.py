"""Relay global IDs ("Type:pk", base64): the one place that reads them."""

import uuid

from graphql_relay import from_global_id, to_global_id

from storefront.core.ids import pk_from_text


def parse_global_id(global_id) -> tuple[str, int] | None:
    """(type name, primary key) of a well-formed global ID, else None."""
    if not isinstance(global_id, str):
        return None
    try:
        type_name, pk = from_global_id(global_id)
    except Exception:  # graphql_relay raises assorted errors on garbage
        return None
    pk = pk_from_text(pk)
    if not type_name or pk is None:
        return None
    return type_name, pk


def decode_id(global_id, expected_type: str) -> int | None:
    """The primary key in a global ID of `expected_type`, else None."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != expected_type:
        return None
    return parsed[1]


def checkout_global_id(checkout) -> str:
    """A checkout's id as Saleor writes it: "Checkout:<token>"."""
    return to_global_id("Checkout", str(checkout.token))


def checkout_token_from_id(global_id) -> uuid.UUID | None:
    """The token in a Checkout global id; None for a malformed id or one of
    another type."""
    if not isinstance(global_id, str):
        return None
    try:
        type_name, token = from_global_id(global_id)
        if type_name != "Checkout":
            return None
        return uuid.UUID(token)
    except Exception:  # base64, UTF-8 or UUID garbage
        return None
