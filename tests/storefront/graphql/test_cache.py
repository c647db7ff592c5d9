import json

import pytest

from brands.models import Role
from tests.factories import grant, make_product, make_user

pytestmark = pytest.mark.django_db

QUERY = "{ products(first: 5) { edges { node { name } } } }"


def _post(client, query=QUERY, **extra):
    return client.post(
        "/graphql/",
        data=json.dumps({"query": query, **extra}),
        content_type="application/json",
    )


def test_anonymous_queries_are_cached_until_the_catalogue_changes(client):
    make_product(name="蚂蚁岛虾皮")
    first, second = _post(client), _post(client)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.json() == first.json()

    make_product(name="临海垂面")

    third = _post(client)
    assert third["X-Page-Cache"] == "miss"
    names = {e["node"]["name"] for e in third.json()["data"]["products"]["edges"]}
    assert names == {"蚂蚁岛虾皮", "临海垂面"}


def test_errors_are_never_cached(client):
    assert "X-Page-Cache" not in _post(client, "{ products { nope } }")


def test_variables_are_part_of_the_key(client):
    make_product(name="蚂蚁岛虾皮")
    query = "query($q: String) { products(filter: {search: $q}) { totalCount } }"
    hit = _post(client, query, variables={"q": "虾皮"})
    miss = _post(client, query, variables={"q": "旗袍"})
    assert hit.json()["data"]["products"]["totalCount"] == 1
    assert miss.json()["data"]["products"]["totalCount"] == 0


def test_signed_in_users_are_not_cached(client):
    product = make_product(name="未上架", published=False)
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    client.force_login(manager)
    response = _post(client, "{ products { totalCount } }")
    assert response.json()["data"]["products"]["totalCount"] == 1
    assert "X-Page-Cache" not in response
    client.logout()
    anonymous = _post(client, "{ products { totalCount } }")
    assert anonymous.json()["data"]["products"]["totalCount"] == 0


@pytest.mark.parametrize(
    "query",
    [
        '{ menu(slug: "navbar", channel: "default-channel") { items { name } } }',
        "{ pages(first: 5) { edges { node { slug title } } } }",
        '{ collections(first: 5, channel: "default-channel") { totalCount } }',
        '{ category(slug: "none") { name } channels { slug } }',
        '{ productVariants(first: 5, channel: "default-channel") { totalCount } }',
        "{ addressValidationRules(countryCode: CN) { countryAreaType } }",
    ],
)
def test_saleor_catalogue_root_fields_are_cached_for_anonymous_clients(client, query):
    make_product(name="蚂蚁岛虾皮")
    first, second = _post(client, query), _post(client, query)
    assert "errors" not in first.json()
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.json() == first.json()
