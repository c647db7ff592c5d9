"""Production mode refuses a webhook signing secret that has been published,
as it refuses the development SECRET_KEY: with it anyone could sign a
"payment succeeded". The demo stack and `make run` use per-install secrets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.payments_stand_in import TEST_WEBHOOK_SECRET

ROOT = Path(__file__).resolve().parents[3]
PUBLISHED = ["whsec_gongfu_local_demo", "whsec_gongfu_local_tests"]


def _load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "STRIPE_WEBHOOK_SECRET"}
    }
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STRIPE_WEBHOOK_SECRET)",
        ],
        cwd=ROOT,
        env={
            **clean,
            "SECRET_KEY": "k" * 50,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("secret", PUBLISHED + [f" {PUBLISHED[0]} "])
def test_production_refuses_a_published_webhook_secret(secret):
    result = _load_settings(DEBUG="0", STRIPE_WEBHOOK_SECRET=secret)
    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET is a published demo secret" in result.stderr


def test_debug_mode_allows_the_demo_secret():
    result = _load_settings(DEBUG="1", STRIPE_WEBHOOK_SECRET=PUBLISHED[0])
    assert result.returncode == 0, result.stderr


def test_production_starts_with_the_test_runs_own_random_secret():
    assert TEST_WEBHOOK_SECRET not in PUBLISHED
    assert re.fullmatch(r"whsec_[\w-]{32}", TEST_WEBHOOK_SECRET)
    result = _load_settings(DEBUG="0", STRIPE_WEBHOOK_SECRET=TEST_WEBHOOK_SECRET)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == TEST_WEBHOOK_SECRET


def test_no_webhook_secret_is_written_down_for_the_demo_or_the_tests():
    for path in ("Makefile", "docker-compose.yml", "tests/payments_stand_in.py"):
        text = (ROOT / path).read_text()
        assert not re.search(r"whsec_\w{6,}", text), path


def test_make_run_signs_with_a_random_per_install_secret():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^var/stripe_webhook_secret:\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and "secrets.token_urlsafe" in recipe[1]
    assert "chmod 600" in recipe[1]
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert "var/stripe_webhook_secret" in run[0].splitlines()[0]
    # The stand-in signs with it, and the shop checks with it.
    assert '--webhook-secret "$$(cat var/stripe_webhook_secret)"' in run[1]
    assert 'STRIPE_WEBHOOK_SECRET="$$(cat var/stripe_webhook_secret)"' in run[1]


def test_docker_compose_requires_the_webhook_secret_everywhere_it_is_used():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    required = re.compile(r"\$\{STRIPE_WEBHOOK_SECRET:\?[^}]+\}")
    app_secret = compose["services"]["web"]["environment"]["STRIPE_WEBHOOK_SECRET"]
    assert required.fullmatch(app_secret)
    assert re.search(
        r"--webhook-secret " + required.pattern,
        compose["services"]["stripe"]["command"],
    )
