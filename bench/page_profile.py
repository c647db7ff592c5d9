"""Where a page's server time goes: cProfile over in-process requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_bench \
        REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/page_profile.py [--requests 200] [--top 25]

Runs against a database that bench/storefront.py has loaded (it creates the
bench users if missing). Each page is asked through Django's test client with
the page cache on (--cache-seconds 60, the default: anonymous pages are then
served whole from it) or off (0), anonymous and signed in, after a warm-up.
Prints the SQL queries per request, the mean in-process time per request and
the functions that take the most time (own time and cumulative).
Not part of the test suite.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pages(users) -> list[tuple[str, str, object]]:
    from brands.models import Brand
    from storefront.catalog.models import Category, Product

    product = Product.objects.order_by("pk").values_list("slug", flat=True)[500]
    brand = Brand.objects.order_by("pk").values_list("slug", flat=True).first()
    category = Category.objects.order_by("pk").values_list("slug", flat=True).first()
    shopper, workshop, host = users
    return [
        ("product", f"/products/{product}/", None),
        ("product, signed in", f"/products/{product}/", shopper),
        ("brand", f"/brands/{brand}/?page=2", None),
        ("brand, signed in", f"/brands/{brand}/?page=2", shopper),
        ("category", f"/categories/{category}/?page=3", None),
        ("category, signed in", f"/categories/{category}/?page=3", shopper),
        ("search", "/search/?q=%E9%BB%84%E9%B1%BC", None),
        ("search, signed in", "/search/?q=%E9%BB%84%E9%B1%BC", shopper),
        ("workshop dashboard", "/workshop/", workshop),
        ("host dashboard", "/host/dashboard/", host),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="", help="profile pages whose label has it")
    parser.add_argument(
        "--cache-seconds",
        default="60",
        help="CATALOG_CACHE_SECONDS: 0 renders anonymous pages every time",
    )
    parser.add_argument(
        "--locmem",
        action="store_true",
        help="an in-process cache instead of REDIS_URL's (leaves Redis alone)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CATALOG_CACHE_SECONDS"] = args.cache_seconds
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 40)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.storefront_users import bench_users

    settings.ALLOWED_HOSTS = ["*"]
    if args.locmem:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        }
    users = bench_users()
    for label, url, user in pages(users):
        if args.only and args.only not in label:
            continue
        client = Client()
        if user is not None:
            client.force_login(user)
        for _ in range(20):
            response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        queries = []
        with connection.execute_wrapper(_counting(queries)):
            client.get(url)
        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(url)
        mean_ms = (time.perf_counter() - started) * 1000 / args.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(url)
        profile.disable()
        print(f"\n### {label}: {url}\n")
        print(
            f"{len(queries)} queries, {mean_ms:.2f} ms per request "
            "in process (test client, unprofiled)\n"
        )
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        print("```")
        print(_trim(out.getvalue()))
        print("```")


def _counting(queries: list):
    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def _trim(text: str) -> str:
    keep = []
    for line in text.splitlines():
        if line.strip() and not line.startswith(("   Ordered by", "   List reduced")):
            keep.append(line.rstrip())
    return "\n".join(keep)


if __name__ == "__main__":
    main()
