from django.db.models import TextChoices

from storefront.core.errors import DomainError


class PaymentErrorCode(TextChoices):
    NOT_CONFIGURED = "not_configured"
    PROVIDER_ERROR = "provider_error"
    INVALID_SIGNATURE = "invalid_signature"
    ORDER_NOT_PAYABLE = "order_not_payable"
    RESERVATION_EXPIRED = "reservation_expired"
    PAYMENT_NOT_RECORDED_YET = "payment_not_recorded_yet"


MESSAGES = {
    PaymentErrorCode.NOT_CONFIGURED: (
        "在线支付暂未开通，请稍后再试",
        "Online payment is not set up yet; please try again later",
    ),
    PaymentErrorCode.PROVIDER_ERROR: (
        "支付服务暂时无法连接，请稍后重试，您不会被重复扣款",
        "The payment service cannot be reached; try again later. "
        "You will not be charged twice",
    ),
    PaymentErrorCode.INVALID_SIGNATURE: (
        "签名无效，请求已拒绝",
        "Invalid signature; request refused",
    ),
    PaymentErrorCode.ORDER_NOT_PAYABLE: (
        "该订单无需支付或已取消",
        "This order is already paid or was cancelled",
    ),
    PaymentErrorCode.RESERVATION_EXPIRED: (
        "订单超时未付，已过期，请重新下单",
        "This order expired before it was paid; please order again",
    ),
    PaymentErrorCode.PAYMENT_NOT_RECORDED_YET: (
        "该支付尚未记录，请稍后重试",
        "This payment is not recorded yet; retry later",
    ),
}


class PaymentError(DomainError):
    messages = MESSAGES
