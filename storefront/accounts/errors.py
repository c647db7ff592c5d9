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
    ADDRESS_REQUIRED = "address_required"
    ADDRESS_INVALID = "address_invalid"
    POSTAL_CODE_INVALID = "postal_code_invalid"
    TOO_MANY_ADDRESSES = "too_many_addresses"
    NOT_AN_ADDRESS = "not_an_address"
    PASTE_TOO_LONG = "paste_too_long"
    PASTE_TOO_OFTEN = "paste_too_often"
    # API clients (storefront.accounts.jwt and the GraphQL account mutations).
    NOT_FOUND = "not_found"
    INVALID_CREDENTIALS = "invalid_credentials"
    LOGIN_ATTEMPT_DELAYED = "login_attempt_delayed"
    JWT_SIGNATURE_EXPIRED = "jwt_signature_expired"
    JWT_INVALID_TOKEN = "jwt_invalid_token"
    REDIRECT_URL_NOT_ALLOWED = "redirect_url_not_allowed"
    COUNTRY_NOT_SUPPORTED = "country_not_supported"


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
    AccountErrorCode.ADDRESS_REQUIRED: ("请填写此项", "This field is required"),
    AccountErrorCode.ADDRESS_INVALID: ("地址有误", "The address is not valid"),
    AccountErrorCode.POSTAL_CODE_INVALID: (
        "邮政编码应为 6 位数字",
        "A postal code is 6 digits",
    ),
    AccountErrorCode.TOO_MANY_ADDRESSES: (
        "地址簿已满，请先删除不用的地址",
        "The address book is full; delete an address you no longer use",
    ),
    AccountErrorCode.NOT_AN_ADDRESS: (
        "没能从这段文字中识别出省、市（区县）地址，请检查后重试或逐项填写",
        "No province and city could be found in this text; check it, or fill in "
        "the fields one by one",
    ),
    AccountErrorCode.PASTE_TOO_LONG: (
        "粘贴的文字太长（最多 200 字），只需姓名、手机号和地址",
        "The pasted text is too long (200 characters at most): just the name, "
        "mobile number and address",
    ),
    AccountErrorCode.PASTE_TOO_OFTEN: (
        "识别地址的次数太多，请稍后再试或逐项填写",
        "Too many address pastes; try again in a few minutes, or fill in the "
        "fields one by one",
    ),
    AccountErrorCode.NOT_FOUND: ("找不到该项", "Not found"),
    AccountErrorCode.INVALID_CREDENTIALS: (
        "邮箱或密码不正确",
        "The email address or the password is not correct",
    ),
    AccountErrorCode.LOGIN_ATTEMPT_DELAYED: (
        "登录失败次数过多，请稍后再试",
        "Too many failed sign-ins; try again later",
    ),
    AccountErrorCode.JWT_SIGNATURE_EXPIRED: (
        "登录凭证已过期，请刷新或重新登录",
        "The token has expired; refresh it or sign in again",
    ),
    AccountErrorCode.JWT_INVALID_TOKEN: (
        "登录凭证无效",
        "The token is not valid",
    ),
    AccountErrorCode.REDIRECT_URL_NOT_ALLOWED: (
        "不允许跳转到此网址的主机",
        "This URL's host is not an allowed client host",
    ),
    AccountErrorCode.COUNTRY_NOT_SUPPORTED: (
        "目前只配送中国大陆地址",
        "Only mainland China addresses are delivered to",
    ),
}


class AccountError(DomainError):
    messages = MESSAGES
