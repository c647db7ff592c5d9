"""A village's annual report: twelve Shanghai months that agree with the
monthly statements, breakdowns by workshop and product, payouts with dates
and references, for the village's own people only; a bad year is a clear
page, a year without sales a friendly one."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from brands.models import Role
from revenue.annual import parse_year, party_annual_report
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import PartyKind
from revenue.statements import month_start, party_statement
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user, make_village, make_workshop
from tests.revenue.test_statements import (
    dated_payout,
    month_of,
    party_of,
    pay,
    split_shop,
)
from tests.shop_helpers import make_variant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def annual_url(party, year) -> str:
    return reverse("revenue:annual-report", args=[party.pk, year])


@pytest.fixture
def year_of_sales(client, django_capture_on_commit_callbacks):
    """Two workshops of one village selling this month, a partial refund and
    a bank payout; the village's treasurer."""
    shop = split_shop()
    other = make_workshop(
        brands=[shop.brand],
        village=shop.village,
        shipping_fee_fen=0,
        free_shipping_threshold_fen=None,
    )
    tea = make_variant(5000, 100, workshop=other, brand=shop.brand)
    first = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    pay(client, django_capture_on_commit_callbacks, tea, 2)
    refund = order_refund(order=first, user=shop.operator, amount_fen=1001)
    village = party_of(PartyKind.VILLAGE, shop.village)
    paid_at = first.paid_at + timedelta(seconds=5)
    payout = dated_payout(village, 500, paid_at, "BR-2026-0042")
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, shop.village)
    return {
        "shop": shop,
        "other": other,
        "tea": tea,
        "order": first,
        "refund": refund,
        "payout": payout,
        "village": village,
        "month": month_of(first.paid_at),
        "treasurer": treasurer,
    }


def test_the_year_by_month_agrees_with_each_months_statement(year_of_sales):
    village, month = year_of_sales["village"], year_of_sales["month"]
    report = party_annual_report(party=village, year=month.year)
    assert [row.month for row in report.months] == [
        date(month.year, m, 1) for m in range(1, 13)
    ]
    for row in report.months:
        statement = party_statement(party=village, month=row.month)
        assert row.sales_fen == statement.sales_fen, row.month
        assert row.refunds_fen == statement.refunds_fen, row.month
        assert row.fees_fen == statement.fees_fen, row.month
        assert row.earned_fen == statement.earned_fen, row.month
        assert row.paid_fen == statement.paid_fen, row.month
    this = report.months[month.month - 1]
    assert this.sales_fen > 0 and this.refunds_fen < 0 and this.paid_fen == 500
    december = party_statement(party=village, month=date(month.year, 12, 1))
    assert report.closing_owed_fen == december.closing_owed_fen
    assert report.earned_fen == report.by_workshop.net_fen == report.by_product.net_fen


def test_the_page_shows_months_workshops_products_and_payouts(client, year_of_sales):
    village, month = year_of_sales["village"], year_of_sales["month"]
    client.force_login(year_of_sales["treasurer"])
    response = client.get(annual_url(village, str(month.year)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert f"{month.year} 年度分成收入报告" in html
    assert html.count('<tr data-month="') == 12
    assert f'data-month="{month:%Y-%m}"' in html
    assert html.count('<tr class="breakdown-workshop">') == 2
    assert year_of_sales["shop"].workshop.name in html
    assert year_of_sales["other"].name in html
    assert year_of_sales["tea"].product.name in html
    payout = year_of_sales["payout"]
    assert str(payout.batch) in html and "BR-2026-0042" in html
    assert f"{payout.paid_at.astimezone(month_start(month).tzinfo):%Y-%m-%d}" in html
    assert f"截至 {month.year}-12-31 23:59:59" in html
    assert "应付" not in html
    # Printable on A4, no site navigation; signature lines.
    assert 'class="site-header"' not in html
    assert "村集体出纳" in html and "signature-line" in html


def test_a_year_whose_refunds_exceed_its_sales_is_negative(
    client, django_capture_on_commit_callbacks, time_machine
):
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    sold_in = month_of(order.paid_at)
    # Refunded in full in the first month of the next year.
    january = date(sold_in.year + 1, 1, 1)
    time_machine.move_to(month_start(january) + timedelta(days=3, hours=10))
    order_refund(order=order, user=shop.operator, amount_fen=order.paid_fen)
    village = party_of(PartyKind.VILLAGE, shop.village)
    report = party_annual_report(party=village, year=january.year)
    assert report.earned_fen == report.months[0].earned_fen == -653
    assert report.opening_owed_fen == 653 and report.closing_owed_fen == 0
    client.force_login(shop.operator)
    html = client.get(annual_url(village, str(january.year))).content.decode()
    assert 'data-net-fen="-653"' in html and "−¥6.53" in html
    assert "negative-note" in html


def test_months_of_the_year_are_shanghai_months():
    village = party_of(PartyKind.VILLAGE, make_village())
    # 23:59:59 on 31 December 2025 in Shanghai is 2025's; a second later, 2026's.
    dated_payout(village, 300, datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC), "A")
    dated_payout(village, 200, datetime(2025, 12, 31, 16, 0, 0, tzinfo=UTC), "B")
    last = party_annual_report(party=village, year=2025)
    this = party_annual_report(party=village, year=2026)
    assert last.months[11].paid_fen == 300 and last.paid_fen == 300
    assert this.months[0].paid_fen == 200 and this.paid_fen == 200
    assert this.opening_owed_fen == -300 and this.closing_owed_fen == -500


def test_the_report_takes_three_queries(year_of_sales, django_assert_num_queries):
    with django_assert_num_queries(3):
        party_annual_report(
            party=year_of_sales["village"], year=year_of_sales["month"].year
        )


def test_other_villages_and_workshops_cannot_read_it(client, year_of_sales):
    village, year = year_of_sales["village"], str(year_of_sales["month"].year)
    stranger = make_user()
    grant(stranger, Role.VILLAGE_TREASURER, make_village())
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, year_of_sales["shop"].workshop)
    for user in (stranger, manager, make_user()):
        client.force_login(user)
        response = client.get(annual_url(village, year))
        assert response.status_code == 403
        assert "没有权限" in response.content.decode()
        assert year_of_sales["shop"].workshop.name not in response.content.decode()
    client.logout()
    anonymous = client.get(annual_url(village, year))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("web:login"))
    client.force_login(year_of_sales["shop"].operator)
    assert client.get(annual_url(village, year)).status_code == 200
    assert client.get(annual_url(type(village)(pk=999_999), year)).status_code == 404


@pytest.mark.parametrize("year", ["26", "20266", "abcd", "2026-01", "1969", "0000"])
def test_a_bad_year_is_a_clear_404(client, year_of_sales, year):
    client.force_login(year_of_sales["treasurer"])
    response = client.get(annual_url(year_of_sales["village"], year))
    assert response.status_code == 404
    assert "年份格式应为四位数字" in response.content.decode()


def test_parse_year():
    assert parse_year("2026") == 2026
    for text in ("", "２０２６", "2026 ", None, 2026, "9999"):
        with pytest.raises(RevenueError) as caught:
            parse_year(text)
        assert caught.value.code == RevenueErrorCode.INVALID_YEAR


def test_a_village_with_no_sales_gets_a_friendly_empty_report(client):
    village = party_of(PartyKind.VILLAGE, make_village())
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    client.force_login(treasurer)
    response = client.get(annual_url(village, "2026"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026 年还没有分成收入" in html and "data-empty" in html
    assert "data-month=" not in html and 'class="breakdown' not in html
    assert "¥0.00" not in html
