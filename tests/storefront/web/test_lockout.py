"""Password guessing is cut off (django-axes): an account after five failures
from anywhere, an address after five failures against any accounts; the right
password is refused while locked, with a 429 page in Chinese and English, at
the site's login and the admin's alike, until the cool-off ends or an
operator unlocks it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SITE_LOGIN = reverse("web:login")
ADMIN_LOGIN = "/admin/login/"


def _post(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def _fail(client, url, username, times, **extra):
    for _ in range(times):
        response = _post(client, url, username, "wrong-password", **extra)
        assert response.status_code in (200, 429)
    return response


def _assert_locked(response, client):
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂时锁定" in html and "Sign-in temporarily locked" in html
    assert "15 分钟" in html and "15 minutes" in html
    assert reverse("web:password-reset") in html
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", [SITE_LOGIN, ADMIN_LOGIN])
def test_right_password_is_refused_after_five_failures(url, client):
    make_user("operator", staff=True)

    response = _fail(client, url, "operator", 4)
    assert response.status_code == 200  # four failures: still just "wrong"

    _fail(client, url, "operator", 1)
    _assert_locked(_post(client, url, "operator", PASSWORD), client)


def test_a_few_failures_then_the_right_password_still_works(client):
    make_user("lihua")

    _fail(client, SITE_LOGIN, "lihua", 4)

    assert _post(client, SITE_LOGIN, "lihua", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_site_and_the_admin_share_one_count(client):
    make_user("operator", staff=True)

    _fail(client, SITE_LOGIN, "operator", 3)
    _fail(client, ADMIN_LOGIN, "operator", 2)

    _assert_locked(_post(client, ADMIN_LOGIN, "operator", PASSWORD), client)


def test_the_account_is_locked_whatever_address_guesses(client):
    make_user("operator")
    for n in range(5):
        _fail(Client(REMOTE_ADDR=f"198.51.100.{n}"), SITE_LOGIN, "operator", 1)

    fresh = Client(REMOTE_ADDR="203.0.113.77")
    _assert_locked(_post(fresh, SITE_LOGIN, "operator", PASSWORD), fresh)


def test_an_address_guessing_many_accounts_is_locked_for_all(client):
    make_user("victim")
    guesser = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(5):
        _fail(guesser, SITE_LOGIN, f"someone{n}", 1)

    _assert_locked(_post(guesser, SITE_LOGIN, "victim", PASSWORD), guesser)
    # Elsewhere the account was never guessed at and opens.
    other = Client(REMOTE_ADDR="203.0.113.5")
    assert _post(other, SITE_LOGIN, "victim", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, settings):
    make_user("operator")
    _fail(client, SITE_LOGIN, "operator", 5)
    assert _post(client, SITE_LOGIN, "operator", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )

    assert _post(client, SITE_LOGIN, "operator", PASSWORD).status_code == 302


def test_an_operator_unlocks_an_account_with_the_command(client):
    make_user("operator")
    _fail(client, SITE_LOGIN, "operator", 5)

    call_command("axes_reset_username", "operator")

    assert _post(client, SITE_LOGIN, "operator", PASSWORD).status_code == 302


def test_an_operator_sees_and_deletes_attempts_in_the_admin(client):
    make_user("operator")
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    _fail(guesser, SITE_LOGIN, "operator", 5)
    admin = make_user("root", staff=True, is_superuser=True)
    client.force_login(admin)

    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "operator" in listing.content.decode()
    assert "198.51.100.20" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="operator")
    response = client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": [attempt.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _post(guesser, SITE_LOGIN, "operator", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_change_the_address(client):
    make_user("operator")
    for n in range(5):
        _fail(client, SITE_LOGIN, f"x{n}", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }
    response = _post(
        client, SITE_LOGIN, "operator", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_counts(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("operator")
    # The client wrote the first entry itself; the proxy appended the second.
    _fail(
        client,
        SITE_LOGIN,
        "nobody",
        5,
        HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.30",
    )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.30"
    }
    response = _post(
        client,
        SITE_LOGIN,
        "operator",
        PASSWORD,
        HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.31",
    )
    assert response.status_code == 302


def test_a_nul_byte_in_the_username_is_a_form_error(client):
    response = _post(client, SITE_LOGIN, "oper\x00ator", PASSWORD)

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_guessing_during_the_lock_restarts_the_cool_off(client, settings):
    make_user("operator")
    _fail(client, SITE_LOGIN, "operator", 5)
    almost_over = settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - almost_over
    )

    assert _post(client, SITE_LOGIN, "operator", "still-guessing").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=2)
    )

    assert _post(client, SITE_LOGIN, "operator", PASSWORD).status_code == 429
