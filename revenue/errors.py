from django.db.models import TextChoices

from storefront.core.errors import DomainError


class RevenueErrorCode(TextChoices):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    RATES_NOT_100_PERCENT = "rates_not_100_percent"
    RATE_OUT_OF_RANGE = "rate_out_of_range"
    AGREEMENT_OVERLAP = "agreement_overlap"
    AGREEMENT_BACKDATED = "agreement_backdated"
    AGREEMENT_IN_FORCE = "agreement_in_force"
    AGREEMENT_SCOPE = "agreement_scope"
    AGREEMENT_MISSING = "agreement_missing"
    UNBALANCED_ENTRY = "unbalanced_entry"
    REFUND_EXCEEDS_REMAINING = "refund_exceeds_remaining"
    INVALID_TRANSITION = "invalid_transition"
    NO_PAYOUT_METHOD = "no_payout_method"
    PAYOUT_EXCEEDS_BALANCE = "payout_exceeds_balance"
    TRANSFER_FAILED = "transfer_failed"
    NOT_BANK_PAYOUT = "not_bank_payout"
    NOT_ENCODABLE = "not_encodable"
    INVALID_MONTH = "invalid_month"
    INVALID_YEAR = "invalid_year"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_THRESHOLD = "invalid_threshold"


MESSAGES = {
    RevenueErrorCode.NOT_FOUND: ("找不到该记录", "Not found"),
    RevenueErrorCode.PERMISSION_DENIED: (
        "没有权限",
        "You do not have permission to do this",
    ),
    RevenueErrorCode.RATES_NOT_100_PERCENT: (
        "各方比例之和必须正好是 100%",
        "The shares must add up to exactly 100 %",
    ),
    RevenueErrorCode.RATE_OUT_OF_RANGE: (
        "比例须在 0% 到 100% 之间（0–10000 个基点）",
        "Each share must be between 0 % and 100 % (0–10,000 basis points)",
    ),
    RevenueErrorCode.AGREEMENT_OVERLAP: (
        "同一范围在该生效日期已有协议",
        "An agreement for this scope already starts on that date",
    ),
    RevenueErrorCode.AGREEMENT_BACKDATED: (
        "生效日期最早为明天：已支付的订单不能改按新协议分账",
        "The start date must be tomorrow or later: orders already paid keep their "
        "agreement",
    ),
    RevenueErrorCode.AGREEMENT_IN_FORCE: (
        "协议已生效，不能修改；请新建一个以后生效的版本",
        "This agreement is in force and cannot be changed; add a new version "
        "that starts later",
    ),
    RevenueErrorCode.AGREEMENT_SCOPE: (
        "协议范围不正确",
        "The agreement's scope is not valid",
    ),
    RevenueErrorCode.AGREEMENT_MISSING: (
        "没有适用的分账协议",
        "No share agreement applies",
    ),
    RevenueErrorCode.UNBALANCED_ENTRY: (
        "凭证借贷不平衡",
        "The journal entry does not balance",
    ),
    RevenueErrorCode.REFUND_EXCEEDS_REMAINING: (
        "退款超过该订单剩余的分账金额",
        "The refund is larger than what remains of the order's split",
    ),
    RevenueErrorCode.INVALID_TRANSITION: (
        "当前状态不允许此操作",
        "The current status does not allow this",
    ),
    RevenueErrorCode.NO_PAYOUT_METHOD: (
        "该分账方没有收款方式（Stripe 账户或银行账户）",
        "This party has no payout method (Stripe account or bank account)",
    ),
    RevenueErrorCode.PAYOUT_EXCEEDS_BALANCE: (
        "付款金额超过应付余额",
        "The payout is larger than the balance owed",
    ),
    RevenueErrorCode.TRANSFER_FAILED: ("Stripe 转账失败", "The Stripe transfer failed"),
    RevenueErrorCode.NOT_BANK_PAYOUT: (
        "只有银行转账的付款可以手工标记为已付",
        "Only bank-transfer payouts can be marked paid by hand",
    ),
    RevenueErrorCode.NOT_ENCODABLE: (
        "有字符无法用 GBK 编码，请改用 UTF-8 文件",
        "Some text cannot be written in GBK; use the UTF-8 file instead",
    ),
    RevenueErrorCode.INVALID_MONTH: (
        "月份格式应为 YYYY-MM",
        "The month must look like YYYY-MM",
    ),
    RevenueErrorCode.INVALID_YEAR: (
        "年份格式应为四位数字 YYYY（如 2026）",
        "The year must be four digits, YYYY (as in 2026)",
    ),
    RevenueErrorCode.INVALID_RECIPIENT: (
        "无主播时的佣金和支付手续费只能归工坊、村集体、品牌或平台",
        "The host share without a host and the processor fee can only go to "
        "the workshop, the village, the brand or the platform",
    ),
    RevenueErrorCode.INVALID_THRESHOLD: (
        "起付金额须为大于 0 的整数（分）",
        "The payout threshold must be a whole number of fen above 0",
    ),
}


class RevenueError(DomainError):
    messages = MESSAGES
