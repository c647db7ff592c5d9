"""Complete checkouts per second, on PostgreSQL and the local Stripe stand-in.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/checkout.py [--orders 400] [--clients 8] [--runs 3]

Creates a separate database (<name>_checkout_bench, recreated each run) with a
small catalogue, starts localstripe through our launcher and the shop under
gunicorn (3 sync workers, persistent DB connections), then runs N complete
purchases with several concurrent clients, each over GraphQL as a phone
would: checkoutCreate (with two lines from two workshops) → checkoutEmailUpdate
→ checkoutShippingAddressUpdate → checkoutComplete, then the card payment at
Stripe (what Stripe.js does in the browser) and the signed
payment_intent.succeeded webhook, and finally checks that every order is paid.
Prints orders/s (median of --runs) and per-step median/p95 latency. Not part
of the test suite.

The floor (bench/floor.py: a hello view and a one-row read, served by the
same gunicorn) is measured before each run; every run reports orders/s
against the floor's req/s and the shop's CPU per order (gunicorn master and
workers, from /proc) as a multiple of the floor's CPU per request, so the
figures survive a busy machine. Each figure is the median of the runs.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import (  # noqa: E402
    floor_env,
    measure_floor,
    server_cpu_seconds,
)
from bench.storefront import (  # noqa: E402
    free_port,
    recreate_database,
    run_manage,
    wait_for,
)
from tests.payments_stand_in import (  # noqa: E402
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    sign_stripe_payload,
    start_localstripe,
)

TARGETS = {"orders_per_second": 20, "complete_p95_ms": 250}
ADDRESS = {
    "firstName": "王小明",
    "phone": "13800138000",
    "countryArea": "浙江省",
    "city": "舟山市",
    "cityArea": "嵊泗县",
    "streetAddress1": "菜园镇渔港路 1 号",
}
CREATE = """mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id } errors { field code message } } }"""
EMAIL = """mutation($id: ID!, $email: String!) {
  checkoutEmailUpdate(id: $id, email: $email) { errors { code message } } }"""
ADDRESS_UPDATE = """mutation($id: ID!, $address: AddressInput!) {
  checkoutShippingAddressUpdate(id: $id, shippingAddress: $address) {
    checkout { totalPrice { gross { amount } } } errors { field code message
      } } }"""
COMPLETE = """mutation($id: ID!) {
  checkoutComplete(id: $id) {
    order { number token }
    payment { paymentIntentId clientSecret }
    errors { field code message } } }"""
ORDER = """query($token: UUID!) { orderByToken(token: $token) { number isPaid } }"""


def bench_database_url(base_url: str) -> str:
    parsed = urlparse(base_url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/checkout.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    return parsed._replace(path=parsed.path + "_checkout_bench").geturl()


def load_catalogue() -> list[str]:
    """Six workshops, 60 products with plenty of stock; returns variant IDs
    (Relay global IDs) for the clients to buy."""
    import django

    django.setup()
    from graphql_relay import to_global_id

    from tests.factories import make_brand, make_product, make_workshop

    brand = make_brand(slug="bench-brand", name="基准品牌")
    variant_ids = []
    for w in range(6):
        workshop = make_workshop(brands=[brand], slug=f"bench-ws-{w}")
        for p in range(10):
            product = make_product(
                brand=brand,
                workshop=workshop,
                variants=((1280 + 100 * p, 1_000_000),),
                published=True,
            )
            variant = product.variants.get()
            variant_ids.append(to_global_id("ProductVariant", variant.pk))
    return variant_ids


class Client:
    """One phone: a keep-alive connection to the shop and one to Stripe."""

    def __init__(self, shop_port: int, stripe_url: str):
        self.shop = http.client.HTTPConnection("127.0.0.1", shop_port, timeout=30)
        parsed = urlparse(stripe_url)
        self.stripe = http.client.HTTPConnection(
            parsed.hostname, parsed.port, timeout=30
        )

    def gql(self, query: str, variables: dict) -> tuple[dict, float]:
        body = json.dumps({"query": query, "variables": variables})
        started = time.perf_counter()
        self.shop.request(
            "POST", "/graphql/", body, {"Content-Type": "application/json"}
        )
        response = self.shop.getresponse()
        data = json.loads(response.read())
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or data.get("errors"):
            raise RuntimeError(f"GraphQL failed: {response.status} {data}")
        return data["data"], elapsed

    def stripe_post(self, path: str, form: dict) -> dict:
        from urllib.parse import urlencode

        self.stripe.request(
            "POST",
            path,
            urlencode(form),
            {
                "Authorization": f"Bearer {TEST_SECRET_KEY}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = self.stripe.getresponse()
        data = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"Stripe {path}: {response.status} {data}")
        return data

    def webhook(self, intent: dict, n: int) -> float:
        event = {
            "id": f"evt_bench_{intent['id']}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "livemode": False,
            "api_version": "2024-06-20",
            "data": {"object": intent},
        }
        body = json.dumps(event).encode()
        started = time.perf_counter()
        self.shop.request(
            "POST",
            "/payments/stripe/webhook/",
            body,
            {
                "Content-Type": "application/json",
                "Stripe-Signature": sign_stripe_payload(body, TEST_WEBHOOK_SECRET),
            },
        )
        response = self.shop.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}")
        return (time.perf_counter() - started) * 1000


def one_purchase(client: Client, variant_ids: list[str], n: int, timings: dict):
    a, b = (
        variant_ids[n % len(variant_ids)],
        variant_ids[(n * 7 + 13) % len(variant_ids)],
    )
    lines = [{"variantId": a, "quantity": 1}]
    if b != a:
        lines.append({"variantId": b, "quantity": 2})
    data, ms = client.gql(
        CREATE, {"input": {"channel": "default-channel", "lines": lines}}
    )
    timings["checkoutCreate"].append(ms)
    checkout_id = data["checkoutCreate"]["checkout"]["id"]
    _, ms = client.gql(EMAIL, {"id": checkout_id, "email": f"buyer{n}@example.com"})
    timings["checkoutEmailUpdate"].append(ms)
    _, ms = client.gql(ADDRESS_UPDATE, {"id": checkout_id, "address": ADDRESS})
    timings["checkoutShippingAddressUpdate"].append(ms)
    data, ms = client.gql(COMPLETE, {"id": checkout_id})
    timings["checkoutComplete"].append(ms)
    result = data["checkoutComplete"]
    if result["errors"]:
        raise RuntimeError(f"checkoutComplete: {result['errors']}")
    intent_id = result["payment"]["paymentIntentId"]
    method = client.stripe_post(
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    intent = client.stripe_post(
        f"/v1/payment_intents/{intent_id}/confirm", {"payment_method": method["id"]}
    )
    timings["webhook"].append(client.webhook(intent, n))
    return result["order"]["token"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(port: int, stripe_url: str, variant_ids, orders: int, clients: int):
    timings = {
        k: []
        for k in (
            "checkoutCreate",
            "checkoutEmailUpdate",
            "checkoutShippingAddressUpdate",
            "checkoutComplete",
            "webhook",
        )
    }
    tokens, failures = [], []
    counter = iter(range(orders))
    lock = threading.Lock()

    def worker():
        client = Client(port, stripe_url)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                tokens.append(one_purchase(client, variant_ids, n, timings))
            except Exception as exc:  # noqa: BLE001 — a bench reports, not raises
                failures.append(repr(exc))
                client = Client(port, stripe_url)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return timings, tokens, failures, wall


def print_floor(rates: list[float], cpu: list[float], floors: list[dict]) -> None:
    """Each run against the floor measured just before it, and the medians."""
    print(
        "\n| run | orders/s | floor read req/s | floor hello req/s | orders/s "
        "÷ read req/s | shop CPU ms/order | floor read CPU ms/req | CPU/order "
        "× read |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n, (rate, ms, floor) in enumerate(zip(rates, cpu, floors, strict=True)):
        read, hello = floor["read"], floor["hello"]
        row = (
            rate,
            read["rps"],
            hello["rps"],
            rate / read["rps"],
            ms,
            read["cpu_ms"],
            ms / read["cpu_ms"] if read["cpu_ms"] else float("nan"),
        )
        rows.append(row)
        print(_floor_row(str(n + 1), row))
    medians = tuple(statistics.median(column) for column in zip(*rows, strict=True))
    print(_floor_row("**median**", medians))


def _floor_row(label: str, row: tuple) -> str:
    rate, read, hello, share, ms, read_ms, times = row
    return (
        f"| {label} | {rate:.1f} | {read:.0f} | {hello:.0f} | {100 * share:.2f} % "
        f"| {ms:.1f} | {read_ms:.2f} | {times:.0f}× |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="report the median")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn sync workers (checkoutComplete waits on Stripe, so "
        "more workers than cores keep the cores busy)",
    )
    parser.add_argument(
        "--floor-seconds", type=int, default=5, help="per floor view and run"
    )
    args = parser.parse_args()

    url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    stripe = start_localstripe()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": TEST_PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_JS_URL": stripe.js_url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    server = None
    try:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
        variant_ids = load_catalogue()
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=floor_env(env),
        )
        wait_for(port)
        run(port, stripe.url, variant_ids, min(20, args.orders), 2)  # warm-up
        rates, timings, tokens, failures = [], None, [], []
        floors, cpu_per_order = [], []
        for _ in range(args.runs):
            floors.append(
                measure_floor(
                    port,
                    server=server,
                    seconds=args.floor_seconds,
                    workers=args.workers,
                )
            )
            cpu_before = server_cpu_seconds(server)
            run_timings, run_tokens, run_failures, wall = run(
                port, stripe.url, variant_ids, args.orders, args.clients
            )
            cpu_per_order.append(
                (server_cpu_seconds(server) - cpu_before)
                * 1000
                / max(len(run_tokens), 1)
            )
            rates.append(len(run_tokens) / wall)
            read = floors[-1]["read"]
            print(
                f"run {len(rates)}: {rates[-1]:.1f} orders/s, shop CPU "
                f"{cpu_per_order[-1]:.1f} ms/order; floor: read {read['rps']:.0f} "
                f"req/s, {read['cpu_ms']:.2f} CPU ms/req, hello "
                f"{floors[-1]['hello']['rps']:.0f} req/s",
                flush=True,
            )
            if timings is None:
                timings = run_timings
            else:
                for step, values in run_timings.items():
                    timings[step].extend(values)
            tokens += run_tokens
            failures += run_failures
        check = Client(port, stripe.url)
        paid = sum(
            check.gql(ORDER, {"token": t})[0]["orderByToken"]["isPaid"] for t in tokens
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stripe.stop()

    rate = statistics.median(rates)
    complete_p95 = percentile(timings["checkoutComplete"], 0.95)
    print_floor(rates, cpu_per_order, floors)
    print(
        f"\n{args.runs} runs of {args.orders} orders with {args.clients} concurrent "
        f"clients: median {rate:.1f} orders/s (runs: "
        f"{', '.join(f'{r:.1f}' for r in rates)}); {paid} of {len(tokens)} paid; "
        f"{len(failures)} failed. gunicorn {args.workers} sync workers, "
        f"{os.cpu_count()} cores, load generator and localstripe on the same "
        "machine. Latencies over all runs:\n"
    )
    print("| step | median ms | p95 ms | count |")
    print("|---|---:|---:|---:|")
    for step, values in timings.items():
        if values:
            print(
                f"| {step} | {statistics.median(values):.1f} "
                f"| {percentile(values, 0.95):.1f} | {len(values)} |"
            )
    met_rate = rate >= TARGETS["orders_per_second"]
    met_p95 = complete_p95 <= TARGETS["complete_p95_ms"]
    print(
        f"\ntargets: ≥ {TARGETS['orders_per_second']} orders/s "
        f"({'met' if met_rate else 'NOT met'}), checkoutComplete p95 ≤ "
        f"{TARGETS['complete_p95_ms']} ms ({'met' if met_p95 else 'NOT met'})"
    )
    for failure in failures[:5]:
        print("failure:", failure)
    if failures or paid != len(tokens):
        sys.exit(1)


if __name__ == "__main__":
    main()
