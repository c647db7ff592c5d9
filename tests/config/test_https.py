"""HTTPS=1 makes the shop HTTPS-only: HTTP redirected, HSTS, secure cookies;
`check --deploy` with the documented production variables prints no issue."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import new_rsa_private_key_pem

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "HTTPS": "1",
    "ALLOWED_HOSTS": "shop.example.cn",
    # Production refuses the published demo webhook secret.
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(24),
    # The API's JWT signing key (RS256).
    "JWT_PRIVATE_KEY": new_rsa_private_key_pem(),
}
# Variables of the developer's shell that would change the outcome.
CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "HTTPS",
    "SECURE_COOKIES",
    "HSTS_SECONDS",
    "HSTS_PRELOAD",
    "HSTS_INCLUDE_SUBDOMAINS",
    "TRUSTED_PROXY_SSL_HEADER",
    "ALLOWED_HOSTS",
    "STRIPE_WEBHOOK_SECRET",
    "JWT_PRIVATE_KEY",
}


def _run(args: list[str], **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(names: str, **env) -> list[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        f"print(*[repr(getattr(s, n, None)) for n in {names.split()!r}], sep='|')"
    )
    result = _run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


def test_check_deploy_with_the_production_variables_finds_no_issue():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


def test_check_deploy_without_a_jwt_key_names_it():
    env = {k: v for k, v in PRODUCTION.items() if k != "JWT_PRIVATE_KEY"}

    result = _run(["manage.py", "check", "--deploy"], **env)

    assert result.returncode != 0
    assert "accounts.E001" in result.stderr + result.stdout
    assert "JWT_PRIVATE_KEY" in result.stderr + result.stdout


def test_check_deploy_without_https_names_what_is_missing():
    env = {k: v for k, v in PRODUCTION.items() if k != "HTTPS"}

    result = _run(["manage.py", "check", "--deploy"], **env)

    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in result.stderr + result.stdout, code


def test_https_turns_on_redirect_hsts_and_secure_cookies():
    values = _settings(
        "SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS "
        "SECURE_HSTS_PRELOAD SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE "
        "SECURE_PROXY_SSL_HEADER",
        **PRODUCTION,
    )

    assert values == ["True", "31536000", "True", "False", "True", "True", "None"]


def test_without_https_nothing_is_forced():
    values = _settings(
        "SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS SESSION_COOKIE_SECURE",
        DEBUG="0",
        SECRET_KEY="x" * 50,
    )

    assert values == ["False", "0", "False"]


def test_secure_cookies_alone_still_secures_the_cookies_only():
    values = _settings(
        "SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        SECURE_COOKIES="1",
    )

    assert values == ["False", "True", "True"]


def test_hsts_preload_and_a_trusted_proxy_header_are_opt_in():
    values = _settings(
        "SECURE_HSTS_PRELOAD SECURE_PROXY_SSL_HEADER SILENCED_SYSTEM_CHECKS",
        **PRODUCTION,
        HSTS_PRELOAD="1",
        TRUSTED_PROXY_SSL_HEADER="1",
    )

    assert values[0] == "True"
    assert values[1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert "security.W021" not in values[2]


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(https_only):
    response = Client().get("/cart/?x=1")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/cart/?x=1"


@pytest.mark.django_db
def test_health_checks_over_plain_http_are_not_redirected(https_only):
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_https_responses_carry_hsts(https_only):
    response = Client().get("/cart/", secure=True)

    assert response.status_code == 200
    assert (
        response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    )


@pytest.mark.django_db
def test_behind_a_trusted_proxy_its_https_header_is_believed(https_only, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get("/cart/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


@pytest.mark.django_db
def test_without_the_trusted_proxy_setting_a_forged_header_is_ignored(https_only):
    response = Client().get("/cart/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
