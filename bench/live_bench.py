"""A live session under its audience: viewers polling state.json while the
host re-pins, and the share poster's drawing time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/live_bench.py [--viewers 500] [--seconds 60]
            [--poll 3] [--repin 10] [--posters 50]

Creates a separate database (<name>_live_bench, recreated each time) with a
host, a running session and four featured products, serves the shop with
gunicorn (2 sync workers, persistent DB connections, as bench/storefront.py)
and runs, in this process, `--viewers` simulated viewers: each polls
/live/<id>/state.json every `--poll` seconds on its own fixed schedule
(random phase; a new connection per poll, as gunicorn's sync workers close
each one), with a phone's user agent and its own viewer id (`v`, as
live.js sends). Meanwhile "the host" pins the next product every `--repin`
seconds through storefront.links.services.live_session_pin (the write the
console's pin button makes). For every pin and every viewer it records
when that viewer first received the new product: the pin is visible to all
once the slowest viewer has it.

Prints the polls' p50/p99/max latency, polls per second and errors, the
pins' slowest and median time-to-visible, and the console's watching count
(storefront.links.watching) at the end. Then draws `--posters` share
posters for a product with a 1200 px photo (storefront.links.poster, no
cache) and prints their median and p99 time. Targets: p99 ≤ 50 ms, every
viewer sees a new pin within 3 s, the poster in ≤ 300 ms (median).

REDIS_URL's database must be one the benchmark may use (the watching sets
are written there). Not part of the test suite.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import threading
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

TARGETS = {"p99_ms": 50, "visible_s": 3.0, "poster_ms": 300}
PHONE = (
    "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Version/4.0 Chrome/111.0 Mobile Safari/537.36 MicroMessenger/8.0.43"
)


def create_session():
    """A host, a brand, four products with photos, a running session."""
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from brands.models import Membership, Role
    from storefront.catalog import services as catalog_services
    from storefront.links import services
    from storefront.links.models import HostProfile
    from tests.factories import make_brand, make_product, make_workshop, png_bytes

    brand = make_brand(slug="live-bench", name="直播基准品牌")
    workshop = make_workshop(brands=[brand])
    host = get_user_model().objects.create_user("live-bench-host", password="x" * 20)
    Membership.objects.create(user=host, role=Role.LIVESTREAM_HOST, brand=brand)
    HostProfile.objects.create(user=host, slug="live-bench", display_name="小美直播间")
    products = []
    for n in range(4):
        product = make_product(brand=brand, workshop=workshop, name=f"基准黄鱼{n}")
        catalog_services.product_image_add(
            product=product, data=png_bytes((1200, 900), (30 + 40 * n, 120, 160))
        )
        products.append(product)
    now = timezone.now()
    session = services.live_session_create(
        user=host,
        brand=brand,
        title="基准直播",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=3),
        product_ids=[p.pk for p in products],
    )
    return host, session, products


async def _get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {PHONE}\r\n"
            "Accept: application/json\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data else 0
    return status, data.partition(b"\r\n\r\n")[2]


async def viewers(port, session_id, args, pins, stop_at):
    """Every viewer on its own 3 s schedule; returns (latencies, errors,
    {pin index: [seconds until each viewer saw it]})."""
    import json

    latencies: list[float] = []
    errors = 0
    per_pin: dict[int, list[float]] = {}  # pin index → each viewer's delay

    async def one(n: int):
        nonlocal errors
        path = f"/live/{session_id}/state.json?v=bench{n:07d}"
        next_at = time.monotonic() + random.uniform(0, args.poll)
        counted: set[int] = set()
        while True:
            await asyncio.sleep(max(0, next_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                return
            started = time.monotonic()
            try:
                status, body = await asyncio.wait_for(_get(port, path), 10)
            except (OSError, TimeoutError):
                errors += 1
                next_at += args.poll
                continue
            done = time.monotonic()
            latencies.append(done - started)
            if status != 200:
                errors += 1
            else:
                pinned = (json.loads(body).get("pinned") or {}).get("product_id")
                # The latest pin of what this viewer now sees.
                latest = [
                    i
                    for i, (at, pk) in enumerate(list(pins))
                    if pk == pinned and at <= done
                ]
                if latest and latest[-1] not in counted:
                    index = latest[-1]
                    counted.add(index)
                    per_pin.setdefault(index, []).append(done - pins[index][0])
            next_at += args.poll

    await asyncio.gather(*(one(n) for n in range(args.viewers)))
    return latencies, errors, per_pin


def host_repins(session, products, host, args, pins, stop_at):
    from django.db import close_old_connections

    from storefront.links.services import live_session_pin

    n = 0
    time.sleep(args.repin)
    while time.monotonic() + args.poll + 1 < stop_at:
        n += 1
        product = products[n % len(products)]
        live_session_pin(user=host, session=session, product=product)
        pins.append((time.monotonic(), product.pk))  # committed: visible from now
        time.sleep(args.repin)
    close_old_connections()


def poster_times(product, count: int) -> list[float]:
    from storefront.links import sharing
    from storefront.links.poster import PosterFacts, poster_png

    facts = sharing._product_facts(product, title=product.name)
    photo = facts.pop("photo")
    times = []
    poster_png(PosterFacts(host="小美直播间", url="http://127.0.0.1:8000/l/x", **facts))
    for _ in range(count):
        started = time.perf_counter()
        with photo.open("rb") as opened:
            poster_png(
                PosterFacts(
                    host="小美直播间",
                    url="http://127.0.0.1:8000/l/abcdefgh",
                    photo=opened,
                    **facts,
                )
            )
        times.append(time.perf_counter() - started)
    return times


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--poll", type=float, default=3.0)
    parser.add_argument("--repin", type=float, default=10.0)
    parser.add_argument("--posters", type=int, default=50)
    args = parser.parse_args()

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_live_bench",
        script="bench/live_bench.py",
    )
    env = server_env(url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    print(f"database {url}: recreating and migrating …", flush=True)
    recreate_database(url)
    run_manage(env, "migrate", "--noinput", "-v0")
    host, session, products = create_session()
    from storefront.links.services import live_session_pin
    from storefront.links.watching import watching_count

    live_session_pin(user=host, session=session, product=products[0])
    server, port = start_gunicorn(env)
    try:
        pins: list[tuple[float, int]] = []
        stop_at = time.monotonic() + args.seconds
        repinner = threading.Thread(
            target=host_repins,
            args=(session, products, host, args, pins, stop_at),
            daemon=True,
        )
        repinner.start()
        latencies, errors, per_pin = asyncio.run(
            viewers(port, session.pk, args, pins, stop_at)
        )
        repinner.join()
        watching = watching_count(session.pk)
    finally:
        server.terminate()
        server.wait(timeout=30)

    ms = [x * 1000 for x in latencies]
    print(
        f"\n{args.viewers} viewers polling every {args.poll:g} s for "
        f"{args.seconds} s, host re-pinning every {args.repin:g} s; gunicorn "
        f"2 sync workers, {os.cpu_count()} cores, watching counted in "
        f"{'Redis' if env.get('REDIS_URL') else 'process memory'}\n"
    )
    print("| polls | polls/s | p50 ms | p99 ms | max ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(ms)} | {len(ms) / args.seconds:.0f} | {statistics.median(ms):.1f} "
        f"| {percentile(ms, 0.99):.1f} | {max(ms):.1f} | {errors} |"
    )
    slowest = []
    print("\n| pin | viewers who saw it | median s | slowest s |")
    print("|---:|---:|---:|---:|")
    for index in sorted(per_pin):
        delays = per_pin[index]
        slowest.append(max(delays))
        print(
            f"| {index + 1} | {len(delays)} / {args.viewers} | "
            f"{statistics.median(delays):.2f} | {max(delays):.2f} |"
        )
    everyone = all(len(per_pin.get(i, [])) == args.viewers for i in range(len(pins)))
    print(f"\nwatching now (console): {watching}")

    times = [t * 1000 for t in poster_times(products[0], args.posters)]
    print(
        f"\nposter 750×1334 with a 1200 px photo, {args.posters} renders: median "
        f"{statistics.median(times):.0f} ms, p99 {percentile(times, 0.99):.0f} ms, "
        f"max {max(times):.0f} ms"
    )
    p99 = percentile(ms, 0.99)
    met = (
        p99 <= TARGETS["p99_ms"]
        and not errors
        and everyone
        and slowest
        and max(slowest) <= TARGETS["visible_s"]
        and statistics.median(times) <= TARGETS["poster_ms"]
    )
    print(
        f"\ntargets: p99 ≤ {TARGETS['p99_ms']} ms, every viewer sees each pin within "
        f"{TARGETS['visible_s']:g} s, poster median ≤ {TARGETS['poster_ms']} ms — "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
