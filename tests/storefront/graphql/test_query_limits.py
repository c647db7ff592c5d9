"""GraphQL cost limits and error hygiene (docs/graphql-limits.md).

Every limit is checked before validation and execution: just under it a
query runs, just over it the answer is a QUERY_TOO_COMPLEX error (HTTP 400,
like validation errors) in milliseconds. Introspection follows the setting;
unexpected exceptions are logged and masked; bad cursors and NUL inputs are
clean INVALID errors that never reach the database."""

import base64
import json
import logging

import graphene
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils.crypto import get_random_string
from graphql import GraphQLError, Lexer, Source, TokenKind, build_schema, parse

from config.schema import schema
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import Checkout
from storefront.graphql.limits import QueryLimits, measure_document
from storefront.graphql.view import StorefrontGraphQLView
from tests.factories import make_product, make_user

pytestmark = pytest.mark.django_db

PRODUCTS = "{ products(first: 10) { edges { node { name } } } }"  # cost 31


def post(client, query: str, variables=None, **extra):
    return client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **extra,
    )


@pytest.fixture(autouse=True)
def _answers_not_cached(settings):
    """The same text is sent under different limits."""
    settings.CATALOG_CACHE_SECONDS = 0


def assert_too_complex(response, limit: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    assert error["extensions"]["limit"] == limit, error
    assert (
        "查询过于复杂" in error["message"] and "query too complex" in error["message"]
    )
    assert str(error["extensions"]["maximum"]) in error["message"]
    return error


def assert_runs(response):
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body["data"]


def tokens(query: str) -> int:
    lexer, count = Lexer(Source(query)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def figures(query: str, variables=None, page_cap=100):
    limits = QueryLimits(10**9, 10**9, 10**9, 10**9, 10**12, page_cap)
    measure, exceeded = measure_document(
        schema.graphql_schema, parse(query), variables, limits
    )
    assert not exceeded
    return measure


# --- each limit: just under runs, just over is refused -------------------------


def test_body_size_limit(client, settings):
    body = json.dumps({"query": PRODUCTS, "variables": {}})
    settings.GRAPHQL_MAX_BODY_BYTES = len(body)
    assert_runs(post(client, PRODUCTS))
    settings.GRAPHQL_MAX_BODY_BYTES = len(body) - 1
    error = assert_too_complex(post(client, PRODUCTS), "bodyBytes")
    assert error["extensions"]["value"] == len(body)


def test_token_limit(client, settings):
    settings.GRAPHQL_MAX_TOKENS = tokens(PRODUCTS)
    assert_runs(post(client, PRODUCTS))
    settings.GRAPHQL_MAX_TOKENS = tokens(PRODUCTS) - 1
    assert_too_complex(post(client, PRODUCTS), "tokens")


def test_alias_limit(client, settings):
    settings.GRAPHQL_MAX_ALIASES = 3
    three = (
        "a: brands { totalCount } b: brands { totalCount } c: villages { totalCount }"
    )
    assert_runs(post(client, "{ " + three + " }"))
    four = "{ " + three + " d: categories { totalCount } }"
    error = assert_too_complex(post(client, four), "aliases")
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "aliases",
        "value": 4,
        "maximum": 3,
    }


def test_repeating_one_field_counts_against_the_alias_limit(client, settings):
    """Validation compares every pair of selections merged under one key,
    so repeating a field (or spreading fragments that repeat it) is bounded
    like aliases are."""
    settings.GRAPHQL_MAX_ALIASES = 3
    assert_runs(post(client, "{ __typename __typename __typename }"))
    assert_too_complex(
        post(client, "{ __typename __typename __typename __typename }"),
        "fieldRepeats",
    )
    # Merged through parents: 2 × 2 selections of `name` under products.node.
    nested = """{ products { edges { node { name name } } }
                  products { edges { node { name name } } } }"""
    assert figures(nested).repeats == 4
    assert_too_complex(post(client, nested), "fieldRepeats")


def test_depth_limit(client, settings):
    settings.GRAPHQL_MAX_DEPTH = 4
    assert_runs(post(client, PRODUCTS))
    deeper = "{ products(first: 10) { edges { node { brand { name } } } } }"
    assert_too_complex(post(client, deeper), "depth")


def test_cost_limit(client, settings):
    assert figures(PRODUCTS).cost == 1 + 10 * 3
    settings.GRAPHQL_MAX_COST = 31
    assert_runs(post(client, PRODUCTS))
    settings.GRAPHQL_MAX_COST = 30
    error = assert_too_complex(post(client, PRODUCTS), "cost")
    assert error["extensions"]["value"] > 30


# --- the reproduced attacks ----------------------------------------------------


def test_a_4_mb_body_of_whitespace_is_refused_before_it_is_read(client):
    query = "{" + " " * 4_000_000 + "__typename }"
    assert_too_complex(post(client, query), "bodyBytes")


def test_20000_typenames_are_refused(client, settings):
    query = "{" + " __typename" * 20_000 + " }"
    assert_too_complex(post(client, query), "bodyBytes")
    settings.GRAPHQL_MAX_BODY_BYTES = 10**6  # then the token limit stops it
    assert_too_complex(post(client, query), "tokens")


def test_1000_aliases_of_full_product_pages_are_refused(client, settings):
    query = (
        "{"
        + " ".join(
            f"a{n}: products(first: 100) {{ edges {{ node {{ slug name }} }} }}"
            for n in range(1000)
        )
        + "}"
    )
    assert_too_complex(post(client, query), "bodyBytes")
    settings.GRAPHQL_MAX_BODY_BYTES = 10**6  # then the token limit stops it
    assert_too_complex(post(client, query), "tokens")
    settings.GRAPHQL_MAX_TOKENS = 10**6  # then the alias limit stops it
    assert_too_complex(post(client, query), "aliases")


def test_the_query_of_a_multipart_upload_is_held_to_the_body_limit(settings):
    """A file upload's body is large by nature; its `operations` part is
    measured once it is read."""
    settings.GRAPHQL_MAX_BODY_BYTES = 200
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    client.cookies["csrftoken"] = token = get_random_string(32)
    query = 'mutation($file: Upload!) { catalogImportCreate(workshop: "w", file: $file) { errors { code } } }'  # noqa: E501
    query += " " * 200
    data = {
        "operations": json.dumps({"query": query, "variables": {"file": None}}),
        "map": json.dumps({"0": ["variables.file"]}),
        "0": SimpleUploadedFile("c.csv", b"a,b\n" * 1000),
    }
    response = client.post("/graphql/", data=data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "bodyBytes"


def test_a_10000_character_search_is_refused_as_too_large(client):
    query = "query($f: ProductFilterInput) { products(filter: $f) { totalCount } }"
    response = post(client, query, {"f": {"search": "虾" * 10_000}})
    assert_too_complex(response, "bodyBytes")


# --- how cost is counted -------------------------------------------------------


NESTED_SCHEMA = build_schema("""
    type Query { shops(first: Int, last: Int): ShopConnection }
    type ShopConnection { edges: [ShopEdge] totalCount: Int }
    type ShopEdge { node: Shop }
    type Shop { name: String products(first: Int): ProductConnection }
    type ProductConnection { edges: [ProductEdge] }
    type ProductEdge { node: Product }
    type Product { name: String price: Int }
""")


def test_nested_connections_multiply():
    """Connections are the fields that take first/last; each multiplies what
    it selects by its page size (our schema's connections are all at the
    top, so a schema of nested ones shows it)."""
    query = """query($n: Int) { shops(first: 5) { totalCount edges { node {
        name products(first: $n) { edges { node { name price } } } } } } }"""
    limits = QueryLimits(10**9, 10**9, 10**9, 10**9, 10**12, 100)

    def cost(variables):
        measure, _ = measure_document(NESTED_SCHEMA, parse(query), variables, limits)
        return measure.cost

    # shops: 1 + 5 × (totalCount + edges + node + name + products), where
    # products is 1 + n × (edges + node + name + price).
    assert cost({"n": 20}) == 1 + 5 * (4 + (1 + 20 * 4))
    assert cost({}) == 1 + 5 * (4 + (1 + 100 * 4))


def test_first_and_last_come_from_variables_defaults_or_the_page_cap():
    query = "query($n: Int) { products(first: $n) { edges { node { name } } } }"
    assert figures(query, {"n": 7}).cost == 1 + 7 * 3
    assert figures(query, {}).cost == 1 + 100 * 3  # absent: the page cap
    assert figures(query, {"n": 5000}).cost == 1 + 100 * 3  # capped like pages
    assert figures(query, {}, page_cap=10).cost == 1 + 10 * 3
    default = "query($n: Int = 4) { products(last: $n) { edges { node { name } } } }"
    assert figures(default, {}).cost == 1 + 4 * 3
    assert figures(default, {"n": 2}).cost == 1 + 2 * 3


def test_a_variable_first_is_judged_by_its_value(client, settings):
    query = "query($n: Int) { products(first: $n) { edges { node { name } } } }"
    settings.GRAPHQL_MAX_COST = 31
    assert_runs(post(client, query, {"n": 10}))
    assert_too_complex(post(client, query, {"n": 11}), "cost")
    assert_too_complex(post(client, query), "cost")  # no n: 100 a page


def test_fragments_are_expanded_wherever_they_are_spread():
    fragment = "fragment P on Product { name slug }"
    once = "{ products(first: 10) { edges { node { ...P } } } } " + fragment
    twice = (
        "{ products(first: 10) { edges { node { ...P } } } "
        "  a: products(first: 10) { edges { node { ...P } } } } " + fragment
    )
    assert figures(once).cost == 1 + 10 * 4
    assert figures(twice).cost == 2 * (1 + 10 * 4)
    assert figures(twice).aliases == 1


def test_a_fragment_bomb_is_refused_before_it_is_expanded(client):
    """40 fragments each spreading the next twice: 2^40 fields expanded."""
    fragments = " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(40)
    )
    query = "{ ...F0 } " + fragments + " fragment F40 on Query { __typename }"
    error = assert_too_complex(post(client, query), "fieldRepeats")
    assert error["extensions"]["maximum"] == 15


def test_cyclic_fragments_are_a_validation_error_not_a_hang(client):
    query = """{ products { edges { node { ...A } } } }
        fragment A on Product { name brand { ...B } }
        fragment B on Brand { name ...C }
        fragment C on Brand { slug ...B }"""
    response = post(client, query)
    assert response.status_code == 400
    assert "within itself" in response.json()["errors"][0]["message"]


def test_operations_and_fragments_not_run_are_measured_too(client, settings):
    """Validation reads the whole document, so the limits do too."""
    settings.GRAPHQL_MAX_ALIASES = 3
    big = "{ __typename __typename __typename __typename }"
    assert_too_complex(
        post(client, f"query Small {{ __typename }} query Big {big}"),
        "fieldRepeats",
    )
    unused = "fragment Unused on Query { __typename __typename __typename __typename }"
    assert_too_complex(post(client, "{ __typename } " + unused), "fieldRepeats")


def test_get_requests_are_held_to_the_same_limits(client, settings):
    settings.GRAPHQL_MAX_COST = 30
    response = client.get("/graphql/", {"query": PRODUCTS})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


# --- introspection -------------------------------------------------------------

INTROSPECT = "{ __schema { queryType { name } } }"


def test_introspection_is_refused_when_switched_off(client, settings):
    settings.GRAPHQL_INTROSPECTION = False
    response = post(client, INTROSPECT)
    assert response.status_code == 400
    assert "introspection has been disabled" in response.json()["errors"][0]["message"]
    response = post(client, '{ __type(name: "Product") { name } }')
    assert response.status_code == 400
    assert assert_runs(post(client, "{ __typename }")) == {"__typename": "Query"}


def test_introspection_answers_when_switched_on(client, settings):
    settings.GRAPHQL_INTROSPECTION = True
    data = assert_runs(post(client, INTROSPECT))
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


# --- unexpected exceptions -----------------------------------------------------


class Boom(graphene.ObjectType):
    """A test-only schema: one resolver fails by accident, others on purpose."""

    broken = graphene.String()
    refused = graphene.String()
    domain = graphene.String()
    fine = graphene.String()

    def resolve_broken(self, info):
        return {"secret": "postgres://admin:hunter2@db"}["missing"]

    def resolve_refused(self, info):
        raise GraphQLError("不行 (refused on purpose)", extensions={"code": "NOPE"})

    def resolve_domain(self, info):
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")

    def resolve_fine(self, info):
        return "ok"


BOOM_VIEW = StorefrontGraphQLView.as_view(schema=graphene.Schema(query=Boom))


def boom(query: str) -> dict:
    request = RequestFactory().post(
        "/graphql/", json.dumps({"query": query}), content_type="application/json"
    )
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return json.loads(BOOM_VIEW(request).content)


def test_an_unexpected_exception_is_logged_and_masked(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="storefront.graphql"):
        body = boom("{ broken fine }")
    assert body["data"] == {"broken": None, "fine": "ok"}
    (error,) = body["errors"]
    assert error["message"] == "服务器内部错误 (internal server error)"
    assert error["extensions"] == {"code": "INTERNAL_ERROR"}
    assert error["path"] == ["broken"]
    assert "hunter2" not in json.dumps(body) and "missing" not in json.dumps(body)
    (record,) = [r for r in caplog.records if r.name == "storefront.graphql"]
    assert record.levelno == logging.ERROR and "broken" in record.getMessage()
    assert record.exc_info[0] is KeyError
    assert "resolve_broken" in caplog.text  # the traceback


def test_with_debug_the_internal_error_carries_the_details(settings, caplog):
    settings.DEBUG = True
    (error,) = boom("{ broken }")["errors"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert error["extensions"]["exception"] == {
        "type": "KeyError",
        "message": "'missing'",
    }


def test_expected_errors_are_unchanged_and_not_logged(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="storefront.graphql"):
        body = boom("{ refused domain }")
    by_path = {tuple(e["path"]): e for e in body["errors"]}
    assert by_path[("refused",)]["message"] == "不行 (refused on purpose)"
    assert by_path[("refused",)]["extensions"] == {"code": "NOPE"}
    domain = CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
    assert by_path[("domain",)]["message"] == domain.message
    assert not [r for r in caplog.records if r.name == "storefront.graphql"]
    # Validation errors keep graphql-core's own words.
    response = boom("{ nope }")
    assert "nope" in response["errors"][0]["message"]


def test_a_node_id_of_a_type_that_is_no_node_is_null_not_an_error(gql, caplog):
    global_id = base64.b64encode(b"Query:1").decode()
    with caplog.at_level(logging.ERROR, logger="storefront.graphql"):
        body = gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
    assert body == {"data": {"node": None}}
    assert not caplog.records


@pytest.mark.parametrize(
    "bad",
    [
        "!!notbase64",
        base64.b64encode(b"ProductType:abc").decode(),
        base64.b64encode(b"ProductType:99999999999999999999").decode(),
    ],
)
def test_a_malformed_node_id_is_invalid_not_an_internal_error(gql, caplog, bad):
    with caplog.at_level(logging.ERROR, logger="storefront.graphql"):
        body = gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert error["extensions"]["field"] == "id"
    assert "invalid ID" in error["message"]
    assert not caplog.records


# --- cursors -------------------------------------------------------------------


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "bad",
    [
        "not a cursor!",
        cursor("arrayconnection:abc"),
        cursor("arrayconnection:-1"),
        cursor("arrayconnection:" + "1" + "0" * 20),  # 10^20: past bigint
        cursor("arrayconnection:9223372036854775807"),  # bigint max: + 1 overflows
        cursor("arrayconnection: 5"),
        cursor("arrayconnection:٣"),  # a digit, but not an ASCII one
        cursor("otherprefix:5"),
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_a_bad_cursor_is_an_invalid_argument(gql, bad, argument):
    make_product(name="蚂蚁岛虾皮")
    query = f"""query($c: String) {{
        products(first: 5, {argument}: $c) {{ edges {{ node {{ name }} }} }} }}"""
    body = gql(query, {"c": bad})
    assert body["data"] == {"products": None}
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": argument}
    assert error["message"] == f"{argument}: 游标无效 (invalid cursor)"


def test_a_far_but_valid_cursor_is_an_empty_page(gql):
    make_product(name="蚂蚁岛虾皮")
    query = """query($c: String) {
        products(first: 5, after: $c) { edges { node { name } } } }"""
    body = gql(query, {"c": cursor(f"arrayconnection:{2**53}")})
    assert body == {"data": {"products": {"edges": []}}}


# --- NUL characters --------------------------------------------------------------

CREATE = """mutation($email: String) {
  checkoutCreate(input: { email: $email, lines: [] }) {
    checkout { id } errors { field code message } } }"""
NOTE = """mutation($token: ID!, $note: String!) {
  checkoutNoteUpdate(id: $token, note: $note) {
    checkout { note } errors { field code message } } }"""
ADDRESS = """mutation($token: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(id: $token, shippingAddress: $address) {
    checkout { id } errors { field code message } } }"""
NUL_MESSAGE = "不能包含空字符 NUL (must not contain the NUL character)"


def new_checkout(gql) -> str:
    payload = gql(CREATE, {"email": "buyer@example.com"})["data"]["checkoutCreate"]
    assert payload["errors"] == []
    return payload["checkout"]["id"]


def test_a_nul_in_a_checkout_note_is_a_field_error(gql):
    token = new_checkout(gql)
    gql(NOTE, {"token": token, "note": "请放门口"})
    payload = gql(NOTE, {"token": token, "note": "请放\x00门口"})["data"][
        "checkoutNoteUpdate"
    ]
    assert payload == {
        "checkout": None,
        "errors": [{"field": "note", "code": "INVALID", "message": NUL_MESSAGE}],
    }
    assert Checkout.objects.get().note == "请放门口"


def test_a_nul_in_a_literal_argument_is_a_field_error_too(gql):
    token = new_checkout(gql)
    literal = (
        f'mutation {{ checkoutNoteUpdate(id: "{token}", note: "a\\u0000b") '
        "{ errors { field code } } }"
    )
    payload = gql(literal)["data"]["checkoutNoteUpdate"]
    assert payload["errors"] == [{"field": "note", "code": "INVALID"}]
    assert Checkout.objects.get().note == ""


def test_a_nul_in_an_address_field_names_that_field(gql):
    token = new_checkout(gql)
    address = {
        "firstName": "王\x00小明",
        "phone": "13800138000",
        "countryArea": "浙江省",
        "city": "舟山市",
        "cityArea": "嵊泗县",
        "streetAddress1": "菜园镇 1 号",
    }
    payload = gql(ADDRESS, {"token": token, "address": address})["data"][
        "checkoutShippingAddressUpdate"
    ]
    assert payload["errors"] == [
        {
            "field": "shippingAddress.firstName",
            "code": "INVALID",
            "message": NUL_MESSAGE,
        }
    ]
    assert Checkout.objects.get().recipient_name == ""


def test_a_nul_in_checkout_create_leaves_no_checkout(gql):
    payload = gql(CREATE, {"email": "buyer\x00@example.com"})["data"]["checkoutCreate"]
    assert payload["errors"] == [
        {"field": "email", "code": "INVALID", "message": NUL_MESSAGE}
    ]
    assert not Checkout.objects.exists()


def test_a_mutation_without_an_invalid_code_gives_a_graphql_error(gql):
    body = gql('mutation { catalogImportApply(job: "a\\u0000") { job { id } } }')
    assert body["data"] == {"catalogImportApply": None}
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "job"}


@pytest.mark.parametrize(
    "query, variables, field",
    [
        (
            "query($f: ProductFilterInput) { products(filter: $f) { totalCount } }",
            {"f": {"search": "\x00虾"}},
            "filter.search",
        ),
        (
            '{ products(filter: { search: "虾\\u0000" }) { totalCount } }',
            None,
            "filter.search",
        ),
        ('{ product(slug: "a\\u0000") { name } }', None, "slug"),
        (
            "query($s: String!) { brand(slug: $s) { name } }",
            {"s": "\x00"},
            "slug",
        ),
    ],
)
def test_a_nul_in_a_query_argument_is_an_invalid_error(client, query, variables, field):
    make_product(name="蚂蚁岛虾皮")
    response = post(client, query, variables)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": field}
    assert error["message"] == f"{field}: {NUL_MESSAGE}"
