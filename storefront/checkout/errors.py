from django.db.models import TextChoices

from storefront.core.errors import DomainError


class CheckoutErrorCode(TextChoices):
    NOT_FOUND = "not_found"
    INVALID_QUANTITY = "invalid_quantity"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    INSUFFICIENT_STOCK = "insufficient_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    LINE_NOT_FOUND = "line_not_found"
    TOO_MANY_LINES = "too_many_lines"
    EMPTY = "empty"
    EMAIL_REQUIRED = "email_required"
    EMAIL_INVALID = "email_invalid"
    PHONE_INVALID = "phone_invalid"
    ADDRESS_REQUIRED = "address_required"
    ADDRESS_INVALID = "address_invalid"
    NOTE_TOO_LONG = "note_too_long"
    PRICE_CHANGED = "price_changed"
    CART_CHANGED = "cart_changed"


MESSAGES = {
    CheckoutErrorCode.NOT_FOUND: (
        "购物车不存在或已结算",
        "Cart not found or already checked out",
    ),
    CheckoutErrorCode.INVALID_QUANTITY: (
        "数量须为 1 以上的整数",
        "The quantity must be a whole number of at least 1",
    ),
    CheckoutErrorCode.QUANTITY_TOO_LARGE: (
        "单件商品一次最多购买 999 件",
        "At most 999 of one item per order",
    ),
    CheckoutErrorCode.INSUFFICIENT_STOCK: ("库存不足", "Not enough stock"),
    CheckoutErrorCode.PRODUCT_UNAVAILABLE: (
        "该商品已下架或不存在",
        "This product is no longer on sale",
    ),
    CheckoutErrorCode.LINE_NOT_FOUND: (
        "购物车中没有这件商品",
        "That item is not in the cart",
    ),
    CheckoutErrorCode.TOO_MANY_LINES: (
        "购物车最多放 50 种商品",
        "A cart holds at most 50 different items",
    ),
    CheckoutErrorCode.EMPTY: ("购物车是空的", "The cart is empty"),
    CheckoutErrorCode.EMAIL_REQUIRED: ("请填写电子邮箱", "Enter an email address"),
    CheckoutErrorCode.EMAIL_INVALID: (
        "电子邮箱格式不正确",
        "Enter a valid email address",
    ),
    CheckoutErrorCode.PHONE_INVALID: (
        "请输入 11 位中国大陆手机号",
        "Enter an 11-digit mainland China mobile number",
    ),
    CheckoutErrorCode.ADDRESS_REQUIRED: (
        "请填写完整的收货地址",
        "Complete the delivery address",
    ),
    CheckoutErrorCode.ADDRESS_INVALID: (
        "收货地址有误",
        "The delivery address is not valid",
    ),
    CheckoutErrorCode.NOTE_TOO_LONG: (
        "订单备注最多 200 字",
        "The order note can be at most 200 characters",
    ),
    CheckoutErrorCode.PRICE_CHANGED: (
        "价格已变动，请确认新的金额后再提交",
        "Prices have changed; check the new total and submit again",
    ),
    CheckoutErrorCode.CART_CHANGED: (
        "购物车已变动（数量或商品有增减），请确认新的金额后再提交",
        "Your cart has changed (quantities or items); check the new total and "
        "submit again",
    ),
}


class CheckoutError(DomainError):
    messages = MESSAGES


def left_in_stock(available: int) -> tuple[str, str]:
    if available <= 0:
        return "已售罄", "sold out"
    return f"仅剩 {available} 件", f"only {available} left"
