"""What a ledger check reports, and the small helpers its checks share."""

from dataclasses import dataclass, field

from django.db.models import TextChoices

from storefront.core.money import format_fen

from ..models import JournalEntry


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
    IMPACT_MISMATCH = "impact_mismatch"
    MORE_NOT_LISTED = "more_not_listed"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str  # "中文 / English"
    ids: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def violation(code: str, zh: str, en: str, **ids) -> Violation:
    return Violation(code=code, message=f"{zh} / {en}", ids=ids)


def fen(value: int | None) -> str:
    return format_fen(int(value or 0))


def label(choices, value: str) -> str:
    """ "应付 payable" for "payable"; the value itself if unknown."""
    return dict(choices.choices).get(value, value)


def number_of(number: str | None, pk: int) -> str:
    return number or f"#{pk}"


def entries_of(kind: str, **lookups):
    return JournalEntry.objects.filter(kind=kind, **lookups)
