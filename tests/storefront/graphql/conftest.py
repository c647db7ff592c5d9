import json

import pytest


@pytest.fixture
def gql(client):
    """POST a GraphQL query as JSON and return the decoded body."""

    def run(query: str, variables: dict | None = None, *, status: int = 200):
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
        )
        assert response.status_code == status, response.content
        return response.json()

    return run
