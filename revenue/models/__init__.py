from .agreements import ShareAgreement
from .impact import ImpactMonth
from .ledger import Account, AccountKind, EntryKind, JournalEntry, JournalLine
from .notices import PayoutNotice, PayoutNoticeKind
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
    "ImpactMonth",
    "JournalEntry",
    "JournalLine",
    "Party",
    "PartyKind",
    "Payout",
    "PayoutBatch",
    "PayoutBatchStatus",
    "PayoutEvent",
    "PayoutMethod",
    "PayoutNotice",
    "PayoutNoticeKind",
    "PayoutStatus",
    "Share",
    "ShareAgreement",
    "ShareRole",
]
