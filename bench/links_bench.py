"""Host-link redirects per second against the floor, and clicks counted
versus taps served.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/links_bench.py [--clients 8] [--seconds 15] [--runs 3]
            [--floor-seconds 5]
            [--session-engine django.contrib.sessions.backends.cache]

Creates a separate database (<name>_links_bench, recreated each time) with a
host and four links (three products, one brand page), serves the shop with
gunicorn (2 sync workers, persistent DB connections, access log on, the
floor views of bench/floor.py) and drives /l/<code> with wrk: the
connections rotate through the codes with a phone's user agent and do not
follow the redirects, and carry no cookies, so every tap is a new visitor
(as for first taps from a live stream: only the signed cookie is set; no
session row is written). Each run, on one server: a warm-up, the floor
(hello and one-row read, bench.floor.measure_floor), then the taps.

Counting is checked exactly: the clicks in the database are read before the
server starts (no tap can be in flight then); after gunicorn has stopped
gracefully (every request answered and logged) and
storefront.links.clicks.clicks_flush() has moved Redis's counts into the
database, the clicks added must equal the 302s gunicorn logged, warm-up
included. Prints req/s, latency, server time per tap and their ratio to the
one-read floor, counted vs served (lost, doubled) per run and the median.

REDIS_URL's database must be one the benchmark may use: it deletes the
links:clk:* counters there before it starts. Without REDIS_URL each tap is
written straight to PostgreSQL (the fallback path). --session-engine serves
the shop with another SESSION_ENGINE (the attribution goes into a session
only when the visitor already has one).
Needs wrk (apt-get install wrk). Not part of the test suite.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import (  # noqa: E402
    TABLE_HEAD,
    floor_env,
    measure_floor,
    median_of,
    median_versus,
    server_cpu_seconds,
    table_row,
)
from bench.storefront import (  # noqa: E402
    bench_database_url,
    free_port,
    recreate_database,
    run_manage,
    server_env,
    wait_for,
)

TARGETS = {"rps": 1000, "p99_ms": 20}
# The one-row-read floor measured with issue 18's figures (2 cores, quiet):
# the target as a share of the floor is what a busy machine can still check.
QUIET_READ_FLOOR = 2090
PHONE = (
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 "
    "Mobile Safari/537.36 XWEB/1110005 MMWEBSDK/20231002 "
    "MicroMessenger/8.0.43.2480(0x28002B51) WeChat/arm64 Weixin NetType/5G "
    "Language/zh_CN ABI/arm64"
)
WRK_SCRIPT = """
local codes = {%(codes)s}
local counter = 0
wrk.headers["Host"] = "127.0.0.1"
wrk.headers["User-Agent"] = %(agent)s
request = function()
  counter = counter %% #codes + 1
  return wrk.format("GET", "/l/" .. codes[counter] .. "?from=live")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%.3f %%.3f %%.3f\\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def create_links() -> list[str]:
    """A host approved for a brand, four of their links; returns the codes."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from brands.models import Membership, Role
    from storefront.links.codes import new_code
    from storefront.links.models import HostLink, LinkTarget
    from tests.factories import make_brand, make_product

    brand = make_brand(slug="bench-brand", name="基准品牌")
    host = get_user_model().objects.create_user("bench-host", password="x" * 20)
    Membership.objects.create(user=host, role=Role.LIVESTREAM_HOST, brand=brand)
    links = [
        HostLink(
            code=new_code(),
            host=host,
            brand=brand,
            target=LinkTarget.PRODUCT,
            product=make_product(brand=brand, name=f"基准商品{n}"),
            utm_source="douyin",
            utm_medium="live",
            utm_campaign="bench",
        )
        for n in range(3)
    ]
    links.append(HostLink(code=new_code(), host=host, brand=brand, target="brand"))
    HostLink.objects.bulk_create(links)
    return [link.code for link in links]


def clear_counters() -> None:
    from storefront.links import clicks

    client = clicks._redis()
    if client is not None:
        for key in client.scan_iter(match=clicks.PREFIX + "*", count=1000):
            client.delete(key)


def counted() -> int:
    from django.db.models import Sum

    from storefront.links.models import HostLink

    return HostLink.objects.aggregate(n=Sum("clicks"))["n"] or 0


def flush() -> float:
    from storefront.links.clicks import clicks_flush

    started = time.perf_counter()
    clicks_flush()
    return time.perf_counter() - started


def drive(port: int, codes: list[str], *, clients: int, seconds: int) -> dict:
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT
            % {
                "codes": ", ".join(json.dumps(code) for code in codes),
                "agent": json.dumps(PHONE),
            }
        )
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{min(clients, 2)}",
                f"-c{clients}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    requests, status_errors, socket_errors, duration_us, p50, p95, p99 = line.split()[
        1:
    ]
    return {
        "requests": int(requests),
        "sent": int(requests) - int(status_errors),
        "errors": int(status_errors) + int(socket_errors),
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


def settings_with_session_engine(engine: str) -> tuple[str, str]:
    """A settings module (in a temporary folder) that is the floor's settings
    (config.settings + the floor views) with another SESSION_ENGINE; returns
    (folder, module name)."""
    folder = tempfile.mkdtemp(prefix="links-bench-")
    Path(folder, "links_bench_settings.py").write_text(
        "from bench.floor_settings import *  # noqa: F403\n"
        f"SESSION_ENGINE = {engine!r}\n"
    )
    return folder, "links_bench_settings"


def one_run(env: dict, codes: list[str], args) -> tuple[dict, dict]:
    """(the taps' figures, the floor's) from one gunicorn serving both."""
    port = free_port()
    with tempfile.NamedTemporaryFile("r", suffix=".log", delete=False) as log:
        access_log = log.name
    flush()
    # Read before the server starts, when no tap can be in flight: every 302
    # in the log (warm-up included) must then be exactly one click more.
    before = counted()
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
            "--access-logfile",
            access_log,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
        drive(port, codes, clients=2, seconds=2)  # warm-up, not timed
        floor = measure_floor(
            port, server=server, clients=args.clients, seconds=args.floor_seconds
        )
        cpu = server_cpu_seconds(server)
        figures = drive(port, codes, clients=args.clients, seconds=args.seconds)
        cpu = server_cpu_seconds(server) - cpu
    finally:
        server.terminate()  # graceful: requests in flight are answered
        server.wait(timeout=30)
    with open(access_log) as log:
        figures["served"] = sum(1 for line in log if "/l/" in line and '" 302 ' in line)
    os.unlink(access_log)
    figures["flush_s"] = flush()
    figures["counted"] = counted() - before
    figures["lost"] = max(0, figures["served"] - figures["counted"])
    figures["doubled"] = max(0, figures["counted"] - figures["served"])
    figures["busy_ms"] = 2 * 1000 / figures["rps"]  # 2 workers
    figures["cpu_ms"] = cpu * 1000 / max(figures["requests"], 1)
    return figures, floor


def print_run(label: str, f: dict, floor: dict, ratios: dict | None = None) -> None:
    row = table_row(label, f, floor, ratios).split(" | ")
    # table_row's columns, then the counting ones.
    print(
        " | ".join(row[:-1]) + f" | {f['p99']:.1f} | {floor['read']['rps']:.0f} "
        f"| {floor['hello']['rps']:.0f} "
        f"| {f['served']:.0f} | {f['counted']:.0f} | {f['lost']:.0f} "
        f"| {f['doubled']:.0f} | {f['errors']:.0f} | {f['flush_s']:.3f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--floor-seconds", type=int, default=5, help="per floor view, per run"
    )
    parser.add_argument("--session-engine", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/links_bench.py drives the server with wrk: apt-get install wrk")

    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""),
        suffix="_links_bench",
        script="bench/links_bench.py",
    )
    env = floor_env(server_env(url))
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    print(f"database {url}: recreating and migrating …", flush=True)
    recreate_database(url)
    run_manage(env, "migrate", "--noinput", "-v0")
    run_manage(env, "collectstatic", "--noinput", "-v0")
    codes = create_links()
    clear_counters()
    counting = (
        "Redis + flush" if env.get("REDIS_URL") else "PostgreSQL, one statement per tap"
    )
    sessions = "default (database)"
    if args.session_engine:
        folder, module = settings_with_session_engine(args.session_engine)
        env = {
            **env,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [folder, env.get("PYTHONPATH")])
            ),
            "DJANGO_SETTINGS_MODULE": module,
        }
        sessions = args.session_engine
    print(
        f"\n{len(codes)} links, wrk {args.clients} connections, {args.seconds} s "
        f"per run, gunicorn 2 sync workers, {os.cpu_count()} cores, "
        f"counting: {counting}, sessions: {sessions}\n"
    )
    head, rule = TABLE_HEAD.split("\n")
    print(
        head.replace("endpoint", "run").replace(" errors |", "")
        + " p99 ms | floor read req/s | floor hello req/s | 302 served (gunicorn log) "
        "| counted (DB) | lost | doubled | errors | flush s |"
    )
    print(rule[: -len("---:|")] + "---:|" * 9)
    runs, floors = [], []
    for n in range(1, args.runs + 1):
        f, floor = one_run(env, codes, args)
        runs.append(f)
        floors.append(floor)
        print_run(str(n), f, floor)
    median = median_of(runs)
    floor = {name: median_of([x[name] for x in floors]) for name in ("hello", "read")}
    for key in ("lost", "doubled", "errors"):
        median[key] = sum(f[key] for f in runs)  # totals, not medians
    median["flush_s"] = 0.0
    ratios = median_versus(runs, floors)  # each run against its own floor
    print_run("median (lost, doubled, errors: totals)", median, floor, ratios)
    share = ratios["rps_of_read"]
    exact = not median["lost"] and not median["doubled"] and not median["errors"]
    met = median["rps"] >= TARGETS["rps"] and median["p99"] <= TARGETS["p99_ms"]
    print(
        f"\ntargets: ≥ {TARGETS['rps']} redirects/s, p99 ≤ {TARGETS['p99_ms']} ms — "
        f"{'met' if met else 'NOT met'} on this machine now; "
        f"{100 * share:.0f} % of the one-read floor's req/s "
        f"(≥ {100 * TARGETS['rps'] / QUIET_READ_FLOOR:.0f} % meets the target where "
        f"the floor is {QUIET_READ_FLOOR:,} req/s); every tap counted once: "
        f"{'yes' if exact else 'NO'}"
    )


if __name__ == "__main__":
    main()
