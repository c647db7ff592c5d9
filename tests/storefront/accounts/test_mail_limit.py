"""A stranger can type anyone's address into the reset or sign-up form: an
address receives at most ACCOUNT_MAIL_RATE emails of one kind, the rest are
silently not sent, and the answer never changes."""

import pytest
from django.core import mail
from django.urls import reverse

from storefront.accounts.services import account_signup
from tests.factories import make_user

pytestmark = pytest.mark.django_db

RESET = reverse("web:password-reset")


@pytest.fixture(autouse=True)
def _rate(settings):
    settings.ACCOUNT_MAIL_RATE = "3/h"


def test_reset_mails_to_one_address_stop_at_the_rate(
    client, django_capture_on_commit_callbacks
):
    make_user("wu", email="wu@example.cn")
    make_user("zhou", email="zhou@example.cn")
    answers = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(client.post(RESET, {"email": "wu@example.cn"}))

    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, reverse("web:password-reset-done"))
    }
    assert [m.to for m in mail.outbox] == [["wu@example.cn"]] * 3
    # Another address is counted on its own.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "zhou@example.cn"})
    assert mail.outbox[-1].to == ["zhou@example.cn"]


def test_sign_ups_with_a_taken_address_notify_its_owner_at_most_at_the_rate(
    django_capture_on_commit_callbacks,
):
    make_user("qian", email="qian@example.cn")
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                account_signup(email="qian@example.cn", password="村里的新密码-2026")
                is None
            )
    assert len(mail.outbox) == 3
    assert {tuple(m.to) for m in mail.outbox} == {("qian@example.cn",)}
