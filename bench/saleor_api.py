"""The Saleor-shaped catalogue API against Saleor's own figures (issue 15).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h7 \
        .venv/bin/python bench/saleor_api.py [--products 200] [--requests 300]
        [--reuse] [--profile ProductList]

In a separate database (<name>_saleor_bench, recreated and migrated each run
unless --reuse): the demo (`load_demo`: its brands, villages, workshops,
categories and 48 products) topped up to --products products, each with 3
photos (stored renditions) and 2–3 variants with stock, spread over the
demo's brands, workshops and categories. Then, in this process (DEBUG off,
the catalogue cache off: CATALOG_CACHE_SECONDS=0), each document is sent
through Django's test client (the whole middleware stack and the GraphQL
view, anonymous, as a storefront sends it) --requests times after 30
warm-up requests, cycling over products for `product(slug:)`:
- server CPU per request (time.process_time around the request; the
  process runs nothing else), median and p95, and wall time beside it;
- the SQL queries of one request (CaptureQueriesContext, a separate request).
The floor: `{ __typename }` through the same client (Django and the view),
and graphql-core executing the same document over the same answer already
in dicts (no resolvers of ours: every field reads its key), so what is left
above the two is our resolvers' work. `checkout(id:)` is measured too when
the schema has it (a 3-line checkout of an anonymous shopper).

Saleor 3.23.28 measured on this machine (../shared/saleor/README.md):
products(first: 20) 12 queries, 33–45 ms CPU; product(slug:) 14–15 queries,
25–40 ms. --profile NAME prints cProfile's top functions for one document.
Not part of the test suite.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
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
)

SALEOR = {  # (queries, CPU ms low, CPU ms high) on this machine
    "products": (12, 33.0, 45.0),
    "product": (15, 25.0, 40.0),
}
TARGETS = {"queries": 6, "cpu_ms": 10.0}
PLAIN_LIST = """query PlainList($channel: String!) {
  products(first: 20, channel: $channel) { edges { node {
    id name slug thumbnail(size: 512) { url alt }
    pricing { priceRange { start { gross { amount currency } } } } } } } }"""
# bench/storefront.py's GraphQL listing (issue 18: ≤ 15 ms for 50 products).
LISTING_50 = """query Listing($channel: String!) {
  products(first: 50, channel: $channel) { edges { node {
  slug name brand { name } workshop { name } originVillage { name }
  pricing { priceRange { start { gross { amount currency } } } }
  thumbnail(size: 400) { url alt }
  variants { sku pricing { price { gross { amount } } } stockState } } } } }"""
CHECKOUT = """query Checkout($id: ID!) { checkout(id: $id) {
  id email quantity
  lines { id quantity totalPrice { gross { amount currency } }
    variant { id name product { name thumbnail(size: 256) { url alt } } } }
  subtotalPrice { gross { amount currency } }
  totalPrice { gross { amount currency } } } }"""


def jwt_key() -> str:
    """A throwaway RSA key: production mode refuses to start without one."""
    return subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def seed(total: int) -> None:
    """The demo, then products copied from it up to `total`, every product
    with 3 photos and 2–3 variants."""
    from storefront.catalog.models import (
        Product,
        ProductImage,
        ProductVariant,
        Stock,
    )
    from storefront.demo.services import demo_load

    demo_load(stdout=None)
    rng = random.Random(15)
    demo = list(Product.objects.order_by("pk"))
    copies = []
    for i in range(max(total - len(demo), 0)):
        source = demo[i % len(demo)]
        copy = Product(
            **{
                f.attname: getattr(source, f.attname)
                for f in Product._meta.concrete_fields
                if f.attname not in {"id", "created_at", "updated_at"}
            }
        )
        copy.slug = f"{source.slug}-{i}"[:80]
        copy.product_code = f"{source.product_code}-C{i}"
        copy.name = f"{source.name}{i}"
        copy.is_published = True
        copies.append(copy)
    Product.objects.bulk_create(copies)
    products = list(Product.objects.order_by("pk"))
    photos = list(ProductImage.objects.order_by("pk"))
    images, variants = [], []
    for product in products:
        have = [p for p in photos if p.product_id == product.pk]
        for n in range(len(have), 3):
            photo = photos[rng.randrange(len(photos))]
            images.append(
                ProductImage(
                    product=product,
                    image=photo.image.name,
                    rendition_small=photo.rendition_small.name,
                    rendition_large=photo.rendition_large.name,
                    alt=f"{product.name} {n + 1}",
                    sort_order=n,
                )
            )
        count = product.variants.count()
        for n in range(count, rng.choice((2, 3))):
            grams = (250, 500, 1000)[n]
            price = rng.randint(990, 29900)
            variants.append(
                ProductVariant(
                    product=product,
                    workshop_id=product.workshop_id,
                    sku=f"{product.product_code}-S{n}",
                    name=f"{grams}g",
                    options={"规格": f"{grams}g"},
                    price_fen=price,
                    compare_at_price_fen=price + 500 if n == 1 else None,
                    weight_grams=grams,
                    sort_order=n,
                )
            )
    ProductImage.objects.bulk_create(images)
    ProductVariant.objects.bulk_create(variants)
    Stock.objects.bulk_create(
        [Stock(variant=v, quantity=rng.randint(0, 200)) for v in variants]
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def a_checkout_id() -> str | None:
    """A 3-line checkout's global id, or None when the schema has no
    `checkout(id:)` yet."""
    from config.schema import schema
    from storefront.catalog.models import ProductVariant
    from storefront.checkout import services
    from storefront.graphql.ids import checkout_global_id

    if "checkout" not in schema.graphql_schema.query_type.fields:
        return None
    variants = list(
        ProductVariant.objects.filter(stock__quantity__gt=10).order_by("pk")[:3]
    )
    checkout = services.checkout_create(user=None)
    services.checkout_lines_add(checkout=checkout, lines=[(v.pk, 1) for v in variants])
    return checkout_global_id(checkout)


def cases(checkout_id) -> list[tuple[str, str, list[dict]]]:
    """(name, document, variables for each request)."""
    from storefront.catalog.models import Product
    from tests.saleor.surface import documents

    docs = documents()
    slugs = list(
        Product.objects.filter(is_published=True)
        .order_by("pk")
        .values_list("slug", flat=True)
    )
    common = {"channel": "default-channel", "languageCode": "EN"}
    found = [
        ("ProductList", docs["ProductList"], [{**common, "first": 20}]),
        ("PlainList", PLAIN_LIST, [{"channel": "default-channel"}]),
        ("Listing50", LISTING_50, [{"channel": "default-channel"}]),
        (
            "ProductDetails",
            docs["ProductDetails"],
            [{**common, "slug": slug} for slug in slugs],
        ),
    ]
    if checkout_id:
        found.append(("Checkout", CHECKOUT, [{"id": checkout_id}]))
    found.append(("__typename", "{ __typename }", [{}]))
    return found


def post(client, document: str, variables: dict):
    return client.post(
        "/graphql/",
        json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
    )


def answer(client, document, variables) -> dict:
    body = post(client, document, variables).json()
    if body.get("errors"):
        sys.exit(f"errors: {body['errors']}")
    return body


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def measure(client, document, variables_list, requests: int) -> dict:
    from django.db import connection

    for i in range(30):
        post(client, document, variables_list[i % len(variables_list)])
    captured = []

    def record(execute, sql, params, many, context):
        captured.append({"sql": sql})
        return execute(sql, params, many, context)

    # (CaptureQueriesContext's log is emptied when a request starts.)
    with connection.execute_wrapper(record):
        body = answer(client, document, variables_list[0])
    cpu, wall = [], []
    for i in range(requests):
        variables = variables_list[i % len(variables_list)]
        c0, w0 = time.process_time(), time.perf_counter()
        post(client, document, variables)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {
        "queries": len(captured),
        "sql": [q["sql"][:400] for q in captured],
        "bytes": len(json.dumps(body)),
        "cpu": quantiles(cpu),
        "wall": quantiles(wall),
        "body": body,
    }


def floor_ms(document: str, variables: dict, data: dict, runs: int) -> tuple:
    """graphql-core alone: the document executed over `data` (the real
    answer, with each object's __typename) by a schema without resolvers,
    with the same awaitable check as storefront.graphql.execution.run."""
    from graphql import build_schema, execute, parse

    from config.schema import schema as graphene_schema
    from storefront.graphql.execution import synchronous_awaitable

    plain = build_schema(str(graphene_schema))
    document_ast = parse(document)

    def by_key(source, info, **args):
        return source.get(info.path.key) if isinstance(source, dict) else None

    times = []
    for _ in range(runs):
        c0 = time.process_time()
        result = execute(
            plain,
            document_ast,
            root_value=data,
            variable_values=variables,
            field_resolver=by_key,
            is_awaitable=synchronous_awaitable,
        )
        times.append((time.process_time() - c0) * 1000)
    if result.errors:
        sys.exit(f"floor errors: {result.errors}")
    return quantiles(times)


def with_typenames(document: str) -> str:
    """`document` with __typename selected in every selection set, so the
    answer says which type each abstract value is."""
    from graphql import (
        FieldNode,
        NameNode,
        SelectionSetNode,
        Visitor,
        parse,
        print_ast,
        visit,
    )

    class AddTypename(Visitor):
        def leave_selection_set(self, node, *_):
            extra = FieldNode(
                name=NameNode(value="__typename"), arguments=(), directives=()
            )
            return SelectionSetNode(selections=(*node.selections, extra))

    return print_ast(visit(parse(document), AddTypename()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", help="cProfile one document by name")
    parser.add_argument("--show-sql", action="store_true")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    url = bench_database_url(base, suffix="_saleor_bench", script="bench/saleor_api.py")
    env = server_env(url)
    env["CATALOG_CACHE_SECONDS"] = "0"
    env["JWT_PRIVATE_KEY"] = os.environ.get("JWT_PRIVATE_KEY") or jwt_key()
    env.pop("REDIS_URL", None)
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not args.reuse:
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    assert not settings.DEBUG and settings.CATALOG_CACHE_SECONDS == 0
    if not args.reuse:
        t0 = time.perf_counter()
        seed(args.products)
        print(f"seeded in {time.perf_counter() - t0:.0f}s")
    from storefront.catalog.models import Product, ProductImage, ProductVariant

    print(
        f"{Product.objects.count()} products, {ProductImage.objects.count()} "
        f"photos, {ProductVariant.objects.count()} variants; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    todo = cases(a_checkout_id())
    if args.profile:
        name, document, variables_list = next(c for c in todo if c[0] == args.profile)
        for variables in variables_list[:30]:
            post(client, document, variables)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for i in range(100):
            post(client, document, variables_list[i % len(variables_list)])
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(35)
        stats.sort_stats("cumulative").print_stats(120)
        return
    rows = []
    for name, document, variables_list in todo:
        found = measure(client, document, variables_list, args.requests)
        if args.show_sql:
            print(name, *found["sql"], sep="\n  ")
        floor = None
        if name != "__typename":
            typed = answer(client, with_typenames(document), variables_list[0])
            floor = floor_ms(document, variables_list[0], typed["data"], 100)
        rows.append((name, found, floor))
    print(
        "\n| document | SQL queries | KB | CPU p50 ms | CPU p95 ms "
        "| wall p50 ms | wall p95 ms | graphql-core floor p50 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, found, floor in rows:
        print(
            f"| {name} | {found['queries']} | {found['bytes'] / 1024:.1f} "
            f"| {found['cpu'][0]:.2f} | **{found['cpu'][1]:.2f}** "
            f"| {found['wall'][0]:.2f} | {found['wall'][1]:.2f} "
            f"| {'' if floor is None else f'{floor[0]:.2f}'} |"
        )
    print(f"load after: {os.getloadavg()[0]:.1f}")
    for name, found, _ in rows:
        key = {"ProductList": "products", "PlainList": "products"}.get(
            name, "product" if name == "ProductDetails" else None
        )
        if key:
            queries, low, high = SALEOR[key]
            cpu = found["cpu"][0]
            print(
                f"{name}: Saleor {queries} queries / {low:.0f}–{high:.0f} ms → "
                f"{queries / found['queries']:.1f}× fewer queries, "
                f"{low / cpu:.1f}–{high / cpu:.1f}× less CPU (p50)"
            )


if __name__ == "__main__":
    main()
