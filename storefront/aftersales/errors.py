from django.db.models import TextChoices

from storefront.core.errors import DomainError


class AfterSalesErrorCode(TextChoices):
    NOT_PAID = "not_paid"
    PARCEL_NOT_ELIGIBLE = "parcel_not_eligible"
    REASON_NOT_ALLOWED = "reason_not_allowed"
    KIND_NOT_ALLOWED = "kind_not_allowed"
    WINDOW_CLOSED = "window_closed"
    FRESH_NO_REASON = "fresh_no_reason"
    NO_LINES = "no_lines"
    INVALID_QUANTITY = "invalid_quantity"
    TOO_MANY_UNITS = "too_many_units"
    LINE_HAS_OPEN_REQUEST = "line_has_open_request"
    TOO_MANY_PHOTOS = "too_many_photos"
    PHOTO_NOT_IMAGE = "photo_not_image"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_REQUIRED = "photo_required"
    MESSAGE_TOO_LONG = "message_too_long"
    NOT_A_RETURN = "not_a_return"
    INVALID_TRANSITION = "invalid_transition"
    PERMISSION_DENIED = "permission_denied"
    REFUSE_REASON_REQUIRED = "refuse_reason_required"
    REFUND_IN_PROGRESS = "refund_in_progress"
    REFUND_DECLINED = "refund_declined"
    ALREADY_SHIPPED = "already_shipped"
    NOT_FOUND = "not_found"


MESSAGES = {
    AfterSalesErrorCode.REFUND_DECLINED: (
        "支付机构拒绝了这笔退款，未退出任何款项；请稍后重试或联系平台",
        "The payment provider declined the refund and nothing was paid back; "
        "try again later or contact the platform",
    ),
    AfterSalesErrorCode.NOT_PAID: (
        "订单未支付或已全额退款，不能申请售后",
        "The order is not paid or already refunded in full",
    ),
    AfterSalesErrorCode.PARCEL_NOT_ELIGIBLE: (
        "该包裹不能申请售后",
        "After-sales cannot be requested for this parcel",
    ),
    AfterSalesErrorCode.REASON_NOT_ALLOWED: (
        "该原因不适用于此包裹的当前状态",
        "This reason does not apply to the parcel as it is now",
    ),
    AfterSalesErrorCode.KIND_NOT_ALLOWED: (
        "该原因不支持所选的售后类型",
        "This reason does not allow the kind of after-sales chosen",
    ),
    AfterSalesErrorCode.WINDOW_CLOSED: (
        "已超过售后申请期限",
        "The time to request after-sales has passed",
    ),
    AfterSalesErrorCode.FRESH_NO_REASON: (
        "生鲜商品不支持七天无理由退货",
        "Fresh food cannot be returned without a reason",
    ),
    AfterSalesErrorCode.NO_LINES: (
        "请选择要售后的商品和数量",
        "Choose the items and how many units",
    ),
    AfterSalesErrorCode.INVALID_QUANTITY: (
        "数量须为正整数，且商品须属于该包裹",
        "Quantities must be whole numbers above 0, of items in this parcel",
    ),
    AfterSalesErrorCode.TOO_MANY_UNITS: (
        "申请数量超过可申请数量",
        "More units than were bought and are not yet refunded or requested",
    ),
    AfterSalesErrorCode.LINE_HAS_OPEN_REQUEST: (
        "该商品已有进行中的售后申请",
        "An after-sales request for this item is already open",
    ),
    AfterSalesErrorCode.TOO_MANY_PHOTOS: ("最多上传 3 张照片", "At most 3 photos"),
    AfterSalesErrorCode.PHOTO_NOT_IMAGE: (
        "照片无法识别，请上传 JPEG、PNG、WebP 或 GIF 图片",
        "A photo is not a readable image; upload JPEG, PNG, WebP or GIF",
    ),
    AfterSalesErrorCode.PHOTO_TOO_LARGE: (
        "照片太大，请压缩后再上传",
        "A photo is too large; shrink it and upload again",
    ),
    AfterSalesErrorCode.PHOTO_REQUIRED: (
        "生鲜商品质量问题须上传照片",
        "A quality claim for fresh food needs at least one photo",
    ),
    AfterSalesErrorCode.MESSAGE_TOO_LONG: (
        "说明最多 500 字",
        "The message is limited to 500 characters",
    ),
    AfterSalesErrorCode.NOT_A_RETURN: (
        "仅退款的申请无需寄回商品",
        "A refund-only request has nothing to send back",
    ),
    AfterSalesErrorCode.INVALID_TRANSITION: (
        "售后申请当前状态不允许此操作",
        "The request's current status does not allow this",
    ),
    AfterSalesErrorCode.PERMISSION_DENIED: (
        "没有权限",
        "You do not have permission to do this",
    ),
    AfterSalesErrorCode.REFUSE_REASON_REQUIRED: (
        "请填写拒绝原因",
        "Give a reason for refusing",
    ),
    AfterSalesErrorCode.REFUND_IN_PROGRESS: (
        "退款正在处理中",
        "The refund is being made",
    ),
    AfterSalesErrorCode.ALREADY_SHIPPED: (
        "包裹已发货，请在收货后申请售后",
        "The parcel has shipped; request after-sales once it arrives",
    ),
    AfterSalesErrorCode.NOT_FOUND: (
        "找不到该订单、包裹或售后申请",
        "No such order, parcel or after-sales request",
    ),
}


class AfterSalesError(DomainError):
    messages = MESSAGES
