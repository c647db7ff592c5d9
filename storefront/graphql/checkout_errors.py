"""Saleor's `CheckoutError` over the checkout's domain errors.

`code` is Saleor's CheckoutErrorCode, the nearest to our own code; our
precise code (storefront.checkout.errors: INSUFFICIENT_STOCK, EMAIL_INVALID,
PRICE_CHANGED...) stays in `shopCode`, and `message` is our bilingual one.
`CheckoutMutation` addresses a checkout as Saleor 3.23 does: `id` (or the
deprecated `checkoutId` / `token`)."""

from dataclasses import dataclass, field

import graphene

from storefront.checkout.errors import CheckoutError as DomainCheckoutError
from storefront.checkout.errors import CheckoutErrorCode as Codes
from storefront.checkout.models import Checkout
from storefront.core.errors import DomainError
from storefront.payments.errors import PaymentError as DomainPaymentError

from .addresses import AddressTypeEnum
from .errors import DomainMutation, graphql_field
from .ids import checkout_token_from_id
from .inputs import NUL_MESSAGE

SALEOR_CODES = """
BILLING_ADDRESS_NOT_SET CHECKOUT_NOT_FULLY_PAID GRAPHQL_ERROR
PRODUCT_NOT_PUBLISHED PRODUCT_UNAVAILABLE_FOR_PURCHASE INSUFFICIENT_STOCK
INVALID INVALID_SHIPPING_METHOD NOT_FOUND PAYMENT_ERROR
PRICE_OVERRIDE_REASON_WITHOUT_OVERRIDE QUANTITY_GREATER_THAN_LIMIT REQUIRED
SHIPPING_ADDRESS_NOT_SET SHIPPING_METHOD_NOT_APPLICABLE
DELIVERY_METHOD_NOT_APPLICABLE SHIPPING_METHOD_NOT_SET SHIPPING_NOT_REQUIRED
TAX_ERROR UNIQUE VOUCHER_NOT_APPLICABLE GIFT_CARD_NOT_APPLICABLE ZERO_QUANTITY
MISSING_CHANNEL_SLUG CHANNEL_INACTIVE UNAVAILABLE_VARIANT_IN_CHANNEL
EMAIL_NOT_SET NO_LINES INACTIVE_PAYMENT NON_EDITABLE_GIFT_LINE
NON_REMOVABLE_GIFT_LINE SHIPPING_CHANGE_FORBIDDEN MISSING_ADDRESS_DATA
""".split()

CheckoutErrorCode = graphene.Enum(
    "CheckoutErrorCode",
    [(code, code) for code in SALEOR_CODES],
    description="Saleor's checkout error codes; the shop's own precise code "
    "is in CheckoutError.shopCode.",
)

# Our code -> Saleor's nearest.
SALEOR_CODE = {
    Codes.NOT_FOUND: "NOT_FOUND",
    Codes.INVALID_QUANTITY: "INVALID",
    Codes.QUANTITY_TOO_LARGE: "QUANTITY_GREATER_THAN_LIMIT",
    Codes.INSUFFICIENT_STOCK: "INSUFFICIENT_STOCK",
    Codes.PRODUCT_UNAVAILABLE: "PRODUCT_NOT_PUBLISHED",
    Codes.LINE_NOT_FOUND: "NOT_FOUND",
    Codes.TOO_MANY_LINES: "QUANTITY_GREATER_THAN_LIMIT",
    Codes.EMPTY: "NO_LINES",
    Codes.EMAIL_REQUIRED: "EMAIL_NOT_SET",
    Codes.EMAIL_INVALID: "INVALID",
    Codes.PHONE_INVALID: "INVALID",
    Codes.ADDRESS_REQUIRED: "REQUIRED",
    Codes.ADDRESS_INVALID: "INVALID",
    Codes.NOTE_TOO_LONG: "INVALID",
    Codes.PRICE_CHANGED: "INVALID",
    Codes.CART_CHANGED: "INVALID",
}


class CheckoutError(graphene.ObjectType):
    """Represents errors in checkout mutations (Saleor's shape)."""

    field = graphene.String(
        description="The input field at fault (camelCase, `lines.0.quantity`); "
        "null when the error concerns the request as a whole."
    )
    message = graphene.String(description="中文 / English")
    code = graphene.Field(CheckoutErrorCode, required=True)
    variants = graphene.List(graphene.NonNull(graphene.ID))
    lines = graphene.List(graphene.NonNull(graphene.ID))
    address_type = graphene.Field(AddressTypeEnum)
    shop_code = graphene.String(
        description="The shop's own code (storefront.checkout.errors), "
        "more precise than `code`: INSUFFICIENT_STOCK, EMAIL_INVALID, ..."
    )


@dataclass
class CheckoutErrorValue:
    field: str | None
    code: str
    message: str
    shop_code: str | None = None
    variants: list | None = None
    lines: list | None = None
    address_type: str | None = None
    extra: dict = field(default_factory=dict)


class Refusal(DomainError):
    """An error this API finds itself (a malformed id, a promo code): its
    Saleor code and message, no domain behind it."""

    def __init__(self, code: str, *, field: str | None, zh: str, en: str):
        self.code = code
        self.field = field
        self.message_zh, self.message_en = zh, en
        Exception.__init__(self, f"{code}: {zh} / {en}")


def bad_id(field: str) -> Refusal:
    return Refusal(
        "INVALID",
        field=field,
        zh="无效的购物车 ID",
        en="Couldn't resolve id: not a Checkout id",
    )


def shop_code_of(exc: DomainError) -> str:
    code = exc.code
    return getattr(code, "name", None) or str(code).upper()


class CheckoutMutation(DomainMutation):
    """A mutation answering `errors` / `checkoutErrors: [CheckoutError!]!`."""

    class Meta:
        abstract = True

    ERROR_FIELDS = {DomainCheckoutError: "errors", Refusal: "errors"}
    # Our code -> Saleor's, where this mutation knows better (completion).
    CODE_OVERRIDES: dict = {}
    ADDRESS_TYPE: str | None = None

    errors = graphene.List(graphene.NonNull(CheckoutError), required=True)
    checkout_errors = graphene.List(
        graphene.NonNull(CheckoutError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )

    @classmethod
    def saleor_code(cls, exc: DomainError) -> str:
        if isinstance(exc, Refusal):
            return exc.code
        if getattr(exc, "saleor_code", None):
            return exc.saleor_code
        if isinstance(exc, DomainPaymentError):
            return "PAYMENT_ERROR"
        return cls.CODE_OVERRIDES.get(exc.code) or SALEOR_CODE.get(exc.code, "INVALID")

    @classmethod
    def error_of(cls, exc: DomainError) -> CheckoutErrorValue:
        address_type = getattr(exc, "address_type", None)
        if address_type is None and exc.code in (
            Codes.ADDRESS_INVALID,
            Codes.ADDRESS_REQUIRED,
            Codes.PHONE_INVALID,
        ):
            address_type = cls.ADDRESS_TYPE
        return CheckoutErrorValue(
            field=cls.input_field(exc.field),
            code=cls.saleor_code(exc),
            message=exc.message,
            shop_code=exc.code if isinstance(exc, Refusal) else shop_code_of(exc),
            address_type=address_type,
        )

    @classmethod
    def success(cls, **values):
        return cls(errors=[], checkout_errors=[], **values)

    @classmethod
    def failure(cls, exc: DomainError, **values):
        if not isinstance(exc, (DomainCheckoutError, Refusal)):
            raise exc
        error = cls.error_of(exc)
        return cls(errors=[error], checkout_errors=[error], **values)

    @classmethod
    def invalid_input(cls, field: str):
        error = CheckoutErrorValue(
            field=field, code="INVALID", message=NUL_MESSAGE, shop_code="INVALID"
        )
        return cls(errors=[error], checkout_errors=[error])

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            return super().mutate(root, info, **data)
        except Checkout.DoesNotExist:
            # Completed (and so deleted) by another request meanwhile.
            return cls.failure(DomainCheckoutError(Codes.NOT_FOUND, field="id"))

    @classmethod
    def input_field(cls, field):
        if field == "token":
            return "id"
        return graphql_field(field)


def token_argument(id=None, checkout_id=None, token=None):
    """The checkout's token from whichever of Saleor's arguments was given,
    or the Refusal saying what is wrong with it."""
    if id is not None or checkout_id is not None:
        name, value = ("id", id) if id is not None else ("checkoutId", checkout_id)
        found = checkout_token_from_id(value)
        if found is None:
            raise bad_id(name)
        return found
    if token is not None:
        return token
    raise Refusal(
        "REQUIRED",
        field="id",
        zh="请提供购物车 ID",
        en="Provide the checkout's id",
    )


def arguments(*, deprecated_checkout_id: bool = True, **extra) -> type:
    """A mutation's Arguments: Saleor's `id`, the deprecated `token` (and
    `checkoutId`, where Saleor has it), plus `extra`."""
    fields = {
        "id": graphene.ID(description="The checkout's ID (Checkout:<token>)."),
        "token": graphene.UUID(deprecation_reason="Use `id` instead."),
    }
    if deprecated_checkout_id:
        fields["checkout_id"] = graphene.ID(deprecation_reason="Use `id` instead.")
    return type("Arguments", (), {**fields, **extra})
