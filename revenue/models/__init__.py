from .agreements import ShareAgreement
from .ledger import Account, AccountKind, EntryKind, JournalEntry, JournalLine
from .parties import Party, PartyKind
from .payouts import (
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutEvent,
    PayoutMethod,
    PayoutStatus,
)
from .shares import Share, ShareRole

__all__ = [
    "Account",
    "AccountKind",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "Party",
    "PartyKind",
    "Payout",
    "PayoutBatch",
    "PayoutBatchStatus",
    "PayoutEvent",
    "PayoutMethod",
    "PayoutStatus",
    "Share",
    "ShareAgreement",
    "ShareRole",
]
