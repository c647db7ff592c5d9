"""Workshop portal at scale (issue 13), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench13 \
        .venv/bin/python bench/workshop_bench.py [--parcels 2000] [--rows 500]

In a separate database (<name>_workshop_bench, recreated each run unless
--reuse), one workshop with --parcels paid, unshipped parcels (bulk-written:
orders of 1–3 lines, stock reserved for every line as a paid order holds it,
a quarter of the orders also carrying another workshop's parcel), then:
1. bulk ship: a --rows-row CSV (order number, carrier, tracking number) of
   that workshop's parcels through bulk_ship_plan (the dry run) and
   bulk_ship_apply, as its manager in the portal (workshop=…), --runs fresh
   runs with the parcels, lines, stock, orders and events put back between
   them; plan and apply timed separately, median reported. With --emails
   both (the default) twice: shipping emails queued to the Redis broker at
   REDIS_URL, as deployed (the bench purges them), then inline (no broker:
   the task runs after each commit, into Django's in-memory mail backend).
2. `/workshop/orders/` (skipped, and said so, while the page does not exist):
   as the workshop's manager, the SQL queries of one render (Django test
   client, second request, session and user lookups included), then latency
   under gunicorn (2 sync workers, persistent connections, DEBUG off) with
   the manager's session cookie: --requests sequential requests on one
   keep-alive connection (p50/p95/p99), and wrk with --clients connections
   for --seconds.
Not part of the test suite.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

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

TARGETS = {"queries": 10, "p95_ms": 50.0, "apply_seconds": 5.0}
PAGE = "/workshop/orders/"
# The list as it opens, a search by the phone's last 4 digits, a deep page.
PATHS = [PAGE, PAGE + "?q=1234", PAGE + "?status=to_ship&page=50"]
PASSWORD = "bench correct horse battery staple"
# (carrier code, tracking number for parcel n) — each fits its carrier's format.
CARRIER_NUMBERS = [
    ("sf", lambda n: f"SF{1400000000000 + n}"),
    ("zto", lambda n: f"{7300000000000 + n}"),
    ("yto", lambda n: f"YT{7500000000000 + n}"),
    ("yunda", lambda n: f"{4300000000000 + n}"),
    ("jt", lambda n: f"JT{5100000000000 + n}"),
]


def build(parcels: int, rng: random.Random) -> dict:
    """The workshop, its manager and `parcels` paid parcels; returns ids."""
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from brands.models import Role
    from storefront.catalog.models import ProductVariant, Stock
    from storefront.orders.models import (
        Fulfillment,
        Order,
        OrderEvent,
        OrderEventType,
        OrderLine,
        OrderStatus,
    )
    from tests.factories import (
        grant,
        make_brand,
        make_product,
        make_user,
        make_village,
        make_workshop,
    )

    brand = make_brand(slug="wb-brand", name="基准品牌", name_en="Bench brand")
    village = make_village(slug="wb-village", name="基准村")
    workshop = make_workshop(
        brands=[brand], village=village, slug="wb-workshop", name="基准工坊"
    )
    other = make_workshop(
        brands=[brand], village=village, slug="wb-other", name="隔壁工坊"
    )
    manager = make_user("wb-manager")
    manager.set_password(PASSWORD)
    manager.save(update_fields=["password"])
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    words = ["黄鱼鲞", "虾皮", "垂面", "梨膏", "紫菜", "海苔", "鱼干", "蟹酱"]
    mine = []
    for i, word in enumerate(words):
        product = make_product(
            brand=brand,
            workshop=workshop,
            name=f"{word}{i}",
            variants=((1280 + 300 * i, 1_000_000), (2480 + 300 * i, 1_000_000)),
        )
        mine.extend(product.variants.select_related("product"))
    theirs = list(
        make_product(
            brand=brand, workshop=other, name="隔壁的草编帽", variants=((5800, 10**6),)
        ).variants.select_related("product")
    )

    now = timezone.now()
    plans = []
    for i in range(parcels):
        lines = [
            (v, rng.randint(1, 3)) for v in rng.sample(mine, rng.choice((1, 1, 2, 3)))
        ]
        extra = [(theirs[0], 1)] if i % 4 == 0 else []
        plans.append((lines, extra))
    orders = []
    for i, (lines, extra) in enumerate(plans):
        subtotal = sum(v.price_fen * q for v, q in lines + extra)
        shipping = 800 + (600 if extra else 0)
        orders.append(
            Order(
                number=f"GF-2026-{100000 + i}",
                checkout_token=uuid.uuid4(),
                status=OrderStatus.PAID,
                email=f"buyer{i}@example.com",
                note="请用泡沫箱包装，谢谢" if i % 3 == 0 else "",
                subtotal_fen=subtotal,
                shipping_fen=shipping,
                total_fen=subtotal + shipping,
                paid_fen=subtotal + shipping,
                # Oldest first on the page: spread over the last 20 days.
                paid_at=now - timedelta(minutes=15 * (parcels - i)),
                recipient_name=f"顾客{i}",
                phone=f"139{i:08d}",
                province="浙江省",
                city="宁波市",
                district="象山县",
                street_address=f"丹西街道 {i} 号",
            )
        )
    Order.objects.bulk_create(orders, batch_size=2000)
    order_lines, fulfillments, events = [], [], []
    for order, (lines, extra) in zip(orders, plans, strict=True):
        for v, q in lines + extra:
            order_lines.append(
                OrderLine(
                    order=order,
                    variant=v,
                    product=v.product,
                    brand=brand,
                    workshop_id=v.workshop_id,
                    product_name=v.product.name,
                    variant_name=v.name,
                    sku=v.sku,
                    brand_name=brand.name,
                    workshop_name=workshop.name
                    if v.workshop_id == workshop.pk
                    else other.name,
                    village_name=village.name,
                    unit_price_fen=v.price_fen,
                    quantity=q,
                    total_fen=v.price_fen * q,
                    quantity_reserved=q,
                )
            )
        fulfillments.append(
            Fulfillment(
                order=order,
                workshop=workshop,
                subtotal_fen=sum(v.price_fen * q for v, q in lines),
                shipping_fen=800,
                workshop_notified_at=order.paid_at,
            )
        )
        if extra:
            fulfillments.append(
                Fulfillment(
                    order=order,
                    workshop=other,
                    subtotal_fen=sum(v.price_fen * q for v, q in extra),
                    shipping_fen=600,
                    workshop_notified_at=order.paid_at,
                )
            )
        events += [
            OrderEvent(order=order, type=OrderEventType.PLACED),
            OrderEvent(order=order, type=OrderEventType.PAID),
        ]
    OrderLine.objects.bulk_create(order_lines, batch_size=5000)
    Fulfillment.objects.bulk_create(fulfillments, batch_size=5000)
    OrderEvent.objects.bulk_create(events, batch_size=5000)
    held = (
        OrderLine.objects.values("variant_id")
        .annotate(units=Sum("quantity_reserved"))
        .values_list("variant_id", "units")
    )
    stocks = {s.variant_id: s for s in Stock.objects.all()}
    for variant_id, units in held:
        stocks[variant_id].quantity_reserved = units
    Stock.objects.bulk_update(stocks.values(), ["quantity_reserved"])
    assert ProductVariant.objects.count() == len(stocks)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load
    return {"workshop": workshop.pk, "manager": manager.pk}


def shipping_csv(parcels, rows: int, rng: random.Random) -> tuple[bytes, list]:
    """`rows` of the workshop's pending parcels, as a workshop's CSV."""
    chosen = rng.sample(parcels, rows)
    out = ["订单号,快递公司,运单号"]
    for n, (_pk, number) in enumerate(chosen):
        carrier, make = CARRIER_NUMBERS[n % len(CARRIER_NUMBERS)]
        out.append(f"{number},{carrier},{make(n)}")
    return ("\r\n".join(out) + "\r\n").encode("utf-8"), [pk for pk, _ in chosen]


class Snapshot:
    """What a bulk ship changes, to put back between runs."""

    def __init__(self):
        from storefront.catalog.models import Stock
        from storefront.orders.models import OrderEvent

        self.stock = {
            s.pk: (s.quantity, s.quantity_reserved) for s in Stock.objects.all()
        }
        self.last_event = OrderEvent.objects.order_by("-pk").values_list(
            "pk", flat=True
        )[0]

    def restore(self, fulfillment_ids: list[int]) -> None:
        from django.db import transaction
        from django.db.models import F

        from storefront.catalog.models import Stock
        from storefront.orders.models import (
            Fulfillment,
            FulfillmentStatus,
            Order,
            OrderEvent,
            OrderLine,
            OrderStatus,
        )

        with transaction.atomic():
            parcels = Fulfillment.objects.filter(pk__in=fulfillment_ids)
            order_ids = list(parcels.values_list("order_id", flat=True))
            for workshop_id in set(parcels.values_list("workshop_id", flat=True)):
                OrderLine.objects.filter(
                    order_id__in=order_ids, workshop_id=workshop_id
                ).update(quantity_reserved=F("quantity"), quantity_fulfilled=0)
            parcels.update(
                status=FulfillmentStatus.PENDING,
                carrier="",
                tracking_number="",
                shipped_at=None,
                shipping_email_sent_at=None,
            )
            Order.objects.filter(pk__in=order_ids).update(status=OrderStatus.PAID)
            OrderEvent.objects.filter(pk__gt=self.last_event).delete()
            stocks = list(Stock.objects.all())
            for s in stocks:
                s.quantity, s.quantity_reserved = self.stock[s.pk]
            Stock.objects.bulk_update(stocks, ["quantity", "quantity_reserved"])


def email_mode(mode: str) -> None:
    """queued: shipping emails go to the Redis broker, as deployed (web and
    worker apart; the bench purges them); inline: no broker, the task runs in
    the request after each commit (the first-run default)."""
    from config.celery import app

    if mode == "queued":
        app.conf.task_always_eager = False
        app.conf.broker_url = os.environ["REDIS_URL"]
    else:
        app.conf.task_always_eager = True


def queued_emails() -> int:
    """Shipping-email tasks waiting in the broker; then dropped."""
    from config.celery import app

    with app.connection_for_write() as conn:
        return app.control.purge(connection=conn) or 0


def bulk_ship_runs(ids: dict, args, rng: random.Random, mode: str) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.core import mail

    from brands.models import Workshop
    from storefront.orders.bulk_ship import bulk_ship_apply, bulk_ship_plan
    from storefront.orders.models import Fulfillment, FulfillmentStatus

    manager = get_user_model().objects.get(pk=ids["manager"])
    workshop = Workshop.objects.get(pk=ids["workshop"])
    pending = list(
        Fulfillment.objects.filter(
            workshop=workshop, status=FulfillmentStatus.PENDING
        ).values_list("pk", "order__number")
    )
    snapshot = Snapshot()
    email_mode(mode)
    if mode == "queued":
        queued_emails()
    runs = []
    for run in range(1, args.runs + 1):
        data, chosen = shipping_csv(pending, args.rows, rng)
        mail.outbox = []
        # A fresh user object each run, as each request of the portal has.
        manager = get_user_model().objects.get(pk=manager.pk)
        started = time.perf_counter()
        plan = bulk_ship_plan(user=manager, data=data, workshop=workshop)
        planned = time.perf_counter()
        shipped = bulk_ship_apply(user=manager, plan=plan)
        applied = time.perf_counter()
        figures = {
            "run": run,
            "rows": len(plan.rows),
            "valid": len(plan.valid_rows),
            "shipped": shipped,
            "emails": queued_emails() if mode == "queued" else len(mail.outbox),
            "plan_s": planned - started,
            "apply_s": applied - planned,
            "bytes": len(data),
        }
        assert figures["valid"] == args.rows, plan.errors[:5]
        assert shipped == args.rows, [r.apply_error for r in plan.rows][:5]
        assert (
            Fulfillment.objects.filter(
                pk__in=chosen, status=FulfillmentStatus.SHIPPED
            ).count()
            == args.rows
        )
        runs.append(figures)
        print(
            f"{mode} run {run}: plan {figures['plan_s']:.2f} s, apply "
            f"{figures['apply_s']:.2f} s, {shipped} shipped, "
            f"{figures['emails']} emails {'queued' if mode == 'queued' else 'sent'}",
            flush=True,
        )
        snapshot.restore(chosen)
        assert Fulfillment.objects.filter(
            workshop=workshop, status=FulfillmentStatus.PENDING
        ).count() == len(pending)
    return runs


def session_cookie(manager_id: int) -> tuple[str, str]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(pk=manager_id))
    return settings.SESSION_COOKIE_NAME, client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value


def count_queries(cookie: tuple[str, str], paths: list[str]) -> dict:
    """SQL queries of one render per path (the second request; the first warms
    per-process caches), or None where the page is not there."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.cookies[cookie[0]] = cookie[1]
    found = {}
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            found[path] = {"status": response.status_code}
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        html = response.content.decode()
        found[path] = {
            "status": response.status_code,
            "queries": len(queries),
            "sql": [q["sql"] for q in queries.captured_queries],
            "bytes": len(response.content),
            "order_numbers": len(set(re.findall(r"GF-2026-1\d{5}", html))),
        }
    return found


def sequential(port: int, path: str, cookie: tuple[str, str], n: int) -> dict:
    """`n` requests one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "127.0.0.1", "Cookie": f"{cookie[0]}={cookie[1]}"}
    times = []
    for i in range(n + 20):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        if i >= 20:  # the first 20 warm both workers up
            times.append(elapsed)
    conn.close()
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "n": len(times)}


def wrk(port: int, path: str, cookie: tuple[str, str], clients: int, seconds: int):
    return drive(
        port,
        [(path, None)],
        clients=clients,
        seconds=seconds,
        headers=(f"Cookie: {cookie[0]}={cookie[1]}",),
    )


def yes(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--parcels", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=500, help="bulk ship CSV rows")
    parser.add_argument("--runs", type=int, default=3, help="bulk ship runs")
    parser.add_argument(
        "--requests", type=int, default=300, help="sequential page requests"
    )
    parser.add_argument("--clients", type=int, default=2, help="wrk connections")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration")
    parser.add_argument(
        "--path",
        action="append",
        help=f"page to measure (repeatable; default {', '.join(PATHS)})",
    )
    parser.add_argument(
        "--emails",
        choices=["both", "queued", "inline"],
        default="both",
        help="shipping emails queued to the Redis broker (REDIS_URL) as "
        "deployed, sent inline (no broker), or both (default)",
    )
    parser.add_argument("--skip-ship", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the loaded bench database"
    )
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    paths = args.path or PATHS

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_workshop_bench",
        script="bench/workshop_bench.py",
    )
    env = server_env(url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Shipping emails rendered and kept in memory: measured, never sent.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("CELERY_BROKER_URL", None)
    rng = random.Random(args.seed)
    import django

    if not args.reuse:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        run_manage(env, "collectstatic", "--noinput", "-v0")
        django.setup()
        started = time.perf_counter()
        build(args.parcels, rng)
        print(
            f"loaded {args.parcels} parcels in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    else:
        django.setup()
    from django.contrib.auth import get_user_model

    from brands.models import Workshop

    ids = {
        "workshop": Workshop.objects.get(slug="wb-workshop").pk,
        "manager": get_user_model().objects.get(username="wb-manager").pk,
    }
    from storefront.orders.models import Fulfillment

    args.parcels = Fulfillment.objects.filter(workshop_id=ids["workshop"]).count()
    print(
        f"machine: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; {args.parcels} parcels",
        flush=True,
    )

    modes = {"both": ["queued", "inline"]}.get(args.emails, [args.emails])
    if "queued" in modes and not os.environ.get("REDIS_URL"):
        modes.remove("queued")
        print("no REDIS_URL: shipping emails measured inline only")
    for mode in [] if args.skip_ship else modes:
        runs = bulk_ship_runs(ids, args, rng, mode)
        plan_s = statistics.median(r["plan_s"] for r in runs)
        apply_s = statistics.median(r["apply_s"] for r in runs)
        print(
            f"\nBulk ship, {args.rows} rows, {args.parcels} parcels, "
            f"shipping emails {mode}\n"
        )
        print("| run | plan s | apply s | rows shipped | emails |")
        print("|---|---:|---:|---:|---:|")
        for r in runs:
            print(
                f"| {r['run']} | {r['plan_s']:.2f} | {r['apply_s']:.2f} "
                f"| {r['shipped']} | {r['emails']} |"
            )
        print(f"| **median** | **{plan_s:.2f}** | **{apply_s:.2f}** | | |")
        print(
            f"\napply ≤ {TARGETS['apply_seconds']:.0f} s ({mode}): "
            f"{yes(apply_s <= TARGETS['apply_seconds'])} "
            f"({args.rows / apply_s:.0f} rows/s)",
            flush=True,
        )
    email_mode("inline")

    if args.skip_page:
        return
    cookie = session_cookie(ids["manager"])
    counted = count_queries(cookie, paths)
    missing = [p for p, f in counted.items() if f["status"] != 200]
    if missing:
        print(f"\npage part pending: {missing} answer {[counted[p] for p in missing]}")
        paths = [p for p in paths if p not in missing]
        if not paths:
            return
    if shutil.which("wrk") is None:
        sys.exit(
            "bench/workshop_bench.py drives the server with wrk: apt-get install wrk"
        )
    server, port = start_gunicorn({**env, "DEBUG": "0"})
    rows = []
    try:
        for path in paths:
            seq = sequential(port, path, cookie, args.requests)
            loaded = wrk(port, path, cookie, args.clients, args.seconds)
            rows.append((path, counted[path], seq, loaded))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\n{PAGE} as the workshop manager, {args.parcels} parcels; gunicorn 2 sync "
        f"workers, persistent connections, DEBUG off\n"
    )
    print(
        "| page | SQL queries | HTML KB | order numbers shown | seq p50 ms "
        "| seq p95 ms "
        f"| seq p99 ms | wrk ({args.clients} conn) p50 ms | wrk p95 ms | wrk p99 ms "
        "| req/s | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path, c, s, w in rows:
        print(
            f"| {path} | {c['queries']} | {c['bytes'] / 1024:.0f} "
            f"| {c['order_numbers']} | {s['p50']:.1f} | {s['p95']:.1f} "
            f"| {s['p99']:.1f} | {w['p50']:.1f} | {w['p95']:.1f} | {w['p99']:.1f} "
            f"| {w['rps']:.0f} | {w['errors']} |"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for path, c, s, w in rows:
        print(
            f"{path}: ≤ {TARGETS['queries']} queries "
            f"{yes(c['queries'] <= TARGETS['queries'])}"
            f"; p95 ≤ {TARGETS['p95_ms']:.0f} ms sequential "
            f"{yes(s['p95'] <= TARGETS['p95_ms'])}, wrk "
            f"{yes(w['p95'] <= TARGETS['p95_ms'] and not w['errors'])}"
        )
        if args.show_sql:
            for sql in c["sql"]:
                print("   ", sql[:300])


if __name__ == "__main__":
    main()
