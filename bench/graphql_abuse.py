"""Product-page latency while two clients flood GraphQL with 1,000-alias
queries, against the same without them (issue 11).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/graphql_abuse.py [--products 2000] [--clients 4]
            [--seconds 10] [--runs 3]

Loads N products into a separate database (<name>_gql_abuse, recreated each
time), serves the shop with gunicorn (2 sync workers, persistent connections,
page cache off so every product page is rendered) and drives product pages
with wrk. Each run measures the pages alone, then the pages while two
attacker threads post, back to back on keep-alive connections, the issue's
query: 1,000 aliases of `products(first: 100) { edges { node { … } } }`.
Prints p50/p99 per run, the attackers' answers (all must be refused with
QUERY_TOO_COMPLEX) and the ratio of the median p99s (target ≤ 1.5).
Needs wrk (apt-get install wrk). Not part of the test suite.
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.storefront import (  # noqa: E402
    bench_database_url,
    bench_requests,
    drive,
    load_products,
    recreate_database,
    run_manage,
    server_env,
    start_gunicorn,
)

TARGET_RATIO = 1.5
ABUSE_QUERY = (
    "{"
    + " ".join(
        f"a{n}: products(first: 100) {{ edges {{ node {{ slug name "
        f"priceFrom {{ formatted }} brand {{ name }} }} }} }}"
        for n in range(1000)
    )
    + "}"
)


class Attacker(threading.Thread):
    """Posts ABUSE_QUERY back to back until stopped; counts the answers."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.body = json.dumps({"query": ABUSE_QUERY}).encode()
        self.stop = threading.Event()
        self.answers: dict[str, int] = {}
        self.seconds: list[float] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                conn.request("POST", "/graphql/", self.body, headers)
                response = conn.getresponse()
                payload = response.read()
            except OSError as error:
                kind = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            else:
                try:
                    code = json.loads(payload)["errors"][0]["extensions"]["code"]
                except (ValueError, KeyError, IndexError, TypeError):
                    code = "no error code"
                kind = f"{response.status} {code}"
            self.seconds.append(time.perf_counter() - started)
            self.answers[kind] = self.answers.get(kind, 0) + 1


def pages(port: int, requests, args) -> dict:
    return drive(port, requests, clients=args.clients, seconds=args.seconds)


def attacked(port: int, requests, args) -> tuple[dict, dict, float]:
    attackers = [Attacker(port) for _ in range(2)]
    for attacker in attackers:
        attacker.start()
    time.sleep(0.5)  # the flood is on before the pages are measured
    try:
        figures = pages(port, requests, args)
    finally:
        for attacker in attackers:
            attacker.stop.set()
        for attacker in attackers:
            attacker.join(timeout=70)
    answers: dict[str, int] = {}
    for attacker in attackers:
        for kind, count in attacker.answers.items():
            answers[kind] = answers.get(kind, 0) + count
    seconds = [s for attacker in attackers for s in attacker.seconds]
    return figures, answers, statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(
            "bench/graphql_abuse.py drives the pages with wrk: apt-get install wrk"
        )

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_gql_abuse",
        script="bench/graphql_abuse.py",
    )
    env = {**server_env(url), "CATALOG_CACHE_SECONDS": "0"}
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    print(f"database {url}: recreating and migrating …", flush=True)
    recreate_database(url)
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "collectstatic", "--noinput", "-v0")
    load_products(args.products)
    requests = bench_requests()["product"]
    body = len(json.dumps({"query": ABUSE_QUERY}).encode())

    server, port = start_gunicorn(env)
    rows = []
    try:
        drive(port, requests[:20], clients=1, seconds=2)  # warm-up
        for _ in range(args.runs):
            quiet = pages(port, requests, args)
            loud, answers, attack_ms = attacked(port, requests, args)
            rows.append((quiet, loud, answers, attack_ms))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\n{args.products} products, product pages by wrk ({args.clients} "
        f"connections, {args.seconds} s per measurement), page cache off, "
        f"gunicorn 2 sync workers, {os.cpu_count()} cores; attack: 2 clients "
        f"posting 1,000 aliases of products(first: 100) ({body:,} bytes) back "
        "to back\n"
    )
    print(
        "| run | alone p50 ms | alone p99 ms | attacked p50 ms | attacked p99 ms "
        "| page errors | attack answers | attack median ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for n, (quiet, loud, answers, attack_ms) in enumerate(rows, 1):
        told = ", ".join(f"{count} × {kind}" for kind, count in answers.items())
        print(
            f"| {n} | {quiet['p50']:.1f} | {quiet['p99']:.1f} | {loud['p50']:.1f} "
            f"| {loud['p99']:.1f} | {quiet['errors'] + loud['errors']} | {told} "
            f"| {attack_ms:.1f} |"
        )
    alone = statistics.median(q["p99"] for q, *_ in rows)
    under = statistics.median(lo["p99"] for _, lo, *_ in rows)
    ratio = under / alone
    met = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(
        f"\nmedian p99: alone {alone:.1f} ms, attacked {under:.1f} ms, "
        f"ratio {ratio:.2f} (target ≤ {TARGET_RATIO}: {met})"
    )


if __name__ == "__main__":
    main()
