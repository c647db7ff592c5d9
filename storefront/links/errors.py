from django.db.models import TextChoices

from storefront.core.errors import DomainError


class LinkErrorCode(TextChoices):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_APPROVED_FOR_BRAND = "not_approved_for_brand"
    PRODUCT_NOT_PUBLISHED = "product_not_published"
    INVALID_TARGET = "invalid_target"
    INVALID_TIMES = "invalid_times"
    NOT_FEATURED = "not_featured"
    INVALID_UTM = "invalid_utm"
    ALREADY_DECIDED = "already_decided"
    INVALID_TEXT = "invalid_text"
    WRONG_BRAND = "wrong_brand"
    ALREADY_APPLIED = "already_applied"
    INVALID_DATE_RANGE = "invalid_date_range"


MESSAGES = {
    LinkErrorCode.NOT_FOUND: ("找不到该记录", "Not found"),
    LinkErrorCode.PERMISSION_DENIED: (
        "没有权限",
        "You do not have permission to do this",
    ),
    LinkErrorCode.NOT_APPROVED_FOR_BRAND: (
        "您尚未获该品牌批准带货",
        "You are not approved to sell this brand",
    ),
    LinkErrorCode.PRODUCT_NOT_PUBLISHED: (
        "该商品未上架，不能推广或置顶",
        "This product is not on sale and cannot be linked or pinned",
    ),
    LinkErrorCode.INVALID_TARGET: (
        "链接目标不正确",
        "The link must point at one product, brand or live session",
    ),
    LinkErrorCode.INVALID_TIMES: (
        "结束时间必须晚于开始时间",
        "The end must be after the start",
    ),
    LinkErrorCode.NOT_FEATURED: (
        "该商品不在本场直播的商品列表中",
        "This product is not featured in this live session",
    ),
    LinkErrorCode.INVALID_UTM: (
        "UTM 字段最多 100 个字符，不能含控制字符",
        "UTM fields hold at most 100 characters, without control characters",
    ),
    LinkErrorCode.ALREADY_DECIDED: (
        "该申请已处理",
        "This application was already decided",
    ),
    LinkErrorCode.INVALID_DATE_RANGE: (
        "日期范围不正确：请用 YYYY-MM-DD，开始不晚于结束，最长 366 天",
        "Invalid date range: use YYYY-MM-DD, a start on or before the end, "
        "at most 366 days",
    ),
    LinkErrorCode.INVALID_TEXT: (
        "文字为空、过长或含控制字符",
        "The text is empty, too long or holds control characters",
    ),
    LinkErrorCode.WRONG_BRAND: (
        "该商品不属于此品牌",
        "This product is not sold under this brand",
    ),
    LinkErrorCode.ALREADY_APPLIED: (
        "您已申请或已获批准带货该品牌",
        "You have already applied for or been approved for this brand",
    ),
}


class LinkError(DomainError):
    messages = MESSAGES
