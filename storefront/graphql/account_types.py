"""The shopper's account over GraphQL, in Saleor 3.23's names and shapes
(`User`, `Address`, `AccountError`, `AccountErrorCode`), mapped onto ours.

`Address` and `AddressInput` (the address book's, an order's and a
checkout's alike) are in addresses.py."""

import graphene
from graphql_relay import to_global_id

from brands.permissions import may_use_own_account
from storefront.accounts.addresses import addresses_of
from storefront.accounts.errors import AccountError as DomainAccountError
from storefront.accounts.errors import AccountErrorCode as Codes
from storefront.accounts.models import Profile
from storefront.orders.models import Order

from .addresses import Address, AddressTypeEnum
from .ids import decode_id
from .languages import LanguageCodeEnum
from .media import Image, ThumbnailFormatEnum
from .metadata import ObjectWithMetadata
from .orders import (
    LANGUAGE,
    STATUSES_OF,
    OrderStatusEnum,
    OrderType,
    orders_for_display,
)
from .pagination import paginate

# Saleor's AccountErrorCode, all of it (its values are its names).
SALEOR_CODES = """
ACTIVATE_OWN_ACCOUNT ACTIVATE_SUPERUSER_ACCOUNT DUPLICATED_INPUT_ITEM
DEACTIVATE_OWN_ACCOUNT DEACTIVATE_SUPERUSER_ACCOUNT DELETE_NON_STAFF_USER
DELETE_OWN_ACCOUNT DELETE_STAFF_ACCOUNT DELETE_SUPERUSER_ACCOUNT GRAPHQL_ERROR
INACTIVE INVALID INVALID_PASSWORD LEFT_NOT_MANAGEABLE_PERMISSION
INVALID_CREDENTIALS NOT_FOUND OUT_OF_SCOPE_USER OUT_OF_SCOPE_GROUP
OUT_OF_SCOPE_PERMISSION PASSWORD_ENTIRELY_NUMERIC PASSWORD_TOO_COMMON
PASSWORD_TOO_SHORT PASSWORD_TOO_SIMILAR PASSWORD_RESET_ALREADY_REQUESTED
REQUIRED UNIQUE JWT_SIGNATURE_EXPIRED JWT_INVALID_TOKEN JWT_DECODE_ERROR
JWT_MISSING_TOKEN JWT_INVALID_CSRF_TOKEN CHANNEL_INACTIVE MISSING_CHANNEL_SLUG
ACCOUNT_NOT_CONFIRMED LOGIN_ATTEMPT_DELAYED DISABLED_AUTHENTICATION_METHOD
UNKNOWN_IP_ADDRESS FILE_SIZE_LIMIT_EXCEEDED
""".split()

AccountErrorCode = graphene.Enum(
    "AccountErrorCode",
    [(code, code) for code in SALEOR_CODES],
    description="Saleor's account error codes; storefront.accounts.errors "
    "codes are mapped onto them (account_error).",
)


class AccountError(graphene.ObjectType):
    """Represents errors in account mutations (Saleor's shape)."""

    field = graphene.String(
        description="The input field at fault (Saleor's name: countryArea, "
        "redirectUrl, ...); null: the request as a whole"
    )
    message = graphene.String(description="中文 / English")
    code = graphene.Field(AccountErrorCode, required=True)
    address_type = graphene.Field(AddressTypeEnum)


# Our domain code -> Saleor's.
_SALEOR_CODE = {
    Codes.INVALID_EMAIL: "INVALID",
    Codes.INVALID_MOBILE: "INVALID",
    Codes.WEAK_PASSWORD: "INVALID",
    Codes.WRONG_PASSWORD: "INVALID_PASSWORD",
    Codes.SAME_EMAIL: "INVALID",
    Codes.INVALID_LINK: "INVALID",
    Codes.STAFF_ACCOUNT: "DELETE_STAFF_ACCOUNT",
    Codes.ADDRESS_REQUIRED: "REQUIRED",
    Codes.ADDRESS_INVALID: "INVALID",
    Codes.POSTAL_CODE_INVALID: "INVALID",
    Codes.TOO_MANY_ADDRESSES: "INVALID",
    Codes.NOT_FOUND: "NOT_FOUND",
    Codes.INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
    Codes.LOGIN_ATTEMPT_DELAYED: "LOGIN_ATTEMPT_DELAYED",
    Codes.JWT_SIGNATURE_EXPIRED: "JWT_SIGNATURE_EXPIRED",
    Codes.JWT_INVALID_TOKEN: "JWT_INVALID_TOKEN",
    Codes.REDIRECT_URL_NOT_ALLOWED: "INVALID",
    Codes.COUNTRY_NOT_SUPPORTED: "INVALID",
}
# Django's password validators' codes -> Saleor's.
_PASSWORD_CODE = {
    "password_too_short": "PASSWORD_TOO_SHORT",
    "password_too_common": "PASSWORD_TOO_COMMON",
    "password_entirely_numeric": "PASSWORD_ENTIRELY_NUMERIC",
    "password_too_similar": "PASSWORD_TOO_SIMILAR",
}


def saleor_code(exc: DomainAccountError) -> str:
    if exc.code == Codes.WEAK_PASSWORD:
        for reason in getattr(exc, "reasons", ()):
            if reason in _PASSWORD_CODE:
                return _PASSWORD_CODE[reason]
    return _SALEOR_CODE.get(exc.code, "INVALID")


class OrderCountableConnection(graphene.relay.Connection):
    class Meta:
        node = OrderType
        strict_types = True

    total_count = graphene.Int(description="A total count of items in the collection.")

    def resolve_total_count(self, info):
        if self.known_total is None:
            self.known_total = self.queryset.count()
        return self.known_total


class OrderStatusEnumFilterInput(graphene.InputObjectType):
    eq = graphene.Field(OrderStatusEnum)
    one_of = graphene.List(graphene.NonNull(OrderStatusEnum))


class CustomerOrderWhereInput(graphene.InputObjectType):
    """Part of Saleor's: by order ids and by (Saleor's) status."""

    ids = graphene.List(graphene.NonNull(graphene.ID))
    status = graphene.Field(OrderStatusEnumFilterInput)


def _statuses(status_filter) -> list[str] | None:
    if not status_filter:
        return None
    wanted = list(status_filter.get("one_of") or [])
    if status_filter.get("eq") is not None:
        wanted.append(status_filter["eq"])
    names = [getattr(value, "value", value) for value in wanted]
    return [ours for name in names for ours in STATUSES_OF.get(name, [])]


def orders_where(orders, where):
    """CustomerOrderWhereInput applied to an Order queryset."""
    if not where:
        return orders
    if where.get("ids") is not None:
        pks = [decode_id(value, "Order") for value in where["ids"]]
        orders = orders.filter(pk__in=[pk for pk in pks if pk is not None])
    statuses = _statuses(where.get("status"))
    if statuses is not None:
        orders = orders.filter(status__in=statuses)
    return orders


class User(graphene.ObjectType):
    """A shopper's account: the signed-in one (`me`), or any for operators
    (`user(id:)`)."""

    class Meta:
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True, description="The ID of the user.")
    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True)
    is_active = graphene.Boolean(required=True)
    is_confirmed = graphene.Boolean(
        required=True, description="Determines if user has confirmed email."
    )
    date_joined = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    last_login = graphene.DateTime()
    note = graphene.String()
    language_code = graphene.Field(LanguageCodeEnum, required=True)
    avatar = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
        description="Always null: accounts have no pictures here.",
    )
    addresses = graphene.List(
        graphene.NonNull(Address),
        required=True,
        description="List of all user's addresses (the default first).",
    )
    default_shipping_address = graphene.Field(Address)
    default_billing_address = graphene.Field(Address)
    orders = graphene.Field(
        OrderCountableConnection,
        where=CustomerOrderWhereInput(),
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(description="At most 100 are returned."),
        last=graphene.Int(description="At most 100 are returned."),
        description="The user's orders, newest first.",
    )

    # The value behind this type is an auth user the asker may read (me, a
    # mutation's own account, or any for operators).
    def resolve_id(self, info):
        return to_global_id("User", self.pk)

    def resolve_is_confirmed(self, info):
        try:
            return self.profile.email_verified_at is not None
        except Profile.DoesNotExist:
            return False

    def resolve_updated_at(self, info):
        try:
            return self.profile.updated_at
        except Profile.DoesNotExist:
            return self.date_joined

    def resolve_note(self, info):
        return None

    def resolve_language_code(self, info):
        return LANGUAGE

    def resolve_avatar(self, info, size=None, format=None):
        return None

    def resolve_addresses(self, info):
        return _address_book(self)

    def resolve_default_shipping_address(self, info):
        return next((a for a in _address_book(self) if a.is_default), None)

    resolve_default_billing_address = resolve_default_shipping_address

    def resolve_orders(self, info, where=None, **page):
        if not may_use_own_account(self):
            return None
        orders = orders_for_display(
            orders_where(Order.objects.filter(user=self), where)
        ).order_by("-created_at", "-pk")
        return paginate(orders, OrderCountableConnection, **page)


def _address_book(user) -> list:
    """Loaded once per user object (addresses and both defaults)."""
    book = getattr(user, "_address_book", None)
    if book is None:
        book = list(addresses_of(user))
        user._address_book = book
    return book
