"""Host money, clearly: the dashboard's commission per order — pending,
paid (payouts allocated oldest order first), reversed by refunds — with
totals equal to the ledger's lines on the host's payable account; only for
who may see the account; cards on a phone, a table on a desktop (labelled
cells); the CSV export unchanged."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from revenue.models import Account, AccountKind, EntryKind, JournalLine, Party
from revenue.selectors import party_balance
from storefront.links.dashboard import CSV_HEADER
from storefront.links.host_money import host_money
from tests.revenue.ledger_builders import book_refund, give_bank_accounts, pay_out

from .host_builders import credited_order, days_ago, login, make_world, product_link

pytestmark = pytest.mark.django_db
URL = reverse("links:dashboard")


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def orders(world):
    """Two orders paid out, then a refund on the first and a third order:
    earned 1800, paid 1500, reversed 200, pending 100."""
    link = product_link(world.host, world.product)
    first = credited_order(world, link, 10000, day=days_ago(5))  # 500 earned
    second = credited_order(world, link, 20000, day=days_ago(4))  # 1000
    give_bank_accounts([Party.objects.get(host=world.host)])
    pay_out(world.operator)  # pays 1500
    book_refund(first, 4000)  # reverses 200
    third = credited_order(world, link, 6000, day=days_ago(1))  # 300
    return {"first": first, "second": second, "third": third}


def ledger_sums(host):
    account = Account.objects.get(party__host=host, kind=AccountKind.PAYABLE)
    lines = JournalLine.objects.filter(account=account)

    def total(**filters):
        return lines.filter(**filters).aggregate(s=Sum("amount_fen"))["s"] or 0

    return {
        "earned": -total(entry__kind=EntryKind.SALE),
        "reversed": total(entry__kind=EntryKind.REFUND),
        "paid": total(entry__kind=EntryKind.PAYOUT),
        "balance": account.balance_fen,
    }


def by_order(money):
    return {row.order.pk: row for row in money.orders}


def test_totals_equal_the_ledger(world, orders):
    money = host_money(user=world.host, host=world.host)
    ledger = ledger_sums(world.host)
    assert money.earned_fen == ledger["earned"] == 500 + 1000 + 300
    assert money.reversed_fen == ledger["reversed"] == 200
    assert money.paid_fen == ledger["paid"] == 1500
    assert money.pending_fen == -ledger["balance"]
    balance = party_balance(Party.objects.get(host=world.host))
    assert money.pending_fen == balance.owed_fen
    assert money.paid_fen == balance.paid_out_fen
    assert money.earned_fen - money.reversed_fen - money.paid_fen == money.pending_fen
    rows = money.orders
    assert sum(r.pending_fen for r in rows) == money.pending_fen
    assert sum(r.paid_fen for r in rows) == money.paid_fen
    assert sum(r.reversed_fen for r in rows) == money.reversed_fen
    call_command("ledger_check")  # the ledger itself is sound


def test_each_order_says_pending_paid_or_reversed(world, orders):
    rows = by_order(host_money(user=world.host, host=world.host))
    first, second, third = (rows[orders[k].pk] for k in ("first", "second", "third"))
    # Paid out before its refund: 500 paid, then 200 reversed, which the
    # platform keeps back from the next payout.
    assert (first.earned_fen, first.reversed_fen, first.paid_fen) == (500, 200, 500)
    assert (first.pending_fen, first.state) == (-200, "to_deduct")
    assert (second.paid_fen, second.pending_fen, second.state) == (1000, 0, "paid")
    assert (third.paid_fen, third.pending_fen, third.state) == (0, 300, "pending")
    # Newest first.
    assert [
        row.order.pk for row in host_money(user=world.host, host=world.host).orders
    ][0] == orders["third"].pk


def test_a_fully_refunded_order_reads_reversed(world):
    link = product_link(world.host, world.product)
    order = credited_order(world, link, 10000)
    book_refund(order, 10000)
    (row,) = host_money(user=world.host, host=world.host).orders
    assert (row.earned_fen, row.reversed_fen, row.pending_fen) == (500, 500, 0)
    assert row.state == "reversed" and "已冲回" in row.state_label


def test_a_host_without_sales_sees_zeros(world):
    money = host_money(user=world.host, host=world.host)
    assert (money.earned_fen, money.paid_fen, money.pending_fen) == (0, 0, 0)
    assert money.orders == []


def test_only_who_may_see_the_account_gets_the_money(client, world, orders):
    assert host_money(user=world.brand_operator, host=world.host) is None
    assert host_money(user=world.operator, host=world.host) is not None
    seen = login(client, world.brand_operator).get(URL, {"host": world.host.pk})
    assert seen.status_code == 200
    assert 'id="money-orders"' not in seen.content.decode()


def test_the_dashboard_shows_the_money_as_labelled_cells(client, world, orders):
    response = login(client, world.host).get(URL)
    html = response.content.decode()
    assert 'id="money-pending">¥1.00<' in html
    assert 'id="money-paid">¥15.00<' in html
    assert 'id="money-reversed">¥2.00<' in html
    assert 'id="money-earned">¥18.00<' in html
    # Each figure cell carries its label, shown beside it on a phone.
    assert 'data-label="待结算 Pending">¥3.00<' in html  # the third order
    assert 'data-label="待结算 Pending">-¥2.00<' in html  # the refunded one
    assert 'data-label="佣金 Commission">' in html  # the links table too
    assert "/static/links/host.css" in html


def test_the_csv_export_is_unchanged(client, world, orders):
    response = login(client, world.host).get(reverse("links:dashboard-csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    kinds = [row[0] for row in rows[1:]]
    assert kinds == ["链接 link", "合计 total", kinds[-1]]
    assert kinds[-1].startswith("已付佣金")
    assert all(len(row) == len(CSV_HEADER) for row in rows)
