"""The impact figures as open data: one row per month, brand, village and
workshop, in a fixed column order, with a schema describing each column
(docs/impact.md). Amounts are integer fen, with the same amount as a yuan
string beside each; nothing about a person is included."""

from storefront.core.money import fen_to_yuan_string

from .impact_figures import ImpactSummary
from .models import ImpactMonth

SCHEMA_VERSION = "1"

# (name, type, unit, 中文, English). The order is the CSV's column order
# and never changes; new columns are added at the end.
COLUMNS = (
    ("month", "string", "YYYY-MM", "月份（北京时间）", "calendar month, Asia/Shanghai"),
    ("brand_slug", "string", None, "品牌标识", "brand identifier"),
    ("brand_name", "string", None, "品牌", "brand"),
    ("village_slug", "string", None, "村标识", "village identifier"),
    ("village_name", "string", None, "村", "village"),
    ("workshop_slug", "string", None, "工坊标识", "workshop identifier"),
    ("workshop_name", "string", None, "工坊", "workshop"),
    ("village_fen", "integer", "fen", "回流村集体（分）", "to the village collective"),
    ("village_yuan", "string", "yuan", "回流村集体（元）", "to the village collective"),
    ("workshop_fen", "integer", "fen", "回流工坊（分）", "to the workshop"),
    ("workshop_yuan", "string", "yuan", "回流工坊（元）", "to the workshop"),
    ("host_fen", "integer", "fen", "主播佣金（分）", "to livestream hosts"),
    ("host_yuan", "string", "yuan", "主播佣金（元）", "to livestream hosts"),
    ("total_fen", "integer", "fen", "回流合计（分）", "returned in all"),
    ("total_yuan", "string", "yuan", "回流合计（元）", "returned in all"),
    ("orders", "integer", "orders", "含该工坊商品的订单数", "orders with its goods"),
    ("units", "integer", "units", "售出件数", "units sold"),
)
NAMES = tuple(column[0] for column in COLUMNS)

METHOD_ZH = (
    "每个数字都是账本分账的合计：村集体、工坊和主播在每笔订单商品中分得的金额，"
    "按入账时间计入北京时间的自然月，已扣除退款（退款多于销售的月份为负数），"
    "未扣支付手续费；不含品牌方、平台的分成和运费。订单和件数按付款分账时计，"
    "退款不减。"
)
METHOD_EN = (
    "Every figure is a sum of ledger shares: what village collectives, "
    "workshops and hosts receive from each order line, counted in the "
    "calendar month (Asia/Shanghai) it was posted, net of refunds (a month "
    "in which refunds exceed sales is negative), before payment fees; the "
    "brand's and the platform's shares and shipping are not included. "
    "Orders and units are counted when an order is paid and split; refunds "
    "do not reduce them."
)


def impact_schema(*, base_url: str = "") -> dict:
    """The open data's description: a JSON Table Schema with units."""
    return {
        "name": "gongfu-impact-monthly",
        "title": "共富工坊 月度回流 / Common-prosperity workshops: income "
        "returned by month",
        "version": SCHEMA_VERSION,
        "timezone": "Asia/Shanghai",
        "currency": "CNY",
        "method": {"zh": METHOD_ZH, "en": METHOD_EN},
        "primaryKey": ["month", "brand_slug", "village_slug", "workshop_slug"],
        "fields": [
            {
                "name": name,
                "type": kind,
                **({"unit": unit} if unit else {}),
                "title": {"zh": zh, "en": en},
            }
            for name, kind, unit, zh, en in COLUMNS
        ],
        "notes": {
            "zh": "金额的分为整数（1 元 = 100 分），元为两位小数的字符串。"
            "orders 按行计：一张订单含多行时每行各计一次，JSON 的 monthly 中"
            "的订单数按范围去重。",
            "en": "Fen are integers (1 yuan = 100 fen); yuan are strings with two "
            "decimals. `orders` counts per row: an order with goods in several "
            "rows counts in each; the JSON's `monthly` counts each order once "
            "within the scope.",
        },
        "urls": {
            "csv": f"{base_url}/impact/data.csv",
            "json": f"{base_url}/impact/data.json",
            "brand_csv": f"{base_url}/impact/<brand>/data.csv",
            "brand_json": f"{base_url}/impact/<brand>/data.json",
            "village_csv": f"{base_url}/villages/<village>/impact.csv",
            "village_json": f"{base_url}/villages/<village>/impact.json",
        },
    }


def _money(row: dict, name: str, fen: int) -> None:
    row[f"{name}_fen"] = fen
    row[f"{name}_yuan"] = fen_to_yuan_string(fen)


def impact_rows(*, brand=None, village=None) -> list[dict]:
    """One query: the scope's rows with names, in NAMES order and keys."""
    rows = ImpactMonth.objects.all()
    if brand is not None:
        rows = rows.filter(brand=brand)
    if village is not None:
        rows = rows.filter(village=village)
    found = []
    for item in rows.values(
        "month",
        "brand__slug",
        "brand__name",
        "village__slug",
        "village__name",
        "workshop__slug",
        "workshop__name",
        "village_fen",
        "workshop_fen",
        "host_fen",
        "orders",
        "units",
    ).order_by("month", "brand__slug", "village__slug", "workshop__slug"):
        row = {
            "month": f"{item['month']:%Y-%m}",
            "brand_slug": item["brand__slug"] or "",
            "brand_name": item["brand__name"] or "",
            "village_slug": item["village__slug"],
            "village_name": item["village__name"],
            "workshop_slug": item["workshop__slug"],
            "workshop_name": item["workshop__name"],
        }
        for name in ("village", "workshop", "host"):
            _money(row, name, item[f"{name}_fen"])
        total = item["village_fen"] + item["workshop_fen"] + item["host_fen"]
        _money(row, "total", total)
        row["orders"], row["units"] = item["orders"], item["units"]
        found.append({name: row[name] for name in NAMES})
    return found


def _summary_json(figures) -> dict:
    row: dict = {}
    for name in ("village", "workshop", "host", "total"):
        _money(row, name, getattr(figures, f"{name}_fen"))
    row["orders"], row["units"] = figures.orders, figures.units
    return row


def impact_document(
    *, scope: dict, summary: ImpactSummary, rows: list[dict], schema_url: str
) -> dict:
    """The JSON answer: the scope's totals, its months, and the rows."""
    workforce = summary.workforce
    return {
        "schema": schema_url,
        "schema_version": SCHEMA_VERSION,
        "scope": scope,
        "timezone": "Asia/Shanghai",
        "currency": "CNY",
        "as_of": summary.today.isoformat(),
        "totals": {
            "this_month": _summary_json(summary.this_month),
            "this_year": _summary_json(summary.this_year),
            "since_start": _summary_json(summary.since_start),
        },
        "workshops": {
            "count": workforce.workshops,
            "people_employed": workforce.people,
            "low_income_households_employed": workforce.low_income_households,
        },
        "monthly": [
            {"month": f"{item.month:%Y-%m}", **_summary_json(item.figures)}
            for item in summary.months
        ],
        "rows": rows,
    }
