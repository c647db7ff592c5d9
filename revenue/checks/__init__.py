"""Proof that the ledger is whole: every invariant the posting code promises,
checked with set-based queries (a handful of statements whatever the size
of the ledger), for `manage.py ledger_check` and the tests.

Each problem is a `Violation` naming the order number, entry, account,
refund or payout concerned. At most `limit` are listed per check."""

from ..models import (
    Account,
    EntryKind,
    ImpactMonth,
    JournalEntry,
    JournalLine,
    Share,
)
from . import causes, entries, impact
from .base import Violation, ViolationCode, entries_of, violation


def ledger_violations(*, limit: int = 100, paid_before=None) -> list[Violation]:
    """Every broken invariant, [] when the ledger is whole. `paid_before`
    leaves orders paid since then alone if their split has not run yet (its
    task is queued on payment; the beat job retries every 10 minutes)."""
    found: list[Violation] = []
    checks = [
        entries.balanced,
        entries.balances,
        lambda n: causes.sales(n, paid_before),
        causes.splits,
        entries.lines_match_shares,
        causes.refunds,
        causes.payouts,
        entries.reversals,
        impact.monthly_sums,
    ]
    for check in checks:
        problems = check(limit)
        for code in dict.fromkeys(p.code for p in problems):
            of_code = [p for p in problems if p.code == code]
            found += of_code[:limit]
            if len(of_code) > limit:
                found.append(
                    violation(
                        ViolationCode.MORE_NOT_LISTED,
                        f"{code}：还有更多问题未列出（只列出前 {limit} 条）",
                        f"{code}: more problems not listed (first {limit} shown)",
                        check=code,
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
        "refunds": entries_of(EntryKind.REFUND).count(),
        "payouts": entries_of(EntryKind.PAYOUT).count(),
        "impact_months": ImpactMonth.objects.count(),
    }


__all__ = ["Violation", "ViolationCode", "ledger_counts", "ledger_violations"]
