"""revenue.ledger: an entry is posted only when it balances, balances move by
exactly its lines, posted rows are final (the database refuses edits and an
unbalanced insert made behind the code's back), and a correction is a
reversing entry, at most one per entry."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from revenue.errors import RevenueError, RevenueErrorCode
from revenue.ledger import Posting, ledger_post, ledger_post_many, ledger_reverse
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    PartyKind,
    Payout,
    PayoutBatch,
    Share,
    ShareRole,
)
from revenue.parties import accounts_for, clearing_account_id, party_get_or_create
from tests.factories import make_brand, make_workshop
from tests.revenue.ledger_builders import build_paid_order

pytestmark = pytest.mark.django_db
ledger_triggers = pytest.mark.requires_postgres("the ledger triggers are PostgreSQL's")


@pytest.fixture
def accounts():
    """Payable accounts of two workshops, and the clearing account."""
    parties = [
        party_get_or_create(kind=PartyKind.WORKSHOP, target=make_workshop())
        for _ in range(2)
    ]
    payable = accounts_for([p.pk for p in parties], AccountKind.PAYABLE)
    return [payable[parties[0].pk], payable[parties[1].pk], clearing_account_id()]


@pytest.fixture
def order():
    workshop = make_workshop()
    return build_paid_order([(workshop, make_brand(), 1000, 1)])


def balances(ids) -> list[int]:
    found = dict(Account.objects.filter(pk__in=ids).values_list("pk", "balance_fen"))
    return [found[i] for i in ids]


def sale(order, amounts: dict) -> Posting:
    return Posting(kind=EntryKind.SALE, order_id=order.pk, amounts=dict(amounts))


def test_an_unbalanced_posting_is_refused_and_nothing_is_written(accounts, order):
    a, b, clearing = accounts
    for amounts in ({a: -600, b: -399, clearing: 1000}, {clearing: 5}, {}, {a: 0}):
        with pytest.raises(RevenueError) as caught, transaction.atomic():
            ledger_post(sale(order, amounts))
        assert caught.value.code == RevenueErrorCode.UNBALANCED_ENTRY
    assert JournalEntry.objects.count() == 0
    assert JournalLine.objects.count() == 0
    assert balances(accounts) == [0, 0, 0]


def test_one_unbalanced_posting_stops_the_whole_batch(accounts, order):
    a, b, clearing = accounts
    other = build_paid_order([(make_workshop(), make_brand(), 500, 1)])
    good = sale(order, {a: -1000, clearing: 1000})
    bad = sale(other, {b: -500, clearing: 499})
    with pytest.raises(RevenueError) as caught, transaction.atomic():
        ledger_post_many([good, bad])
    assert caught.value.code == RevenueErrorCode.UNBALANCED_ENTRY
    assert "sale: -1" in caught.value.message
    assert JournalEntry.objects.count() == 0
    assert balances(accounts) == [0, 0, 0]


def test_balances_move_by_exactly_the_lines(accounts, order):
    a, b, clearing = accounts
    other = build_paid_order([(make_workshop(), make_brand(), 500, 1)])
    entries = ledger_post_many(
        [
            sale(order, {a: -700, b: -293, clearing: 993}),
            sale(other, {a: -1, b: -499, clearing: 500}),
        ]
    )
    assert balances(accounts) == [-701, -792, 1493]
    assert [e.order_id for e in entries] == [order.pk, other.pk]
    lines = {
        (line.entry_id, line.account_id): line.amount_fen
        for line in JournalLine.objects.all()
    }
    assert lines == {
        (entries[0].pk, a): -700,
        (entries[0].pk, b): -293,
        (entries[0].pk, clearing): 993,
        (entries[1].pk, a): -1,
        (entries[1].pk, b): -499,
        (entries[1].pk, clearing): 500,
    }
    assert Account.objects.aggregate(s=Sum("balance_fen"))["s"] == 0


def test_amounts_for_one_account_are_summed_into_one_line(accounts, order):
    a, _, clearing = accounts
    posting = sale(order, {})
    posting.add(a, -300)
    posting.add(a, -700)
    posting.add(clearing, 1000)
    entry = ledger_post(posting)
    assert sorted(entry.lines.values_list("account_id", "amount_fen")) == sorted(
        [(a, -1000), (clearing, 1000)]
    )


def test_the_same_cause_cannot_be_posted_twice(accounts, order):
    a, _, clearing = accounts
    ledger_post(sale(order, {a: -1000, clearing: 1000}))
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_post(sale(order, {a: -1000, clearing: 1000}))
    assert balances(accounts)[0] == -1000


@ledger_triggers
def test_the_database_refuses_an_unbalanced_line_inserted_behind_the_code(
    accounts, order
):
    a, _, clearing = accounts
    entry = ledger_post(sale(order, {a: -1000, clearing: 1000}))
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO revenue_journalline (entry_id, account_id, amount_fen) "
                "VALUES (%s, %s, %s)",
                [entry.pk, a, 5],
            )
    assert entry.lines.count() == 2


@ledger_triggers
def test_the_database_checks_each_insert_statement_on_its_own(accounts, order):
    """Two halves of a balanced entry in two statements: the first is refused."""
    a, _, clearing = accounts
    entry = JournalEntry.objects.create(kind=EntryKind.SALE, order=order)
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.create(entry=entry, account_id=a, amount_fen=-10)
        JournalLine.objects.create(entry=entry, account_id=clearing, amount_fen=10)
    JournalLine.objects.bulk_create(
        [
            JournalLine(entry=entry, account_id=a, amount_fen=-10),
            JournalLine(entry=entry, account_id=clearing, amount_fen=10),
        ]
    )
    assert entry.lines.aggregate(s=Sum("amount_fen"))["s"] == 0


@ledger_triggers
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE revenue_journalline SET amount_fen = amount_fen * 2",
        "DELETE FROM revenue_journalline",
        "UPDATE revenue_journalentry SET memo = 'edited'",
        "DELETE FROM revenue_journalentry",
        "UPDATE revenue_share SET amount_fen = 1",
        "DELETE FROM revenue_share",
    ],
)
def test_posted_lines_entries_and_shares_cannot_change(accounts, order, statement):
    a, _, clearing = accounts
    entry = ledger_post(sale(order, {a: -1000, clearing: 1000}))
    Share.objects.create(
        entry=entry,
        order=order,
        party_id=Account.objects.get(pk=a).party_id,
        role=ShareRole.WORKSHOP,
        amount_fen=1000,
        posted_at=entry.posted_at,
    )
    with pytest.raises(IntegrityError, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert entry.lines.aggregate(s=Sum("amount_fen"))["s"] == 0
    assert JournalLine.objects.count() == 2
    assert Share.objects.get().amount_fen == 1000
    assert JournalEntry.objects.get().memo == entry.memo


@ledger_triggers
def test_the_orm_cannot_edit_or_delete_posted_rows(accounts, order):
    a, _, clearing = accounts
    entry = ledger_post(sale(order, {a: -1000, clearing: 1000}))
    line = entry.lines.first()
    line.amount_fen = 1
    for change in (line.save, line.delete, entry.lines.all().delete):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert sorted(entry.lines.values_list("amount_fen", flat=True)) == [-1000, 1000]


def payout_posting(accounts, amount_fen: int) -> Posting:
    """A bank payout to the first workshop, from its payable to its paid-out."""
    payable = accounts[0]
    party = Account.objects.get(pk=payable).party
    paid_out = accounts_for([party.pk], AccountKind.PAID_OUT)[party.pk]
    payout = Payout.objects.create(
        batch=PayoutBatch.objects.create(threshold_fen=1),
        party=party,
        amount_fen=amount_fen,
        method="bank",
        status="paid",
    )
    posting = Posting(kind=EntryKind.PAYOUT, payout_id=payout.pk)
    posting.add(payable, amount_fen)
    posting.add(paid_out, -amount_fen)
    return posting


def test_a_reversal_negates_every_line(accounts, order):
    entry = ledger_post(payout_posting(accounts, 600))
    before = sorted(entry.lines.values_list("account_id", "amount_fen"))

    reversal = ledger_reverse(entry=entry, memo="更正 correction")

    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses_id == entry.pk
    assert sorted(reversal.lines.values_list("account_id", "amount_fen")) == sorted(
        (account, -amount) for account, amount in before
    )
    touched = [account for account, _ in before]
    assert balances(touched) == [0, 0]


def test_an_entry_is_reversed_at_most_once(accounts, order):
    entry = ledger_post(payout_posting(accounts, 1000))
    ledger_reverse(entry=entry, memo="first")
    with pytest.raises(RevenueError) as excinfo:
        ledger_reverse(entry=entry, memo="second")
    assert excinfo.value.code == RevenueErrorCode.INVALID_TRANSITION
    assert "already reversed" in excinfo.value.message
    assert JournalEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_a_sale_split_is_never_reversed_only_refunded(accounts, order):
    a, _, clearing = accounts
    entry = ledger_post(sale(order, {a: -1000, clearing: 1000}))
    with pytest.raises(RevenueError) as excinfo:
        ledger_reverse(entry=entry, memo="undo")
    assert "退款" in excinfo.value.message and "refunds" in excinfo.value.message
    assert not JournalEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
    assert balances(accounts) == [-1000, 0, 1000]
