"""The words a statement uses, from the party's side: what is due to it
(应收/待结算) and why each line moved it, in Chinese and English. The
ledger's own terms (应付 payable) stay in the ledger and the admin."""

from .breakdowns import RowKind
from .models import PartyKind
from .statements import LineKind, StatementLine

REASONS = {
    LineKind.SALE: ("销售分成", "Share of a sale"),
    LineKind.SHIPPING: ("运费收入", "Shipping paid to you"),
    LineKind.REFUND: ("退款冲回", "Refund taken back"),
    LineKind.FEE: ("支付手续费", "Payment processing fee"),
    LineKind.PAYOUT: ("付款到账", "Paid to you"),
}
OTHER_ROWS = {
    RowKind.SHIPPING: ("运费", "Shipping"),
    RowKind.FEE: ("支付手续费", "Payment processing fees"),
}
# Who signs a printed statement for the party, beside the platform operator.
SIGNATORIES = {
    PartyKind.VILLAGE: ("村集体出纳", "Village collective treasurer"),
    PartyKind.WORKSHOP: ("工坊负责人", "Workshop manager"),
    PartyKind.BRAND: ("品牌运营方", "Brand operator"),
    PartyKind.HOST: ("主播", "Livestream host"),
    PartyKind.PLATFORM: ("平台财务", "Platform finance"),
}
OPENING = ("期初待结算", "Due to you at the start")
CLOSING = ("期末待结算", "Due to you at the end")
NEGATIVE_NOTE = (
    "负数：本期退款冲回多于销售分成，差额从今后的分成中扣回。",
    "Negative: refunds taken back exceeded sales this period; the difference "
    "is netted from later shares.",
)


def reason(line: StatementLine) -> tuple[str, str]:
    """(Chinese, English) plain reason for one line."""
    zh, en = REASONS[line.kind]
    if line.correction:
        return f"更正：{zh}", f"Correction: {en.lower()}"
    return zh, en


def row_name(row) -> tuple[str, str]:
    """(Chinese, English) name of a breakdown row."""
    if row.kind in OTHER_ROWS:
        return OTHER_ROWS[row.kind]
    return row.name, ""
