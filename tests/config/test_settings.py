"""Configuration comes from the environment; production mode refuses a weak key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], "
        "settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", "django-insecure-dev-only-key-do-not-use-in-production"],
)
def test_production_refuses_missing_or_default_secret_key(secret):
    env = {"DEBUG": "0"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development default" in result.stderr


def test_production_starts_with_a_real_key():
    result = _load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_debug_mode_allows_the_development_key():
    result = _load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_embedded_defaults_without_service_variables():
    result = _load_settings(DEBUG="1", DATABASE_URL="", CELERY_BROKER_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_service_variables_switch_to_real_services():
    result = _load_settings(
        DEBUG="1",
        DATABASE_URL="postgres://shop@db.example:5432/shop",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def test_allowed_hosts_from_environment(client, settings):
    assert "127.0.0.1" in settings.ALLOWED_HOSTS
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(','.join(settings.ALLOWED_HOSTS))",
        ],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "shop.example.cn,.gongfu.example"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "shop.example.cn,.gongfu.example"


@pytest.mark.django_db
def test_csrf_is_enforced(settings):
    from django.test import Client

    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
