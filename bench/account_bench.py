"""我的订单 at scale (issue 14), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench14 \
        .venv/bin/python bench/account_bench.py [--orders 200] [--requests 300]

In a separate database (<name>_account_bench, recreated each run unless
--reuse), one signed-in shopper with --orders paid orders of three variants
from two workshops (two parcels each, every other parcel shipped with an SF
tracking number, every third parcel with an after-sales request, three
events per order; tests/storefront/web/shopper_orders.py writes them), then
for `/account/orders/` (the first page and a deep one): the SQL queries of
one render (Django test client, second request, session and user lookups
included) and the latency of --requests sequential requests on one
keep-alive connection under gunicorn (2 sync workers, persistent
connections, DEBUG off) with the shopper's session cookie (p50/p95/p99).
Targets: ≤ 10 queries, p95 ≤ 50 ms. Not part of the test suite.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.storefront import (  # noqa: E402
    bench_database_url,
    recreate_database,
    run_manage,
    server_env,
    start_gunicorn,
)
from bench.workshop_bench import sequential, session_cookie, yes  # noqa: E402

TARGETS = {"queries": 10, "p95_ms": 50.0}
PAGE = "/account/orders/"
PATHS = [PAGE, PAGE + "?page=10"]


def build(orders: int) -> None:
    from tests.factories import (
        make_brand,
        make_product,
        make_user,
        make_village,
        make_workshop,
    )
    from tests.storefront.web.shopper_orders import make_shopper_orders

    brand = make_brand(slug="ab-brand", name="基准品牌", name_en="Bench brand")
    village = make_village(slug="ab-village", name="基准村")
    one = make_workshop(brands=[brand], village=village, slug="ab-one", name="一号工坊")
    two = make_workshop(brands=[brand], village=village, slug="ab-two", name="二号工坊")
    fish = make_product(
        brand=brand,
        workshop=one,
        name="黄鱼鲞",
        variants=((1280, 10**6), (2480, 10**6)),
    )
    laver = make_product(
        brand=brand, workshop=two, name="紫菜", variants=((900, 10**6),)
    )
    variants = [*fish.variants.select_related("product__brand", "product__workshop")]
    variants += laver.variants.select_related("product__brand", "product__workshop")
    shopper = make_user("ab-shopper", email="shopper@example.cn")
    make_shopper_orders(shopper, variants, orders)


def count_queries(cookie: tuple[str, str], path: str) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[cookie[0]] = cookie[1]
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"{path}: HTTP {response.status_code}")
    return {
        "queries": len(queries),
        "sql": [q["sql"] for q in queries.captured_queries],
        "bytes": len(response.content),
        "orders": response.content.decode().count('class="account-order"'),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the loaded bench database"
    )
    args = parser.parse_args()

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_account_bench",
        script="bench/account_bench.py",
    )
    env = server_env(url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    if not args.reuse:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        run_manage(env, "collectstatic", "--noinput", "-v0")
        django.setup()
        started = time.perf_counter()
        build(args.orders)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"loaded {args.orders} orders in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    else:
        django.setup()
    from django.contrib.auth import get_user_model

    shopper = get_user_model().objects.get(username="ab-shopper")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{shopper.orders.count()} orders",
        flush=True,
    )
    cookie = session_cookie(shopper.pk)
    counted = {path: count_queries(cookie, path) for path in PATHS}
    server, port = start_gunicorn({**env, "DEBUG": "0"})
    try:
        timed = {path: sequential(port, path, cookie, args.requests) for path in PATHS}
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\n{PAGE} as the shopper; gunicorn 2 sync workers, persistent "
        f"connections, DEBUG off; {args.requests} sequential requests\n"
    )
    print("| page | SQL queries | HTML KB | orders shown | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in PATHS:
        c, s = counted[path], timed[path]
        print(
            f"| {path} | {c['queries']} | {c['bytes'] / 1024:.0f} | {c['orders']} "
            f"| {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} |"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for path in PATHS:
        c, s = counted[path], timed[path]
        print(
            f"{path}: ≤ {TARGETS['queries']} queries "
            f"{yes(c['queries'] <= TARGETS['queries'])}; p95 ≤ "
            f"{TARGETS['p95_ms']:.0f} ms {yes(s['p95'] <= TARGETS['p95_ms'])}"
        )
        if args.show_sql:
            for sql in c["sql"]:
                print("   ", sql[:300])


if __name__ == "__main__":
    main()
