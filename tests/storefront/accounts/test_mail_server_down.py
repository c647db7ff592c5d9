"""A mail server (or task broker) that fails after commit never changes the
answer of an account page or mutation: the account emails are queued with
`transaction.on_commit(..., robust=True)`, so the failure is logged and the
shopper sees what they would have seen. Without a broker the tasks run in
the request (eager): a reset for a known address would otherwise fail while
an unknown one succeeds, telling who has an account."""

import json
from smtplib import SMTPServerDisconnected

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

KNOWN = "chenjing@example.cn"
UNKNOWN = "nobody@example.cn"
PASSWORD = "海边的村子-2026-good"


@pytest.fixture
def mail_server_down(monkeypatch):
    # What leaves the machine (SMTP) has no local stand-in here: the mail
    # backend's send is made to fail as a disconnected server would.
    def refuse(self, messages):
        raise SMTPServerDisconnected("down")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_web_password_reset_answers_alike_while_mail_is_down(
    client, after_commit, mail_server_down
):
    make_user("chenjing", email=KNOWN)
    with after_commit():
        known = client.post(reverse("web:password-reset"), {"email": KNOWN})
    with after_commit():
        unknown = client.post(reverse("web:password-reset"), {"email": UNKNOWN})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert mail.outbox == []


RESET = """
mutation ($email: String!) {
  requestPasswordReset(email: $email, redirectUrl: "http://127.0.0.1:8000/r/") {
    errors { field code message }
  }
}
"""


def test_api_password_reset_answers_alike_while_mail_is_down(
    client, after_commit, mail_server_down
):
    make_user("chenjing", email=KNOWN)

    def ask(email):
        with after_commit():
            response = client.post(
                "/graphql/",
                data=json.dumps({"query": RESET, "variables": {"email": email}}),
                content_type="application/json",
            )
        return response.status_code, response.json()

    known, unknown = ask(KNOWN), ask(UNKNOWN)

    assert known == unknown
    assert known[1] == {"data": {"requestPasswordReset": {"errors": []}}}


def test_sign_up_while_mail_is_down_shows_the_usual_page(
    client, after_commit, mail_server_down
):
    with after_commit():
        response = client.post(
            reverse("web:signup"),
            {"email": "xiaoming@example.cn", "password": PASSWORD},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:signup-done")
    # The account is there; its link can be sent again from the account page.
    assert get_user_model().objects.filter(email="xiaoming@example.cn").exists()
