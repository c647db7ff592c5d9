"""A statement a village treasurer reads without help: the village's words
(应收/待结算, plain reasons), each line's workshop, no payment processor ids
anywhere, the closing time as the month's last second in Shanghai, the
breakdowns by workshop and product, negative months shown as negative, large
amounts with thousands separators, and the CSV's GBK option."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from brands.models import Role
from revenue.breakdowns import RowKind, by_product, by_workshop
from revenue.models import PartyKind, Payout, Share
from revenue.payouts import payout_batch_approve, payout_batch_propose
from revenue.statement_files import statement_csv_bytes
from revenue.statements import (
    month_end,
    month_label,
    month_start,
    next_month,
    party_statement,
)
from storefront.core.money import format_fen
from storefront.orders.models import OrderLine
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user, make_village, make_workshop
from tests.revenue.payout_helpers import connected_account
from tests.revenue.test_statements import (
    dated_payout,
    month_of,
    party_of,
    pay,
    split_shop,
)
from tests.shop_helpers import make_variant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

PROCESSOR_ID = re.compile(r"\b(?:re|pi|tr|ch|py|po|acct)_[A-Za-z0-9]{6,}")
PAGES = ("revenue:statement", "revenue:statement-print")


def _get(client, name, party, month, **params):
    response = client.get(reverse(name, args=[party.pk, month]), params)
    assert response.status_code == 200, name
    return response


def _csv_rows(response, codec="utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode(codec))))


@pytest.fixture
def stripe_paid(client, django_capture_on_commit_callbacks):
    """A village paid by Stripe Transfer after a sale and a partial refund:
    the ledger holds a refund id (re_…), the order a PaymentIntent (pi_…)
    and the payout a transfer id (tr_…)."""
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    refund = order_refund(order=order, user=shop.operator, amount_fen=1001)
    village = party_of(PartyKind.VILLAGE, shop.village)
    village.stripe_account_id = connected_account()
    village.save()
    batch = payout_batch_propose(user=shop.operator, threshold_fen=1)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(batch=batch, user=shop.operator)
    payout = Payout.objects.get(batch=batch, party=village)
    client.force_login(shop.operator)
    return {
        "shop": shop,
        "order": order,
        "refund": refund,
        "payout": payout,
        "village": village,
        "month": month_label(month_of(order.paid_at)),
    }


def test_no_processor_id_in_the_page_print_csv_or_annual_report(client, stripe_paid):
    refund, payout = stripe_paid["refund"], stripe_paid["payout"]
    # The ids exist, so their absence below is the statement's doing.
    assert refund.stripe_refund_id.startswith("re_")
    assert payout.status == "paid" and payout.stripe_transfer_id.startswith("tr_")
    village, month = stripe_paid["village"], stripe_paid["month"]
    outputs = {name: _get(client, name, village, month).content for name in PAGES}
    outputs["csv"] = _get(client, "revenue:statement-csv", village, month).content
    outputs["gbk"] = _get(
        client, "revenue:statement-csv", village, month, encoding="gbk"
    ).content
    outputs["annual"] = client.get(
        reverse("revenue:annual-report", args=[village.pk, month[:4]])
    ).content
    for name, body in outputs.items():
        text = body.decode("gbk" if name == "gbk" else "utf-8-sig")
        assert PROCESSOR_ID.search(text) is None, (name, PROCESSOR_ID.search(text))
        assert refund.stripe_refund_id not in text, name
        assert payout.stripe_transfer_id not in text, name
    # What a treasurer can match instead: our refund number and the batch.
    html = outputs["revenue:statement"].decode()
    assert f"R-{refund.pk}" in html and str(payout.batch) in html


def test_the_village_reads_its_own_words_and_plain_reasons(client, stripe_paid):
    village, month = stripe_paid["village"], stripe_paid["month"]
    for name in PAGES:
        html = _get(client, name, village, month).content.decode()
        assert "应付" not in html, name
        assert "期初待结算" in html and "期末待结算" in html, name
        for reason in ("销售分成", "退款冲回", "付款到账"):
            assert reason in html, (name, reason)
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, month))
    text = "\n".join(",".join(row) for row in rows)
    assert "应付" not in text and "owed" not in text
    reasons = [row[1].split(" ")[0] for row in rows[2:5]]
    assert reasons == ["销售分成", "退款冲回", "付款到账"]


def test_each_line_has_date_order_product_workshop_amount_and_reason(
    client, stripe_paid
):
    village, month = stripe_paid["village"], stripe_paid["month"]
    shop, order = stripe_paid["shop"], stripe_paid["order"]
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, month))
    sale = rows[2]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", sale[0])
    assert sale[1] == "销售分成 share of a sale"
    assert sale[2] == order.number
    assert sale[3] == f"{shop.variant.product.name} {shop.variant.name}"
    assert sale[4] == shop.workshop.name
    assert sale[7] == "6.53"
    html = _get(client, "revenue:statement", village, month).content.decode()
    assert f'<td class="col-workshop">{shop.workshop.name}</td>' in html


@pytest.mark.parametrize(
    ("month", "closing"),
    [
        (date(2026, 12, 1), "2026-12-31 23:59:59"),
        (date(2027, 2, 1), "2027-02-28 23:59:59"),
        (date(2028, 2, 1), "2028-02-29 23:59:59"),
    ],
)
def test_the_closing_time_is_the_months_last_second_in_shanghai(client, month, closing):
    assert f"{month_end(month):%Y-%m-%d %H:%M:%S}" == closing
    shop = split_shop()
    village = party_of(PartyKind.VILLAGE, shop.village)
    # A payout in the month's last second still belongs to the month.
    last_second = month_end(month).astimezone(UTC)
    dated_payout(village, 100, last_second, "BR-LAST")
    client.force_login(shop.operator)
    label = month_label(month)
    for name in PAGES:
        html = _get(client, name, village, label).content.decode()
        assert f"截至 {closing}" in html, name
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, label))
    closing_rows = [
        row for row in rows if row[1:2] == ["期末待结算 due to you at the end"]
    ]
    assert [row[0] for row in closing_rows] == [closing]
    assert closing_rows[0][8] == "-1.00"
    assert rows[1][0] == f"{month:%Y-%m}-01 00:00:00"  # the opening row
    # The next second is the next month's: that statement opens with it.
    following = month_label(next_month(month))
    later = _get(client, "revenue:statement", village, following).content.decode()
    assert "BR-LAST" not in later and "data-empty" in later
    assert "结转待结算" in later and "−¥1.00" in later


def test_breakdowns_by_workshop_and_product_sum_to_the_months_income(
    client, django_capture_on_commit_callbacks
):
    shop = split_shop(fee_bearer="village")
    # A second workshop of the same village with two products.
    other = make_workshop(
        brands=[shop.brand],
        village=shop.village,
        shipping_fee_fen=0,
        free_shipping_threshold_fen=None,
    )
    tea = make_variant(5000, 100, workshop=other, brand=shop.brand)
    hat = make_variant(2000, 100, workshop=other, brand=shop.brand)
    first = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    pay(client, django_capture_on_commit_callbacks, tea, 2)
    pay(client, django_capture_on_commit_callbacks, hat, 1)
    order_refund(order=first, user=shop.operator, amount_fen=1280)
    village = party_of(PartyKind.VILLAGE, shop.village)
    statement = party_statement(party=village, month=month_of(first.paid_at))

    workshops, products = by_workshop(statement.lines), by_product(statement.lines)
    assert workshops.net_fen == products.net_fen == statement.earned_fen
    named = {row.name: row for row in workshops.rows if row.kind == RowKind.WORKSHOP}
    assert set(named) == {shop.workshop.name, other.name}
    shares = Share.objects.filter(party=village, order_line__isnull=False)
    for workshop in (shop.workshop, other):
        expected = sum(
            shares.filter(order_line__workshop=workshop).values_list(
                "amount_fen", flat=True
            )
        )
        assert named[workshop.name].net_fen == expected
    assert named[shop.workshop.name].refunds_fen < 0
    by_name = {row.name: row for row in products.rows if row.kind == RowKind.PRODUCT}
    assert set(by_name) == {
        shop.variant.product.name,
        tea.product.name,
        hat.product.name,
    }
    assert by_name[tea.product.name].workshop_name == other.name
    [fee_row] = [row for row in products.rows if row.kind == RowKind.FEE]
    assert fee_row.net_fen == statement.fees_fen < 0

    client.force_login(shop.operator)
    month = month_label(statement.month)
    for name in PAGES:
        html = _get(client, name, village, month).content.decode()
        assert "按工坊" in html and "按商品" in html, name
        assert html.count('<tr class="breakdown-workshop">') == 2
        assert html.count('<tr class="breakdown-product">') == 3
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, month))
    workshop_at = rows.index(["按工坊 by workshop"])
    product_at = rows.index(["按商品 by product"])
    workshop_rows = rows[workshop_at + 2 : product_at - 2]
    assert {row[0] for row in workshop_rows} >= {shop.workshop.name, other.name}
    total = rows[product_at - 2]
    assert total[0] == "合计 total"
    assert total[-1] == f"{statement.earned_fen / 100:.2f}"
    assert rows[-1][0] == "合计 total" and rows[-1][-1] == total[-1]


def test_a_month_with_refunds_exceeding_sales_is_shown_negative(
    client, django_capture_on_commit_callbacks, time_machine
):
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    sold_in = month_of(order.paid_at)
    # Refunded in full in the next month (the refund is booked when Stripe
    # answers, at the clock's time), in which nothing else sold.
    refunded_in = next_month(sold_in)
    time_machine.move_to(month_start(refunded_in) + timedelta(days=4, hours=10))
    order_refund(order=order, user=shop.operator, amount_fen=order.paid_fen)
    village = party_of(PartyKind.VILLAGE, shop.village)

    statement = party_statement(party=village, month=refunded_in)

    assert statement.sales_fen == 0 and statement.refunds_fen == -653
    assert statement.earned_fen == -653
    assert statement.opening_owed_fen == 653 and statement.closing_owed_fen == 0
    client.force_login(shop.operator)
    label = month_label(refunded_in)
    html = _get(client, "revenue:statement", village, label).content.decode()
    assert 'data-net-fen="-653"' in html
    assert "−¥6.53" in html  # a typographic minus, not a dash
    assert "amount-negative" in html and "negative-note" in html
    assert "退款冲回多于销售分成" in html
    before = _get(client, "revenue:statement", village, month_label(sold_in))
    assert "negative-note" not in before.content.decode()
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, label))
    [refund] = [row for row in rows if row[1:2] == ["退款冲回 refund taken back"]]
    assert refund[7] == "-6.53"


def test_large_amounts_have_thousands_separators(client):
    assert format_fen(123456789) == "¥1,234,567.89"
    assert format_fen(-123456789, minus="−") == "−¥1,234,567.89"
    shop = split_shop()
    village = party_of(PartyKind.VILLAGE, shop.village)
    dated_payout(village, 123456789, datetime(2026, 6, 15, 4, 0, tzinfo=UTC), "BR-BIG")
    client.force_login(shop.operator)
    html = _get(client, "revenue:statement", village, "2026-06").content.decode()
    assert "¥1,234,567.89" in html  # paid to the village
    assert "−¥1,234,567.89" in html  # the balance due after it
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, "2026-06"))
    [payout] = [row for row in rows if row[1:2] == ["付款到账 paid to you"]]
    assert payout[7] == "-1234567.89"  # a number a spreadsheet sums
    annual = client.get(reverse("revenue:annual-report", args=[village.pk, "2026"]))
    assert "¥1,234,567.89" in annual.content.decode()


def test_the_gbk_csv_decodes_and_matches_the_utf8_one(client, stripe_paid):
    village, month = stripe_paid["village"], stripe_paid["month"]
    utf8 = _get(client, "revenue:statement-csv", village, month)
    gbk = _get(client, "revenue:statement-csv", village, month, encoding="gbk")
    assert gbk["Content-Type"] == "text/csv; charset=gbk"
    assert gbk["Content-Disposition"].endswith(f'-{month}-gbk.csv"')
    assert not gbk.content.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gbk.content.decode("utf-8")
    gbk_rows = _csv_rows(gbk, "gbk")
    utf8_rows = _csv_rows(utf8)
    # The same file, but for the yen sign GBK writes full-width.
    assert gbk_rows == [[cell.replace("¥", "￥") for cell in row] for row in utf8_rows]
    assert gbk_rows[0][1] == "事由 reason"


def test_a_name_gbk_cannot_write_is_a_clear_refusal(client, stripe_paid):
    village, month = stripe_paid["village"], stripe_paid["month"]
    product = stripe_paid["shop"].variant.product
    OrderLine.objects.filter(product=product).update(product_name="黄鱼🐟")
    response = client.get(
        reverse("revenue:statement-csv", args=[village.pk, month]),
        {"encoding": "gbk"},
    )
    assert response.status_code == 400
    assert "GBK" in response.content.decode() and "🐟" in response.content.decode()
    # The UTF-8 file still works.
    assert _get(client, "revenue:statement-csv", village, month).status_code == 200
    unknown = client.get(
        reverse("revenue:statement-csv", args=[village.pk, month]),
        {"encoding": "latin-1"},
    )
    assert unknown.status_code == 400
    assert "utf-8" in unknown.content.decode()


def test_a_village_with_no_sales_gets_a_friendly_empty_page(client):
    village = party_of(PartyKind.VILLAGE, make_village())
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    client.force_login(treasurer)
    for name in PAGES:
        html = _get(client, name, village, "2026-12").content.decode()
        assert "本月还没有分成收入" in html and "data-empty" in html, name
        # No tables of zeros: no lines, totals or breakdowns.
        assert "statement-lines" not in html and 'class="breakdown' not in html
        assert "statement-totals" not in html
    rows = _csv_rows(_get(client, "revenue:statement-csv", village, "2026-12"))
    assert "按工坊 by workshop" not in [row[0] for row in rows if row]


def test_the_statement_builder_writes_gbk_without_a_view():
    village = party_of(PartyKind.VILLAGE, make_village())
    statement = party_statement(party=village, month=date(2026, 12, 1))
    body = statement_csv_bytes(statement, encoding="GBK")
    assert body.decode("gbk").startswith("日期 date,事由 reason")
    with pytest.raises(ValueError, match="encoding"):
        statement_csv_bytes(statement, encoding="latin-1")
