from django.db.models import TextChoices

from storefront.core.errors import DomainError


class OrderErrorCode(TextChoices):
    NOT_FOUND = "not_found"
    INVALID_TRANSITION = "invalid_transition"
    PERMISSION_DENIED = "permission_denied"
    NOT_PAID = "not_paid"
    INVALID_AMOUNT = "invalid_amount"
    REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
    INVALID_RESTOCK = "invalid_restock"
    ALREADY_SHIPPED = "already_shipped"
    TRACKING_REQUIRED = "tracking_required"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    REFUND_CHANGED = "refund_changed"
    UNKNOWN_CARRIER = "unknown_carrier"
    TRACKING_FORMAT = "tracking_format"
    NOT_SHIPPED = "not_shipped"
    ALREADY_DELIVERED = "already_delivered"
    TRACKING_UNCHANGED = "tracking_unchanged"
    BULK_FILE = "bulk_file"
    BULK_ROW = "bulk_row"


MESSAGES = {
    OrderErrorCode.NOT_FOUND: ("找不到该订单", "Order not found"),
    OrderErrorCode.INVALID_TRANSITION: (
        "订单当前状态不允许此操作",
        "The order's current status does not allow this",
    ),
    OrderErrorCode.PERMISSION_DENIED: (
        "没有权限",
        "You do not have permission to do this",
    ),
    OrderErrorCode.NOT_PAID: ("订单尚未支付", "The order has not been paid"),
    OrderErrorCode.INVALID_AMOUNT: (
        "金额须为大于 0 的整数（分）",
        "The amount must be a whole number of fen above 0",
    ),
    OrderErrorCode.REFUND_EXCEEDS_PAID: (
        "退款金额超过可退金额",
        "The refund is larger than what remains refundable",
    ),
    OrderErrorCode.REFUND_CHANGED: (
        "确认后该订单的退款情况已变化，请核对后重新填写",
        "The order's refunds changed since this was shown; check and enter it again",
    ),
    OrderErrorCode.INVALID_RESTOCK: (
        "退回库存的数量超过可退回数量",
        "More units to restock than the order line can return",
    ),
    OrderErrorCode.ALREADY_SHIPPED: ("该包裹已发货", "This parcel has already shipped"),
    OrderErrorCode.TRACKING_REQUIRED: (
        "请填写快递公司和运单号",
        "Enter the carrier and the tracking number",
    ),
    OrderErrorCode.PAYMENT_IN_PROGRESS: (
        "付款正在处理中，暂不能取消",
        "A payment is in progress; the order cannot be cancelled now",
    ),
    OrderErrorCode.UNKNOWN_CARRIER: (
        "快递公司不在列表中（顺丰、中通、圆通、申通、韵达、极兔、京东、邮政、其他）",
        "Unknown carrier (SF, ZTO, YTO, STO, Yunda, J&T, JD, EMS, other)",
    ),
    OrderErrorCode.TRACKING_FORMAT: (
        "运单号格式不符",
        "The tracking number does not fit the carrier's format",
    ),
    OrderErrorCode.NOT_SHIPPED: ("该包裹尚未发货", "This parcel has not shipped yet"),
    OrderErrorCode.ALREADY_DELIVERED: (
        "包裹已签收，运单号不能再更改",
        "The parcel has been delivered; its tracking can no longer change",
    ),
    OrderErrorCode.TRACKING_UNCHANGED: (
        "快递公司和运单号与原来相同",
        "The carrier and tracking number are the same as before",
    ),
    OrderErrorCode.BULK_FILE: (
        "无法读取发货文件",
        "The shipping file cannot be read",
    ),
    OrderErrorCode.BULK_ROW: ("发货文件有误", "The shipping file has errors"),
}


class OrderError(DomainError):
    messages = MESSAGES
