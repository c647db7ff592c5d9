from django.db.models import TextChoices

from storefront.core.errors import DomainError


class AccountErrorCode(TextChoices):
    INVALID_EMAIL = "invalid_email"
    INVALID_MOBILE = "invalid_mobile"
    WEAK_PASSWORD = "weak_password"
    WRONG_PASSWORD = "wrong_password"
    SAME_EMAIL = "same_email"
    INVALID_LINK = "invalid_link"
    STAFF_ACCOUNT = "staff_account"


MESSAGES = {
    AccountErrorCode.INVALID_EMAIL: (
        "请填写有效的电子邮箱",
        "Enter a valid email address",
    ),
    AccountErrorCode.INVALID_MOBILE: (
        "请填写 11 位中国大陆手机号（1 开头，第二位 3–9）",
        "Enter an 11-digit mainland China mobile number (1, then 3–9, then 9 digits)",
    ),
    AccountErrorCode.WEAK_PASSWORD: ("密码太弱", "The password is too weak"),
    AccountErrorCode.WRONG_PASSWORD: ("密码不正确", "The password is not correct"),
    AccountErrorCode.SAME_EMAIL: (
        "这已是账户的电子邮箱",
        "This is already the account's email address",
    ),
    AccountErrorCode.INVALID_LINK: (
        "链接已失效（已使用、已过期或不完整）",
        "This link no longer works (used, expired or incomplete)",
    ),
    AccountErrorCode.STAFF_ACCOUNT: (
        "工作人员、工坊、村集体或主播的账户不能在此注销，请联系平台",
        "Staff, workshop, village and host accounts cannot be deleted here; "
        "ask the platform",
    ),
}


class AccountError(DomainError):
    messages = MESSAGES
