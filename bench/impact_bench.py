"""The public impact page of the busiest brand over 100,000 order lines, on
PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h3 \
        .venv/bin/python bench/impact_bench.py [--lines 100000] [--runs 3]

In a separate database (<name>_impact_bench, recreated each run unless
--reuse):
1. bulk-loads paid orders holding N order lines of the busiest brand (1–5
   lines each from 1–2 of its 24 workshops in 12 villages, a third sold by
   one of 20 hosts) and N/20 lines of two smaller brands, spread over the
   last 24 months, with bulk_create;
2. splits and posts them month by month through orders_split (the clock
   moved to each month, so shares and the monthly impact rows are dated as
   in production), which keeps the impact rows through `impact_post`; books
   refunds for 2 % of the orders, a few outweighing their month's sales;
3. times `impact_rebuild()` over the whole ledger and `ledger_violations()`
   (with its impact check), and counts the queries of each impact page;
4. serves the shop with gunicorn (2 sync workers, persistent connections)
   and drives /impact/<busiest>/ with wrk (4 connections) as
   bench/storefront.py does, with the page cache off (every request
   rendered) and on, --runs times each, printing median, p95 and p99 per
   run and the median of the runs' p95.
Needs wrk (apt-get install wrk). Not part of the test suite.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.storefront import (  # noqa: E402
    bench_database_url,
    drive,
    recreate_database,
    run_manage,
    server_env,
    start_gunicorn,
)

TARGET_P95_MS, TARGET_QUERIES = 50, 10
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHS, WORKSHOPS, VILLAGES, HOSTS = 24, 24, 12, 20


def months_back(count: int) -> list[date]:
    today = datetime.now(SHANGHAI).date().replace(day=1)
    found = []
    for _ in range(count):
        found.append(today)
        today = (today - timedelta(days=1)).replace(day=1)
    return found[::-1]


def setup_shop():
    from datetime import date as day

    from django.contrib.auth import get_user_model

    from brands.models import Brand, Membership, Role, Village, Workshop, WorkshopType
    from revenue.models import ShareAgreement

    User = get_user_model()
    brands = Brand.objects.bulk_create(
        Brand(
            slug=slug,
            name=name,
            name_en=name_en,
            operator_organisation=f"{name}运营公司",
        )
        for slug, name, name_en in (
            ("banlan-bench", "斑斓海岸", "Banlan Coast"),
            ("xiaodao-bench", "小岛下酒菜", "Small-island Snacks"),
            ("shanhai-bench", "山海茶", "Mountain Tea"),
        )
    )
    villages = Village.objects.bulk_create(
        Village(
            slug=f"ib-village-{i}",
            name=f"回流村{i}",
            name_en=f"Impact Village {i}",
            township="黄避岙乡",
            county="象山县",
            city="宁波市",
            collective_organisation=f"回流村{i}股份经济合作社",
        )
        for i in range(VILLAGES)
    )
    workshops = Workshop.objects.bulk_create(
        Workshop(
            slug=f"ib-workshop-{i}",
            name=f"回流工坊{i}",
            village=villages[i % VILLAGES],
            workshop_type=WorkshopType.PROCESSING,
            people_employed=20 + i,
            low_income_households_employed=5 + i % 7,
        )
        for i in range(WORKSHOPS + 4)
    )
    sells = {}
    for i, workshop in enumerate(workshops):
        sells[workshop.pk] = brands[0] if i < WORKSHOPS else brands[1 + i % 2]
    Workshop.brands.through.objects.bulk_create(
        Workshop.brands.through(workshop_id=pk, brand_id=brand.pk)
        for pk, brand in sells.items()
    )
    ShareAgreement.objects.bulk_create(
        ShareAgreement(
            brand=brand,
            effective_from=day(2020, 1, 1),
            workshop_bp=7000,
            village_bp=1200,
            brand_bp=1000,
            host_bp=500,
            platform_bp=300,
        )
        for brand in brands
    )
    hosts = User.objects.bulk_create(
        User(username=f"ib-host-{i}", first_name=f"主播{i}") for i in range(HOSTS)
    )
    Membership.objects.bulk_create(
        Membership(user=host, role=Role.LIVESTREAM_HOST, brand=brands[0])
        for host in hosts
    )
    buyers = User.objects.bulk_create(
        User(username=f"ib-buyer-{i}") for i in range(200)
    )
    return brands, workshops, sells, hosts, buyers


def plan_orders(n_lines: int, pool, rng: random.Random) -> list:
    plans, left = [], n_lines
    while left > 0:
        count = min(left, rng.randint(1, 5))
        left -= count
        chosen = rng.sample(pool, rng.choice((1, 1, 2)))
        plans.append(
            [
                (rng.choice(chosen), rng.randint(300, 30_000), rng.randint(1, 4))
                for _ in range(count)
            ]
        )
    return plans


def load_orders(n_lines: int, rng: random.Random) -> tuple[dict, list]:
    """Paid orders, bulk-created; {month: [order ids]} and the orders."""
    from storefront.orders.models import Fulfillment, Order, OrderLine, OrderStatus

    brands, workshops, sells, hosts, buyers = setup_shop()
    busiest = workshops[:WORKSHOPS]
    others = workshops[WORKSHOPS:]
    plans = plan_orders(n_lines, busiest, rng) + plan_orders(n_lines // 20, others, rng)
    rng.shuffle(plans)
    months = months_back(MONTHS)
    orders, month_of = [], []
    for i, lines in enumerate(plans):
        subtotal = sum(p * q for _, p, q in lines)
        month = months[i * MONTHS // len(plans)]
        hosted = sells[lines[0][0].pk] == brands[0] and rng.random() < 0.33
        orders.append(
            Order(
                number=f"GF-I-{i:07d}",
                checkout_token=uuid.uuid4(),
                user=rng.choice(buyers),
                host=rng.choice(hosts) if hosted else None,
                status=OrderStatus.PAID,
                email=f"ib{i}@example.com",
                subtotal_fen=subtotal,
                shipping_fen=0,
                total_fen=subtotal,
                paid_fen=subtotal,
                paid_at=datetime(month.year, month.month, 15, 12, tzinfo=SHANGHAI),
            )
        )
        month_of.append(month)
    Order.objects.bulk_create(orders, batch_size=5000)
    lines, parcels = [], []
    for order, plan in zip(orders, plans, strict=True):
        for j, (w, price, qty) in enumerate(plan):
            brand = sells[w.pk]
            lines.append(
                OrderLine(
                    order=order,
                    workshop=w,
                    brand=brand,
                    product_name=f"商品{j}",
                    sku=f"IB-{order.pk}-{j}",
                    brand_name=brand.name,
                    workshop_name=w.name,
                    village_name="回流村",
                    unit_price_fen=price,
                    quantity=qty,
                    total_fen=price * qty,
                )
            )
        for w in {w for w, _, _ in plan}:
            sub = sum(p * q for ww, p, q in plan if ww == w)
            parcels.append(
                Fulfillment(order=order, workshop=w, subtotal_fen=sub, shipping_fen=0)
            )
    OrderLine.objects.bulk_create(lines, batch_size=5000)
    Fulfillment.objects.bulk_create(parcels, batch_size=5000)
    by_month: dict[date, list[int]] = {}
    for order, month in zip(orders, month_of, strict=True):
        by_month.setdefault(month, []).append(order.pk)
    return by_month, orders


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def split_by_month(by_month: dict, batch: int = 500) -> float:
    """orders_split with the clock in each order's month (its 15th, noon)."""
    import time_machine

    from revenue.order_split import orders_split

    started, n = time.perf_counter(), 0
    for month, ids in sorted(by_month.items()):
        moment = datetime(month.year, month.month, 15, 12, tzinfo=SHANGHAI)
        with time_machine.travel(moment, tick=True):
            for start in range(0, len(ids), batch):
                if n & (n - 1) == 0 and n:
                    analyze()  # as bench/revenue_bench.py: fresh FK-check plans
                orders_split(order_ids=ids[start : start + batch])
                n += 1
    return time.perf_counter() - started


def refund_some(by_month: dict, orders, rng: random.Random) -> int:
    """2 % of the orders refunded in the month after their sale (in full for
    one in four), so some months hold more refunds than sales."""
    import time_machine

    from storefront.payments.models import Payment, PaymentStatus
    from tests.revenue.ledger_builders import book_refund

    months = sorted(by_month)
    chosen = rng.sample(orders, max(1, len(orders) // 50))
    Payment.objects.bulk_create(
        Payment(
            order=o,
            payment_intent_id=f"pi_ib_{o.pk}",
            client_secret="s",
            amount_fen=o.paid_fen,
            currency="CNY",
            status=PaymentStatus.SUCCEEDED,
        )
        for o in chosen
    )
    month_of = {pk: m for m, ids in by_month.items() for pk in ids}
    for i, order in enumerate(chosen):
        index = months.index(month_of[order.pk])
        month = months[min(index + 1, len(months) - 1)]
        moment = datetime(month.year, month.month, 20, 12, tzinfo=SHANGHAI)
        with time_machine.travel(moment, tick=True):
            amount = order.paid_fen if i % 4 == 0 else rng.randint(1, order.paid_fen)
            book_refund(order, amount)
    return len(chosen)


def page_queries(path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path, HTTP_HOST="127.0.0.1").status_code
    assert status == 200, (path, status)
    return len(captured.captured_queries)


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def render_times(path: str, count: int = 200) -> tuple[float, float]:
    """Median and p95 ms of `count` sequential renders in this process (page
    cache off): the server's own time per page, without queueing."""
    from django.conf import settings
    from django.test import Client

    settings.CATALOG_CACHE_SECONDS = 0
    client = Client()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(path, HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(count * 0.95) - 1]


def measure(env: dict, paths: dict, args) -> dict:
    """{(cache label, page label): [wrk figures per run]}; /healthz (no
    database, no template) is driven in each run too, as a gauge of how
    busy the machine is."""
    rows: dict = {}
    for label, seconds in (("cache off", 0), ("cache on", 60)):
        server, port = start_gunicorn({**env, "CATALOG_CACHE_SECONDS": str(seconds)})
        try:
            for _ in range(args.runs):
                for name, path in paths.items():
                    drive(port, [(path, None)], clients=1, seconds=2)  # warm-up
                    figures = drive(
                        port, [(path, None)], clients=args.clients, seconds=args.seconds
                    )
                    figures["load"] = os.getloadavg()[0]
                    rows.setdefault((label, name), []).append(figures)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15, help="per run")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded data")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(
            "bench/impact_bench.py drives the server with wrk: apt-get install wrk"
        )

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_impact_bench",
        script="bench/impact_bench.py",
    )
    env = server_env(url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    rng = random.Random(args.seed)
    if not args.reuse:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        run_manage(env, "collectstatic", "--noinput", "-v0")
    import django

    django.setup()
    from django.db.models import Count, Sum

    from revenue.checks import ledger_violations
    from revenue.impact import impact_rebuild
    from revenue.models import ImpactMonth, Share
    from storefront.orders.models import OrderLine

    if not args.reuse:
        load_seconds, (by_month, orders) = timed(lambda: load_orders(args.lines, rng))
        analyze()
        split_seconds = split_by_month(by_month)
        refunds = refund_some(by_month, orders, rng)
        analyze()
        total = sum(len(ids) for ids in by_month.values())
        lines = OrderLine.objects.count()
        print(
            f"loaded {total} orders, {lines} lines in {load_seconds:.1f} s; split "
            f"and posted (impact rows kept) in {split_seconds:.1f} s "
            f"({lines / split_seconds:,.0f} lines/s); {refunds} refunds"
        )
    from brands.models import Brand

    top = OrderLine.objects.values("brand").annotate(n=Count("pk")).order_by("-n")[0]
    busiest, brand_lines = Brand.objects.get(pk=top["brand"]), top["n"]
    rebuild_seconds, rows = timed(impact_rebuild)
    check_seconds, violations = timed(ledger_violations)
    negative = (
        ImpactMonth.objects.filter(brand=busiest)
        .values("month")
        .annotate(t=Sum("village_fen") + Sum("workshop_fen") + Sum("host_fen"))
        .filter(t__lt=0)
        .count()
    )
    path = f"/impact/{busiest.slug}/"
    queries = {
        p: page_queries(p)
        for p in (path, "/impact/", "/villages/ib-village-0/", f"{path}data.json")
    }
    print(
        f"\nbusiest brand {busiest.slug}: {brand_lines:,} order lines, "
        f"{ImpactMonth.objects.filter(brand=busiest).count()} impact rows "
        f"({negative} negative months); {Share.objects.count():,} shares in all"
    )
    print(
        f"impact_rebuild(): {rows} rows in {rebuild_seconds:.2f} s; "
        f"ledger_violations(): {len(violations)} problems in {check_seconds:.2f} s"
    )
    for p, n in queries.items():
        met = "yes" if n <= TARGET_QUERIES else "NO"
        print(f"queries {p}: {n} (target ≤ {TARGET_QUERIES}: {met})")
    medians = {p: render_times(p) for p in (path, "/healthz")}
    for p, (median, p95) in medians.items():
        print(
            f"in-process, sequential, cache off {p}: "
            f"median {median:.1f} ms, p95 {p95:.1f} ms"
        )
    paths = {"impact page": path, "/healthz (gauge)": "/healthz"}
    results = measure(env, paths, args)
    print(
        f"\n{path}: wrk {args.clients} connections, {args.seconds} s a run, "
        f"gunicorn 2 sync workers, {os.cpu_count()} cores\n"
    )
    print(
        "| cache | page | run | load avg | median ms | p95 ms | p99 ms | req/s "
        "| errors |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (label, name), runs in results.items():
        for n, f in enumerate(runs, 1):
            print(
                f"| {label} | {name} | {n} | {f['load']:.1f} | {f['p50']:.1f} "
                f"| {f['p95']:.1f} | {f['p99']:.1f} | {f['rps']:.0f} | {f['errors']} |"
            )
    for (label, name), runs in results.items():
        if name != "impact page":
            continue
        p95 = statistics.median(f["p95"] for f in runs)
        ok = p95 <= TARGET_P95_MS and not any(f["errors"] for f in runs)
        print(
            f"{label}: median of {len(runs)} runs' p95 = {p95:.1f} ms "
            f"(target ≤ {TARGET_P95_MS} ms: {'yes' if ok else 'NO'})"
        )


if __name__ == "__main__":
    main()
