"""The floor: what a hello view and a one-row-read view cost on the benches'
own server, so that any page can be reported as a ratio of it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/floor.py [--clients 4] [--seconds 10] [--runs 3]

Alone, it migrates a database of its own (<name>_floor), serves it like
bench/storefront.py serves the shop (gunicorn 2 sync workers, persistent
connections, server_env()) and prints both floor views per run and the
median. Other benches import it (docs: /work/notes/floor_api.md):

    from bench.floor import floor_env, measure, measure_floor, versus_floor

    server, port = start_gunicorn(floor_env(server_env(url)))
    floor = measure_floor(port, server=server)             # same run, same server
    page = measure(port, requests, server=server)          # any endpoint
    print(versus_floor(page, floor))

The floor views are in bench/floor_urls.py, reached only through the settings
module bench/floor_settings.py that floor_env() selects: production's
URLconf (config.urls) never has them. Figures per endpoint:

- rps, p50, p95, p99 (ms), requests, errors: from wrk (bench.storefront.drive);
- busy_ms: workers × seconds / requests, the time a worker spent per request
  (what issue 18 calls server time: it includes waiting for PostgreSQL);
- cpu_ms: CPU seconds used by gunicorn's processes (master and workers, from
  /proc) per request: Python's own work, without PostgreSQL's or wrk's.

Needs wrk (apt-get install wrk) and Linux's /proc for cpu_ms.
Not part of the test suite.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
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

SETTINGS = "bench.floor_settings"
WORKERS = 2  # bench.storefront.start_gunicorn's
# Served by bench/floor_urls.py.
HELLO_PATH = "__floor__/hello"
READ_PATH = "__floor__/read"
FLOOR = {"hello": "/" + HELLO_PATH, "read": "/" + READ_PATH}
_TICKS = os.sysconf("SC_CLK_TCK")


def floor_env(env: dict) -> dict:
    """`env` (e.g. bench.storefront.server_env(url)) with the floor views
    served beside the shop: the bench-only settings module, and the checkout
    on the import path so gunicorn's workers find it."""
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }


def floor_urls(base: str) -> dict[str, str]:
    """{"hello": url, "read": url} of the floor views under `base`
    (e.g. "http://127.0.0.1:8000")."""
    return {name: base.rstrip("/") + path for name, path in FLOOR.items()}


def server_cpu_seconds(server) -> float | None:
    """CPU seconds (user + system) used so far by a gunicorn master and its
    live workers; `server` is a Popen or a pid. None without /proc."""
    pid = getattr(server, "pid", server)
    try:
        pids = [pid] + [
            int(entry)
            for entry in os.listdir("/proc")
            if entry.isdigit() and _parent(int(entry)) == pid
        ]
        return sum(_cpu(p) for p in pids)
    except OSError:
        return None


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd on


def _parent(pid: int) -> int | None:
    try:
        return int(_stat(pid)[1])
    except (OSError, ValueError, IndexError):
        return None  # gone meanwhile


def _cpu(pid: int) -> float:
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def measure(
    port: int,
    requests: list[tuple[str, str | None]],
    *,
    server=None,
    clients: int = 4,
    seconds: int = 10,
    workers: int = WORKERS,
    headers: tuple[str, ...] = (),
) -> dict:
    """Drive any endpoint (the (path, body) pairs bench.storefront.drive
    takes) and add busy_ms and, given the gunicorn `server`, cpu_ms."""
    before = server_cpu_seconds(server) if server is not None else None
    figures = drive(port, requests, clients=clients, seconds=seconds, headers=headers)
    after = server_cpu_seconds(server) if server is not None else None
    done = max(figures["requests"], 1)
    figures["busy_ms"] = workers * figures["requests"] / figures["rps"] * 1000 / done
    figures["cpu_ms"] = (
        (after - before) * 1000 / done
        if before is not None and after is not None
        else None
    )
    return figures


def measure_floor(
    port: int,
    *,
    server=None,
    clients: int = 4,
    seconds: int = 10,
    workers: int = WORKERS,
    warm_up: bool = True,
) -> dict[str, dict]:
    """{"hello": figures, "read": figures} (see measure) from a server
    started with floor_env(); run it in the same run as the pages it is the
    floor of."""
    result = {}
    for name, path in FLOOR.items():
        if warm_up:
            drive(port, [(path, None)], clients=1, seconds=1)
        result[name] = measure(
            port,
            [(path, None)],
            server=server,
            clients=clients,
            seconds=seconds,
            workers=workers,
        )
    return result


def versus_floor(figures: dict, floor: dict[str, dict]) -> dict:
    """An endpoint against the floor of the same run:

    rps_of_read / rps_of_hello: its req/s as a share of the floor's (1.0 =
    as fast as the floor view); busy_x_read, cpu_x_read, p50_x_read: its
    time per request as a multiple of the one-read floor's."""
    read, hello = floor["read"], floor["hello"]

    def share(a, b):
        return a / b if a is not None and b else None

    return {
        "rps_of_read": share(figures["rps"], read["rps"]),
        "rps_of_hello": share(figures["rps"], hello["rps"]),
        "busy_x_read": share(figures["busy_ms"], read["busy_ms"]),
        "cpu_x_read": share(figures.get("cpu_ms"), read.get("cpu_ms")),
        "p50_x_read": share(figures["p50"], read["p50"]),
    }


def median_versus(runs: list[dict], floors: list[dict[str, dict]]) -> dict:
    """versus_floor of each run against its own floor, then the median of
    each ratio: what to report for a median of runs."""
    each = [versus_floor(run, floor) for run, floor in zip(runs, floors, strict=True)]
    return median_of(each)


def median_of(runs: list[dict]) -> dict:
    """Per figure, the median over runs (for medians of 3)."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float | None)]
    result = {}
    for key in keys:
        values = [run[key] for run in runs if run.get(key) is not None]
        result[key] = statistics.median(values) if values else None
    return result


def _ms(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _times(value) -> str:
    return "–" if value is None else f"{value:.1f}×"


TABLE_HEAD = (
    "| endpoint | req/s | p50 ms | p95 ms | busy ms/req | CPU ms/req "
    "| req/s of read floor | busy × read floor | CPU × read floor | errors |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def table_row(
    label: str, figures: dict, floor: dict[str, dict], ratios: dict | None = None
) -> str:
    """One markdown row (TABLE_HEAD's columns) of an endpoint and its ratios
    (versus_floor(figures, floor) unless given, e.g. median_versus's)."""
    v = ratios or versus_floor(figures, floor)
    return (
        f"| {label} | {figures['rps']:.0f} | {figures['p50']:.1f} "
        f"| {figures['p95']:.1f} | {_ms(figures['busy_ms'])} "
        f"| {_ms(figures.get('cpu_ms'))} | {_pct(v['rps_of_read'])} "
        f"| {_times(v['busy_x_read'])} | {_times(v['cpu_x_read'])} "
        f"| {figures['errors']:.0f} |"
    )


def floor_rows(floor: dict[str, dict]) -> list[str]:
    """The floor's own two rows, for the same table."""
    return [
        table_row("floor: hello (no DB)", floor["hello"], floor),
        table_row("floor: one-row read", floor["read"], floor),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the migrated floor database"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/floor.py drives the server with wrk: apt-get install wrk")
    url = bench_database_url(
        os.environ.get("DATABASE_URL", ""), suffix="_floor", script="bench/floor.py"
    )
    env = floor_env(server_env(url))
    if not args.reuse:
        print(f"database {url}: recreating and migrating …", flush=True)
        recreate_database(url)
        run_manage(env, "migrate", "--noinput", "-v0")
    print(
        f"\nwrk {args.clients} connections, {args.seconds} s per view, gunicorn "
        f"{WORKERS} sync workers, persistent connections, {os.cpu_count()} cores\n"
    )
    head, rule = TABLE_HEAD.split("\n")
    print("| run " + head + "\n|---" + rule)
    runs = []
    for n in range(1, args.runs + 1):
        server, port = start_gunicorn(env)
        try:
            floor = measure_floor(
                port, server=server, clients=args.clients, seconds=args.seconds
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        runs.append(floor)
        for row in floor_rows(floor):
            print(f"| {n} {row}", flush=True)
        time.sleep(1)
    median = {name: median_of([run[name] for run in runs]) for name in FLOOR}
    for name, label in (
        ("hello", "floor: hello (no DB)"),
        ("read", "floor: one-row read"),
    ):
        ratios = median_versus([run[name] for run in runs], runs)
        print(f"| median {table_row(label, median[name], median, ratios)}")


if __name__ == "__main__":
    main()
