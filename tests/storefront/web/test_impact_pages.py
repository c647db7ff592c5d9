"""The public impact pages (/impact/, /impact/<brand>/, the village page) and
their open data: figures equal to the ledger's, a friendly page when nothing
has sold, negative months shown as such, large amounts formatted, 404 for
what does not exist, nothing personal, few queries, current when cached."""

import csv
import io
import json

import pytest
from django.db.models import Sum
from django.urls import reverse

from brands.models import Role
from revenue.impact_data import NAMES
from revenue.models import Share
from tests.factories import grant, make_brand, make_user, make_village, make_workshop
from tests.revenue.impact_builders import sell, sell_and_refund, span
from tests.revenue.split_helpers import make_scene
from tests.storefront.web.impact_pages import (
    chart_axis,
    chart_bars,
    period_fen,
    period_figures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(midday, time_machine):
    return sell_and_refund(time_machine)


@pytest.fixture
def cache_off(settings):
    settings.CATALOG_CACHE_SECONDS = 0


@pytest.fixture
def cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 300


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def returned(**lookups) -> int:
    return (
        Share.objects.filter(
            role__in=["village", "workshop", "host"],
            order_line__isnull=False,
            **lookups,
        ).aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )


@pytest.mark.usefixtures("cache_off")
@pytest.mark.parametrize("scope", ["all", "brand", "village"])
def test_page_totals_equal_the_ledger_for_the_same_period(client, sold, scope):
    scene = sold.scene
    url, lookups = {
        "all": (reverse("web:impact"), {}),
        "brand": (reverse("web:impact-brand", args=[scene.brand.slug]), {}),
        "village": (
            reverse("web:village", args=[scene.v1.slug]),
            {"order_line__workshop__village": scene.v1},
        ),
    }[scope]
    figures = period_fen(page(client, url))
    assert figures["本月"]["total"] == returned(**lookups, **span(sold.this_month))
    assert figures["累计"]["total"] == returned(**lookups)
    assert figures["本月"]["host"] == returned(
        role="host", **lookups, **span(sold.this_month)
    )
    assert figures["累计"]["village"] == returned(role="village", **lookups)


@pytest.mark.usefixtures("cache_off")
def test_a_month_of_refunds_exceeding_sales_is_negative_in_figures_and_chart(
    client, sold
):
    html = page(client, reverse("web:impact-brand", args=[sold.scene.brand.slug]))
    this_month = period_figures(html)["本月"]
    net = returned(**span(sold.this_month))
    assert net < 0
    assert this_month["total"] == f"-¥{-net // 100}.{-net % 100:02d}"
    bars = chart_bars(html)
    axis = chart_axis(html)
    fen, y, height = bars[f"{sold.this_month:%Y-%m}"]
    assert fen == net and y == axis and height > 0  # hangs below the axis
    fen, y, height = bars[f"{sold.last_month:%Y-%m}"]
    assert fen > 0 and y + height == pytest.approx(axis)  # stands on it
    assert 'class="bar bar-negative"' in html
    assert len(bars) == 12


@pytest.mark.usefixtures("cache_off")
def test_a_village_with_no_sales_gets_a_friendly_page(client):
    village = make_village()
    make_workshop(village=village, people_employed=30, low_income_households_employed=9)
    html = page(client, reverse("web:village", args=[village.slug]))
    assert "还没有销售记录" in html and "No sales yet" in html
    assert "<svg" not in html and "¥0.00" not in html
    # The workshop records are still real figures.
    assert 'data-count="30"' in html and 'data-count="9"' in html
    data = json.loads(
        page(client, reverse("web:village-impact-json", args=[village.slug]))
    )
    assert data["rows"] == [] and data["monthly"] == []
    assert data["totals"]["since_start"]["total_fen"] == 0
    rows = list(
        csv.reader(
            io.StringIO(
                page(client, reverse("web:village-impact-csv", args=[village.slug]))
            )
        )
    )
    assert rows == [["\ufeff" + NAMES[0], *NAMES[1:]]]


@pytest.mark.parametrize(
    "name, args",
    [
        ("web:impact-brand", ["no-such-brand"]),
        ("web:impact-brand-csv", ["no-such-brand"]),
        ("web:impact-brand-json", ["no-such-brand"]),
        ("web:village", ["no-such-village"]),
        ("web:village-impact-csv", ["no-such-village"]),
        ("web:village-impact-json", ["no-such-village"]),
    ],
)
def test_a_brand_or_village_that_does_not_exist_is_404(client, name, args):
    assert client.get(reverse(name, args=args)).status_code == 404


def test_an_inactive_brand_has_no_impact_page(client):
    brand = make_brand(is_active=False)
    assert client.get(reverse("web:impact-brand", args=[brand.slug])).status_code == 404


@pytest.mark.usefixtures("cache_off", "midday")
def test_large_amounts_are_formatted_with_separators(client):
    scene = make_scene()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, scene.brand)
    # A hosted ¥12,345,678.90 line: the village's 10 % is ¥1,234,567.89.
    sell([(scene.w2, scene.brand, 1_234_567_890, 1)], host=host)
    html = page(client, reverse("web:village", args=[scene.v2.slug]))
    figures = period_figures(html)["本月"]
    assert figures["village"] == "¥1,234,567.89"
    assert figures["workshop"] == "¥8,641,975.23"
    assert 'data-fen="123456789"' in html
    data = json.loads(
        page(client, reverse("web:village-impact-json", args=[scene.v2.slug]))
    )
    [row] = data["rows"]
    assert (row["village_fen"], row["village_yuan"]) == (123_456_789, "1234567.89")
    assert data["totals"]["this_month"]["village_yuan"] == "1234567.89"
    [header, line] = csv.reader(io.StringIO(page(client, reverse("web:impact-csv"))))
    assert line[NAMES.index("village_yuan")] == "1234567.89"
    assert line[NAMES.index("village_fen")] == "123456789"


@pytest.mark.usefixtures("cache_off")
def test_open_data_json_has_a_stable_shape(client, sold):
    url = reverse("web:impact-brand-json", args=[sold.scene.brand.slug])
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert list(data) == [
        "schema",
        "schema_version",
        "scope",
        "timezone",
        "currency",
        "as_of",
        "totals",
        "workshops",
        "monthly",
        "rows",
    ]
    assert data["schema"].endswith("/impact/schema.json")
    assert data["scope"] == {
        "kind": "brand",
        "slug": sold.scene.brand.slug,
        "name": sold.scene.brand.name,
    }
    assert [r["month"] for r in data["monthly"]] == [
        f"{sold.last_month:%Y-%m}",
        f"{sold.this_month:%Y-%m}",
    ]
    for row in data["rows"]:
        assert tuple(row) == NAMES
        assert isinstance(row["total_fen"], int)
        assert row["total_yuan"] == f"{row['total_fen'] / 100:.2f}"
    assert data["totals"]["since_start"]["total_fen"] == returned()
    assert data["totals"]["this_month"]["total_fen"] == returned(
        **span(sold.this_month)
    )
    assert data["totals"]["since_start"]["orders"] == 2
    assert data["workshops"] == {
        "count": 2,
        "people_employed": 24,
        "low_income_households_employed": 8,
    }


@pytest.mark.usefixtures("cache_off")
def test_open_data_csv_has_fixed_columns_and_numeric_yuan(client, sold):
    response = client.get(reverse("web:impact-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffmonth,brand_slug,")
    header, *rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    assert tuple(header) == NAMES
    assert len(rows) == 4  # two workshops, two months
    negative = [r for r in rows if r[NAMES.index("total_fen")].startswith("-")]
    assert negative
    for row in negative:
        # A number, not text guarded against formulas ("'-10.50").
        assert row[NAMES.index("total_yuan")].startswith("-")
    total = sum(int(r[NAMES.index("total_fen")]) for r in rows)
    assert total == returned()


def test_the_schema_describes_every_column_with_its_unit(client):
    response = client.get(reverse("web:impact-schema"))
    schema = json.loads(response.content)
    assert tuple(f["name"] for f in schema["fields"]) == NAMES
    units = {f["name"]: f.get("unit") for f in schema["fields"]}
    assert units["village_fen"] == "fen" and units["village_yuan"] == "yuan"
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types["village_fen"] == "integer" and types["village_yuan"] == "string"
    assert schema["timezone"] == "Asia/Shanghai"
    assert "退款" in schema["method"]["zh"] and "refunds" in schema["method"]["en"]


@pytest.mark.usefixtures("cache_off")
def test_nothing_personal_is_shown(client, sold):
    scene = sold.scene
    scene.w1.contact_name = "王联系"
    scene.w1.contact_phone = "13800138000"
    scene.w1.save()
    personal = [
        sold.host.username,
        sold.host.email,
        "小美",
        sold.earlier.email,
        sold.earlier.number,
        "王联系",
        "13800138000",
        "re_test_",
        "pi_test_",
    ]
    for url in [
        reverse("web:impact"),
        reverse("web:impact-brand", args=[scene.brand.slug]),
        reverse("web:village", args=[scene.v1.slug]),
        reverse("web:impact-csv"),
        reverse("web:impact-json"),
        reverse("web:impact-brand-csv", args=[scene.brand.slug]),
        reverse("web:village-impact-json", args=[scene.v1.slug]),
    ]:
        text = page(client, url)
        assert [p for p in personal if p in text] == [], url


@pytest.mark.usefixtures("cache_off")
def test_chinese_first_with_english_alongside(client, sold):
    html = page(client, reverse("web:impact-brand", args=[sold.scene.brand.slug]))
    assert '本月 <span class="en" lang="en">This month</span>' in html
    assert "方法：" in html and "Method:" in html
    client.cookies["django_language"] = "en"
    english = page(client, reverse("web:impact"))
    assert "This month" in english and "本月" not in english


@pytest.mark.usefixtures("cache_off", "midday")
@pytest.mark.parametrize("which", ["index", "brand", "village"])
def test_impact_pages_take_at_most_ten_queries(
    client, time_machine, which, django_assert_max_num_queries
):
    sold = sell_and_refund(time_machine)
    scene = sold.scene
    for n in range(5):  # more orders, villages and workshops: the same queries
        workshop = make_workshop(brands=[scene.brand])
        sell([(workshop, scene.brand, 100 + n, n + 1), (scene.w1, scene.brand, 50, 1)])
    url = {
        "index": reverse("web:impact"),
        "brand": reverse("web:impact-brand", args=[scene.brand.slug]),
        "village": reverse("web:village", args=[scene.v1.slug]),
    }[which]
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


@pytest.mark.usefixtures("cache_on", "midday")
def test_cached_pages_show_a_new_sale_at_once(
    client, time_machine, django_capture_on_commit_callbacks
):
    sold = sell_and_refund(time_machine)
    scene = sold.scene
    url = reverse("web:impact-brand", args=[scene.brand.slug])
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    before = period_fen(first.content.decode())["累计"]["total"]
    with django_capture_on_commit_callbacks(execute=True):
        sell([(scene.w2, scene.brand, 10_000, 1)])
    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert period_fen(after.content.decode())["累计"]["total"] == before + 8500
