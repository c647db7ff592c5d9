"""ledger_check: a real ledger (paid through localstripe, split, refunded in
part and in full, paid out) passes; each invariant broken on purpose is
reported by name, with the order number, entry, account, refund or payout it
concerns; the command exits 0 or 1 accordingly.

Posted rows are final: the database refuses UPDATE and DELETE of entries,
lines and shares, and any unbalanced insert of lines. To forge the
corruptions this check exists to catch, some tests switch those triggers
off with `ALTER TABLE … DISABLE TRIGGER USER` inside the test's own
transaction, which rolls back (re-enabling them) when the test ends."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from brands.models import Role
from revenue.checks import ViolationCode as Code
from revenue.checks import ledger_violations
from revenue.ledger import Posting, ledger_post
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    Party,
    PartyKind,
    Payout,
    PayoutBatch,
    PayoutStatus,
    Share,
    ShareRole,
)
from revenue.order_split import order_split, orders_split
from revenue.parties import accounts_for
from storefront.orders.models import Order
from storefront.payments.models import Refund, RefundStatus
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.revenue.ledger_builders import (
    book_refund,
    build_paid_order,
    give_bank_accounts,
    make_agreement,
    pay_out,
)
from tests.shop_helpers import make_variant, paid_order

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.requires_postgres("the ledger triggers are PostgreSQL's"),
]


class Ledger:
    """What the `ledger` fixture built."""

    def __init__(self, **items):
        self.__dict__.update(items)


@pytest.fixture
def ledger(client, stripe_settings):
    operator = make_user(staff=True)
    brand = make_brand()
    sea, hill = (make_workshop(brands=[brand]) for _ in range(2))
    host, buyer = make_user(), make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    # Paid through localstripe and its signed webhook, sold by a host.
    order = paid_order(
        client,
        [
            (make_variant(2680, 10, workshop=sea, brand=brand), 3),
            (make_variant(990, 10, workshop=hill, brand=brand), 2),
        ],
        user=buyer,
    )
    Order.objects.filter(pk=order.pk).update(host=host)
    assert order_split(order=order)
    order_refund(order=order, user=operator, amount_fen=1001)
    # Built without Stripe: one refunded in full, one left alone.
    refunded = build_paid_order([(sea, brand, 1500, 2)], shipping={sea: 800})
    plain = build_paid_order([(hill, brand, 4200, 1), (sea, brand, 300, 5)])
    orders_split(order_ids=[refunded.pk, plain.pk])
    book_refund(refunded, refunded.paid_fen)
    parties = Party.objects.exclude(kind=PartyKind.PLATFORM)
    give_bank_accounts(parties)
    batch = pay_out(operator, threshold_fen=1)
    order.refresh_from_db()
    return Ledger(
        operator=operator,
        brand=brand,
        sea=sea,
        hill=hill,
        order=order,
        refunded=refunded,
        plain=plain,
        batch=batch,
        sale=JournalEntry.objects.get(order=order, kind=EntryKind.SALE),
        payout=batch.payouts.get(party__workshop=sea),
    )


def named(code) -> list:
    return [v for v in ledger_violations() if v.code == code]


def codes() -> set:
    return {v.code for v in ledger_violations()}


def forge(table: str, sql: str, params=()) -> None:
    """Run `sql` with `table`'s ledger triggers off (for this transaction).
    PostgreSQL alters a table only once its deferred foreign-key checks have
    run, hence the switch to immediate constraints around it."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def account(party_filter, kind=AccountKind.PAYABLE) -> Account:
    return Account.objects.get(
        kind=kind, party__in=Party.objects.filter(**party_filter)
    )


def test_a_split_refunded_and_paid_out_ledger_passes(ledger):
    assert ledger.order.refunded_fen == 1001
    assert ledger.payout.status == PayoutStatus.PAID
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 2
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT).count() >= 3
    assert ledger_violations() == []
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    text = out.getvalue()
    assert "账本检查通过 / ledger check passed" in text
    entries = JournalEntry.objects.count()
    assert f"{entries} 张凭证 entries" in text
    assert f"{JournalLine.objects.count()} 条分录 lines" in text
    assert "3 个已分账订单 split orders" in text


def test_an_entry_whose_lines_do_not_sum_to_zero_is_named(ledger):
    clearing = Account.objects.get(kind=AccountKind.CLEARING)
    forge(
        "revenue_journalline",
        "INSERT INTO revenue_journalline (entry_id, account_id, amount_fen) "
        "VALUES (%s, %s, 7)",
        [ledger.sale.pk, clearing.pk],
    )
    [problem] = named(Code.ENTRY_UNBALANCED)
    assert problem.ids == {"entry": ledger.sale.pk}
    assert f"#{ledger.sale.pk}" in problem.message and "¥0.07" in problem.message
    assert "凭证" in problem.message and "does not balance" in problem.message
    # The same forgery also leaves the balance and the shares behind.
    assert {Code.BALANCE_MISMATCH, Code.LINES_MISMATCH_SHARES} <= codes()


def test_an_entry_with_fewer_than_two_lines_is_named(ledger):
    empty = JournalEntry.objects.create(kind=EntryKind.REVERSAL, reverses=ledger.sale)
    payout_entry = JournalEntry.objects.get(payout=ledger.payout)
    single = JournalEntry.objects.create(kind=EntryKind.REVERSAL, reverses=payout_entry)
    forge(
        "revenue_journalline",
        "INSERT INTO revenue_journalline (entry_id, account_id, amount_fen) "
        "SELECT %s, account_id, -amount_fen FROM revenue_journalline "
        "WHERE entry_id = %s AND amount_fen > 0",
        [single.pk, payout_entry.pk],
    )
    few = {v.ids["entry"]: v for v in named(Code.ENTRY_TOO_FEW_LINES)}
    assert set(few) == {empty.pk, single.pk}
    assert "0 条分录" in few[empty.pk].message
    assert "has 1 line(s)" in few[single.pk].message
    assert {v.ids["entry"] for v in named(Code.REVERSAL_MISMATCH)} == {
        empty.pk,
        single.pk,
    }


def test_a_balance_that_is_not_the_sum_of_its_lines_is_named(ledger):
    drifted = account({"workshop": ledger.sea})
    Account.objects.filter(pk=drifted.pk).update(balance_fen=F("balance_fen") - 100)
    [problem] = named(Code.BALANCE_MISMATCH)
    assert problem.ids == {"account": drifted.pk}
    assert ledger.sea.name in problem.message
    [total] = named(Code.LEDGER_NOT_ZERO)
    assert "-¥1.00" in total.message
    assert codes() == {Code.BALANCE_MISMATCH, Code.LEDGER_NOT_ZERO}


def test_a_paid_order_without_its_split_is_named(ledger):
    unsplit = build_paid_order([(ledger.hill, ledger.brand, 1200, 1)])
    [problem] = named(Code.SALE_MISSING)
    assert problem.ids == {"order": unsplit.number}
    assert unsplit.number in problem.message and "¥12.00" in problem.message
    # Its split task may still be queued: a grace period leaves it alone.
    recently = timezone.now() - timedelta(minutes=5)
    assert ledger_violations(paid_before=recently) == []
    call_command("ledger_check", "--grace-minutes", "5", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("ledger_check", stdout=io.StringIO())


def test_an_unpaid_order_with_a_sale_entry_is_named(ledger):
    Order.objects.filter(pk=ledger.plain.pk).update(paid_fen=0)
    [problem] = named(Code.SALE_UNPAID_ORDER)
    entry = JournalEntry.objects.get(order=ledger.plain, kind=EntryKind.SALE)
    assert problem.ids == {"order": ledger.plain.number, "entry": entry.pk}
    assert Code.SPLIT_MISMATCH in codes()


def test_a_second_sale_entry_for_an_order_is_named(ledger):
    """The unique index forbids it; dropped here (in this transaction only)
    to show the check would still see it."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX entry_one_sale_split")
    payable = accounts_for([ledger.payout.party_id], AccountKind.PAYABLE)
    clearing = Account.objects.get(kind=AccountKind.CLEARING).pk
    posting = Posting(kind=EntryKind.SALE, order_id=ledger.plain.pk)
    posting.add(payable[ledger.payout.party_id], -500)
    posting.add(clearing, 500)
    second = ledger_post(posting)
    [problem] = named(Code.SALE_DUPLICATED)
    assert problem.ids == {"order": ledger.plain.number}
    assert "2 sale entries" in problem.message
    mismatched = {v.ids["entry"] for v in named(Code.LINES_MISMATCH_SHARES)}
    assert mismatched == {second.pk}


def test_shares_that_do_not_add_up_to_paid_minus_refunded_are_named(ledger):
    Order.objects.filter(pk=ledger.plain.pk).update(refunded_fen=100)
    [problem] = named(Code.SPLIT_MISMATCH)
    assert problem.ids == {"order": ledger.plain.number}
    held = ledger.plain.paid_fen
    assert f"¥{held // 100:,}.{held % 100:02d}" in problem.message
    [refunds] = named(Code.REFUND_TOTAL_MISMATCH)
    assert refunds.ids == {"order": ledger.plain.number}


def test_lines_that_differ_from_the_entrys_shares_are_named(ledger):
    """A balanced pair of lines moving ¥1 from the workshop to the village
    inside a sale entry, with the balances moved to match: only the
    comparison of lines with shares can see it."""
    sea = account({"workshop": ledger.sea})
    village = account({"village": ledger.sea.village})
    JournalLine.objects.bulk_create(
        [
            JournalLine(entry=ledger.sale, account=sea, amount_fen=100),
            JournalLine(entry=ledger.sale, account=village, amount_fen=-100),
        ]
    )
    Account.objects.filter(pk=sea.pk).update(balance_fen=F("balance_fen") + 100)
    Account.objects.filter(pk=village.pk).update(balance_fen=F("balance_fen") - 100)
    problems = ledger_violations()
    assert {v.code for v in problems} == {Code.LINES_MISMATCH_SHARES}
    assert {(v.ids["entry"], v.ids["account"]) for v in problems} == {
        (ledger.sale.pk, sea.pk),
        (ledger.sale.pk, village.pk),
    }
    assert all(v.ids["order"] == ledger.order.number for v in problems)
    assert all(ledger.order.number in v.message for v in problems)


def test_a_share_posted_without_its_lines_is_named(ledger):
    Share.objects.create(
        entry=ledger.sale,
        order=ledger.order,
        party=ledger.payout.party,
        role=ShareRole.WORKSHOP,
        amount_fen=300,
        posted_at=ledger.sale.posted_at,
    )
    assert codes() == {Code.SPLIT_MISMATCH, Code.LINES_MISMATCH_SHARES}


def test_a_booked_refund_without_its_entry_is_named(ledger):
    payment = ledger.plain.payments.get()
    missing = Refund.objects.create(
        order=ledger.plain, payment=payment, amount_fen=500, status="succeeded"
    )
    # Declined at once: never booked, so no entry is owed.
    Refund.objects.create(
        order=ledger.plain, payment=payment, amount_fen=700, status="failed"
    )
    [problem] = named(Code.REFUND_ENTRY_MISSING)
    assert problem.ids == {"refund": missing.pk, "order": ledger.plain.number}
    assert "¥5.00" in problem.message
    assert codes() == {Code.REFUND_ENTRY_MISSING}


def test_a_refund_that_failed_after_it_was_booked_stays_booked(ledger):
    """refund_settle keeps the booked amount when Stripe later reports a
    pending refund failed; its entry stays, and that is consistent."""
    Refund.objects.filter(order=ledger.order).update(status=RefundStatus.FAILED)
    assert ledger_violations() == []


def test_a_refund_entry_of_the_wrong_amount_is_named(ledger):
    refund = Refund.objects.get(order=ledger.order)
    Refund.objects.filter(pk=refund.pk).update(amount_fen=1200)
    [problem] = named(Code.REFUND_ENTRY_AMOUNT)
    entry = JournalEntry.objects.get(refund=refund)
    assert problem.ids == {
        "entry": entry.pk,
        "refund": refund.pk,
        "order": ledger.order.number,
    }
    assert "¥12.00" in problem.message and "-¥10.01" in problem.message
    [total] = named(Code.REFUND_TOTAL_MISMATCH)
    assert total.ids == {"order": ledger.order.number}


def test_a_paid_payout_without_its_entry_is_named(ledger):
    batch = PayoutBatch.objects.create(threshold_fen=1, status="approved")
    payout = Payout.objects.create(
        batch=batch,
        party=ledger.payout.party,
        amount_fen=100,
        method="bank",
        status=PayoutStatus.PAID,
    )
    [problem] = named(Code.PAYOUT_ENTRY_MISSING)
    assert problem.ids == {"payout": payout.pk}
    assert ledger.payout.party.name in problem.message
    assert codes() == {Code.PAYOUT_ENTRY_MISSING}


def test_an_entry_for_a_payout_that_was_not_paid_is_named(ledger):
    Payout.objects.filter(pk=ledger.payout.pk).update(status=PayoutStatus.FAILED)
    [problem] = named(Code.PAYOUT_ENTRY_UNPAID)
    assert problem.ids == {"payout": ledger.payout.pk}
    assert "failed" in problem.message
    assert codes() == {Code.PAYOUT_ENTRY_UNPAID}


def test_a_payout_entry_of_the_wrong_amount_is_named(ledger):
    Payout.objects.filter(pk=ledger.payout.pk).update(amount_fen=F("amount_fen") + 1)
    [problem] = named(Code.PAYOUT_ENTRY_AMOUNT)
    entry = JournalEntry.objects.get(payout=ledger.payout)
    assert problem.ids == {"entry": entry.pk, "payout": ledger.payout.pk}
    assert codes() == {Code.PAYOUT_ENTRY_AMOUNT}


def test_the_list_is_capped_per_check(ledger):
    drift = Account.objects.exclude(kind=AccountKind.CLEARING).order_by("pk")[:3]
    Account.objects.filter(pk__in=[a.pk for a in drift]).update(
        balance_fen=F("balance_fen") + 1
    )
    problems = ledger_violations(limit=2)
    assert [v.code for v in problems] == [
        Code.BALANCE_MISMATCH,
        Code.BALANCE_MISMATCH,
        Code.MORE_NOT_LISTED,
        Code.LEDGER_NOT_ZERO,
    ]
    assert problems[2].ids == {"check": Code.BALANCE_MISMATCH}


def test_the_command_lists_each_problem_and_fails(ledger):
    Account.objects.filter(kind=AccountKind.CLEARING).update(balance_fen=0)
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("ledger_check", stdout=out)
    assert caught.value.returncode == 1
    assert "ledger check failed: 2 problem(s)" in str(caught.value)
    assert "账本检查未通过" in str(caught.value)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[balance_mismatch] 账户 #")
    assert lines[1].startswith("[ledger_not_zero] 全部账户余额合计")
    assert "passed" not in out.getvalue()


def test_the_command_refuses_bad_options():
    for args in (["--limit", "0"], ["--grace-minutes", "-1"]):
        with pytest.raises(CommandError, match="--limit"):
            call_command("ledger_check", *args, stdout=io.StringIO())


def test_the_help_explains_the_check_in_both_languages():
    result = subprocess.run(
        [sys.executable, "manage.py", "ledger_check", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "检查分账账本" in text
    assert "Check the revenue ledger" in text and "exits 1" in text
    assert "--grace-minutes" in result.stdout and "--limit" in result.stdout


def _run_check() -> subprocess.CompletedProcess:
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "ledger_check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_0_when_whole_and_1_when_not():
    """In a process of its own, against the committed test database."""
    operator = make_user(staff=True)
    brand = make_brand()
    make_agreement(operator, brand=brand)  # the flush removed the default
    workshop = make_workshop(brands=[brand])
    order = build_paid_order([(workshop, brand, 2500, 2)], shipping={workshop: 600})
    assert orders_split(order_ids=[order.pk]) == 1

    passed = _run_check()
    assert passed.returncode == 0, passed.stderr
    assert "账本检查通过 / ledger check passed" in passed.stdout

    Account.objects.filter(kind=AccountKind.CLEARING).update(balance_fen=1)
    failed = _run_check()
    assert failed.returncode == 1
    assert "[balance_mismatch]" in failed.stdout
    assert "ledger check failed" in failed.stderr
