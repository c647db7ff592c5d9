"""Storefront latency under concurrent clients, on PostgreSQL, against the
floor of the same run (bench/floor.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/storefront.py [--products 10000] [--clients 4] \
        [--seconds 15] [--runs 3] [--reuse]

Loads N products into a separate database (<name>_bench, recreated each run
unless --reuse), serves the shop with gunicorn (2 sync workers, persistent DB
connections) beside the floor views (a hello view and a one-row read), and
drives with wrk's concurrent connections: the product, brand, category and
search pages anonymous and signed in (a real session cookie of a bench
shopper), the workshop dashboard (a workshop manager), the host dashboard (a
livestream host) and GraphQL products(first: 50). Each run measures the floor
first; every row gives req/s, latency, server time per request (busy ms:
workers × wall time / requests) and its ratio to the one-read floor. With
--runs N it prints each run and the median. Needs wrk (apt-get install wrk).
Not part of the test suite.
"""

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GRAPHQL_QUERY = """query($after: String) {
  products(first: 50, after: $after, channel: "default-channel") { edges { node {
  slug name brand { name } workshop { name } originVillage { name }
  pricing { priceRange { start { gross { amount currency } } } }
  thumbnail(size: 400) { url alt }
  variants { sku pricing { price { gross { amount } } } stockState } } } } }"""


def bench_database_url(
    base_url: str, *, suffix: str = "_bench", script: str = "bench/storefront.py"
) -> str:
    """The benchmark's own database beside DATABASE_URL's (name + suffix)."""
    parsed = urlparse(base_url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        sys.exit(f"{script} measures PostgreSQL: set DATABASE_URL=postgres://…")
    return parsed._replace(path=parsed.path + suffix).geturl()


def server_env(url: str) -> dict:
    """The environment a benchmarked shop runs in: its own database,
    production mode, persistent connections, quiet logs."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def load_products(count: int) -> None:
    """Bulk-load `count` products (set-based, like the importer will)."""
    import django

    django.setup()
    from brands.models import Brand, Village, Workshop, WorkshopType
    from storefront.catalog import services
    from storefront.catalog.models import (
        Product,
        ProductImage,
        ProductVariant,
        Stock,
    )
    from storefront.demo.artwork import product_picture

    rng = random.Random(7)
    brands = [
        Brand.objects.create(
            slug=f"bench-brand-{i}",
            name=f"基准品牌{i}",
            name_en=f"Bench brand {i}",
            operator_organisation="基准运营",
            story="基准测试品牌",
        )
        for i in range(8)
    ]
    villages = [
        Village.objects.create(
            slug=f"bench-village-{i}",
            name=f"基准村{i}",
            township="黄避岙乡",
            county="象山县",
            city="宁波市",
            collective_organisation=f"基准村{i}股份经济合作社",
        )
        for i in range(20)
    ]
    workshops = []
    for i in range(40):
        workshop = Workshop.objects.create(
            slug=f"bench-workshop-{i}",
            name=f"基准工坊{i}",
            village=villages[i % len(villages)],
            workshop_type=WorkshopType.PROCESSING,
            people_employed=20,
            low_income_households_employed=5,
        )
        workshop.brands.set([brands[i % len(brands)]])
        workshops.append(workshop)
    category = services.category_create(name="海鲜", name_en="Seafood")
    words = [
        "活黄鱼",
        "虾皮",
        "垂面",
        "梨膏",
        "草编帽",
        "旗袍",
        "彩灯",
        "绿茶",
        "鱼鲞",
        "紫菜",
    ]
    products = []
    for i in range(count):
        workshop = workshops[i % len(workshops)]
        product = Product(
            slug=f"bench-{i}",
            product_code=f"B{i:06d}",
            name=f"{words[i % len(words)]}{i}",
            name_en=f"Bench product {i}",
            description="<p>基准测试商品</p>",
            brand=brands[(i % len(workshops)) % len(brands)],
            workshop=workshop,
            origin_village=workshop.village,
            category=category,
            is_published=True,
            is_featured=i < 12,
            net_content="500克",
            shelf_life="12个月",
        )
        product.search_text = product.build_search_text()
        products.append(product)
    Product.objects.bulk_create(products, batch_size=2000)
    variants = [
        ProductVariant(
            product=product,
            workshop_id=product.workshop_id,
            sku=f"{product.product_code}-{size}",
            name=f"{size}g",
            options={"规格": f"{size}g"},
            price_fen=rng.randint(990, 29900),
            weight_grams=size,
            sort_order=n,
        )
        for product in products
        for n, size in enumerate((250, 500))
    ]
    ProductVariant.objects.bulk_create(variants, batch_size=4000)
    Stock.objects.bulk_create(
        [Stock(variant=v, quantity=rng.randint(0, 200)) for v in variants],
        batch_size=4000,
    )
    # One real photo with renditions, shared by every product's image row.
    template = services.product_image_add(
        product=products[0],
        data=product_picture(motif="fish", palette="sea", seed="bench"),
        alt="基准图片",
    )
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                product=product,
                image=template.image.name,
                rendition_small=template.rendition_small.name,
                rendition_large=template.rendition_large.name,
                alt=product.name,
            )
            for product in products[1:]
        ],
        batch_size=4000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load


def bench_requests() -> dict[str, list[tuple[str, str | None]]]:
    """Per endpoint, the (path, body) pairs wrk cycles through: many different
    products, every brand's first pages, a category's first 24 pages, several
    searches, five API pages."""
    import django

    django.setup()
    from storefront.catalog.models import Brand, Category, Product

    categories = list(Category.objects.values_list("slug", flat=True))
    slugs = list(Product.objects.order_by("?").values_list("slug", flat=True)[:1000])
    brands = list(Brand.objects.values_list("slug", flat=True))
    terms = ["黄鱼", "虾皮", "垂面", "梨膏", "旗袍", "彩灯", "huangyu", "紫菜"]
    cursors = [None] + [
        base64.b64encode(f"arrayconnection:{50 * n - 1}".encode()).decode()
        for n in range(1, 5)
    ]
    return {
        "product": [(f"/products/{slug}/", None) for slug in slugs],
        "brand": [
            (f"/brands/{slug}/?page={page}", None)
            for slug in brands
            for page in (1, 2, 3)
        ],
        "category": [
            (f"/categories/{slug}/?page={page}", None)
            for slug in categories
            for page in range(1, 25)
        ],
        "search": [
            (f"/search/?q={quote(term)}&page={page}", None)
            for term in terms
            for page in (1, 2)
        ],
        "graphql": [
            (
                "/graphql/",
                json.dumps({"query": GRAPHQL_QUERY, "variables": {"after": cursor}}),
            )
            for cursor in cursors
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


WRK_SCRIPT = """
local requests = {%(requests)s}
local counter = 0
wrk.headers["Host"] = "127.0.0.1"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter %% #requests + 1
  local r = requests[counter]
  return wrk.format(r[1], r[2], nil, r[3])
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%.3f %%.3f %%.3f\\n",
    summary.requests, bad, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a Lua string


def drive(
    port: int, requests, *, clients: int, seconds: int, headers: tuple[str, ...] = ()
) -> dict:
    """Run wrk (C, so the load generator takes little of the 2 cores) cycling
    through `requests`, sending `headers` ("Name: value") with each; return
    its count, errors and latency percentiles."""
    entries = []
    for path, body in requests:
        fields = [_lua_string("POST" if body else "GET"), _lua_string(path)]
        if body:
            fields.append(_lua_string(body))
        entries.append("{" + ", ".join(fields) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"requests": ", ".join(entries)})
    url = f"http://127.0.0.1:{port}/"
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{min(clients, 2)}",
                f"-c{clients}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                *(arg for header in headers for arg in ("-H", header)),
                "-s",
                script.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    count, errors, duration_us, p50, p95, p99 = line.split()[1:]
    return {
        "requests": int(count),
        "errors": int(errors),
        "rps": int(count) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, int]:
    """The shop on gunicorn (2 sync workers) on a free port, answering."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
    except BaseException:
        server.terminate()
        raise
    return server, port


def run_server(env: dict, cache_seconds: int, cases, args) -> tuple[dict, list]:
    """One run: the floor, then every case, on one gunicorn."""
    from bench.floor import floor_env, measure, measure_floor

    server, port = start_gunicorn(
        floor_env({**env, "CATALOG_CACHE_SECONDS": str(cache_seconds)})
    )
    rows = []
    try:
        floor = measure_floor(
            port, server=server, clients=args.clients, seconds=args.seconds
        )
        for label, kind, requests, headers in cases:
            drive(port, requests[:20], clients=1, seconds=2, headers=headers)
            figures = measure(
                port,
                requests,
                server=server,
                clients=args.clients,
                seconds=args.seconds,
                headers=headers,
            )
            rows.append((label, kind, figures))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return floor, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15, help="per endpoint")
    parser.add_argument("--runs", type=int, default=1, help="median of N runs")
    parser.add_argument(
        "--cache",
        choices=("off", "on", "both"),
        default="both",
        help="CATALOG_CACHE_SECONDS=0 (every anonymous page rendered), 60, or both",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the loaded bench database"
    )
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("bench/storefront.py drives the server with wrk: apt-get install wrk")
    url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    env = server_env(url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    if not args.reuse:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        run_manage(env, "collectstatic", "--noinput", "-v0")
        started = time.perf_counter()
        load_products(args.products)
        elapsed = time.perf_counter() - started
        print(f"loaded {args.products} products in {elapsed:.1f} s")
    from bench.storefront_cases import (
        bench_cases,
        median_run,
        print_table,
        signed_in_headers,
    )

    cases = bench_cases(bench_requests(), signed_in_headers())
    setup = (
        f"{args.products} products, {args.clients} concurrent connections (wrk), "
        f"{args.seconds} s per endpoint, gunicorn 2 sync workers, "
        f"{os.cpu_count()} cores"
    )
    cache_kind = "Redis cache" if env.get("REDIS_URL") else "file cache under var/"
    configs = {
        "off": (0, "Page cache off (CATALOG_CACHE_SECONDS=0): every page rendered"),
        "on": (60, f"Page cache on (CATALOG_CACHE_SECONDS=60, {cache_kind})"),
    }
    from django.core.cache import cache

    for name in ("off", "on") if args.cache == "both" else (args.cache,):
        seconds, title = configs[name]
        runs = []
        for n in range(1, args.runs + 1):
            cache.clear()  # each run starts cold, whatever ran before
            runs.append(run_server(env, seconds, cases, args))
            if args.runs > 1:
                print_table(f"{title}, run {n}. {setup}", *runs[-1])
        label = f"median of {args.runs} runs" if args.runs > 1 else "one run"
        print_table(f"{title}, {label}. {setup}", *median_run(runs))


if __name__ == "__main__":
    main()
