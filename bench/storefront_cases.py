"""What bench/storefront.py measures and how it prints it: the anonymous and
signed-in cases (with real session cookies), their targets, and tables
against the floor of the same run (bench/floor.py)."""

from bench.floor import TABLE_HEAD, floor_rows, median_of, table_row

# Server time per request (busy ms) that issue 18 asks for.
TARGETS_MS = {"product": 4, "list": 8, "dashboard": 10, "graphql": 15}


def signed_in_headers() -> dict[str, tuple[str, ...]]:
    """A real session cookie (stored in the bench database, as a sign-in
    stores it) for the bench shopper, workshop manager and host."""
    from django.conf import settings
    from django.test import Client

    from bench.storefront_users import bench_users

    headers = {}
    for role, user in zip(("shopper", "manager", "host"), bench_users(), strict=True):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers[role] = (f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}",)
    return headers


def bench_cases(requests: dict, headers: dict) -> list[tuple]:
    """(label, target kind, requests, headers) per measured endpoint."""
    anonymous, shopper = (), headers["shopper"]
    pages = [
        ("product page (1,000 products)", "product", requests["product"]),
        ("brand page (pages 1–3)", "list", requests["brand"]),
        ("category page (pages 1–24)", "list", requests["category"]),
        ("search (8 terms, pages 1–2)", "list", requests["search"]),
    ]
    cases = [(label, kind, reqs, anonymous) for label, kind, reqs in pages]
    cases += [
        (f"{label}, signed in", kind, reqs, shopper) for label, kind, reqs in pages
    ]
    cases += [
        ("workshop dashboard", "dashboard", [("/workshop/", None)], headers["manager"]),
        (
            "host dashboard",
            "dashboard",
            [("/host/dashboard/", None)],
            headers["host"],
        ),
        ("GraphQL products(first: 50), 5 pages", "graphql", requests["graphql"], ()),
    ]
    return cases


def print_table(title: str, floor: dict, rows) -> None:
    head, rule = TABLE_HEAD.split("\n")
    print(f"\n{title}\n")
    print(head + " busy target | met |")
    print(rule + "---:|---|")
    for row in floor_rows(floor):
        print(row + " | |")
    for label, kind, figures in rows:
        target = TARGETS_MS[kind]
        met = "yes" if figures["busy_ms"] <= target and not figures["errors"] else "NO"
        print(f"{table_row(label, figures, floor)} {target} ms | {met} |")


def median_run(runs: list[tuple[dict, list]]) -> tuple[dict, list]:
    floor = {name: median_of([f[name] for f, _ in runs]) for name in ("hello", "read")}
    rows = [
        (label, kind, median_of([r[i][2] for _, r in runs]))
        for i, (label, kind, _) in enumerate(runs[0][1])
    ]
    return floor, rows
