"""Storefront latency under concurrent clients, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/storefront.py [--products 10000] [--clients 4]

Loads N products into a separate database (<name>_bench, recreated each run),
serves the shop with gunicorn (2 sync workers, persistent DB connections) and
drives the product page, a brand page, search and GraphQL products(first: 50)
from concurrent clients, printing median and p95 latency per endpoint.
Not part of the test suite.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS_MS = {"page": 50, "graphql": 80}
GRAPHQL_QUERY = """{ products(first: 50) { edges { node {
  slug name priceFrom { formatted } brand { name } workshop { name }
  originVillage { name } variants { sku price { amount } stockState }
  images { thumbnailUrl } } } } }"""


def bench_database_url(base_url: str) -> str:
    parsed = urlparse(base_url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        sys.exit(
            "bench/storefront.py measures PostgreSQL: set DATABASE_URL=postgres://…"
        )
    name = parsed.path.lstrip("/") + "_bench"
    return parsed._replace(path="/" + name).geturl()


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


def load_products(count: int) -> dict:
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
    return {
        "product": f"/products/{products[count // 2].slug}/",
        "brand": f"/brands/{brands[3].slug}/",
        "search": "/search/?q=" + quote("黄鱼"),
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


def request(port: int, method: str, path: str, body: bytes | None) -> float:
    headers = {"Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{method} {path} -> {response.status}")
    return elapsed * 1000


def drive(port, method, path, body, *, clients: int, requests: int) -> list[float]:
    for _ in range(10):  # warm caches and connections
        request(port, method, path, body)
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client():
        mine = [request(port, method, path, body) for _ in range(per_client)]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.append(-wall)  # smuggle the wall time out; removed by caller
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    args = parser.parse_args()

    url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    print(f"database {url}: recreating and migrating …", flush=True)
    recreate_database(url)
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "collectstatic", "--noinput", "-v0")
    started = time.perf_counter()
    paths = load_products(args.products)
    print(f"loaded {args.products} products in {time.perf_counter() - started:.1f} s")

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
        graphql_body = json.dumps({"query": GRAPHQL_QUERY}).encode()
        cases = [
            ("product page", "page", "GET", paths["product"], None),
            ("brand page", "page", "GET", paths["brand"], None),
            ("search 黄鱼", "page", "GET", paths["search"], None),
            (
                "GraphQL products(first: 50)",
                "graphql",
                "POST",
                "/graphql/",
                graphql_body,
            ),
        ]
        rows = []
        for label, kind, method, path, body in cases:
            latencies = drive(
                port, method, path, body, clients=args.clients, requests=args.requests
            )
            wall = -latencies.pop()
            rows.append(
                (
                    label,
                    statistics.median(latencies),
                    percentile(latencies, 95),
                    len(latencies) / wall,
                    TARGETS_MS[kind],
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{args.products} products, {args.clients} concurrent clients, "
        f"{args.requests} requests per endpoint, gunicorn 2 sync workers, "
        f"{os.cpu_count()} cores\n"
    )
    print("| endpoint | median ms | p95 ms | req/s | p95 target ms | met |")
    print("|---|---:|---:|---:|---:|---|")
    for label, median, p95, rps, target in rows:
        met = "yes" if p95 <= target else "NO"
        print(f"| {label} | {median:.1f} | {p95:.1f} | {rps:.0f} | {target} | {met} |")


if __name__ == "__main__":
    main()
