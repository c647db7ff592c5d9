"""Orders: the customer's page by secret token, and refunds by operators.

An order is not a Relay node: `node(id:)` cannot reach one. It is read with
`order(token:)` (whoever holds the secret link may read it) or returned by the
mutations that act on it. Its `id` is still a global ID (`Order:<pk>`), which
`orderRefund` accepts alongside the order number. The event log is shown to
platform operators only.
"""

import graphene
from graphql_relay import to_global_id

from brands.permissions import Action, user_can
from storefront.aftersales.selectors import requests_with_details
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    FulfillmentStatus,
    Order,
    OrderEventType,
    OrderStatus,
)
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.models import RefundStatus
from storefront.payments.refunds import order_refund
from storefront.payments.selectors import order_is_expired
from storefront.payments.services import order_expire_if_due

# One Address type for orders, checkouts and the address book (Saleor's).
from .addresses import Address  # noqa: F401 - re-exported
from .errors import (
    DomainMutation,
    choice_value,
    graphql_field,
    mirror_enum,
)
from .errors import OrderError as OrderErrorType
from .errors import PaymentError as PaymentErrorType
from .ids import decode_id
from .money import Money

# Saleor's EXPIRED besides our stored statuses: an unpaid order that ran out
# of time (cancelled by the expiry, or past its deadline and about to be).
EXPIRED = "expired"
OrderStatusEnum = graphene.Enum(
    "OrderStatus",
    [(member.name, member.value) for member in OrderStatus] + [("EXPIRED", EXPIRED)],
    description=(
        "Mirrors storefront.orders.models.OrderStatus, plus EXPIRED: not paid "
        "before its reservation ran out."
    ),
)
FulfillmentStatusEnum = mirror_enum(FulfillmentStatus, "FulfillmentStatus")
OrderEventTypeEnum = mirror_enum(OrderEventType, "OrderEventType")
RefundStatusEnum = mirror_enum(RefundStatus, "RefundStatus")


class OrderLineType(graphene.ObjectType):
    """What was bought, as it was when it was bought."""

    class Meta:
        name = "OrderLine"

    id = graphene.ID(required=True, description="Global ID of type OrderLine")
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    brand_name = graphene.String(required=True)
    workshop_name = graphene.String(required=True)
    village_name = graphene.String(required=True)
    unit_price = graphene.Field(Money, required=True)
    quantity = graphene.Int(required=True)
    total_price = graphene.Field(Money, required=True)
    quantity_fulfilled = graphene.Int(required=True)
    quantity_restocked = graphene.Int(required=True)

    # The value behind this type is an orders.models.OrderLine.
    def resolve_id(self, info):
        return to_global_id("OrderLine", self.pk)

    def resolve_unit_price(self, info):
        return Money.from_fen(self.unit_price_fen)

    def resolve_total_price(self, info):
        return Money.from_fen(self.total_fen)


class FulfillmentType(graphene.ObjectType):
    """One workshop's parcel."""

    class Meta:
        name = "Fulfillment"

    id = graphene.ID(
        required=True,
        description="Global ID of type Fulfillment (orderReturnRequestCreate)",
    )
    workshop_name = graphene.String(required=True)
    status = graphene.Field(FulfillmentStatusEnum, required=True)
    carrier = graphene.String(required=True)
    tracking_number = graphene.String(required=True)
    shipped_at = graphene.DateTime()
    subtotal = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)

    # The value behind this type is an orders.models.Fulfillment.
    def resolve_id(self, info):
        return to_global_id("Fulfillment", self.pk)

    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_subtotal(self, info):
        return Money.from_fen(self.subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)


class OrderEventEntry(graphene.ObjectType):
    class Meta:
        name = "OrderEvent"

    type = graphene.Field(OrderEventTypeEnum, required=True)
    date = graphene.DateTime(required=True)
    user = graphene.String(description="Username of whoever did it; null: system")
    data = graphene.JSONString(required=True)

    def resolve_type(self, info):
        return choice_value(self.type)

    def resolve_date(self, info):
        return self.created_at

    def resolve_user(self, info):
        return self.user.get_username() if self.user else None


class OrderType(graphene.ObjectType):
    class Meta:
        name = "Order"

    id = graphene.ID(required=True, description="Global ID of type Order")
    number = graphene.String(required=True, description="e.g. GF-2026-000123")
    token = graphene.UUID(required=True, description="The secret of the order link")
    status = graphene.Field(OrderStatusEnum, required=True)
    created = graphene.DateTime(required=True)
    paid_at = graphene.DateTime()
    reserved_until = graphene.DateTime(
        description="An unpaid order's stock is held until then"
    )
    email = graphene.String(required=True)
    note = graphene.String(required=True)
    shipping_address = graphene.Field(Address, required=True)
    lines = graphene.List(graphene.NonNull(OrderLineType), required=True)
    fulfillments = graphene.List(
        graphene.NonNull(FulfillmentType),
        required=True,
        description="One parcel per workshop",
    )
    subtotal = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)
    paid = graphene.Field(Money, required=True)
    refunded = graphene.Field(Money, required=True)
    refundable = graphene.Field(Money, required=True)
    events = graphene.List(
        graphene.NonNull(OrderEventEntry),
        description="Who did what, when; platform operators only (else null)",
    )
    return_requests = graphene.List(
        graphene.NonNull(lambda: _return_request_type()),
        required=True,
        description="The order's after-sales (售后) requests, newest first",
    )

    # The value behind this type is an orders.models.Order.
    def resolve_id(self, info):
        return to_global_id("Order", self.pk)

    def resolve_status(self, info):
        if self.status in (OrderStatus.UNPAID, OrderStatus.CANCELLED):
            if order_is_expired(self):
                return EXPIRED
        return choice_value(self.status)

    def resolve_created(self, info):
        return self.created_at

    def resolve_shipping_address(self, info):
        return self

    def resolve_lines(self, info):
        return self.lines.all()

    def resolve_fulfillments(self, info):
        return self.fulfillments.select_related("workshop")

    def resolve_subtotal(self, info):
        return Money.from_fen(self.subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)

    def resolve_total(self, info):
        return Money.from_fen(self.total_fen)

    def resolve_paid(self, info):
        return Money.from_fen(self.paid_fen)

    def resolve_refunded(self, info):
        return Money.from_fen(self.refunded_fen)

    def resolve_refundable(self, info):
        return Money.from_fen(self.refundable_fen)

    def resolve_events(self, info):
        if not user_can(info.context.user, Action.OPERATE_PLATFORM):
            return None
        return self.events.select_related("user")

    def resolve_return_requests(self, info):
        return requests_with_details().filter(order=self).order_by("-pk")


def _return_request_type():
    # aftersales_types builds on this module's types.
    from .aftersales_types import ReturnRequestType

    return ReturnRequestType


class OrderQuery(graphene.ObjectType):
    order = graphene.Field(
        OrderType,
        token=graphene.UUID(required=True),
        description="The order behind a secret order link; null if unknown.",
    )

    def resolve_order(self, info, token):
        order = Order.objects.filter(token=token).first()
        # As the order page: past its deadline it is released now.
        return order_expire_if_due(order=order) if order is not None else None


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
    line_id = graphene.ID(required=True, description="Global ID of an OrderLine")
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
        key = decode_id(line.line_id, "OrderLine") or f"invalid-{index}"
        wanted[key] = wanted.get(key, 0) + line.quantity
    return wanted


class OrderRefund(DomainMutation):
    """Give money back through Stripe Refunds (platform operators only).

    `amount` is in fen; without it, everything that remains refundable.
    `restock` puts units of the order's lines back on sale. `errors` mean
    nothing happened; `paymentErrors` mean Stripe could not be reached (or
    refused) and no money moved."""

    class Arguments:
        id = graphene.ID(required=True, description="Order global ID or number")
        amount = graphene.Int(description="Fen; default: all that remains")
        restock = graphene.List(graphene.NonNull(OrderRefundLineInput))
        reason = graphene.String()

    ERROR_FIELDS = {OrderError: "errors", PaymentError: "payment_errors"}

    order = graphene.Field(OrderType)
    refund = graphene.Field(RefundType)
    errors = graphene.List(graphene.NonNull(OrderErrorType), required=True)
    payment_errors = graphene.List(graphene.NonNull(PaymentErrorType), required=True)

    @classmethod
    def input_field(cls, field):
        if field == "order":
            return "id"
        return graphql_field(field)

    @classmethod
    def perform(cls, info, id, amount=None, restock=None, reason=""):
        user = info.context.user
        order = order_by_id(id)
        if order is None:
            # Only operators learn whether an order number exists.
            if not user_can(user, Action.OPERATE_PLATFORM):
                raise OrderError(OrderErrorCode.PERMISSION_DENIED)
            raise OrderError(OrderErrorCode.NOT_FOUND, field="order")
        refund = order_refund(
            order=order,
            user=user,
            amount_fen=amount,
            restock=_restock(restock),
            reason=reason or "",
        )
        order = Order.objects.get(pk=order.pk)
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
