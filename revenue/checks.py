"""Proof that the ledger is whole: every invariant the posting code promises,
checked with set-based queries (a handful of statements whatever the size
of the ledger), for `manage.py ledger_check` and the tests.

Each problem is a `Violation` naming the order number, entry, account,
refund or payout concerned. At most `limit` are listed per check."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextChoices,
)
from django.db.models.functions import Coalesce

from storefront.core.money import format_fen
from storefront.orders.models import Order
from storefront.payments.models import Refund, RefundStatus

from .models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    Payout,
    PayoutStatus,
    Share,
    ShareRole,
)


class ViolationCode(TextChoices):
    ENTRY_UNBALANCED = "entry_unbalanced"
    ENTRY_TOO_FEW_LINES = "entry_too_few_lines"
    BALANCE_MISMATCH = "balance_mismatch"
    SALE_MISSING = "sale_missing"
    SALE_DUPLICATED = "sale_duplicated"
    SALE_UNPAID_ORDER = "sale_unpaid_order"
    SPLIT_MISMATCH = "split_mismatch"
    LINES_MISMATCH_SHARES = "lines_mismatch_shares"
    REFUND_ENTRY_MISSING = "refund_entry_missing"
    REFUND_ENTRY_AMOUNT = "refund_entry_amount"
    REFUND_TOTAL_MISMATCH = "refund_total_mismatch"
    PAYOUT_ENTRY_MISSING = "payout_entry_missing"
    PAYOUT_ENTRY_UNPAID = "payout_entry_unpaid"
    PAYOUT_ENTRY_AMOUNT = "payout_entry_amount"
    REVERSAL_MISMATCH = "reversal_mismatch"
    LEDGER_NOT_ZERO = "ledger_not_zero"
    MORE_NOT_LISTED = "more_not_listed"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str  # "中文 / English"
    ids: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def _v(code: str, zh: str, en: str, **ids) -> Violation:
    return Violation(code=code, message=f"{zh} / {en}", ids=ids)


def _fen(value: int | None) -> str:
    return format_fen(int(value or 0))


def _number(number: str | None, pk: int) -> str:
    return number or f"#{pk}"


def _balanced(limit: int) -> list[Violation]:
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
        if total:
            found.append(
                _v(
                    ViolationCode.ENTRY_UNBALANCED,
                    f"凭证 #{pk}（{kind}）借贷不平衡：分录合计 {_fen(total)}",
                    f"Journal entry #{pk} ({kind}) does not balance: "
                    f"its lines sum to {_fen(total)}",
                    entry=pk,
                )
            )
        if n < 2:
            found.append(
                _v(
                    ViolationCode.ENTRY_TOO_FEW_LINES,
                    f"凭证 #{pk}（{kind}）只有 {n} 条分录，至少应有 2 条",
                    f"Journal entry #{pk} ({kind}) has {n} line(s), not at least 2",
                    entry=pk,
                )
            )
    return found


def _balances(limit: int) -> list[Violation]:
    """(b) Each account's balance is the sum of its lines; (h) all balances
    together are zero."""
    rows = (
        Account.objects.annotate(total=Coalesce(Sum("lines__amount_fen"), 0))
        .exclude(balance_fen=F("total"))
        .order_by("pk")
        .values_list("pk", "kind", "party__name", "balance_fen", "total")[: limit + 1]
    )
    found = [
        _v(
            ViolationCode.BALANCE_MISMATCH,
            f"账户 #{pk}（{name or '平台'} · {kind}）余额 {_fen(balance)}，"
            f"分录合计 {_fen(total)}",
            f"Account #{pk} ({name or 'platform'} · {kind}) holds {_fen(balance)} "
            f"but its lines sum to {_fen(total)}",
            account=pk,
        )
        for pk, kind, name, balance, total in rows
    ]
    total = Account.objects.aggregate(s=Coalesce(Sum("balance_fen"), 0))["s"]
    if total:
        found.append(
            _v(
                ViolationCode.LEDGER_NOT_ZERO,
                f"全部账户余额合计 {_fen(total)}，应为 ¥0.00",
                f"All account balances sum to {_fen(total)}, not ¥0.00",
            )
        )
    return found


def _entries_of(kind=EntryKind.SALE, **lookups):
    return JournalEntry.objects.filter(kind=kind, **lookups)


def _sales(limit: int, paid_before) -> list[Violation]:
    """(c) A paid order has exactly one sale entry, an unpaid order none."""
    unsplit = Order.objects.filter(paid_fen__gt=0).exclude(
        Exists(_entries_of(order=OuterRef("pk")))
    )
    if paid_before is not None:
        unsplit = unsplit.filter(paid_at__lt=paid_before)
    found = [
        _v(
            ViolationCode.SALE_MISSING,
            f"订单 {_number(number, pk)} 已付 {_fen(paid)}，却没有分账凭证",
            f"Order {_number(number, pk)} is paid ({_fen(paid)}) but has no sale entry",
            order=_number(number, pk),
        )
        for pk, number, paid in unsplit.order_by("pk").values_list(
            "pk", "number", "paid_fen"
        )[: limit + 1]
    ]
    twice = (
        _entries_of()
        .values("order_id", "order__number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("order_id")[: limit + 1]
    )
    for row in twice:
        number = _number(row["order__number"], row["order_id"])
        found.append(
            _v(
                ViolationCode.SALE_DUPLICATED,
                f"订单 {number} 有 {row['n']} 张分账凭证，应只有 1 张",
                f"Order {number} has {row['n']} sale entries, not one",
                order=number,
            )
        )
    unpaid = _entries_of(order__paid_fen=0).order_by("pk")
    for pk, order_id, number in unpaid.values_list("pk", "order_id", "order__number")[
        : limit + 1
    ]:
        number = _number(number, order_id)
        found.append(
            _v(
                ViolationCode.SALE_UNPAID_ORDER,
                f"订单 {number} 未付款，却有分账凭证 #{pk}",
                f"Order {number} is not paid but has sale entry #{pk}",
                order=number,
                entry=pk,
            )
        )
    return found


def _splits(limit: int) -> list[Violation]:
    """(d) A split order's shares (fees aside) add up to what it still holds:
    paid minus refunded."""
    held = (
        Share.objects.filter(order=OuterRef("pk"))
        .exclude(role=ShareRole.FEE)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount_fen"))
        .values("s")
    )
    rows = (
        Order.objects.filter(Exists(_entries_of(order=OuterRef("pk"))))
        .annotate(held=Coalesce(Subquery(held), 0))
        .exclude(held=F("paid_fen") - F("refunded_fen"))
        .order_by("pk")
        .values_list("pk", "number", "held", "paid_fen", "refunded_fen")[: limit + 1]
    )
    found = []
    for pk, number, held_fen, paid, refunded in rows:
        number = _number(number, pk)
        expected = _fen(paid - refunded)
        found.append(
            _v(
                ViolationCode.SPLIT_MISMATCH,
                f"订单 {number} 的分账合计 {_fen(held_fen)}，应为已付减已退 {expected}",
                f"The shares of order {number} sum to {_fen(held_fen)}, "
                f"not paid − refunded = {expected}",
                order=number,
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


def _lines_match_shares(limit: int) -> list[Violation]:
    """(e) Each sale (and refund) entry's lines are its shares, summed."""
    with connection.cursor() as cursor:
        cursor.execute(LINES_VS_SHARES, [limit + 1])
        rows = cursor.fetchall()
    about = {
        pk: (kind, _number(number, order_id) if order_id else "—")
        for pk, kind, order_id, number in JournalEntry.objects.filter(
            pk__in={r[0] for r in rows}
        ).values_list("pk", "kind", "order_id", "order__number")
    }
    found = []
    for entry_id, account_id, expected, actual in rows:
        kind, number = about.get(entry_id, ("?", "—"))
        account = (
            f"#{account_id}" if account_id else "（无应付账户 no payable account）"
        )
        found.append(
            _v(
                ViolationCode.LINES_MISMATCH_SHARES,
                f"凭证 #{entry_id}（{kind}，订单 {number}）在账户 {account} 的分录为 "
                f"{_fen(actual)}，按分账应为 {_fen(expected)}",
                f"Entry #{entry_id} ({kind}, order {number}) has {_fen(actual)} on "
                f"account {account}; its shares say {_fen(expected)}",
                entry=entry_id,
                order=number,
                account=account_id,
            )
        )
    return found


def _line_sum(account_filter: Q):
    return Coalesce(
        Subquery(
            JournalLine.objects.filter(account_filter, entry=OuterRef("pk"))
            .order_by()
            .values("entry")
            .annotate(s=Sum("amount_fen"))
            .values("s")
        ),
        0,
    )


def _refunds(limit: int) -> list[Violation]:
    """(f) A booked refund (pending or succeeded when it was made; one that
    failed later stays booked) has one refund entry taking exactly its
    amount out of clearing; an order's refund entries add up to its
    refunded amount."""
    missing = (
        Refund.objects.exclude(status=RefundStatus.FAILED)
        .exclude(Exists(_entries_of(EntryKind.REFUND, refund=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "order_id", "order__number", "amount_fen")[: limit + 1]
    )
    found = []
    for pk, order_id, number, amount in missing:
        number = _number(number, order_id)
        found.append(
            _v(
                ViolationCode.REFUND_ENTRY_MISSING,
                f"退款 #{pk}（订单 {number}，{_fen(amount)}）没有冲回凭证",
                f"Refund #{pk} (order {number}, {_fen(amount)}) has no refund entry",
                refund=pk,
                order=number,
            )
        )
    wrong = (
        _entries_of(EntryKind.REFUND)
        .annotate(clearing=_line_sum(Q(account__kind=AccountKind.CLEARING)))
        .filter(
            ~Q(clearing=-F("refund__amount_fen")) | ~Q(order_id=F("refund__order_id"))
        )
        .order_by("pk")
        .values_list(
            "pk", "refund_id", "refund__amount_fen", "clearing", "order__number"
        )[: limit + 1]
    )
    for pk, refund_id, amount, clearing, number in wrong:
        found.append(
            _v(
                ViolationCode.REFUND_ENTRY_AMOUNT,
                f"凭证 #{pk}（订单 {number}）冲回退款 #{refund_id} {_fen(amount)}，"
                f"但清算分录为 {_fen(clearing)}，或订单不符",
                f"Entry #{pk} (order {number}) books refund #{refund_id} of "
                f"{_fen(amount)} but its clearing line is {_fen(clearing)}, or its "
                "order differs",
                entry=pk,
                refund=refund_id,
                order=number,
            )
        )
    booked = (
        _entries_of(EntryKind.REFUND, order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(s=Sum("refund__amount_fen"))
        .values("s")
    )
    totals = (
        Order.objects.filter(
            Q(refunded_fen__gt=0)
            | Exists(_entries_of(EntryKind.REFUND, order=OuterRef("pk")))
        )
        .annotate(booked=Coalesce(Subquery(booked), 0))
        .exclude(booked=F("refunded_fen"))
        .order_by("pk")
        .values_list("pk", "number", "refunded_fen", "booked")[: limit + 1]
    )
    for pk, number, refunded, booked_fen in totals:
        number = _number(number, pk)
        found.append(
            _v(
                ViolationCode.REFUND_TOTAL_MISMATCH,
                f"订单 {number} 已退 {_fen(refunded)}，冲回凭证合计 {_fen(booked_fen)}",
                f"Order {number} has refunded {_fen(refunded)} but its refund "
                f"entries book {_fen(booked_fen)}",
                order=number,
            )
        )
    return found


def _payouts(limit: int) -> list[Violation]:
    """(g) A paid payout has one payout entry moving exactly its amount from
    the party's payable to its paid-out account; any other payout, none."""
    has_entry = Exists(_entries_of(EntryKind.PAYOUT, payout=OuterRef("pk")))
    found = []
    paid = (
        Payout.objects.filter(status=PayoutStatus.PAID)
        .exclude(has_entry)
        .order_by("pk")
        .values_list("pk", "party__name", "amount_fen")[: limit + 1]
    )
    for pk, name, amount in paid:
        found.append(
            _v(
                ViolationCode.PAYOUT_ENTRY_MISSING,
                f"付款 #{pk}（{name}，{_fen(amount)}）已付款，却没有付款凭证",
                f"Payout #{pk} ({name}, {_fen(amount)}) is paid but has no payout "
                "entry",
                payout=pk,
            )
        )
    unpaid = (
        Payout.objects.exclude(status=PayoutStatus.PAID)
        .filter(has_entry)
        .order_by("pk")
        .values_list("pk", "party__name", "status")[: limit + 1]
    )
    for pk, name, status in unpaid:
        found.append(
            _v(
                ViolationCode.PAYOUT_ENTRY_UNPAID,
                f"付款 #{pk}（{name}）状态为 {status}，却有付款凭证",
                f"Payout #{pk} ({name}) is {status} but has a payout entry",
                payout=pk,
            )
        )
    party = OuterRef("payout__party_id")
    entries = (
        _entries_of(EntryKind.PAYOUT)
        .annotate(
            n=Coalesce(
                Subquery(
                    JournalLine.objects.filter(entry=OuterRef("pk"))
                    .order_by()
                    .values("entry")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            payable=_line_sum(
                Q(account__kind=AccountKind.PAYABLE, account__party_id=party)
            ),
            paid_out=_line_sum(
                Q(account__kind=AccountKind.PAID_OUT, account__party_id=party)
            ),
        )
        .exclude(
            n=2,
            payable=F("payout__amount_fen"),
            paid_out=-F("payout__amount_fen"),
        )
        .order_by("pk")
        .values_list("pk", "payout_id", "payout__amount_fen", "payout__party__name")[
            : limit + 1
        ]
    )
    for pk, payout_id, amount, name in entries:
        found.append(
            _v(
                ViolationCode.PAYOUT_ENTRY_AMOUNT,
                f"凭证 #{pk} 应把付款 #{payout_id} 的 {_fen(amount)} 从 {name} "
                "的应付账户转入已付账户，实际不符",
                f"Entry #{pk} should move payout #{payout_id}'s {_fen(amount)} from "
                f"{name}'s payable to its paid-out account, and does not",
                entry=pk,
                payout=payout_id,
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


def _reversals(limit: int) -> list[Violation]:
    """A correcting reversal is the exact negation of the entry it reverses."""
    with connection.cursor() as cursor:
        cursor.execute(REVERSAL_NOT_NEGATION, [limit + 1])
        rows = cursor.fetchall()
    return [
        _v(
            ViolationCode.REVERSAL_MISMATCH,
            f"冲销凭证 #{pk} 不是凭证 #{reversed_id} 的逐账户相反数",
            f"Reversal #{pk} is not the exact negation of entry #{reversed_id}",
            entry=pk,
        )
        for pk, reversed_id in rows
    ]


def ledger_violations(*, limit: int = 100, paid_before=None) -> list[Violation]:
    """Every broken invariant, [] when the ledger is whole. `paid_before`
    leaves orders paid since then alone if their split has not run yet (its
    task is queued on payment; the beat job retries every 10 minutes)."""
    found: list[Violation] = []
    checks = [
        _balanced,
        _balances,
        lambda n: _sales(n, paid_before),
        _splits,
        _lines_match_shares,
        _refunds,
        _payouts,
        _reversals,
    ]
    for check in checks:
        problems = check(limit)
        for code in dict.fromkeys(p.code for p in problems):
            of_code = [p for p in problems if p.code == code]
            found += of_code[:limit]
            if len(of_code) > limit:
                found.append(
                    _v(
                        ViolationCode.MORE_NOT_LISTED,
                        f"{code}：还有更多问题未列出（只列出前 {limit} 条）",
                        f"{code}: more problems not listed (first {limit} shown)",
                        code=code,
                    )
                )
    return found


def ledger_counts() -> dict[str, int]:
    """What a passing check covered."""
    return {
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "shares": Share.objects.count(),
        "accounts": Account.objects.count(),
        "orders": JournalEntry.objects.filter(kind=EntryKind.SALE)
        .values("order")
        .distinct()
        .count(),
        "refunds": _entries_of(EntryKind.REFUND).count(),
        "payouts": _entries_of(EntryKind.PAYOUT).count(),
    }


__all__ = ["Violation", "ViolationCode", "ledger_counts", "ledger_violations"]
