"""Parsing and validating a GraphQL document costs more than running most of
our mutations (≈ 7 ms of a 20 ms checkoutEmailUpdate). Clients send the same
few query texts over and over, and the schema never changes in a running
process, so each distinct text is parsed and validated once.

Parsing stops after the token limit (storefront.graphql.limits), so a huge
text costs no more than a limit's worth of tokens."""

from functools import lru_cache

from graphene_django.settings import graphene_settings
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from .limits import too_complex, too_many_tokens

# Longer texts are checked every time, so no one can fill memory with them.
CACHEABLE_QUERY_CHARS = 20_000

RULES_WITHOUT_INTROSPECTION = (*specified_rules, NoSchemaIntrospectionCustomRule)


def not_text() -> GraphQLError:
    return GraphQLError("查询须为文本 / The query must be a string")


def parsed(query: str, max_tokens: int) -> DocumentNode:
    """parse(), remembered for short texts (failures too); raises
    GraphQLError (with the QUERY_TOO_COMPLEX code past the token limit or the
    parser's nesting limit)."""
    if len(query) > CACHEABLE_QUERY_CHARS:
        return _parse(query, max_tokens)
    document, error = _cached_parse(query, max_tokens)
    if error is not None:
        raise error
    return document


@lru_cache(maxsize=512)
def _cached_parse(query: str, max_tokens: int):
    try:
        return _parse(query, max_tokens), None
    except GraphQLError as error:
        return None, error


def _parse(query: str, max_tokens: int) -> DocumentNode:
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLSyntaxError as error:
        if "tokens. Parsing aborted" in error.message:
            raise too_many_tokens(max_tokens) from None
        if "nested too deeply" in error.message:
            raise too_complex(
                "嵌套过深，无法解析",
                "nested too deeply to parse",
                limit="depth",
                value=None,
                maximum=None,
            ) from None
        raise


def validation_errors(
    schema: GraphQLSchema, query: str, max_tokens: int, introspection: bool
) -> list[GraphQLError]:
    """The validation errors of `query` (which parses: see `parsed`); with
    `introspection` off, __schema and __type are refused (__typename is not)."""
    if len(query) > CACHEABLE_QUERY_CHARS:
        return _validate(schema, _parse(query, max_tokens), introspection)
    return list(_cached_validate(schema, query, max_tokens, introspection))


@lru_cache(maxsize=512)
def _cached_validate(schema, query, max_tokens, introspection) -> tuple:
    return tuple(_validate(schema, parsed(query, max_tokens), introspection))


def _validate(schema, document, introspection) -> list[GraphQLError]:
    return validate(
        schema,
        document,
        None if introspection else RULES_WITHOUT_INTROSPECTION,
        max_errors=graphene_settings.MAX_VALIDATION_ERRORS,
    )
