"""Posting to the double-entry ledger. Every posting goes through
`ledger_post_many`: it refuses an entry whose lines do not sum to zero, writes
entries and lines in bulk, and moves each touched account's balance once,
with the account rows locked in primary-key order."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from .errors import RevenueError, RevenueErrorCode
from .impact import impact_post
from .models import Account, EntryKind, JournalEntry, JournalLine, Share

# Lines per INSERT: well inside PostgreSQL's 65,535 parameters a statement.
LINES_PER_STATEMENT = 10_000


@dataclass
class Posting:
    """An entry to be posted: signed fen per account id (debit positive)."""

    kind: str
    amounts: dict[int, int] = field(default_factory=dict)
    order_id: int | None = None
    refund_id: int | None = None
    payout_id: int | None = None
    reverses_id: int | None = None
    memo: str = ""

    def add(self, account_id: int, amount_fen: int) -> None:
        self.amounts[account_id] = self.amounts.get(account_id, 0) + amount_fen

    def lines(self) -> list[tuple[int, int]]:
        return [(a, v) for a, v in sorted(self.amounts.items()) if v]


def check_balanced(posting: Posting) -> None:
    lines = posting.lines()
    total = sum(v for _, v in lines)
    if total != 0 or not lines:
        raise RevenueError(
            RevenueErrorCode.UNBALANCED_ENTRY, detail=f"{posting.kind}: {total}"
        )


def _move_balances(deltas: dict[int, int]) -> None:
    """Every touched account's balance in one F() update, after locking the
    rows in primary-key order so that concurrent postings take them in the
    same order and cannot deadlock (an UPDATE alone locks in plan order)."""
    ids = sorted(a for a, d in deltas.items() if d)
    if not ids:
        return
    touched = Account.objects.filter(pk__in=ids)
    list(touched.select_for_update().order_by("pk").values_list("pk", flat=True))
    touched.update(
        balance_fen=F("balance_fen")
        + Case(
            *(When(pk=a, then=Value(deltas[a])) for a in ids),
            output_field=BigIntegerField(),
        )
    )


@transaction.atomic(savepoint=False)
def ledger_post_many(postings: list[Posting], *, posted_at=None) -> list[JournalEntry]:
    """Post several entries in one go. Idempotency is the caller's unique
    cause (order, refund, payout): a second posting of the same cause fails
    on the database constraint and rolls back with the caller."""
    for posting in postings:
        check_balanced(posting)
    when = posted_at or timezone.now()
    entries: list[JournalEntry] = []
    chunk: list[Posting] = []
    size = 0
    for posting in postings:
        chunk.append(posting)
        size += len(posting.amounts)
        if size >= LINES_PER_STATEMENT:
            entries += _post_chunk(chunk, when)
            chunk, size = [], 0
    if chunk:
        entries += _post_chunk(chunk, when)
    return entries


def _post_chunk(postings: list[Posting], when) -> list[JournalEntry]:
    entries = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                kind=p.kind,
                order_id=p.order_id,
                refund_id=p.refund_id,
                payout_id=p.payout_id,
                reverses_id=p.reverses_id,
                memo=p.memo[:200],
                posted_at=when,
            )
            for p in postings
        ]
    )
    rows = []
    deltas: dict[int, int] = defaultdict(int)
    for entry, posting in zip(entries, postings, strict=True):
        for account_id, amount in posting.lines():
            rows.append((entry.pk, account_id, amount))
            deltas[account_id] += amount
    # One statement, never split inside an entry: the balance trigger checks
    # each statement's entries as a whole.
    copy_rows(JournalLine, ("entry_id", "account_id", "amount_fen"), rows)
    _move_balances(deltas)
    return entries


def copy_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in `columns` order) in one statement: COPY on
    PostgreSQL, at a fraction of bulk_create's cost (no model instances);
    bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows),
            batch_size=len(rows),
        )
        return
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def ledger_post(posting: Posting) -> JournalEntry:
    return ledger_post_many([posting])[0]


@transaction.atomic
def ledger_reverse(*, entry: JournalEntry, memo: str) -> JournalEntry:
    """Correct a posted entry the only way the ledger allows: a new entry
    with every line negated. An entry is reversed at most once."""
    if entry.kind == EntryKind.SALE:
        # An order is split once; money comes back from it by refund only.
        raise RevenueError(
            RevenueErrorCode.INVALID_TRANSITION,
            field="entry",
            detail=("销售分账只能通过退款冲回", "a sale split is undone by refunds"),
        )
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise RevenueError(
            RevenueErrorCode.INVALID_TRANSITION,
            field="entry",
            detail=(
                f"凭证 #{entry.pk} 已冲销",
                f"entry #{entry.pk} is already reversed",
            ),
        )
    posting = Posting(kind=EntryKind.REVERSAL, reverses_id=entry.pk, memo=memo)
    for account_id, amount in entry.lines.values_list("account_id", "amount_fen"):
        posting.add(account_id, -amount)
    reversal = ledger_post(posting)
    shares = list(entry.shares.all())
    for share in shares:
        share.pk = None
        share.entry = reversal
        share.amount_fen = -share.amount_fen
        share.posted_at = reversal.posted_at
    Share.objects.bulk_create(shares)
    if shares:
        impact_post(entry_ids=[reversal.pk])
    return reversal
