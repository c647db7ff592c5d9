"""Statement pages: who may read which party's statement, the page, the CSV
and the printable copy, and bad months answered with a clear page."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from brands.models import Role
from revenue.models import EntryKind, JournalEntry, PartyKind
from revenue.selectors import party_balance
from revenue.statements import month_label
from storefront.core.money import fen_to_yuan_string, format_fen
from tests.factories import grant, make_user, make_village, make_workshop
from tests.revenue.test_statements import (
    dated_payout,
    month_of,
    party_of,
    pay,
    split_shop,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def sold(client, django_capture_on_commit_callbacks):
    """A village whose workshop sold 3 × ¥12.80 (¥6.53 to the village) and
    was paid ¥1.00 by bank; the parties of that sale."""
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    village = party_of(PartyKind.VILLAGE, shop.village)
    sale = JournalEntry.objects.get(order=order, kind=EntryKind.SALE)
    dated_payout(village, 100, sale.posted_at + timedelta(seconds=1), "BR-2026-001")
    client.logout()
    return {
        "shop": shop,
        "order": order,
        "month": month_label(month_of(order.paid_at)),
        "village": village,
        "workshop": party_of(PartyKind.WORKSHOP, shop.workshop),
        "brand": party_of(PartyKind.BRAND, shop.brand),
    }


def url(name, party, month=None):
    if name == "revenue:statements":
        return reverse(name)
    return reverse(name, args=[party.pk, month])


def signed_in(client, user):
    client.force_login(user)
    return client


# Who may see what -----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["revenue:statement", "revenue:statement-csv", "revenue:statement-print"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, sold, name):
    target = url(name, sold["village"], sold["month"])
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
    assert "next=" in response["Location"]


def test_anonymous_list_is_sent_to_sign_in(client):
    response = client.get(reverse("revenue:statements"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_operator_sees_every_party_and_statement(client, sold):
    operator = sold["shop"].operator
    listing = signed_in(client, operator).get(reverse("revenue:statements"))
    html = listing.content.decode()
    assert listing.status_code == 200
    for party in ("village", "workshop", "brand"):
        assert sold[party].name in html
    # The village is owed ¥6.53 − ¥1.00.
    assert format_fen(553) in html
    page = client.get(url("revenue:statement", sold["village"], sold["month"]))
    assert page.status_code == 200


def test_village_treasurer_sees_own_village_only(client, sold):
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, sold["shop"].village)
    client = signed_in(client, treasurer)
    own = client.get(url("revenue:statement", sold["village"], sold["month"]))
    workshop = client.get(url("revenue:statement", sold["workshop"], sold["month"]))
    listing = client.get(reverse("revenue:statements")).content.decode()
    assert own.status_code == 200
    assert workshop.status_code == 403
    assert sold["village"].name in listing
    assert sold["workshop"].name not in listing


def test_treasurer_of_another_village_is_refused(client, sold):
    other = make_user()
    grant(other, Role.VILLAGE_TREASURER, make_village())
    client = signed_in(client, other)
    for name in (
        "revenue:statement",
        "revenue:statement-csv",
        "revenue:statement-print",
    ):
        response = client.get(url(name, sold["village"], sold["month"]))
        assert response.status_code == 403, name
        assert "没有权限" in response.content.decode()
        assert "6.53" not in response.content.decode()


def test_workshop_manager_sees_own_workshop_not_the_village(client, sold):
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, sold["shop"].workshop)
    stranger = make_user()
    grant(stranger, Role.WORKSHOP_MANAGER, make_workshop())
    own = signed_in(client, manager).get(
        url("revenue:statement", sold["workshop"], sold["month"])
    )
    village = client.get(url("revenue:statement", sold["village"], sold["month"]))
    other = signed_in(client, stranger).get(
        url("revenue:statement", sold["workshop"], sold["month"])
    )
    assert own.status_code == 200
    assert village.status_code == 403
    assert other.status_code == 403


def test_brand_operator_sees_the_brand(client, sold):
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, sold["shop"].brand)
    client = signed_in(client, operator)
    assert (
        client.get(url("revenue:statement", sold["brand"], sold["month"])).status_code
        == 200
    )
    assert (
        client.get(url("revenue:statement", sold["village"], sold["month"])).status_code
        == 403
    )


def test_host_sees_only_their_own_statement(client, sold):
    host, other_host = make_user(), make_user()
    mine = party_of(PartyKind.HOST, host)
    theirs = party_of(PartyKind.HOST, other_host)
    client = signed_in(client, host)
    assert client.get(url("revenue:statement", mine, sold["month"])).status_code == 200
    assert (
        client.get(url("revenue:statement", theirs, sold["month"])).status_code == 403
    )
    listing = client.get(reverse("revenue:statements")).content.decode()
    assert mine.name in listing and theirs.name not in listing


def test_consumer_sees_an_empty_list_and_no_statement(client, sold):
    client = signed_in(client, make_user())
    listing = client.get(reverse("revenue:statements"))
    assert listing.status_code == 200
    assert "暂无可查看的对账单" in listing.content.decode()
    page = client.get(url("revenue:statement", sold["village"], sold["month"]))
    assert page.status_code == 403


def test_inactive_staff_is_not_an_operator(client, sold):
    former = make_user(staff=True, is_active=False)
    client.force_login(former)
    response = client.get(url("revenue:statement", sold["village"], sold["month"]))
    # Django signs an inactive user out; they are sent to sign in again.
    assert response.status_code == 302


def test_unknown_party_is_404(client, sold):
    client = signed_in(client, sold["shop"].operator)
    response = client.get(reverse("revenue:statement", args=[999_999, "2026-11"]))
    assert response.status_code == 404


# Bad months -----------------------------------------------------------------


@pytest.mark.parametrize(
    "month", ["2026-13", "abcd", "2026-1", "26-1", "2026-00", "9" * 3000]
)
@pytest.mark.parametrize(
    "name", ["revenue:statement", "revenue:statement-csv", "revenue:statement-print"]
)
def test_a_bad_month_is_a_clear_404(client, sold, month, name):
    client = signed_in(client, sold["shop"].operator)
    response = client.get(url(name, sold["village"], month))
    assert response.status_code == 404
    assert "月份格式应为 YYYY-MM" in response.content.decode()


def test_the_month_picker_redirects_or_explains(client, sold):
    client = signed_in(client, sold["shop"].operator)
    village = sold["village"]
    good = client.get(
        reverse("revenue:statements"), {"party": village.pk, "month": "2026-11"}
    )
    assert good.status_code == 302
    assert good["Location"] == url("revenue:statement", village, "2026-11")
    bad = client.get(
        reverse("revenue:statements"), {"party": village.pk, "month": "2026-13"}
    )
    assert bad.status_code == 400
    assert "YYYY-MM" in bad.content.decode()
    unknown = client.get(
        reverse("revenue:statements"), {"party": "x", "month": "2026-11"}
    )
    assert unknown.status_code == 400


def test_the_month_picker_does_not_open_others_statements(client, sold):
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, sold["shop"].village)
    response = signed_in(client, treasurer).get(
        reverse("revenue:statements"),
        {"party": sold["workshop"].pk, "month": sold["month"]},
    )
    assert response.status_code == 400


# The page, CSV and print ----------------------------------------------------


def test_statement_page_shows_opening_lines_totals_closing_and_payouts(client, sold):
    client = signed_in(client, sold["shop"].operator)
    response = client.get(url("revenue:statement", sold["village"], sold["month"]))
    html = response.content.decode()
    order = sold["order"]
    assert response.status_code == 200
    assert "期初待结算" in html and "期末待结算" in html
    assert "应付" not in html  # the ledger's word, which reads as "we owe"
    assert order.number in html
    assert sold["shop"].variant.product.name in html
    assert format_fen(653) in html and format_fen(3840) in html
    assert 'data-paid-fen="100"' in html  # paid to the village
    assert "−¥1.00" in html  # the payout line lowers the balance due
    assert "BR-2026-001" in html
    assert f'data-fen="{party_balance(sold["village"]).owed_fen}"' in html
    assert url("revenue:statement-csv", sold["village"], sold["month"]) in html
    assert url("revenue:statement-print", sold["village"], sold["month"]) in html


def test_statement_pages_are_never_cached(client, sold):
    client = signed_in(client, sold["shop"].operator)
    for name in (
        "revenue:statements",
        "revenue:statement",
        "revenue:statement-csv",
        "revenue:statement-print",
    ):
        response = client.get(url(name, sold["village"], sold["month"]))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], name
        assert "private" in response["Cache-Control"], name
        assert "X-Page-Cache" not in response


def test_csv_is_utf8_with_bom_bilingual_headers_and_yuan_amounts(client, sold):
    client = signed_in(client, sold["shop"].operator)
    response = client.get(url("revenue:statement-csv", sold["village"], sold["month"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    village_slug = sold["shop"].village.slug
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-village-{village_slug}-{sold["month"]}.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "日期 date",
        "事由 reason",
        "订单号 order",
        "商品 product",
        "工坊 workshop",
    ]
    assert rows[1][1] == "期初待结算 due to you at the start" and rows[1][8] == "0.00"
    sale, payout, closing = rows[2], rows[3], rows[4]
    assert sale[1:9] == [
        "销售分成 share of a sale",
        sold["order"].number,
        f"{sold['shop'].variant.product.name} {sold['shop'].variant.name}",
        sold["shop"].workshop.name,
        "3",
        "38.40",
        "6.53",
        "6.53",
    ]
    assert payout[1] == "付款到账 paid to you" and payout[7] == "-1.00"
    assert payout[8] == "5.53" and payout[9].endswith("BR-2026-001")
    assert closing[1] == "期末待结算 due to you at the end"
    assert closing[8] == fen_to_yuan_string(party_balance(sold["village"]).owed_fen)


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example")', "+1+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"],
)
def test_csv_cells_cannot_smuggle_formulas(
    client, django_capture_on_commit_callbacks, name
):
    shop = split_shop()
    product = shop.variant.product
    type(product).objects.filter(pk=product.pk).update(name=name)
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 1)
    village = party_of(PartyKind.VILLAGE, shop.village)
    client.force_login(shop.operator)
    month = month_label(month_of(order.paid_at))
    response = client.get(url("revenue:statement-csv", village, month))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    [sale] = [
        row for row in rows if len(row) > 1 and row[1] == "销售分成 share of a sale"
    ]
    assert sale[3].startswith("'" + name)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell


def test_print_view_has_no_navigation_and_has_signature_lines(client, sold):
    client = signed_in(client, sold["shop"].operator)
    response = client.get(
        url("revenue:statement-print", sold["village"], sold["month"])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' not in html and "<nav" not in html
    assert "revenue/statements.css" in html
    assert "村集体出纳" in html and "平台运营" in html
    assert html.count("signature-line") >= 4
    assert sold["order"].number in html and format_fen(653) in html


def test_print_view_names_the_workshop_signatory_for_a_workshop(client, sold):
    client = signed_in(client, sold["shop"].operator)
    html = client.get(
        url("revenue:statement-print", sold["workshop"], sold["month"])
    ).content.decode()
    assert "工坊负责人" in html and "村集体出纳" not in html


def test_an_empty_month_says_so(client, sold):
    client = signed_in(client, sold["shop"].operator)
    html = client.get(
        url("revenue:statement", sold["village"], "2019-03")
    ).content.decode()
    assert "本月还没有分成收入" in html and "data-empty" in html
    assert "statement-lines" not in html and 'class="breakdown' not in html


# The header link ------------------------------------------------------------


def test_header_links_statements_for_those_who_may_see_one(client, sold):
    home = reverse("web:home")
    link = f'href="{reverse("revenue:statements")}"'
    assert link not in client.get(home).content.decode()
    assert link not in signed_in(client, make_user()).get(home).content.decode()
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, sold["shop"].village)
    assert link in signed_in(client, treasurer).get(home).content.decode()
    assert link in signed_in(client, sold["shop"].operator).get(home).content.decode()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, sold["shop"].brand)
    assert link not in signed_in(client, host).get(home).content.decode()
    party_of(PartyKind.HOST, host)
    assert link in client.get(home).content.decode()


def test_the_list_is_paged_for_operators(client):
    operator = make_user(staff=True)
    for _ in range(52):
        party_of(PartyKind.VILLAGE, make_village())
    client = signed_in(client, operator)
    first = client.get(reverse("revenue:statements")).content.decode()
    second = client.get(reverse("revenue:statements"), {"page": 2}).content.decode()
    assert first.count('class="party-card"') == 50
    assert second.count('class="party-card"') == 2
    assert 'rel="next"' in first
