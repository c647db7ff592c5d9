"""Orders in Saleor 3.23's shape, mapped onto ours (docs/saleor.md, Orders).

`order(id:)` reads an order by its global ID (`Order:<pk>`) for whoever may
read it (brands.permissions.may_read_order: its signed-in owner, platform
operators, the managers of a workshop with a parcel in it); anyone else gets
null, as Saleor answers. `orderByToken(token:)` reads it for whoever holds
the secret order link (a guest). The signed-in shopper's orders are
`me { orders }` (account_types). An order is not reachable with `node(id:)`.

Saleor's names win: `status` is Saleor's OrderStatus (ORDER_STATUS maps
ours), `paymentStatus` its PaymentChargeStatusEnum, prices are TaxedMoney
(gross = net, tax 0). Our own figures stay under names Saleor lacks:
`shopStatus`, `paidAt`, `reservedUntil`, `paid`, `refunded`, `refundable`,
`timeline`, `returnRequests`, and on each parcel (`Fulfillment`) its
workshop, carrier and tracking link. `orderRefund` (platform operators)
takes Saleor's `amount: PositiveDecimal!` in yuan."""

from decimal import Decimal

import graphene
from django.db.models import Prefetch
from graphql import GraphQLError
from graphql_relay import to_global_id

from brands.permissions import Action, may_read_order, user_can
from storefront.aftersales.selectors import requests_with_details
from storefront.core.money import MoneyParseError, parse_yuan
from storefront.orders.carriers import carrier_name, tracking_url
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.timeline import shopper_events_prefetch, timeline_line
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.models import RefundStatus
from storefront.payments.refunds import order_refund
from storefront.payments.selectors import order_is_expired
from storefront.payments.services import order_expire_if_due

# One Address type for orders, checkouts and the address book (Saleor's).
from .addresses import Address
from .channels import Channel, the_channel
from .checkout_delivery import Courier, DeliveryMethod
from .errors import (
    DomainMutation,
    choice_value,
    graphql_field,
    mirror_enum,
)
from .errors import OrderError as OrderErrorType
from .errors import PaymentError as PaymentErrorType
from .ids import decode_id
from .languages import LanguageCodeEnum
from .media import ThumbnailFormatEnum, image_of
from .metadata import TYPE_OF_MODEL, ObjectWithMetadata
from .money import Money, TaxedMoney
from .scalars import PositiveDecimal

# --- enums -------------------------------------------------------------------------

# Saleor's EXPIRED besides our stored statuses: an unpaid order that ran out
# of time (cancelled by the expiry, or past its deadline and about to be).
EXPIRED = "expired"
ShopOrderStatus = graphene.Enum(
    "ShopOrderStatus",
    [(member.name, member.value) for member in OrderStatus] + [("EXPIRED", EXPIRED)],
    description=(
        "The shop's own order status (storefront.orders.models.OrderStatus), "
        "plus EXPIRED: not paid before its reservation ran out."
    ),
)
ParcelStatus = mirror_enum(
    FulfillmentStatus,
    "ParcelStatus",
    "A workshop parcel's own status (storefront.orders.models.FulfillmentStatus).",
)
ShopOrderEventType = mirror_enum(OrderEventType, "ShopOrderEventType")
RefundStatusEnum = mirror_enum(RefundStatus, "RefundStatus")


def _saleor_enum(name: str, values: str, description: str = ""):
    return graphene.Enum(
        name, [(value, value) for value in values.split()], description=description
    )


OrderStatusEnum = _saleor_enum(
    "OrderStatus",
    "DRAFT UNCONFIRMED UNFULFILLED PARTIALLY_FULFILLED PARTIALLY_RETURNED "
    "RETURNED FULFILLED CANCELED EXPIRED",
    "Saleor's order status; ours is mapped onto it (ORDER_STATUS).",
)
FulfillmentStatusEnum = _saleor_enum(
    "FulfillmentStatus",
    "FULFILLED REFUNDED RETURNED REPLACED REFUNDED_AND_RETURNED CANCELED "
    "WAITING_FOR_APPROVAL",
)
PaymentChargeStatusEnum = _saleor_enum(
    "PaymentChargeStatusEnum",
    "NOT_CHARGED PENDING PARTIALLY_CHARGED FULLY_CHARGED PARTIALLY_REFUNDED "
    "FULLY_REFUNDED REFUSED CANCELLED",
)
OrderChargeStatusEnum = _saleor_enum(
    "OrderChargeStatusEnum", "NONE PARTIAL FULL OVERCHARGED"
)
OrderAuthorizeStatusEnum = _saleor_enum("OrderAuthorizeStatusEnum", "NONE PARTIAL FULL")
OrderEventsEnum = _saleor_enum(
    "OrderEventsEnum",
    "DRAFT_CREATED DRAFT_CREATED_FROM_REPLACE ADDED_PRODUCTS REMOVED_PRODUCTS "
    "PLACED PLACED_FROM_DRAFT PLACED_AUTOMATICALLY_FROM_PAID_CHECKOUT "
    "OVERSOLD_ITEMS CANCELED EXPIRED ORDER_MARKED_AS_PAID ORDER_FULLY_PAID "
    "ORDER_REPLACEMENT_CREATED ORDER_DISCOUNT_ADDED "
    "ORDER_DISCOUNT_AUTOMATICALLY_UPDATED ORDER_DISCOUNT_UPDATED "
    "ORDER_DISCOUNT_DELETED ORDER_LINE_DISCOUNT_UPDATED "
    "ORDER_LINE_DISCOUNT_REMOVED ORDER_LINE_PRODUCT_DELETED "
    "ORDER_LINE_VARIANT_DELETED UPDATED_ADDRESS EMAIL_SENT CONFIRMED "
    "PAYMENT_AUTHORIZED PAYMENT_CAPTURED EXTERNAL_SERVICE_NOTIFICATION "
    "PAYMENT_REFUNDED PAYMENT_VOIDED PAYMENT_FAILED TRANSACTION_EVENT "
    "TRANSACTION_CHARGE_REQUESTED TRANSACTION_REFUND_REQUESTED "
    "TRANSACTION_CANCEL_REQUESTED TRANSACTION_MARK_AS_PAID_FAILED "
    "INVOICE_REQUESTED INVOICE_GENERATED INVOICE_UPDATED INVOICE_SENT "
    "FULFILLMENT_CANCELED FULFILLMENT_RESTOCKED_ITEMS "
    "FULFILLMENT_FULFILLED_ITEMS FULFILLMENT_REFUNDED FULFILLMENT_RETURNED "
    "FULFILLMENT_REPLACED FULFILLMENT_AWAITS_APPROVAL TRACKING_UPDATED "
    "NOTE_ADDED NOTE_UPDATED OTHER",
)
DiscountValueTypeEnum = _saleor_enum("DiscountValueTypeEnum", "FIXED PERCENTAGE")
OrderDiscountType = _saleor_enum(
    "OrderDiscountType", "SALE VOUCHER MANUAL PROMOTION ORDER_PROMOTION"
)

# Ours -> Saleor's (docs/saleor.md). An unpaid order is UNCONFIRMED: Saleor's
# status for an order that is placed but not yet confirmed by payment.
ORDER_STATUS = {
    OrderStatus.UNPAID: "UNCONFIRMED",
    OrderStatus.PAID: "UNFULFILLED",
    OrderStatus.PARTIALLY_FULFILLED: "PARTIALLY_FULFILLED",
    OrderStatus.FULFILLED: "FULFILLED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.PARTIALLY_REFUNDED: "PARTIALLY_RETURNED",
    OrderStatus.REFUNDED: "RETURNED",
}
# Saleor's -> ours, for `where: {status: ...}`.
STATUSES_OF = {}
for _ours, _theirs in ORDER_STATUS.items():
    STATUSES_OF.setdefault(_theirs, []).append(_ours.value)
STATUSES_OF["EXPIRED"] = [OrderStatus.CANCELLED.value]
FULFILLMENT_STATUS = {
    FulfillmentStatus.PENDING: "WAITING_FOR_APPROVAL",
    FulfillmentStatus.SHIPPED: "FULFILLED",
    FulfillmentStatus.CANCELLED: "CANCELED",
}
EVENT_TYPE = {
    OrderEventType.PLACED: "PLACED",
    OrderEventType.PAYMENT_STARTED: "OTHER",
    OrderEventType.PAID: "ORDER_FULLY_PAID",
    OrderEventType.PAYMENT_FAILED: "PAYMENT_FAILED",
    OrderEventType.RESERVATION_EXPIRED: "EXPIRED",
    OrderEventType.CANCELLED: "CANCELED",
    OrderEventType.SHIPPED: "FULFILLMENT_FULFILLED_ITEMS",
    OrderEventType.REFUNDED: "PAYMENT_REFUNDED",
    OrderEventType.REFUND_FAILED: "OTHER",
    OrderEventType.RESTOCKED: "FULFILLMENT_RESTOCKED_ITEMS",
    OrderEventType.LATE_PAYMENT_REFUNDED: "PAYMENT_REFUNDED",
    OrderEventType.EMAIL_SENT: "EMAIL_SENT",
    OrderEventType.TRACKING_CORRECTED: "TRACKING_UPDATED",
    OrderEventType.DELIVERED: "OTHER",
    OrderEventType.SHIPPING_EMAIL_SENT: "EMAIL_SENT",
    OrderEventType.WORKSHOP_NOTIFIED: "OTHER",
}
PAYMENT_STATUS_LABELS = {
    "NOT_CHARGED": "未付款 Not charged",
    "PARTIALLY_CHARGED": "部分付款 Partially charged",
    "FULLY_CHARGED": "已付款 Fully charged",
    "PARTIALLY_REFUNDED": "部分退款 Partially refunded",
    "FULLY_REFUNDED": "已退款 Fully refunded",
}
LANGUAGE = "ZH_HANS"


def shop_status(order: Order) -> str:
    """Ours, with EXPIRED for an unpaid order that ran out of time (asked
    once per order object)."""
    known = getattr(order, "_shop_status", None)
    if known is not None and known[0] == order.status:
        return known[1]
    status = choice_value(order.status)
    if order.status in (OrderStatus.UNPAID, OrderStatus.CANCELLED):
        if order_is_expired(order):
            status = EXPIRED
    order._shop_status = (order.status, status)
    return status


def saleor_status(order: Order) -> str:
    if shop_status(order) == EXPIRED:
        return "EXPIRED"
    return ORDER_STATUS[OrderStatus(order.status)]


def payment_status(order: Order) -> str:
    """From the money figures alone (no query)."""
    if order.paid_fen == 0:
        return "NOT_CHARGED"
    if order.refunded_fen >= order.paid_fen:
        return "FULLY_REFUNDED"
    if order.refunded_fen > 0:
        return "PARTIALLY_REFUNDED"
    if order.paid_fen < order.total_fen:
        return "PARTIALLY_CHARGED"
    return "FULLY_CHARGED"


def charged_fen(order: Order) -> int:
    """Saleor's totalCharged: what was taken and not given back."""
    return order.paid_fen - order.refunded_fen


def _coverage(order: Order) -> str:
    charged = charged_fen(order)
    if charged <= 0:
        return "NONE"
    if charged > order.total_fen:
        return "OVERCHARGED"
    return "FULL" if charged == order.total_fen else "PARTIAL"


def orders_for_display(orders):
    """An Order queryset with everything the Order type reads prefetched
    (lines with variant, product, category and photos; parcels with their
    workshops), so a page of orders costs a fixed few queries."""
    return orders.select_related("user").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related(
                "variant__product__category",
                "variant__stock",
                "product",
            )
            .prefetch_related("variant__product__images")
            .order_by("pk"),
        ),
        Prefetch(
            "fulfillments",
            queryset=Fulfillment.objects.select_related("workshop").order_by("pk"),
        ),
    )


# --- types ------------------------------------------------------------------------


class OrderLineType(graphene.ObjectType):
    """What was bought, as it was when it was bought (Saleor's OrderLine)."""

    class Meta:
        name = "OrderLine"
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True, description="Global ID of type OrderLine")
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    translated_product_name = graphene.String(required=True)
    translated_variant_name = graphene.String(required=True)
    product_sku = graphene.String()
    product_variant_id = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    quantity_fulfilled = graphene.Int(required=True)
    quantity_to_fulfill = graphene.Int(required=True)
    tax_rate = graphene.Float(required=True)
    thumbnail = graphene.Field(
        "storefront.graphql.media.Image",
        size=graphene.Int(description="Width in px; the nearest stored one."),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    )
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(TaxedMoney, required=True)
    unit_discount = graphene.Field(Money, required=True)
    unit_discount_value = graphene.Field(PositiveDecimal, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(TaxedMoney, required=True)
    variant = graphene.Field(
        "storefront.graphql.variants.ProductVariant",
        description="Null once the variant is gone from the catalogue.",
    )
    # The shop's own.
    sku = graphene.String(required=True)
    brand_name = graphene.String(required=True)
    workshop_name = graphene.String(required=True)
    village_name = graphene.String(required=True)
    quantity_restocked = graphene.Int(required=True)

    # The value behind this type is an orders.models.OrderLine.
    def resolve_id(self, info):
        return to_global_id("OrderLine", self.pk)

    def resolve_translated_product_name(self, info):
        return self.product_name

    def resolve_translated_variant_name(self, info):
        return self.variant_name

    def resolve_product_sku(self, info):
        return self.sku or None

    def resolve_product_variant_id(self, info):
        return (
            to_global_id("ProductVariant", self.variant_id) if self.variant_id else None
        )

    def resolve_is_shipping_required(self, info):
        return True

    def resolve_quantity_to_fulfill(self, info):
        return max(self.quantity - self.quantity_fulfilled, 0)

    def resolve_tax_rate(self, info):
        return 0.0

    def resolve_thumbnail(self, info, size=None, format=None):
        # The variant's product (its photos prefetched), else the product
        # kept after the variant was removed.
        product = self.variant.product if self.variant is not None else self.product
        if product is None:
            return None
        return image_of(info, next(iter(product.images.all()), None), size)

    def resolve_unit_price(self, info):
        return TaxedMoney.from_fen(self.unit_price_fen)

    resolve_undiscounted_unit_price = resolve_unit_price

    def resolve_unit_discount(self, info):
        return Money.from_fen(0)

    def resolve_unit_discount_value(self, info):
        return Decimal(0)

    def resolve_total_price(self, info):
        return TaxedMoney.from_fen(self.total_fen)

    resolve_undiscounted_total_price = resolve_total_price

    def resolve_variant(self, info):
        return self.variant


class FulfillmentLine(graphene.ObjectType):
    """A parcel's share of an order line: one workshop ships each line whole."""

    id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)
    order_line = graphene.Field(OrderLineType)

    # The value behind this type is an orders.models.OrderLine.
    def resolve_id(self, info):
        return to_global_id("FulfillmentLine", self.pk)

    def resolve_order_line(self, info):
        return self


class FulfillmentType(graphene.ObjectType):
    """One workshop's parcel (Saleor's Fulfillment; the shop's extras:
    workshop, carrier, tracking link, money)."""

    class Meta:
        name = "Fulfillment"
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(
        required=True,
        description="Global ID of type Fulfillment (orderReturnRequestCreate)",
    )
    fulfillment_order = graphene.Int(required=True)
    status = graphene.Field(
        FulfillmentStatusEnum,
        required=True,
        description="WAITING_FOR_APPROVAL: not shipped yet; FULFILLED: shipped; "
        "CANCELED: will not ship.",
    )
    status_display = graphene.String()
    tracking_number = graphene.String(required=True)
    created = graphene.DateTime(required=True)
    lines = graphene.List(graphene.NonNull(FulfillmentLine))
    # The shop's own.
    parcel_status = graphene.Field(ParcelStatus, required=True)
    workshop_name = graphene.String(required=True)
    carrier = graphene.String(required=True, description="Carrier code; '' if none")
    carrier_name = graphene.String(required=True)
    tracking_url = graphene.String(description="The carrier's tracking page")
    shipped_at = graphene.DateTime()
    delivered_at = graphene.DateTime()
    subtotal = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)

    # The value behind this type is an orders.models.Fulfillment.
    def resolve_id(self, info):
        return to_global_id("Fulfillment", self.pk)

    def resolve_fulfillment_order(self, info):
        return self.pk

    def resolve_status(self, info):
        return FULFILLMENT_STATUS[FulfillmentStatus(self.status)]

    def resolve_status_display(self, info):
        return FulfillmentStatus(self.status).label

    def resolve_created(self, info):
        return self.shipped_at or self.order.created_at

    def resolve_lines(self, info):
        return [
            line
            for line in self.order.lines.all()
            if line.workshop_id == self.workshop_id
        ]

    def resolve_parcel_status(self, info):
        return choice_value(self.status)

    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_carrier_name(self, info):
        return carrier_name(self.carrier) if self.carrier else ""

    def resolve_tracking_url(self, info):
        if not self.tracking_number:
            return None
        return tracking_url(self.carrier, self.tracking_number) or None

    def resolve_subtotal(self, info):
        return Money.from_fen(self.subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)


class OrderEventEntry(graphene.ObjectType):
    """Who did what, when (Saleor's OrderEvent; `shopType` and `data` are ours)."""

    class Meta:
        name = "OrderEvent"

    id = graphene.ID(required=True)
    date = graphene.DateTime()
    type = graphene.Field(OrderEventsEnum)
    user = graphene.Field("storefront.graphql.account_types.User")
    message = graphene.String(description="The event as one line (中文 English)")
    email = graphene.String()
    amount = graphene.Float(description="Yuan, for payments and refunds")
    order_number = graphene.String()
    # The shop's own.
    shop_type = graphene.Field(ShopOrderEventType, required=True)
    data = graphene.JSONString(required=True)

    def resolve_id(self, info):
        return to_global_id("OrderEvent", self.pk)

    def resolve_date(self, info):
        return self.created_at

    def resolve_type(self, info):
        return EVENT_TYPE.get(OrderEventType(self.type), "OTHER")

    def resolve_message(self, info):
        return timeline_line(self)

    def resolve_email(self, info):
        data = self.data if isinstance(self.data, dict) else {}
        return data.get("email") or data.get("to")

    def resolve_amount(self, info):
        data = self.data if isinstance(self.data, dict) else {}
        fen = data.get("amount_fen")
        return float(Decimal(fen) / 100) if isinstance(fen, int) else None

    def resolve_order_number(self, info):
        return self.order.number

    def resolve_shop_type(self, info):
        return choice_value(self.type)


class Voucher(graphene.ObjectType):
    """Saleor's voucher; the shop has no promotions yet, so none is ever set."""

    id = graphene.ID(required=True)
    name = graphene.String()
    code = graphene.String()


class OrderDiscount(graphene.ObjectType):
    """Saleor's order discount; the shop has none yet (always `[]`)."""

    id = graphene.ID(required=True)
    type = graphene.Field(OrderDiscountType, required=True)
    name = graphene.String()
    value_type = graphene.Field(DiscountValueTypeEnum, required=True)
    value = graphene.Field(PositiveDecimal, required=True)
    amount = graphene.Field(Money, required=True)


class OrderType(graphene.ObjectType):
    class Meta:
        name = "Order"
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True, description="Global ID of type Order")
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    status = graphene.Field(OrderStatusEnum, required=True)
    status_display = graphene.String(required=True, description="中文 English")
    user = graphene.Field(
        "storefront.graphql.account_types.User",
        description="The account that placed it; shown to that account and to "
        "operators only.",
    )
    billing_address = graphene.Field(
        Address, description="The one address the order has (as shipping)"
    )
    shipping_address = graphene.Field(Address)
    shipping_method_name = graphene.String()
    channel = graphene.Field(Channel, required=True)
    fulfillments = graphene.List(
        graphene.NonNull(FulfillmentType),
        required=True,
        description="One parcel per workshop (shipped or not)",
    )
    lines = graphene.List(graphene.NonNull(OrderLineType), required=True)
    number = graphene.String(required=True, description="e.g. GF-2026-000123")
    is_paid = graphene.Boolean(required=True)
    payment_status = graphene.Field(PaymentChargeStatusEnum, required=True)
    payment_status_display = graphene.String(required=True)
    authorize_status = graphene.Field(OrderAuthorizeStatusEnum, required=True)
    charge_status = graphene.Field(OrderChargeStatusEnum, required=True)
    tax_exemption = graphene.Boolean(required=True)
    total = graphene.Field(TaxedMoney, required=True)
    undiscounted_total = graphene.Field(TaxedMoney, required=True)
    undiscounted_shipping_price = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    shipping_tax_rate = graphene.Float(required=True)
    token = graphene.String(required=True, description="The secret of the order link")
    voucher = graphene.Field(Voucher)
    voucher_code = graphene.String()
    customer_note = graphene.String(required=True)
    subtotal = graphene.Field(TaxedMoney, required=True)
    total_authorized = graphene.Field(Money, required=True)
    total_captured = graphene.Field(Money, required=True)
    total_charged = graphene.Field(Money, required=True)
    total_canceled = graphene.Field(Money, required=True)
    total_refunded = graphene.Field(Money, required=True)
    total_balance = graphene.Field(
        Money, required=True, description="totalCharged - total (negative: owed)"
    )
    events = graphene.List(
        graphene.NonNull(OrderEventEntry),
        required=True,
        description="Who did what, when; platform operators only (else [])",
    )
    user_email = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    delivery_method = graphene.Field(DeliveryMethod)
    language_code = graphene.String(required=True)
    language_code_enum = graphene.Field(LanguageCodeEnum, required=True)
    discounts = graphene.List(graphene.NonNull(OrderDiscount), required=True)
    display_gross_prices = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(lambda: OrderErrorType), required=True)
    # The shop's own.
    shop_status = graphene.Field(ShopOrderStatus, required=True)
    paid_at = graphene.DateTime()
    reserved_until = graphene.DateTime(
        description="An unpaid order's stock is held until then"
    )
    email = graphene.String(required=True)
    note = graphene.String(required=True)
    paid = graphene.Field(Money, required=True)
    refunded = graphene.Field(Money, required=True)
    refundable = graphene.Field(Money, required=True)
    timeline = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The shopper's status timeline, one line per event (中文 English)",
    )
    return_requests = graphene.List(
        graphene.NonNull(lambda: _return_request_type()),
        required=True,
        description="The order's after-sales (售后) requests, newest first",
    )

    # The value behind this type is an orders.models.Order.
    def resolve_id(self, info):
        return to_global_id("Order", self.pk)

    def resolve_created(self, info):
        return self.created_at

    def resolve_status(self, info):
        return saleor_status(self)

    def resolve_status_display(self, info):
        status = shop_status(self)
        if status == EXPIRED:
            return "已过期 expired"
        return OrderStatus(status).label

    def resolve_user(self, info):
        viewer = info.context.user
        if self.user_id is None:
            return None
        if viewer.is_authenticated and viewer.pk == self.user_id:
            return self.user
        if user_can(viewer, Action.OPERATE_PLATFORM):
            return self.user
        return None

    def resolve_billing_address(self, info):
        return self

    def resolve_shipping_address(self, info):
        return self

    def resolve_shipping_method_name(self, info):
        return Courier(self.shipping_fen).name

    def resolve_channel(self, info):
        return the_channel()

    def resolve_fulfillments(self, info):
        parcels = list(self.fulfillments.all())
        for parcel in parcels:
            parcel.order = self  # its lines are the order's prefetched ones
        return parcels

    def resolve_lines(self, info):
        return self.lines.all()

    def resolve_number(self, info):
        return self.number or ""

    def resolve_is_paid(self, info):
        return self.paid_at is not None and self.paid_fen >= self.total_fen

    def resolve_payment_status(self, info):
        return payment_status(self)

    def resolve_payment_status_display(self, info):
        return PAYMENT_STATUS_LABELS[payment_status(self)]

    def resolve_authorize_status(self, info):
        coverage = _coverage(self)
        return "FULL" if coverage == "OVERCHARGED" else coverage

    def resolve_charge_status(self, info):
        return _coverage(self)

    def resolve_tax_exemption(self, info):
        return False

    def resolve_total(self, info):
        return TaxedMoney.from_fen(self.total_fen)

    resolve_undiscounted_total = resolve_total

    def resolve_undiscounted_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)

    def resolve_shipping_price(self, info):
        return TaxedMoney.from_fen(self.shipping_fen)

    def resolve_shipping_tax_rate(self, info):
        return 0.0

    def resolve_token(self, info):
        return str(self.token)

    def resolve_voucher(self, info):
        return None

    def resolve_voucher_code(self, info):
        return None

    def resolve_customer_note(self, info):
        return self.note

    def resolve_subtotal(self, info):
        return TaxedMoney.from_fen(self.subtotal_fen)

    def resolve_total_authorized(self, info):
        return Money.from_fen(0)

    def resolve_total_captured(self, info):
        return Money.from_fen(charged_fen(self))

    resolve_total_charged = resolve_total_captured

    def resolve_total_canceled(self, info):
        return Money.from_fen(0)

    def resolve_total_refunded(self, info):
        return Money.from_fen(self.refunded_fen)

    def resolve_total_balance(self, info):
        return Money.from_fen(charged_fen(self) - self.total_fen)

    def resolve_events(self, info):
        if not user_can(info.context.user, Action.OPERATE_PLATFORM):
            return []
        return self.events.select_related("user", "order")

    def resolve_user_email(self, info):
        return self.email

    def resolve_is_shipping_required(self, info):
        return True

    def resolve_delivery_method(self, info):
        return Courier(self.shipping_fen)

    def resolve_language_code(self, info):
        return "zh-hans"

    def resolve_language_code_enum(self, info):
        return LANGUAGE

    def resolve_discounts(self, info):
        return []

    def resolve_display_gross_prices(self, info):
        return True

    def resolve_errors(self, info):
        return []

    def resolve_shop_status(self, info):
        return shop_status(self)

    def resolve_paid(self, info):
        return Money.from_fen(self.paid_fen)

    def resolve_refunded(self, info):
        return Money.from_fen(self.refunded_fen)

    def resolve_refundable(self, info):
        return Money.from_fen(self.refundable_fen)

    def resolve_timeline(self, info):
        events = getattr(self, "timeline_events", None)
        if events is None:
            events = (
                Order.objects.filter(pk=self.pk)
                .prefetch_related(shopper_events_prefetch())
                .get()
                .timeline_events
            )
        return [timeline_line(event) for event in events]

    def resolve_return_requests(self, info):
        return requests_with_details().filter(order=self).order_by("-pk")


# Saleor's ObjectWithMetadata resolves these models to these types.
TYPE_OF_MODEL.update(
    {Order: OrderType, OrderLine: OrderLineType, Fulfillment: FulfillmentType}
)


def _return_request_type():
    # aftersales_types builds on this module's types.
    from .aftersales_types import ReturnRequestType

    return ReturnRequestType


# --- queries ------------------------------------------------------------------------


def readable_order(user, pk: int) -> Order | None:
    """The order `pk` if `user` may read it by id (may_read_order), else None;
    past its payment deadline it is released first, as on its page."""
    order = orders_for_display(Order.objects.filter(pk=pk)).first()
    if order is None or not may_read_order(
        user, owner_id=order.user_id, parcels=order.fulfillments.all()
    ):
        return None
    status = order.status
    if order_expire_if_due(order=order).status != status:
        return orders_for_display(Order.objects.filter(pk=pk)).first()
    return order


class OrderQuery(graphene.ObjectType):
    order = graphene.Field(
        OrderType,
        id=graphene.ID(description="ID of an order."),
        external_reference=graphene.String(
            description="External ID of an order (the order number here)."
        ),
        description="Look up an order by ID or external reference (its "
        "number): its owner, platform operators and the managers of its "
        "workshops; null for anyone else.",
    )
    order_by_token = graphene.Field(
        OrderType,
        token=graphene.UUID(required=True),
        description="The order behind a secret order link (guests); null if unknown.",
        deprecation_reason="Use `order(id:)` when signed in (Saleor's deprecation).",
    )

    def resolve_order(self, info, id=None, external_reference=None):
        if id is not None:
            pk = decode_id(id, "Order")
            if pk is None:
                # Saleor: "Couldn't resolve id" / "Must receive an Order id".
                raise GraphQLError(
                    "订单 ID 无效 (invalid ID: not an Order's)",
                    extensions={"code": "INVALID", "field": "id"},
                )
        elif external_reference:
            pk = (
                Order.objects.filter(number=external_reference.strip())
                .values_list("pk", flat=True)
                .first()
            )
        else:
            return None
        return readable_order(info.context.user, pk) if pk else None

    def resolve_order_by_token(self, info, token):
        order = orders_for_display(Order.objects.filter(token=token)).first()
        if order is None:
            return None
        # As the order page: past its deadline it is released now.
        status = order.status
        if order_expire_if_due(order=order).status != status:
            return orders_for_display(Order.objects.filter(pk=order.pk)).first()
        return order


# --- orderRefund ----------------------------------------------------------------------


class RefundType(graphene.ObjectType):
    class Meta:
        name = "Refund"

    amount = graphene.Field(Money, required=True)
    status = graphene.Field(RefundStatusEnum, required=True)
    reason = graphene.String(required=True)
    created = graphene.DateTime(required=True)

    # The value behind this type is a payments.models.Refund.
    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_created(self, info):
        return self.created_at


class OrderRefundLineInput(graphene.InputObjectType):
    order_line_id = graphene.ID(required=True, description="Global ID of an OrderLine")
    quantity = graphene.Int(required=True, description="Units to put back in stock")


def order_by_id(value: str) -> Order | None:
    """By global ID (`Order:<pk>`) or by number (GF-2026-000123)."""
    pk = decode_id(value, "Order")
    if pk is not None:
        return Order.objects.filter(pk=pk).first()
    return Order.objects.filter(number=(value or "").strip()).first()


def _restock(lines) -> dict:
    """{order line pk: units}. An ID that is not an OrderLine's global ID
    becomes a key the domain refuses (INVALID_RESTOCK) after it has checked
    permission, so a non-operator learns nothing from it."""
    wanted: dict = {}
    for index, line in enumerate(lines or []):
        key = decode_id(line.order_line_id, "OrderLine") or f"invalid-{index}"
        wanted[key] = wanted.get(key, 0) + line.quantity
    return wanted


def amount_in_fen(amount) -> int:
    """Saleor's PositiveDecimal yuan as exact fen; more than two decimals
    (or anything else not an amount) is INVALID_AMOUNT."""
    try:
        return parse_yuan(format(Decimal(amount), "f"))
    except (MoneyParseError, ArithmeticError, ValueError):
        raise OrderError(OrderErrorCode.INVALID_AMOUNT, field="amount") from None


class OrderRefund(DomainMutation):
    """Give money back through Stripe Refunds (platform operators only).

    `amount` is in yuan (Saleor's PositiveDecimal, at most two decimals).
    `restock` puts units of the order's lines back on sale. `errors` mean
    nothing happened; `paymentErrors` mean Stripe could not be reached (or
    refused) and no money moved."""

    class Arguments:
        id = graphene.ID(required=True, description="Order global ID (or number)")
        amount = PositiveDecimal(required=True, description="Yuan (元) to refund")
        restock = graphene.List(graphene.NonNull(OrderRefundLineInput))
        reason = graphene.String()

    ERROR_FIELDS = {OrderError: "errors", PaymentError: "payment_errors"}

    order = graphene.Field(OrderType)
    order_errors = graphene.List(
        graphene.NonNull(OrderErrorType),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    errors = graphene.List(graphene.NonNull(OrderErrorType), required=True)
    refund = graphene.Field(RefundType)
    payment_errors = graphene.List(graphene.NonNull(PaymentErrorType), required=True)

    @classmethod
    def input_field(cls, field):
        if field == "order":
            return "id"
        return graphql_field(field)

    @classmethod
    def mutate(cls, root, info, **data):
        result = super().mutate(root, info, **data)
        result.order_errors = result.errors
        return result

    @classmethod
    def perform(cls, info, id, amount, restock=None, reason=""):
        user = info.context.user
        order = order_by_id(id)
        if order is None:
            # Only operators learn whether an order number exists.
            if not user_can(user, Action.OPERATE_PLATFORM):
                raise OrderError(OrderErrorCode.PERMISSION_DENIED)
            raise OrderError(OrderErrorCode.NOT_FOUND, field="order")
        if not user_can(user, Action.OPERATE_PLATFORM):
            raise OrderError(OrderErrorCode.PERMISSION_DENIED)
        refund = order_refund(
            order=order,
            user=user,
            amount_fen=amount_in_fen(amount),
            restock=_restock(restock),
            reason=reason or "",
        )
        order = orders_for_display(Order.objects.filter(pk=order.pk)).get()
        if refund.status == RefundStatus.FAILED:
            return cls.failure(
                PaymentError(
                    PaymentErrorCode.PROVIDER_ERROR,
                    detail=("退款失败", "refund failed"),
                ),
                order=order,
                refund=refund,
            )
        return cls.success(order=order, refund=refund)


class OrderMutations(graphene.ObjectType):
    order_refund = OrderRefund.Field()
