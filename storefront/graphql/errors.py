"""Mutation errors as data (Saleor's convention).

Every mutation payload carries `errors: [XxxError!]!`; an `XxxError` has the
input `field` it concerns (camelCase, dotted for list items: `lines.0.quantity`),
a `code` from the domain's enum, mirrored here from the app's TextChoices, and
the `message` in Chinese and English exactly as `DomainError.message` gives it.
`DomainMutation` turns any DomainError its work raises into such an error, so a
domain failure never reaches the client as a bare exception.
"""

from dataclasses import dataclass

import graphene
from graphene.utils.str_converters import to_camel_case

from storefront.core.errors import DomainError
from storefront.orders.errors import OrderErrorCode as OrderCodes
from storefront.payments.errors import PaymentErrorCode as PaymentCodes

from .inputs import NUL_MESSAGE, field_name, invalid_input, nul_path


def mirror_enum(choices, name: str, description: str = "") -> type[graphene.Enum]:
    """A GraphQL enum with the TextChoices' member names (NOT_FOUND) whose
    values are the stored codes ("not_found")."""
    return graphene.Enum(
        name,
        [(member.name, member.value) for member in choices],
        description=description or f"Mirrors {choices.__module__}.{choices.__name__}.",
    )


def mirror_error_enum(choices, name: str) -> type[graphene.Enum]:
    """A mutation error-code enum: the domain's codes plus INVALID, which the
    API layer reports for input no domain should see (a NUL character)."""
    members = [(member.name, member.value) for member in choices]
    if "INVALID" not in choices.names:
        members.append(("INVALID", "invalid"))
    return graphene.Enum(
        name,
        members,
        description=f"Mirrors {choices.__module__}.{choices.__name__} (plus INVALID).",
    )


def choice_value(value):
    """The stored string of a TextChoices member or of a plain string: graphene
    serialises a mirrored enum from the value, not from a foreign member."""
    return getattr(value, "value", value)


# Saleor's OrderErrorCode and PaymentErrorCode, all of their values. The
# enum values are the names in lower case, so a domain code that shares
# Saleor's name (not_found, invalid) is its own value; the others are mapped
# (ORDER_CODES, PAYMENT_CODES) and kept exact in the error's `shopCode`.
SALEOR_ORDER_CODES = """
BILLING_ADDRESS_NOT_SET CANNOT_CANCEL_FULFILLMENT CANNOT_CANCEL_ORDER
CANNOT_DELETE CANNOT_DISCOUNT CANNOT_REFUND CANNOT_FULFILL_UNPAID_ORDER
CAPTURE_INACTIVE_PAYMENT GIFT_CARD_LINE NOT_EDITABLE FULFILL_ORDER_LINE
GRAPHQL_ERROR INVALID PRODUCT_NOT_PUBLISHED PRODUCT_UNAVAILABLE_FOR_PURCHASE
NOT_FOUND ORDER_NO_SHIPPING_ADDRESS PAYMENT_ERROR PAYMENT_MISSING
TRANSACTION_ERROR REQUIRED SHIPPING_METHOD_NOT_APPLICABLE
SHIPPING_METHOD_REQUIRED TAX_ERROR UNIQUE VOID_INACTIVE_PAYMENT ZERO_QUANTITY
INVALID_QUANTITY INSUFFICIENT_STOCK DUPLICATED_INPUT_ITEM
NOT_AVAILABLE_IN_CHANNEL CHANNEL_INACTIVE INVALID_VOUCHER INVALID_VOUCHER_CODE
NON_EDITABLE_GIFT_LINE NON_REMOVABLE_GIFT_LINE MISSING_ADDRESS_DATA
""".split()
SALEOR_PAYMENT_CODES = """
BILLING_ADDRESS_NOT_SET GRAPHQL_ERROR INVALID NOT_FOUND REQUIRED UNIQUE
PARTIAL_PAYMENT_NOT_ALLOWED SHIPPING_ADDRESS_NOT_SET INVALID_SHIPPING_METHOD
SHIPPING_METHOD_NOT_SET PAYMENT_ERROR NOT_SUPPORTED_GATEWAY CHANNEL_INACTIVE
BALANCE_CHECK_ERROR CHECKOUT_EMAIL_NOT_SET UNAVAILABLE_VARIANT_IN_CHANNEL
NO_CHECKOUT_LINES CHECKOUT_COMPLETION_IN_PROGRESS CHECKOUT_HAS_TRANSACTION
""".split()

# Our order codes -> Saleor's nearest (docs/saleor.md).
ORDER_CODES = {
    OrderCodes.NOT_FOUND: "NOT_FOUND",
    OrderCodes.INVALID_TRANSITION: "NOT_EDITABLE",
    OrderCodes.PERMISSION_DENIED: "INVALID",
    OrderCodes.NOT_PAID: "CANNOT_REFUND",
    OrderCodes.INVALID_AMOUNT: "INVALID",
    OrderCodes.REFUND_EXCEEDS_PAID: "CANNOT_REFUND",
    OrderCodes.INVALID_RESTOCK: "INVALID_QUANTITY",
    OrderCodes.ALREADY_SHIPPED: "FULFILL_ORDER_LINE",
    OrderCodes.TRACKING_REQUIRED: "REQUIRED",
    OrderCodes.PAYMENT_IN_PROGRESS: "CANNOT_CANCEL_ORDER",
    OrderCodes.REFUND_CHANGED: "CANNOT_REFUND",
    OrderCodes.UNKNOWN_CARRIER: "INVALID",
    OrderCodes.TRACKING_FORMAT: "INVALID",
    OrderCodes.NOT_SHIPPED: "INVALID",
    OrderCodes.ALREADY_DELIVERED: "NOT_EDITABLE",
    OrderCodes.TRACKING_UNCHANGED: "INVALID",
    OrderCodes.BULK_FILE: "INVALID",
    OrderCodes.BULK_ROW: "INVALID",
}
# Our payment codes -> Saleor's nearest.
PAYMENT_CODES = {
    PaymentCodes.NOT_CONFIGURED: "NOT_SUPPORTED_GATEWAY",
    PaymentCodes.PROVIDER_ERROR: "PAYMENT_ERROR",
    PaymentCodes.INVALID_SIGNATURE: "INVALID",
    PaymentCodes.ORDER_NOT_PAYABLE: "INVALID",
    PaymentCodes.RESERVATION_EXPIRED: "INVALID",
    PaymentCodes.PAYMENT_NOT_RECORDED_YET: "NOT_FOUND",
}


# Keyed by the stored value (a TextChoices member hashes by its name).
ORDER_CODES = {choice_value(code): value for code, value in ORDER_CODES.items()}
PAYMENT_CODES = {choice_value(code): value for code, value in PAYMENT_CODES.items()}


def _saleor_code_enum(name: str, codes: list[str]) -> type[graphene.Enum]:
    return graphene.Enum(
        name,
        [(code, code.lower()) for code in codes],
        description=f"Saleor's {name}; the shop's own code is in `shopCode`.",
    )


OrderErrorCode = _saleor_code_enum("OrderErrorCode", SALEOR_ORDER_CODES)
PaymentErrorCode = _saleor_code_enum("PaymentErrorCode", SALEOR_PAYMENT_CODES)


class Error(graphene.Interface):
    """What every mutation error has; each domain's type adds its `code`."""

    field = graphene.String(
        description="The input field at fault (camelCase, `lines.0.quantity`); "
        "null when the error concerns the request as a whole."
    )
    message = graphene.String(required=True, description="中文 / English")


def _shop_code(choices, code) -> str:
    """Our precise code by its name (REFUND_EXCEEDS_PAID); INVALID as is."""
    try:
        return choices(code).name
    except ValueError:
        return str(code).upper()


class OrderError(graphene.ObjectType):
    """Saleor's OrderError; `shopCode` is the shop's precise code
    (storefront.orders.errors.OrderErrorCode's name)."""

    field = graphene.String(
        description="The input field at fault (camelCase); null: the request "
        "as a whole."
    )
    message = graphene.String(description="中文 / English")
    code = graphene.Field(OrderErrorCode, required=True)
    shop_code = graphene.String(required=True)

    # The value behind this type is an ErrorValue with our code.
    def resolve_code(self, info):
        return ORDER_CODES.get(self.code, str(self.code).upper()).lower()

    def resolve_shop_code(self, info):
        return _shop_code(OrderCodes, self.code)


class PaymentError(graphene.ObjectType):
    """Saleor's PaymentError; `shopCode` is the shop's precise code
    (storefront.payments.errors.PaymentErrorCode's name)."""

    field = graphene.String(
        description="The input field at fault (camelCase); null: the request "
        "as a whole."
    )
    message = graphene.String(description="中文 / English")
    code = graphene.Field(PaymentErrorCode, required=True)
    shop_code = graphene.String(required=True)

    def resolve_code(self, info):
        return PAYMENT_CODES.get(self.code, str(self.code).upper()).lower()

    def resolve_shop_code(self, info):
        return _shop_code(PaymentCodes, self.code)


@dataclass(frozen=True)
class ErrorValue:
    """The resolved value behind any of the error types above."""

    field: str | None
    code: str
    message: str


def graphql_field(field: str | None) -> str | None:
    """A domain field name as the client typed it: `lines.0.variant_id`
    becomes `lines.0.variantId` (address fields map through
    addresses.SALEOR_ADDRESS_FIELDS instead)."""
    if not field:
        return None
    return ".".join(to_camel_case(part) for part in field.split("."))


_DOMAIN_FIELD = object()


def error_value(exc: DomainError, field=_DOMAIN_FIELD) -> ErrorValue:
    """The error object for `exc`, reported against `field` (the input name;
    by default the domain's field, camelCased)."""
    if field is _DOMAIN_FIELD:
        field = graphql_field(exc.field)
    return ErrorValue(field=field, code=choice_value(exc.code), message=exc.message)


def _unwrapped(graphene_type):
    while hasattr(graphene_type, "of_type"):
        graphene_type = graphene_type.of_type
    return graphene_type


def _codes_include_invalid(errors_field) -> bool:
    error_type = _unwrapped(errors_field.type)
    codes = _unwrapped(error_type._meta.fields["code"].type)
    return "INVALID" in codes._meta.enum.__members__


class DomainMutation(graphene.Mutation):
    """A mutation whose `perform` may raise DomainErrors.

    `ERROR_FIELDS` says which payload list each domain error class goes to;
    every listed field is `[]` on success. `input_field` maps the domain's
    field names to this mutation's input names. A DomainError of a class not
    listed is a programming error and is raised."""

    class Meta:
        abstract = True

    ERROR_FIELDS: dict[type[DomainError], str] = {}

    @classmethod
    def input_field(cls, field: str | None) -> str | None:
        return graphql_field(field)

    @classmethod
    def perform(cls, info, **data):
        raise NotImplementedError

    @classmethod
    def mutate(cls, root, info, **data):
        path = nul_path(data)
        if path is not None:
            # Fields inside `input` are named as the domain names them.
            if path[0] == "input" and len(path) > 1:
                path = path[1:]
            return cls.invalid_input(field_name(path))
        try:
            return cls.perform(info, **data)
        except DomainError as exc:
            return cls.failure(exc)

    @classmethod
    def invalid_input(cls, field: str):
        """The payload refusing `field` with INVALID in the first errors list,
        or, when that list's codes have no INVALID, the GraphQL error."""
        name = next(iter(cls.ERROR_FIELDS.values()), None)
        if name is None or not _codes_include_invalid(cls._meta.fields[name]):
            raise invalid_input(field)
        error = ErrorValue(field=field, code="invalid", message=NUL_MESSAGE)
        lists = {other: [] for other in cls.ERROR_FIELDS.values()}
        return cls(**{**lists, name: [error]})

    @classmethod
    def success(cls, **values):
        return cls(**{name: [] for name in cls.ERROR_FIELDS.values()}, **values)

    @classmethod
    def failure(cls, exc: DomainError, **values):
        """The payload for `exc`, plus whatever `values` are still worth
        returning (an order that was placed although payment failed)."""
        for error_class, name in cls.ERROR_FIELDS.items():
            if isinstance(exc, error_class):
                error = error_value(exc, cls.input_field(exc.field))
                values[name] = [error]
                lists = {other: [] for other in cls.ERROR_FIELDS.values()}
                return cls(**{**lists, **values})
        raise exc
