"""Income returned to villages, workshops and hosts, summed per calendar month
(Asia/Shanghai) into ImpactMonth rows for the public impact pages and open
data.

"Income returned" keeps the village figure's definition (revenue.figures):
a party's shares of sales net of refund reversals, before processor fees.
It counts the village (村集体), workshop (工坊) and host (主播佣金) shares of
order lines; the brand's and the platform's shares are not returned to the
villages, and a parcel's shipping share only passes the postage on.

The rows are kept current where shares are posted: orders_split,
refund_reverse and ledger_reverse call `impact_post` with the entries they
wrote, in the same transaction, so a page never shows a sale the ledger does
not hold or misses one it does. Those postings all move the clearing
account, whose row lock serialises them; `impact_rebuild` takes the same
lock. `impact_rebuild` recomputes a month or everything from the shares
(idempotent: the backfill, and the repair ledger_check points to), and
`impact_expected` is what ledger_check compares the rows with."""

from collections import defaultdict
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import DateField, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from storefront.core.versions import version_bump, version_read

from .models import (
    Account,
    AccountKind,
    EntryKind,
    ImpactMonth,
    JournalEntry,
    Share,
    ShareRole,
)
from .statements import TIMEZONE

AMOUNTS = {
    ShareRole.VILLAGE: "village_fen",
    ShareRole.WORKSHOP: "workshop_fen",
    ShareRole.HOST: "host_fen",
}
COUNTS = ("orders", "brand_orders", "village_orders", "all_orders", "units")
FIELDS = (*AMOUNTS.values(), *COUNTS)

# (month, brand id, village id, workshop id); the brand is None only for
# lines whose brand is no longer known.
Key = tuple[date, int | None, int, int]
VERSION_KEY = "impact:version"


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=TIMEZONE)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=TIMEZONE, output_field=DateField())


def _brand(line: str) -> Coalesce:
    return Coalesce(f"{line}brand_id", f"{line}variant__product__brand_id")


def _amounts(shares, into: dict) -> None:
    rows = (
        shares.filter(role__in=list(AMOUNTS), order_line__isnull=False)
        .annotate(
            m=_month("posted_at"),
            b=_brand("order_line__"),
            # The collective that received a village share; else the
            # village of the line's workshop.
            v=Coalesce("party__village_id", "order_line__workshop__village_id"),
            w=F("order_line__workshop_id"),
        )
        .values("m", "b", "v", "w")
        .annotate(
            **{
                name: Sum("amount_fen", filter=Q(role=role))
                for role, name in AMOUNTS.items()
            }
        )
        .order_by()
    )
    for row in rows:
        figures = into[(row["m"], row["b"], row["v"], row["w"])]
        for name in AMOUNTS.values():
            figures[name] += row[name] or 0


def _counts(sales, into: dict, *, stream: bool = True) -> None:
    """Orders and units of sale entries: an order is counted in the month it
    was split (paid), once per row it has goods in, and once in the first of
    its rows within each brand, each village and the whole shop."""
    rows = (
        sales.annotate(
            m=_month("posted_at"),
            b=_brand("order__lines__"),
            v=F("order__lines__workshop__village_id"),
            w=F("order__lines__workshop_id"),
        )
        .values("order_id", "m", "b", "v", "w")
        .annotate(units=Sum("order__lines__quantity"))
        .order_by("order_id")
    )
    cells: list[dict] = []
    # Streamed for the whole ledger; a posting's few rows come in one go.
    for row in rows.iterator(chunk_size=5000) if stream else rows:
        if cells and cells[0]["order_id"] != row["order_id"]:
            _count_order(cells, into)
            cells = []
        cells.append(row)
    if cells:
        _count_order(cells, into)


def _count_order(cells: list[dict], into: dict) -> None:
    cells.sort(key=lambda c: (c["b"] or 0, c["v"], c["w"]))
    brands, villages = set(), set()
    for n, cell in enumerate(cells):
        figures = into[(cell["m"], cell["b"], cell["v"], cell["w"])]
        figures["orders"] += 1
        figures["units"] += cell["units"] or 0
        if cell["b"] not in brands:
            brands.add(cell["b"])
            figures["brand_orders"] += 1
        if cell["v"] not in villages:
            villages.add(cell["v"])
            figures["village_orders"] += 1
        if n == 0:
            figures["all_orders"] += 1


def impact_expected(
    *, shares=None, sales=None, stream: bool = True
) -> dict[Key, dict[str, int]]:
    """The rows the shares and sale entries given (all, by default; `sales`
    False for none) make, without rows whose every figure is zero."""
    into: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    _amounts(Share.objects.all() if shares is None else shares, into)
    if sales is None:
        sales = JournalEntry.objects.filter(kind=EntryKind.SALE)
    if sales is not False:
        _counts(sales, into, stream=stream)
    return {key: figures for key, figures in into.items() if any(figures.values())}


def impact_stored(rows=None) -> dict[Key, dict[str, int]]:
    """The ImpactMonth rows as the same mapping (summed per key)."""
    rows = ImpactMonth.objects.all() if rows is None else rows
    stored: dict[Key, dict[str, int]] = {}
    for row in rows.values("month", "brand_id", "village_id", "workshop_id", *FIELDS):
        key = (row["month"], row["brand_id"], row["village_id"], row["workshop_id"])
        figures = stored.setdefault(key, dict.fromkeys(FIELDS, 0))
        for name in FIELDS:
            figures[name] += row[name]
    return {key: figures for key, figures in stored.items() if any(figures.values())}


def _add(deltas: dict[Key, dict[str, int]]) -> None:
    if not deltas:
        return
    existing = {
        (month, brand, village, workshop): pk
        for pk, month, brand, village, workshop in ImpactMonth.objects.filter(
            month__in={k[0] for k in deltas}, workshop_id__in={k[3] for k in deltas}
        )
        .order_by()
        .values_list("pk", "month", "brand_id", "village_id", "workshop_id")
    }
    new, changes = [], []
    for key, delta in deltas.items():
        pk = existing.get(key)
        if pk is not None:
            changes.append((pk, delta))
            continue
        month, brand, village, workshop = key
        new.append(
            ImpactMonth(
                month=month,
                brand_id=brand,
                village_id=village,
                workshop_id=workshop,
                **delta,
            )
        )
    _update(sorted(changes, key=lambda change: change[0]))
    ImpactMonth.objects.bulk_create(new)


def _update(changes: list[tuple[int, dict]]) -> None:
    """Add each delta to its row: on PostgreSQL one UPDATE for them all (a
    batch of 500 orders touches dozens of rows), elsewhere one per row."""
    if not changes:
        return
    if connection.vendor != "postgresql":
        for pk, delta in changes:
            ImpactMonth.objects.filter(pk=pk).update(
                **{name: F(name) + value for name, value in delta.items() if value}
            )
        return
    row = "(" + ", ".join(["%s::bigint"] * (1 + len(FIELDS))) + ")"
    params = [v for pk, delta in changes for v in (pk, *(delta[n] for n in FIELDS))]
    table = ImpactMonth._meta.db_table
    assignments = ", ".join(f"{name} = t.{name} + d.{name}" for name in FIELDS)
    # Only the table's and FIELDS' names are built in; the values are params.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
            f"FROM (VALUES {', '.join([row] * len(changes))}) "
            f"AS d (id, {', '.join(FIELDS)}) WHERE t.id = d.id",
            params,
        )


def impact_post(*, entry_ids, sales: bool = False) -> None:
    """Add what the just-posted entries' shares (and, for `sales` entries,
    their orders and units) change to the monthly rows. Called by the
    posting services inside their transaction, after their shares are
    written."""
    ids = list(entry_ids)
    if not ids:
        return
    deltas = impact_expected(
        shares=Share.objects.filter(entry_id__in=ids),
        sales=(
            JournalEntry.objects.filter(pk__in=ids, kind=EntryKind.SALE)
            if sales
            else False
        ),
        stream=False,
    )
    if deltas:
        _add(deltas)
        impact_changed()


@transaction.atomic
def impact_rebuild(*, month: date | None = None) -> int:
    """Recompute the rows of `month` (its first day; None: every month) from
    the ledger, replacing what was there. Returns how many rows it wrote."""
    # Postings move the clearing account: holding its row makes them wait,
    # so no share lands between the sums below and the rows written.
    list(Account.objects.select_for_update().filter(kind=AccountKind.CLEARING))
    shares = Share.objects.all()
    sales = JournalEntry.objects.filter(kind=EntryKind.SALE)
    rows = ImpactMonth.objects.all()
    if month is not None:
        month = month.replace(day=1)
        span = {
            "posted_at__gte": month_start(month),
            "posted_at__lt": month_start(next_month(month)),
        }
        shares, sales, rows = (
            shares.filter(**span),
            sales.filter(**span),
            rows.filter(month=month),
        )
    figures = impact_expected(shares=shares, sales=sales)
    rows.delete()
    ImpactMonth.objects.bulk_create(
        (
            ImpactMonth(
                month=key[0],
                brand_id=key[1],
                village_id=key[2],
                workshop_id=key[3],
                **values,
            )
            for key, values in sorted(figures.items(), key=lambda kv: str(kv[0]))
        ),
        batch_size=2000,
    )
    impact_changed()
    return len(figures)


# Cached impact pages are keyed by this number; every change retires them.


def impact_version() -> int:
    return version_read(VERSION_KEY)


def _bump() -> None:
    version_bump(VERSION_KEY)


def impact_changed() -> None:
    """Retire cached impact pages once the transaction commits. Not before:
    no cache call under the ledger's locks. A page reads the number before
    the figures, so one rendered from the old figures is stored under the
    old number, which the commit retires."""
    transaction.on_commit(_bump, robust=True)
