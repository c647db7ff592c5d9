"""Revenue split and ledger at scale, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rev \
        .venv/bin/python bench/revenue_bench.py [--lines 100000] [--batch 500]

In a separate database (<name>_revenue_bench, recreated each run; or
--database-url for the base):
1. bulk-loads paid orders holding N order lines (1–5 lines each, from 1–2 of
   20 workshops in 12 villages selling 5 brands, a parcel per workshop with
   its shipping, a third sold by one of 50 hosts), 5 brand agreements and 4
   workshop overrides besides the platform default;
2. splits and posts them through revenue.order_split.orders_split, --batch
   orders a call (as the sweep task does), and reports lines/s;
3. books partial and full refunds for 2 % of the orders (order_record_refund
   + refund_reverse, as order_refund does after Stripe) and pays everyone
   out through a bank payout batch (propose, approve, mark paid), so the
   ledger holds every kind of entry;
4. times reads: one party's balance (median of --reads calls), every
   party's balance, the busiest village's statement for this month;
5. runs the whole ledger check (revenue.checks) over it, and `manage.py
   ledger_check` once end to end.
--profile prints where one split batch spends its time. Not part of the
test suite.

Steps 1–2 run --runs times (default 3) on a freshly recreated database, and
each run measures the floor first (bench/floor.py: a hello view and a
one-row read served by gunicorn, 2 sync workers, on that database): the
split is reported in lines/s, as the median of the runs, against the floor's
read req/s of the same run, and in CPU per 1,000 lines (this process and its
PostgreSQL backend, from /proc) against the floor's CPU per read request.
Steps 3–5 run once, on the last run's ledger.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import floor_env, measure_floor  # noqa: E402
from bench.storefront import (  # noqa: E402
    bench_database_url,
    recreate_database,
    run_manage,
    server_env,
    start_gunicorn,
)

TARGETS = {"lines_per_second": 2000, "balance_ms": 5.0, "check_seconds": 30.0}
WORKSHOPS, VILLAGES, BRANDS, HOSTS = 20, 12, 5, 50


def setup_parties():
    """Brands, villages, workshops, hosts, agreements and an operator."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from brands.models import Brand, Membership, Role, Village, Workshop, WorkshopType
    from revenue.models import ShareAgreement

    User = get_user_model()
    brands = Brand.objects.bulk_create(
        Brand(
            slug=f"rb-brand-{i}",
            name=f"分账品牌{i}",
            name_en=f"Revenue brand {i}",
            operator_organisation=f"运营公司{i}",
        )
        for i in range(BRANDS)
    )
    villages = Village.objects.bulk_create(
        Village(
            slug=f"rb-village-{i}",
            name=f"分账村{i}",
            township="黄避岙乡",
            county="象山县",
            city="宁波市",
            collective_organisation=f"分账村{i}股份经济合作社",
        )
        for i in range(VILLAGES)
    )
    workshops = Workshop.objects.bulk_create(
        Workshop(
            slug=f"rb-workshop-{i}",
            name=f"分账工坊{i}",
            village=villages[i % VILLAGES],
            workshop_type=WorkshopType.PROCESSING,
            people_employed=10,
            low_income_households_employed=3,
        )
        for i in range(WORKSHOPS)
    )
    sells = {
        w.pk: [brands[i % BRANDS], brands[(i + 2) % BRANDS]]
        for i, w in enumerate(workshops)
    }
    Workshop.brands.through.objects.bulk_create(
        Workshop.brands.through(workshop_id=w, brand_id=b.pk)
        for w, pair in sells.items()
        for b in pair
    )
    recipients = ["village", "workshop", "brand", "platform"]
    agreements = []
    for i, brand in enumerate(brands):
        village_bp = 800 + 100 * i
        agreements.append(
            ShareAgreement(
                brand=brand,
                effective_from=date(2026, 1, 1),
                workshop_bp=10_000 - village_bp - 1000 - 600 - 400,
                village_bp=village_bp,
                brand_bp=1000,
                host_bp=600,
                platform_bp=400,
                unattributed_host_share_to=recipients[i % 4],
                fee_bearer=recipients[(i + 1) % 4],
            )
        )
    for workshop in workshops[:4]:
        agreements.append(
            ShareAgreement(
                brand=sells[workshop.pk][0],
                workshop=workshop,
                effective_from=date(2026, 6, 1),
                workshop_bp=6500,
                village_bp=1500,
                brand_bp=1000,
                host_bp=500,
                platform_bp=500,
                fee_bearer="workshop",
            )
        )
    ShareAgreement.objects.bulk_create(agreements)
    hosts = User.objects.bulk_create(
        User(username=f"rb-host-{i}", first_name=f"主播{i}") for i in range(HOSTS)
    )
    # Each host sells three of the five brands: its orders' lines of the other
    # two earn no commission, so both paths of the split are measured.
    Membership.objects.bulk_create(
        Membership(user=host, role=Role.LIVESTREAM_HOST, brand=brands[(i + k) % 5])
        for i, host in enumerate(hosts)
        for k in range(3)
    )
    buyers = User.objects.bulk_create(
        User(username=f"rb-buyer-{i}") for i in range(200)
    )
    operator = User.objects.create(username="rb-operator", is_staff=True)
    return workshops, sells, hosts, buyers, operator


def load_orders(n_lines: int, rng: random.Random):
    """Paid orders holding `n_lines` lines, written in bulk."""
    from django.utils import timezone

    from storefront.orders.models import (
        Fulfillment,
        Order,
        OrderLine,
        OrderStatus,
    )

    workshops, sells, hosts, buyers, operator = setup_parties()
    now = timezone.now()
    plans = []
    left = n_lines
    while left > 0:
        count = min(left, rng.randint(1, 5))
        left -= count
        chosen = rng.sample(workshops, rng.choice((1, 1, 2)))
        lines = []
        for _ in range(count):
            w = rng.choice(chosen)
            lines.append(
                (
                    w,
                    rng.choice(sells[w.pk]),
                    rng.randint(300, 30_000),
                    rng.randint(1, 4),
                )
            )
        used = {line[0] for line in lines}
        shipping = {w: rng.choice((0, 0, 600, 800, 1200)) for w in used}
        plans.append((lines, shipping))
    orders = []
    for i, (lines, shipping) in enumerate(plans):
        subtotal = sum(p * q for _, _, p, q in lines)
        ship = sum(shipping.values())
        buyer = rng.choice(buyers)
        host = rng.choice(hosts) if rng.random() < 0.33 else None
        orders.append(
            Order(
                number=f"GF-B-{i:07d}",
                checkout_token=uuid.uuid4(),
                user=buyer,
                host=host,
                status=OrderStatus.PAID,
                email=f"b{i}@example.com",
                subtotal_fen=subtotal,
                shipping_fen=ship,
                total_fen=subtotal + ship,
                paid_fen=subtotal + ship,
                paid_at=now - timedelta(minutes=len(plans) - i),
            )
        )
    Order.objects.bulk_create(orders, batch_size=5000)
    order_lines, parcels = [], []
    for order, (lines, shipping) in zip(orders, plans, strict=True):
        for j, (w, brand, price, qty) in enumerate(lines):
            order_lines.append(
                OrderLine(
                    order=order,
                    workshop=w,
                    brand=brand,
                    product_name=f"商品{j}",
                    sku=f"SKU-{order.pk}-{j}",
                    brand_name=brand.name,
                    workshop_name=w.name,
                    village_name="分账村",
                    unit_price_fen=price,
                    quantity=qty,
                    total_fen=price * qty,
                )
            )
        for w, fee in shipping.items():
            subtotal = sum(p * q for ww, _, p, q in lines if ww == w)
            parcels.append(
                Fulfillment(
                    order=order, workshop=w, subtotal_fen=subtotal, shipping_fen=fee
                )
            )
    OrderLine.objects.bulk_create(order_lines, batch_size=5000)
    Fulfillment.objects.bulk_create(parcels, batch_size=5000)
    return orders, operator


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def floor_of_run(url: str) -> dict:
    """The floor's figures on this run's database, with nothing else of the
    benchmark running."""
    for attempt in range(3):
        try:
            server, port = start_gunicorn(floor_env(server_env(url)))
            break
        except RuntimeError:  # slow to boot on a busy machine
            if attempt == 2:
                raise
    try:
        return measure_floor(port, server=server, seconds=5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def split_orders(order_ids: list[int], batch: int, profile: bool) -> tuple[float, str]:
    from revenue.order_split import orders_split

    report = ""
    started = time.perf_counter()
    for n, start in enumerate(range(0, len(order_ids), batch)):
        ids = order_ids[start : start + batch]
        if n & (n - 1) == 0 and n:
            # PostgreSQL keeps a connection's plans for its foreign-key
            # checks; made while the ledger was empty they scan it whole,
            # and the split turns quadratic. Fresh statistics replan them,
            # as autovacuum's ANALYZE does while the tables grow.
            analyze()
        if profile and n == 16:  # warm caches, fresh statistics
            profiler = cProfile.Profile()
            profiler.enable()
            orders_split(order_ids=ids)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            report = out.getvalue()
        else:
            orders_split(order_ids=ids)
    return time.perf_counter() - started, report


def refund_some(orders, rng: random.Random) -> tuple[int, float]:
    """Partial and full refunds for 2 % of the orders, as order_refund books
    them once Stripe has accepted (a succeeded payment row each)."""
    from storefront.payments.models import Payment, PaymentStatus
    from tests.revenue.ledger_builders import book_refund

    chosen = rng.sample(orders, max(1, len(orders) // 50))
    Payment.objects.bulk_create(
        Payment(
            order=o,
            payment_intent_id=f"pi_bench_{o.pk}",
            client_secret="s",
            amount_fen=o.paid_fen,
            currency="CNY",
            status=PaymentStatus.SUCCEEDED,
        )
        for o in chosen
    )
    started = time.perf_counter()
    for i, order in enumerate(chosen):
        amount = order.paid_fen if i % 4 == 0 else rng.randint(1, order.paid_fen - 1)
        book_refund(order, amount)
    return len(chosen), time.perf_counter() - started


def pay_everyone(operator) -> tuple[int, float]:
    from revenue.models import Party, PartyKind, PayoutStatus
    from tests.revenue.ledger_builders import give_bank_accounts, pay_out

    give_bank_accounts(Party.objects.exclude(kind=PartyKind.PLATFORM))
    started = time.perf_counter()
    batch = pay_out(operator, threshold_fen=1)
    elapsed = time.perf_counter() - started
    return batch.payouts.filter(status=PayoutStatus.PAID).count(), elapsed


def timed(fn, runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def reads(reads_n: int, rng: random.Random) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from revenue.models import Party, PartyKind
    from revenue.selectors import owed_by_party, party_balance

    parties = list(Party.objects.all())
    picks = iter(rng.choice(parties) for _ in range(reads_n))
    balance_ms, _ = timed(lambda: party_balance(next(picks)), reads_n)
    all_ms, owed = timed(lambda: owed_by_party(), 20)
    figures = {
        "parties": len(parties),
        "balance_ms": balance_ms,
        "all_ms": all_ms,
        "all_count": len(owed),
    }
    try:
        from revenue.statements import party_statement
    except ImportError as exc:
        figures["statement"] = f"cannot import revenue.statements ({exc})"
        return figures
    village = (
        Party.objects.filter(kind=PartyKind.VILLAGE)
        .annotate(n=Count("shares"))
        .order_by("-n")
        .first()
    )
    month = timezone.localdate().replace(day=1)
    ms, statement = timed(lambda: party_statement(party=village, month=month), 5)
    figures.update(statement_ms=ms, statement_lines=len(statement.lines))
    return figures


def check(env: dict) -> dict:
    from revenue.checks import ledger_counts, ledger_violations

    started = time.perf_counter()
    violations = ledger_violations()
    seconds = time.perf_counter() - started
    counts = ledger_counts()
    started = time.perf_counter()
    command = subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return {
        "seconds": seconds,
        "violations": violations,
        "counts": counts,
        "command_seconds": time.perf_counter() - started,
        "command_rc": command.returncode,
        "command_out": (command.stdout + command.stderr).strip(),
    }


def print_floor(runs: list[dict]) -> None:
    """Each run's split against the floor measured in the same run."""
    print(
        "| run | lines/s | floor read req/s | floor hello req/s | lines/s ÷ "
        "read req/s | CPU ms per 1,000 lines | floor read CPU ms/req |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [
        (
            r["rate"],
            r["read_rps"],
            r["hello_rps"],
            r["rate"] / r["read_rps"],
            r["cpu_ms_per_1000"],
            r["read_cpu_ms"] or float("nan"),
        )
        for r in runs
    ]
    medians = tuple(statistics.median(c) for c in zip(*rows, strict=True))
    for label, row in [
        *((str(n + 1), r) for n, r in enumerate(rows)),
        ("**median**", medians),
    ]:
        rate, read, hello, share, cpu, read_cpu = row
        print(
            f"| {label} | {rate:,.0f} | {read:,.0f} | {hello:,.0f} | {share:.2f} "
            f"| {cpu:,.0f} | {read_cpu:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="orders per call")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="base PostgreSQL URL (default: $DATABASE_URL)",
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="report the median")
    args = parser.parse_args()

    url = bench_database_url(
        args.database_url, suffix="_revenue_bench", script="bench/revenue_bench.py"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    import django

    runs = []
    for n in range(args.runs):
        if n:
            from django.db import connections

            connections.close_all()
        print(f"run {n + 1}: database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        django.setup()
        rng = random.Random(args.seed)

        started = time.perf_counter()
        orders, operator = load_orders(args.lines, rng)
        analyze()
        load_seconds = time.perf_counter() - started
        print(
            f"loaded {len(orders):,} orders, {args.lines:,} lines in "
            f"{load_seconds:.1f} s",
            flush=True,
        )
        floor = floor_of_run(url)
        backend = backend_pid()
        cpu_before = time.process_time() + _cpu_seconds(backend)
        alloc_seconds, profile = split_orders(
            [o.pk for o in orders], args.batch, args.profile
        )
        cpu = time.process_time() + _cpu_seconds(backend) - cpu_before
        runs.append(
            {
                "rate": args.lines / alloc_seconds,
                "seconds": alloc_seconds,
                "cpu_ms_per_1000": cpu * 1000 * 1000 / args.lines,
                "read_rps": floor["read"]["rps"],
                "hello_rps": floor["hello"]["rps"],
                "read_cpu_ms": floor["read"]["cpu_ms"],
            }
        )
        print(
            f"split in {alloc_seconds:.1f} s: {runs[-1]['rate']:,.0f} lines/s, "
            f"{runs[-1]['cpu_ms_per_1000']:.0f} CPU ms per 1,000 lines; floor: "
            f"read {floor['read']['rps']:.0f} req/s, hello "
            f"{floor['hello']['rps']:.0f} req/s",
            flush=True,
        )
    rate = statistics.median(r["rate"] for r in runs)
    alloc_seconds = statistics.median(r["seconds"] for r in runs)
    analyze()
    refunds, refund_seconds = refund_some(orders, rng)
    payouts, payout_seconds = pay_everyone(operator)
    analyze()
    figures = reads(args.reads, rng)
    checked = check(env)

    c = checked["counts"]
    print(
        f"\n{len(orders):,} orders, {args.lines:,} lines; ledger: {c['entries']:,} "
        f"entries, {c['lines']:,} lines, {c['shares']:,} shares, "
        f"{figures['parties']} parties; {os.cpu_count()} cores\n"
    )
    print("| measurement | figure | target | met |")
    print("|---|---:|---:|---|")

    def row(label, figure, target="—", met=None):
        verdict = "—" if met is None else ("yes" if met else "NO")
        print(f"| {label} | {figure} | {target} | {verdict} |")

    row("bulk load (orders, lines, parcels)", f"{load_seconds:.1f} s")
    row(
        f"split + post, orders_split × {args.batch} orders",
        f"{alloc_seconds:.1f} s, **{rate:,.0f} lines/s**",
        f"≥ {TARGETS['lines_per_second']:,} lines/s",
        rate >= TARGETS["lines_per_second"],
    )
    row(
        f"{refunds} refunds (record + reverse)",
        f"{refund_seconds * 1000 / refunds:.1f} ms each",
    )
    row(f"payout batch: {payouts} bank payouts", f"{payout_seconds:.2f} s")
    row(
        f"party_balance (median of {args.reads})",
        f"**{figures['balance_ms']:.2f} ms**",
        f"≤ {TARGETS['balance_ms']} ms",
        figures["balance_ms"] <= TARGETS["balance_ms"],
    )
    row(
        f"every party's balance ({figures['all_count']}, median of 20)",
        f"{figures['all_ms']:.2f} ms",
    )
    if "statement_ms" in figures:
        row(
            f"busiest village's statement, this month "
            f"({figures['statement_lines']:,} lines, median of 5)",
            f"{figures['statement_ms']:.0f} ms",
        )
    else:
        row("village monthly statement", f"skipped: {figures['statement']}")
    met = checked["seconds"] <= TARGETS["check_seconds"] and not checked["violations"]
    row(
        f"ledger_violations() ({len(checked['violations'])} violations)",
        f"**{checked['seconds']:.1f} s**",
        f"≤ {TARGETS['check_seconds']:.0f} s",
        met,
    )
    row(
        f"`manage.py ledger_check` (exit {checked['command_rc']})",
        f"{checked['command_seconds']:.1f} s",
    )
    print()
    print_floor(runs)
    print()
    print(checked["command_out"][:2000])
    for violation in checked["violations"][:10]:
        print(violation)
    if profile:
        print(f"\ncProfile of one orders_split call ({args.batch} orders):\n")
        print(profile)
    if checked["violations"] or checked["command_rc"] != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
