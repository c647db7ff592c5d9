import json
from pathlib import Path

import pytest
from graphql import print_schema

from config.schema import schema

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


def test_committed_schema_matches_code():
    """Run `make schema` after an intended API change and commit schema.graphql."""
    assert (
        SCHEMA_FILE.read_text().strip() == print_schema(schema.graphql_schema).strip()
    )


def test_malformed_query_gives_graphql_error(client):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": "{ products { "}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_unknown_field_gives_graphql_error(gql):
    body = gql("{ products { nope } }", status=400)
    assert "nope" in body["errors"][0]["message"]


def test_invalid_json_body_gives_error(client):
    response = client.post(
        "/graphql/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "errors" in response.json()


def test_form_encoded_post_is_refused(client):
    """A cross-site HTML form cannot drive the API (the endpoint is CSRF-exempt)."""
    response = client.post("/graphql/", data={"query": "{ brands { totalCount } }"})
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]


def test_get_query_works_and_graphiql_is_off_without_debug(client):
    response = client.get("/graphql/", {"query": "{ brands { totalCount } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"brands": {"totalCount": 0}}}
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert b"graphiql" not in page.content.lower()


@pytest.mark.parametrize("query", [123, ["{ brands { totalCount } }"], {"a": 1}])
def test_a_query_that_is_not_text_gives_graphql_error(client, query):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_each_query_text_is_parsed_and_validated_once():
    from storefront.graphql.documents import (
        CACHEABLE_QUERY_CHARS,
        parsed,
        validation_errors,
    )

    graphql_schema = schema.graphql_schema
    text = "{ brands { totalCount } }"
    first, again = parsed(text, 100), parsed(text, 100)
    assert again is first
    assert validation_errors(graphql_schema, text, 100, False) == []
    # Invalid documents keep their errors; very long texts are not remembered.
    errors = validation_errors(graphql_schema, "{ brands { nope } }", 100, False)
    assert "nope" in errors[0].message
    long_text = "{ brands { totalCount } }" + " " * CACHEABLE_QUERY_CHARS
    assert parsed(long_text, 100) is not parsed(long_text, 100)
