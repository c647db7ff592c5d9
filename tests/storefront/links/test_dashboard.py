"""The host dashboard: exact figures per link and per live session against
orders split by the real revenue service, the date range (Asia/Shanghai
days) and bad dates, the chart, the CSV export, and who sees whose
figures."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Role
from revenue.models import Party
from tests.factories import grant, make_brand, make_user
from tests.revenue.ledger_builders import book_refund, give_bank_accounts, pay_out

from .host_builders import (
    credited_order,
    days_ago,
    live_session,
    login,
    make_world,
    product_link,
    stat,
)

pytestmark = pytest.mark.django_db

URL = reverse("links:dashboard")
CSV_URL = reverse("links:dashboard-csv")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def sales(world):
    """Two links of the host (one into a live session) with clicks and
    orders inside the default 30 days, and some outside it."""
    session = live_session(world.host, world.brand, starts_in=-timedelta(hours=1))
    plain = product_link(world.host, world.product, label="朋友圈")
    live = product_link(world.host, world.product, label="直播间")
    live.live_session = session
    live.save(update_fields=["live_session"])
    stat(plain, days_ago(0), 40, 30)
    stat(plain, days_ago(3), 10, 8)
    stat(plain, days_ago(40), 99, 90)  # outside the default range
    stat(live, days_ago(1), 25, 20)
    first = credited_order(world, plain, 10000)
    credited_order(world, plain, 30000, day=days_ago(40))  # outside
    credited_order(world, plain, 7000, unpaid=True)
    refunded = credited_order(world, live, 20000, day=days_ago(1))
    book_refund(refunded, 5000)
    return {
        "plain": plain,
        "live": live,
        "session": session,
        "first": first,
        "refunded": refunded,
    }


def row_of(rows, obj):
    (found,) = [row for row in rows if row.obj.pk == obj.pk]
    return found.figures


def test_figures_per_link_and_session_are_exact(client, world, sales):
    response = login(client, world.host).get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    plain = row_of(board.links, sales["plain"])
    assert (plain.clicks, plain.unique_visitors, plain.orders) == (50, 38, 1)
    # 5 % of the ¥100.00 line.
    assert (plain.gmv_fen, plain.commission_fen) == (10000, 500)
    live = row_of(board.links, sales["live"])
    assert (live.clicks, live.unique_visitors, live.orders) == (25, 20, 1)
    # ¥200.00 paid, ¥50.00 refunded: 5 % of 200 less 5 % of 50 reversed.
    assert (live.gmv_fen, live.commission_fen) == (15000, 750)
    session = row_of(board.sessions, sales["session"])
    assert (session.clicks, session.orders, session.gmv_fen) == (25, 1, 15000)
    assert session.commission_fen == 750
    totals = board.totals
    assert (totals.clicks, totals.unique_visitors, totals.orders) == (75, 58, 2)
    assert (totals.gmv_fen, totals.commission_fen) == (25000, 1250)
    html = response.content.decode()
    assert 'id="total-gmv">¥250.00<' in html
    assert 'id="total-commission">¥12.50<' in html
    assert "每日合计" in html and "sum of daily" in html


def test_commission_paid_is_shown_to_the_host_only(client, world, sales):
    party = Party.objects.get(host=world.host)
    give_bank_accounts([party])
    pay_out(world.operator)
    response = login(client, world.host).get(URL)
    # All the host earned, all time (the ¥300.00 order 40 days ago too).
    assert response.context["board"].paid_out_fen == 500 + 750 + 1500
    assert 'id="total-paid">¥27.50<' in response.content.decode()
    client.logout()
    seen = login(client, world.brand_operator).get(URL, {"host": world.host.pk})
    assert seen.status_code == 200
    assert seen.context["board"].paid_out_fen is None
    assert 'id="total-paid"' not in seen.content.decode()


def test_a_range_picks_its_days_and_orders(client, world, sales):
    day = days_ago(40).isoformat()
    response = login(client, world.host).get(URL, {"from": day, "to": day})
    assert response.status_code == 200
    plain = row_of(response.context["board"].links, sales["plain"])
    assert (plain.clicks, plain.unique_visitors, plain.orders) == (99, 90, 1)
    assert (plain.gmv_fen, plain.commission_fen) == (30000, 1500)
    assert response.context["board"].totals.orders == 1
    assert len(response.context["bars"]) == 1


def test_the_default_range_is_the_last_30_days(client, world):
    response = login(client, world.host).get(URL)
    assert response.context["from"] == days_ago(29).isoformat()
    assert response.context["to"] == days_ago(0).isoformat()


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01"},
        {"from": "2026-02-30"},
        {"to": "yesterday"},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"from": "９９９９-01-01"},
        {"from": "x" * 5000},
    ],
)
def test_bad_dates_get_a_clear_message(client, world, params):
    login(client, world.host)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "日期范围不正确" in response.content.decode()
    assert response.context["board"] is None
    csv_response = client.get(CSV_URL, params)
    assert csv_response.status_code == 400
    assert "Invalid date range" in csv_response.content.decode()


def test_the_chart_is_inline_svg_with_two_bars_a_day(client, world, sales):
    response = login(client, world.host).get(URL)
    html = response.content.decode()
    assert "<svg" in html and "<script" not in html
    assert html.count('class="bar-clicks"') == 30
    assert html.count('class="bar-orders"') == 30
    today = days_ago(0).isoformat()
    assert f"{today}: 40 点击 clicks, 1 订单 orders" in html
    # The busiest day's click bar is full height.
    (busiest,) = [b for b in response.context["bars"] if b.clicks == 40]
    assert busiest.click_height == 120


def test_csv_export_has_the_same_figures_and_safe_cells(client, world, sales):
    link = sales["plain"]
    link.label = '=HYPERLINK("http://evil")'
    link.save(update_fields=["label"])
    response = login(client, world.host).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "类型 kind"
    assert "unique visitors (sum of daily)" in rows[0][5]
    by_url = {row[3]: row for row in rows[1:] if row[3]}
    plain = by_url[f"http://testserver-site/l/{link.code}"]
    assert plain[1].startswith("'=HYPERLINK")
    assert plain[4:] == ["50", "38", "1", "100.00", "5.00"]
    (session,) = [row for row in rows if row[0] == "直播 live session"]
    assert session[1] == "海边直播"
    assert session[4:] == ["25", "20", "1", "150.00", "7.50"]
    (total,) = [row for row in rows if row[0] == "合计 total"]
    assert total[4:] == ["75", "58", "2", "250.00", "12.50"]
    assert any(row[0].startswith("已付佣金") for row in rows)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver-site"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("web:login") in response["Location"]


def test_a_consumer_is_refused(client, world):
    login(client, world.consumer)
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def test_a_host_cannot_read_another_hosts_figures(client, world, sales):
    other = product_link(world.other_host, world.other_product)
    stat(other, days_ago(0), 7, 7)
    login(client, world.host)
    for url in (URL, CSV_URL):
        assert client.get(url, {"host": world.other_host.pk}).status_code == 403
        assert client.get(url, {"host": "abc"}).status_code == 403
        assert client.get(url, {"host": "9" * 40}).status_code == 403
    response = client.get(URL)
    assert [row.obj.pk for row in response.context["board"].links] == [
        sales["live"].pk,
        sales["plain"].pk,
    ]
    assert list(response.context["hosts"]) == [world.host]
    assert other.code not in response.content.decode()


def test_a_brand_operator_sees_only_their_brands_hosts_and_links(client, world, sales):
    # The host also sells the other brand: that link is not this operator's.
    grant(world.host, Role.LIVESTREAM_HOST, world.other_brand)
    # A fresh user object: memberships are cached per object (per request).
    host = type(world.host).objects.get(pk=world.host.pk)
    elsewhere = product_link(host, world.other_product)
    stat(elsewhere, days_ago(0), 1000, 900)
    login(client, world.brand_operator)
    response = client.get(URL, {"host": world.host.pk})
    assert response.status_code == 200
    assert list(response.context["hosts"]) == [world.host]
    board = response.context["board"]
    assert elsewhere.pk not in {row.obj.pk for row in board.links}
    assert board.totals.clicks == 75
    assert client.get(URL, {"host": world.other_host.pk}).status_code == 403
    # With no host asked for, the first of theirs is shown.
    assert client.get(URL).context["host"] == world.host
    client.logout()
    login(client, world.other_brand_operator)
    theirs = client.get(URL, {"host": world.host.pk})
    assert [row.obj.pk for row in theirs.context["board"].links] == [elsewhere.pk]
    assert theirs.context["board"].totals.clicks == 1000


def test_a_platform_operator_sees_every_host(client, world, sales):
    login(client, world.operator)
    response = client.get(URL)
    assert response.status_code == 200
    assert {world.host, world.other_host} <= set(response.context["hosts"])
    picked = client.get(URL, {"host": world.host.pk})
    assert picked.context["board"].totals.gmv_fen == 25000
    assert picked.context["board"].paid_out_fen == 0


def test_the_number_of_queries_does_not_grow_with_links(client, world):
    login(client, world.host)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    for _ in range(2):
        link = product_link(world.host, world.product)
        stat(link, days_ago(0), 3, 2)
        credited_order(world, link, 1000)
    few = count()
    for _ in range(5):
        link = product_link(world.host, world.product)
        stat(link, days_ago(2), 3, 2)
        credited_order(world, link, 1000)
    assert count() == few
    # 20 for the figures, 3 for the commission per order (host_money).
    assert few <= 23


def test_a_brand_operator_without_hosts_sees_an_empty_dashboard(client, world):
    lonely = make_user()
    grant(lonely, Role.BRAND_OPERATOR, make_brand())
    response = login(client, lonely).get(URL)
    assert response.status_code == 200
    assert response.context["host"] is None
    assert "暂无主播数据" in response.content.decode()
    assert client.get(CSV_URL).status_code == 404
