"""A web process of its own for tests: the shop's whole request stack (every
middleware, view and in-process memo) in a separate Python process that
shares only the database and the cache with the test, as two gunicorn
machines behind one load balancer share PostgreSQL and Redis.

    python -m tests.storefront.catalog.web_process

WEB_PROCESS_SETTINGS (JSON: database, caches, catalog_cache_seconds) says
what it shares. It answers one JSON line per JSON line on stdin:

    {"get": "/products/x/"}                     → {"status": 200, "body": "…"}
    {"graphql": "{ product(slug: …) { name } }"} → {"status": 200, "body": "…"}
    {"rename": {"product": 1, "user": 2, "name": "…"}} → {"status": 200}

A GET is sent by a new anonymous visitor each time (no cookies kept); a
rename goes through the catalogue's own write (product_update).
"""

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _configure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    shared = json.loads(os.environ["WEB_PROCESS_SETTINGS"])
    settings.DATABASES = {
        "default": {**settings.DATABASES["default"], **shared["database"]}
    }
    settings.CACHES = shared["caches"]
    settings.CATALOG_CACHE_SECONDS = shared["catalog_cache_seconds"]
    # As in the suite: templates render without collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }

    import django

    django.setup()


def _answer(command: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from storefront.catalog.editing import product_update
    from storefront.catalog.models import Product

    client = Client(HTTP_HOST="localhost")
    if "get" in command:
        response = client.get(command["get"])
    elif "graphql" in command:
        response = client.post(
            "/graphql/",
            json.dumps({"query": command["graphql"]}),
            content_type="application/json",
        )
    else:
        rename = command["rename"]
        product_update(
            product=Product.objects.get(pk=rename["product"]),
            user=get_user_model().objects.get(pk=rename["user"]),
            name=rename["name"],
        )
        return {"status": 200}
    return {"status": response.status_code, "body": response.content.decode()}


def main() -> None:
    _configure()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        print(json.dumps(_answer(json.loads(line))), flush=True)


class WebProcess:
    """The test's side of one web process."""

    def __init__(self, process, errors):
        self.process = process
        self.errors = errors
        self.pid = json.loads(self._line())["ready"]

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            raise RuntimeError(f"web process ended: {self.errors.read()[-4000:]}")
        return line

    def send(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def get(self, path: str) -> str:
        answer = self.send({"get": path})
        assert answer["status"] == 200, answer
        return answer["body"]

    def graphql(self, query: str) -> dict:
        answer = self.send({"graphql": query})
        assert answer["status"] == 200, answer
        return json.loads(answer["body"])

    def rename(self, *, product, user, name: str) -> None:
        self.send({"rename": {"product": product.pk, "user": user.pk, "name": name}})


@contextmanager
def web_process(*, catalog_cache_seconds: int = 600):
    """A web process sharing this test's database and cache (the test must
    commit what it shows it: django_db(transaction=True))."""
    import subprocess
    import tempfile

    from django.conf import settings
    from django.db import connection

    database = {
        key: connection.settings_dict[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    shared = {
        "database": database,
        "caches": settings.CACHES,
        "catalog_cache_seconds": catalog_cache_seconds,
    }
    errors = tempfile.TemporaryFile("w+")  # a file: a full pipe would block it
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.storefront.catalog.web_process"],
        cwd=REPO,
        env={**os.environ, "WEB_PROCESS_SETTINGS": json.dumps(shared)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    try:
        yield WebProcess(process, errors)
    finally:
        errors.close()
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
