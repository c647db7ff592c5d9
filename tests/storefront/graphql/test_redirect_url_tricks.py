"""An API client's redirectUrl (where the reset, verification and deletion
links point) is admitted only when a browser would open it on an allowed
host: a backslash or a user:password@ part makes urlsplit and a browser
disagree about the host, so the mailed token would reach another site; and
whitespace or other non-URL characters would let the link carry text into
the shop's own email. Ordinary URLs with a port, a path and a query pass."""

import json

import pytest
from django.core import mail

from tests.factories import make_user

pytestmark = pytest.mark.django_db

RESET = """
mutation ($email: String!, $url: String!) {
  requestPasswordReset(email: $email, redirectUrl: $url) {
    errors { field code message }
  }
}
"""
EMAIL = "chenjing@example.cn"


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    make_user("chenjing", email=EMAIL)

    def run(url):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/graphql/",
                data=json.dumps(
                    {"query": RESET, "variables": {"email": EMAIL, "url": url}}
                ),
                content_type="application/json",
            )
        assert response.status_code == 200
        return response.json()["data"]["requestPasswordReset"]["errors"]

    return run


@pytest.mark.parametrize(
    "url",
    [
        # Browsers: host evil.example.com, path /@127.0.0.1/reset.
        "http://evil.example.com\\@127.0.0.1/reset",
        "https://evil.example.com\\@127.0.0.1:8000/reset",
        # Userinfo naming the allowed host's own name.
        "http://127.0.0.1:8000@127.0.0.1/reset",
        # Text for the email body riding on the link.
        "http://127.0.0.1:8000/reset 账户异常请致电 400-000-0000",
        "http://127.0.0.1:8000/reset\tcall us",
        "http://127.0.0.1:8000/重置",
        "http://127.0.0.1:99999/reset",
    ],
    ids=repr,
)
def test_urls_a_browser_reads_differently_are_refused(ask, url):
    errors = ask(url)

    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", "redirectUrl")]
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/reset/",
        "https://127.0.0.1/account/reset?next=%2Forders%2F&lang=zh",
    ],
)
def test_ordinary_client_urls_still_pass(ask, url):
    assert ask(url) == []
    [message] = mail.outbox
    assert url.split("?")[0] in message.body
