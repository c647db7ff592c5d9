"""Reads of the public impact figures: for the whole shop, one brand or one
village, the income returned per month and this month, this year and since
the start, orders and units, and the workshops, people and low-income
households of the workshop records. A handful of queries whatever the
ledger's size: they read the monthly sums (revenue.impact), never shares."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Sum
from django.utils import timezone

from brands.models import Workshop

from .impact import TIMEZONE
from .models import ImpactMonth


@dataclass(frozen=True)
class Figures:
    village_fen: int = 0
    workshop_fen: int = 0
    host_fen: int = 0
    orders: int = 0
    units: int = 0

    @property
    def total_fen(self) -> int:
        return self.village_fen + self.workshop_fen + self.host_fen

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.village_fen + other.village_fen,
            self.workshop_fen + other.workshop_fen,
            self.host_fen + other.host_fen,
            self.orders + other.orders,
            self.units + other.units,
        )


@dataclass(frozen=True)
class MonthFigures:
    month: date
    figures: Figures


@dataclass(frozen=True)
class Workforce:
    workshops: int = 0
    people: int = 0
    low_income_households: int = 0


@dataclass(frozen=True)
class ImpactSummary:
    today: date
    months: list[MonthFigures]  # months with sums, oldest first
    this_month: Figures
    this_year: Figures
    since_start: Figures
    workforce: Workforce
    parts: list[dict] = field(default_factory=list)

    @property
    def has_sales(self) -> bool:
        return bool(self.months)

    @property
    def first_month(self) -> date | None:
        return self.months[0].month if self.months else None


def today_local() -> date:
    return timezone.localtime(timezone.now(), TIMEZONE).date()


def _scope(*, brand=None, village=None) -> tuple[dict, str]:
    """The rows' filter, and which order counter counts each order once."""
    if brand is not None:
        return {"brand": brand}, "brand_orders"
    if village is not None:
        return {"village": village}, "village_orders"
    return {}, "all_orders"


def _sums(orders_field: str) -> dict:
    return {
        "village_fen": Sum("village_fen"),
        "workshop_fen": Sum("workshop_fen"),
        "host_fen": Sum("host_fen"),
        "orders": Sum(orders_field),
        "units": Sum("units"),
    }


def _figures(row: dict) -> Figures:
    return Figures(**{name: row[name] or 0 for name in Figures.__dataclass_fields__})


def impact_months(*, brand=None, village=None) -> list[MonthFigures]:
    """One query: the scope's figures per month, oldest first."""
    where, orders = _scope(brand=brand, village=village)
    rows = (
        ImpactMonth.objects.filter(**where)
        .values("month")
        .annotate(**_sums(orders))
        .order_by("month")
    )
    return [MonthFigures(row["month"], _figures(row)) for row in rows]


def workforce(*, brand=None, village=None) -> Workforce:
    """One query: the active workshops' records (what they report employing)."""
    workshops = Workshop.objects.filter(is_active=True)
    if brand is not None:
        workshops = workshops.filter(brands=brand)
    if village is not None:
        workshops = workshops.filter(village=village)
    row = workshops.aggregate(
        n=Count("pk"),
        people=Sum("people_employed"),
        households=Sum("low_income_households_employed"),
    )
    return Workforce(row["n"], row["people"] or 0, row["households"] or 0)


def impact_parts(*, brand=None) -> list[dict]:
    """One query: since the start, per village of a brand (per brand of the
    whole shop), largest first; each with `slug`, `name`, `name_en`,
    `total_fen` and its three parts."""
    if brand is not None:
        rows, prefix = ImpactMonth.objects.filter(brand=brand), "village"
    else:
        rows, prefix = ImpactMonth.objects.filter(brand__isnull=False), "brand"
    parts = [
        {
            "slug": row[f"{prefix}__slug"],
            "name": row[f"{prefix}__name"],
            "name_en": row[f"{prefix}__name_en"],
            "village_fen": row["village_fen"] or 0,
            "workshop_fen": row["workshop_fen"] or 0,
            "host_fen": row["host_fen"] or 0,
        }
        for row in rows.values(
            f"{prefix}__slug", f"{prefix}__name", f"{prefix}__name_en"
        )
        .annotate(
            village_fen=Sum("village_fen"),
            workshop_fen=Sum("workshop_fen"),
            host_fen=Sum("host_fen"),
        )
        .order_by()
    ]
    for part in parts:
        part["total_fen"] = (
            part["village_fen"] + part["workshop_fen"] + part["host_fen"]
        )
    return sorted(parts, key=lambda p: (-p["total_fen"], p["slug"]))


def workforce_of(workshops) -> Workforce:
    """The same figures from workshops already loaded (active ones count)."""
    active = [w for w in workshops if w.is_active]
    return Workforce(
        len(active),
        sum(w.people_employed for w in active),
        sum(w.low_income_households_employed for w in active),
    )


def impact_summary(
    *,
    brand=None,
    village=None,
    parts: bool = False,
    today: date | None = None,
    workshops=None,
) -> ImpactSummary:
    """Everything an impact page shows: two queries, three with `parts`, one
    fewer when the scope's `workshops` are given (loaded already)."""
    today = today or today_local()
    months = impact_months(brand=brand, village=village)
    this_month, this_year, since_start = Figures(), Figures(), Figures()
    for item in months:
        since_start += item.figures
        if item.month.year == today.year:
            this_year += item.figures
            if item.month.month == today.month:
                this_month += item.figures
    return ImpactSummary(
        today=today,
        months=months,
        this_month=this_month,
        this_year=this_year,
        since_start=since_start,
        workforce=(
            workforce(brand=brand, village=village)
            if workshops is None
            else workforce_of(workshops)
        ),
        parts=impact_parts(brand=brand) if parts else [],
    )
