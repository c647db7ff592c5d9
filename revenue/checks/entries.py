"""Checks of the journal itself: each entry balances and has two lines or
more, each balance is the sum of its lines and all of them sum to zero, the
lines of an entry with shares are those shares summed, and a reversal is the
exact negation of what it reverses."""

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from ..models import Account, AccountKind, EntryKind, JournalEntry
from .base import Violation, ViolationCode, fen, label, number_of, violation


def balanced(limit: int) -> list[Violation]:
    """(a) Lines sum to zero, and an entry has at least two."""
    rows = (
        JournalEntry.objects.annotate(
            total=Coalesce(Sum("lines__amount_fen"), 0), n=Count("lines")
        )
        .filter(~Q(total=0) | Q(n__lt=2))
        .order_by("pk")
        .values_list("pk", "kind", "total", "n")[: limit + 1]
    )
    found = []
    for pk, kind, total, n in rows:
        kind = label(EntryKind, kind)
        if total:
            found.append(
                violation(
                    ViolationCode.ENTRY_UNBALANCED,
                    f"凭证 #{pk}（{kind}）借贷不平衡：分录合计 {fen(total)}",
                    f"Journal entry #{pk} ({kind}) does not balance: "
                    f"its lines sum to {fen(total)}",
                    entry=pk,
                )
            )
        if n < 2:
            found.append(
                violation(
                    ViolationCode.ENTRY_TOO_FEW_LINES,
                    f"凭证 #{pk}（{kind}）只有 {n} 条分录，至少应有 2 条",
                    f"Journal entry #{pk} ({kind}) has {n} line(s), not at least 2",
                    entry=pk,
                )
            )
    return found


def balances(limit: int) -> list[Violation]:
    """(b) Each account's balance is the sum of its lines; (h) all balances
    together are zero."""
    rows = (
        Account.objects.annotate(total=Coalesce(Sum("lines__amount_fen"), 0))
        .exclude(balance_fen=F("total"))
        .order_by("pk")
        .values_list("pk", "kind", "party__name", "balance_fen", "total")[: limit + 1]
    )
    found = []
    for pk, kind, name, balance, total in rows:
        owner = f"{name or '共富工坊平台 platform'} · {label(AccountKind, kind)}"
        found.append(
            violation(
                ViolationCode.BALANCE_MISMATCH,
                f"账户 #{pk}（{owner}）余额 {fen(balance)}，分录合计 {fen(total)}",
                f"Account #{pk} ({owner}) holds {fen(balance)} but its lines sum "
                f"to {fen(total)}",
                account=pk,
            )
        )
    total = Account.objects.aggregate(s=Coalesce(Sum("balance_fen"), 0))["s"]
    if total:
        found.append(
            violation(
                ViolationCode.LEDGER_NOT_ZERO,
                f"全部账户余额合计 {fen(total)}，应为 ¥0.00",
                f"All account balances sum to {fen(total)}, not ¥0.00",
            )
        )
    return found


# Entries that carry shares (sales, refunds, reversals of those) must hold
# exactly their shares summed per party on its payable account, and their sum
# on the clearing account. Compared set against set with a full outer join.
LINES_VS_SHARES = """
WITH checked AS (
    SELECT e.id FROM revenue_journalentry AS e
     WHERE e.kind IN ('sale', 'refund')
        OR EXISTS (SELECT 1 FROM revenue_share AS s WHERE s.entry_id = e.id)
), expected AS (
    SELECT entry_id, account_id, SUM(amount) AS amount FROM (
        SELECT s.entry_id, a.id AS account_id, -s.amount_fen AS amount
          FROM revenue_share AS s
          LEFT JOIN revenue_account AS a
            ON a.party_id = s.party_id AND a.kind = 'payable'
        UNION ALL
        SELECT s.entry_id, c.id, s.amount_fen
          FROM revenue_share AS s
         CROSS JOIN (SELECT id FROM revenue_account WHERE kind = 'clearing') AS c
    ) AS parts
    GROUP BY entry_id, account_id
), actual AS (
    SELECT l.entry_id, l.account_id, SUM(l.amount_fen) AS amount
      FROM revenue_journalline AS l
      JOIN checked ON checked.id = l.entry_id
     GROUP BY l.entry_id, l.account_id
)
SELECT COALESCE(x.entry_id, y.entry_id) AS entry_id,
       COALESCE(x.account_id, y.account_id) AS account_id,
       COALESCE(x.amount, 0), COALESCE(y.amount, 0)
  FROM expected AS x
  FULL OUTER JOIN actual AS y
    ON x.entry_id = y.entry_id AND x.account_id = y.account_id
 WHERE COALESCE(x.amount, 0) <> COALESCE(y.amount, 0)
 ORDER BY 1, 2
 LIMIT %s
"""


def lines_match_shares(limit: int) -> list[Violation]:
    """(e) Each sale (and refund) entry's lines are its shares, summed."""
    with connection.cursor() as cursor:
        cursor.execute(LINES_VS_SHARES, [limit + 1])
        rows = cursor.fetchall()
    about = {
        pk: (kind, number_of(number, order_id) if order_id else "—")
        for pk, kind, order_id, number in JournalEntry.objects.filter(
            pk__in={r[0] for r in rows}
        ).values_list("pk", "kind", "order_id", "order__number")
    }
    found = []
    for entry_id, account_id, expected, actual in rows:
        kind, number = about.get(entry_id, ("?", "—"))
        kind = label(EntryKind, kind)
        account = (
            f"#{account_id}" if account_id else "（无应付账户 no payable account）"
        )
        found.append(
            violation(
                ViolationCode.LINES_MISMATCH_SHARES,
                f"凭证 #{entry_id}（{kind}，订单 {number}）在账户 {account} 的分录为 "
                f"{fen(actual)}，按分账应为 {fen(expected)}",
                f"Entry #{entry_id} ({kind}, order {number}) has {fen(actual)} on "
                f"account {account}; its shares say {fen(expected)}",
                entry=entry_id,
                order=number,
                account=account_id,
            )
        )
    return found


REVERSAL_NOT_NEGATION = """
SELECT r.id, r.reverses_id FROM revenue_journalentry AS r
 WHERE r.kind = 'reversal' AND EXISTS (
    SELECT 1 FROM revenue_journalline AS l
     WHERE l.entry_id IN (r.id, r.reverses_id)
     GROUP BY l.account_id
    HAVING SUM(l.amount_fen) <> 0)
 ORDER BY r.id
 LIMIT %s
"""


def reversals(limit: int) -> list[Violation]:
    """A correcting reversal is the exact negation of the entry it reverses."""
    with connection.cursor() as cursor:
        cursor.execute(REVERSAL_NOT_NEGATION, [limit + 1])
        rows = cursor.fetchall()
    return [
        violation(
            ViolationCode.REVERSAL_MISMATCH,
            f"冲销凭证 #{pk} 不是凭证 #{reversed_id} 的逐账户相反数",
            f"Reversal #{pk} is not the exact negation of entry #{reversed_id}",
            entry=pk,
        )
        for pk, reversed_id in rows
    ]
