"""The host dashboard's figures: per link and per live session, over a range
of Asia/Shanghai days — clicks, unique visitors (the sum of each day's
uniques: a visitor back on two days counts twice), paid orders, GMV (paid −
refunded), commission earned (the host's revenue shares of those orders, net
of refund reversals) — and, for the whole host, commission paid out (the
ledger cannot say which link a payout was for). Every figure is summed in
SQL: a constant number of queries, however many links."""

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from brands.models import Role
from brands.permissions import Action, is_platform_operator, role_targets, user_can
from revenue.models import Party, PartyKind, Share, ShareRole
from revenue.selectors import party_balance
from storefront.core import csv_safe
from storefront.core.money import fen_to_yuan
from storefront.orders.models import Order
from storefront.orders.status import PAID_STATES

from .errors import LinkError, LinkErrorCode
from .models import HostLink, LinkDailyStat, LiveSession
from .qr import link_short_url

TIMEZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 30
MAX_DAYS = 366
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=TIMEZONE)

    @property
    def ends(self) -> datetime:
        """The instant after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, TIMEZONE)


def today() -> date:
    return timezone.localtime(timezone.now(), TIMEZONE).date()


def _parse_day(text: str, name: str) -> date:
    if isinstance(text, str) and _DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise LinkError(LinkErrorCode.INVALID_DATE_RANGE, field=name, detail=text[:20])


def parse_range(first: str | None, last: str | None) -> DayRange:
    """From the GET parameters `from`/`to` (either may be blank): by default
    the 30 days that end today."""
    end = _parse_day(last, "to") if last else today()
    start = (
        _parse_day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        raise LinkError(LinkErrorCode.INVALID_DATE_RANGE, field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise LinkError(LinkErrorCode.INVALID_DATE_RANGE, field="from")
    return DayRange(start, end)


def dashboard_hosts(user):
    """The hosts whose figures `user` may see, as a queryset of users, or
    None when the user sees no dashboard at all. A host sees themself, a
    brand operator the hosts approved for (or linking) their brands, a
    platform operator every host."""
    users = get_user_model().objects.order_by("username")
    if not (user and user.is_authenticated and user.is_active):
        return None
    is_host = Q(memberships__role=Role.LIVESTREAM_HOST) | Q(host_links__isnull=False)
    if is_platform_operator(user):
        return users.filter(is_host).distinct()
    brands = role_targets(user, Role.BRAND_OPERATOR)
    mine = Q(pk=user.pk) & is_host
    if brands:
        theirs = Q(
            memberships__role=Role.LIVESTREAM_HOST, memberships__brand_id__in=brands
        ) | Q(host_links__brand_id__in=brands)
        return users.filter(mine | theirs).distinct()
    if role_targets(user, Role.LIVESTREAM_HOST) or user.host_links.exists():
        return users.filter(pk=user.pk)
    return None


def _brand_scope(user, host) -> Q:
    """The host's links and sessions `user` may read: all of them for the
    host and platform operators, else those of the brands the user runs."""
    if host.pk == user.pk or is_platform_operator(user):
        return Q()
    return Q(brand_id__in=role_targets(user, Role.BRAND_OPERATOR))


@dataclass
class Figures:
    clicks: int = 0
    unique_visitors: int = 0
    orders: int = 0
    gmv_fen: int = 0
    commission_fen: int = 0


@dataclass
class Row:
    """One link or one live session and its figures over the range."""

    obj: object
    figures: Figures = field(default_factory=Figures)


@dataclass
class Dashboard:
    host: object
    range: DayRange
    links: list[Row]
    sessions: list[Row]
    totals: Figures
    # None when the viewer may not read the host's ledger account.
    paid_out_fen: int | None
    series: list[tuple[date, int, int]]  # (day, clicks, orders)


def _by(rows, key: str, value: str) -> dict:
    return {row[key]: row[value] or 0 for row in rows}


def _figures_by(group: str, orders, shares, stats) -> dict:
    """{group id: Figures} for `group` ("link" or "link__live_session")."""
    order_group = "host_link" if group == "link" else "live_session"
    clicks = stats.values(group).annotate(c=Sum("clicks"), u=Sum("unique_visitors"))
    paid = orders.values(order_group).annotate(
        n=Count("pk"), gmv=Sum(F("paid_fen") - F("refunded_fen"))
    )
    earned = shares.values(f"order__{order_group}").annotate(s=Sum("amount_fen"))
    result: dict = {}
    for row in clicks:
        found = result.setdefault(row[group], Figures())
        found.clicks, found.unique_visitors = row["c"] or 0, row["u"] or 0
    for row in paid:
        found = result.setdefault(row[order_group], Figures())
        found.orders, found.gmv_fen = row["n"], row["gmv"] or 0
    for key, fen in _by(earned, f"order__{order_group}", "s").items():
        result.setdefault(key, Figures()).commission_fen = fen
    return result


def host_dashboard(*, user, host, rng: DayRange) -> Dashboard:
    """The figures of `host` that `user` may read (callers check that
    `host` is in `dashboard_hosts(user)`)."""
    scope = _brand_scope(user, host)
    links = list(
        HostLink.objects.filter(scope, host=host)
        .select_related("brand", "product", "live_session")
        .order_by("-pk")
    )
    sessions = list(
        LiveSession.objects.filter(scope, host=host)
        .select_related("brand")
        .order_by("-starts_at", "-pk")
    )
    link_ids = [link.pk for link in links]
    stats = LinkDailyStat.objects.filter(
        link_id__in=link_ids, day__gte=rng.first, day__lte=rng.last
    )
    orders = Order.objects.filter(
        host_link_id__in=link_ids,
        status__in=PAID_STATES,
        created_at__gte=rng.starts,
        created_at__lt=rng.ends,
    )
    shares = Share.objects.filter(
        role=ShareRole.HOST, party__host=host, order__in=orders.values("pk")
    )
    per_link = _figures_by("link", orders, shares, stats)
    per_session = _figures_by("link__live_session", orders, shares, stats)
    link_rows = [Row(link, per_link.get(link.pk, Figures())) for link in links]
    session_rows = [Row(s, per_session.get(s.pk, Figures())) for s in sessions]
    totals = Figures()
    for row in link_rows:
        for name in vars(totals):
            setattr(totals, name, getattr(totals, name) + getattr(row.figures, name))
    party = Party.objects.filter(kind=PartyKind.HOST, host=host).first()
    paid_out = None
    if user_can(user, Action.VIEW_PARTY_ACCOUNTS, party or _no_party(host)):
        paid_out = party_balance(party).paid_out_fen if party else 0
    return Dashboard(
        host=host,
        range=rng,
        links=link_rows,
        sessions=session_rows,
        totals=totals,
        paid_out_fen=paid_out,
        series=_series(stats, orders, rng),
    )


def _no_party(host) -> Party:
    """An unsaved host party, for asking who may see it before it exists."""
    return Party(kind=PartyKind.HOST, host=host)


def _series(stats, orders, rng: DayRange) -> list[tuple[date, int, int]]:
    clicks = _by(stats.values("day").annotate(c=Sum("clicks")), "day", "c")
    per_day = (
        orders.annotate(day=TruncDate("created_at", tzinfo=TIMEZONE))
        .values("day")
        .annotate(n=Count("pk"))
    )
    placed = _by(per_day, "day", "n")
    return [(day, clicks.get(day, 0), placed.get(day, 0)) for day in rng.days]


@dataclass(frozen=True)
class Bar:
    day: date
    clicks: int
    orders: int
    x: int
    click_height: float
    order_height: float

    @property
    def click_y(self) -> float:
        return CHART_HEIGHT - self.click_height

    @property
    def order_y(self) -> float:
        return CHART_HEIGHT - self.order_height

    @property
    def order_x(self) -> int:
        return self.x + BAR_WIDTH


CHART_HEIGHT = 120
BAR_WIDTH = 5
BAR_STEP = 12  # per day: a click bar and an order bar side by side


def chart_bars(series) -> tuple[list[Bar], int, int]:
    """Bars for the inline SVG chart (no script): clicks and orders each
    scaled to their own maximum, so a day with few orders still shows."""
    top_clicks = max((c for _, c, _ in series), default=0) or 1
    top_orders = max((o for _, _, o in series), default=0) or 1
    bars = [
        Bar(
            day=day,
            clicks=clicks,
            orders=orders,
            x=n * BAR_STEP,
            click_height=round(CHART_HEIGHT * clicks / top_clicks, 1),
            order_height=round(CHART_HEIGHT * orders / top_orders, 1),
        )
        for n, (day, clicks, orders) in enumerate(series)
    ]
    return bars, len(series) * BAR_STEP, CHART_HEIGHT


CSV_HEADER = (
    "类型 kind",
    "名称 name",
    "品牌 brand",
    "短链接 short URL",
    "点击 clicks",
    "独立访客（每日合计）unique visitors (sum of daily)",
    "订单 orders",
    "成交额（元）GMV (CNY)",
    "佣金（元）commission earned (CNY)",
)


def short_url(link) -> str:
    return link_short_url(link)


def link_name(link) -> str:
    target = link.product or link.live_session or link.brand
    return f"{link.label} · {target}" if link.label else str(target)


def _figure_cells(figures: Figures) -> list:
    return [
        figures.clicks,
        figures.unique_visitors,
        figures.orders,
        fen_to_yuan(figures.gmv_fen),
        fen_to_yuan(figures.commission_fen),
    ]


def dashboard_csv(board: Dashboard) -> bytes:
    """UTF-8 with a BOM (so Excel shows the Chinese): one row per link, one
    per live session, the host's total, and commission paid when the viewer
    may see it. Every text cell is formula-safe."""
    out = io.StringIO(newline="")
    writer = csv_safe.writer(out)
    writer.writerow(CSV_HEADER)
    for row in board.links:
        link = row.obj
        writer.writerow(
            [
                "链接 link",
                link_name(link),
                link.brand.name,
                short_url(link),
                *_figure_cells(row.figures),
            ]
        )
    for row in board.sessions:
        session = row.obj
        writer.writerow(
            [
                "直播 live session",
                session.title,
                session.brand.name,
                "",
                *_figure_cells(row.figures),
            ]
        )
    writer.writerow(["合计 total", "", "", "", *_figure_cells(board.totals)])
    if board.paid_out_fen is not None:
        writer.writerow(
            [
                "已付佣金（元，全部）commission paid (CNY, all time)",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                fen_to_yuan(board.paid_out_fen),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
