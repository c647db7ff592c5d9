"""The files users start the shop with stay valid."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_defines_the_production_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "stripe", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "media", "imports"} <= set(compose["volumes"])
    web = services["web"]
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert web["environment"]["CELERY_BROKER_URL"].startswith("redis://")
    assert "gunicorn" in web["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    # Without real keys the stack pays through the local Stripe stand-in.
    assert "devtools.stripe_stand_in" in services["stripe"]["command"]
    assert "/payments/stripe/webhook/" in services["stripe"]["command"]
    assert "stripe:8420" in web["environment"]["STRIPE_API_BASE"]
    # The worker reads the catalogue files the web process stored.
    for name in ("web", "worker"):
        assert "imports:/app/var/imports" in services[name]["volumes"]
        assert services[name]["environment"]["IMPORT_ROOT"] == "/app/var/imports"


def test_ci_script_starts_services_and_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert "pg_ctlcluster --skip-systemctl-redirect" in script
    assert "redis-server --daemonize yes" in script
    assert 'DATABASE_URL="postgres://' in script
    # Both runs are README's command, and the script fails when either fails.
    assert script.count("  make test >") == 2
    assert 'wait "$sqlite_run" || status=1' in script
    assert 'wait "$postgres_run" || status=1' in script
    assert script.rstrip().endswith('exit "$status"')


def test_the_image_copies_every_package_the_project_installs():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert packages <= copied, packages - copied
