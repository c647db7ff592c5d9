"""The transaction API's types in Saleor 3.23's shapes: `TransactionItem`
(one Stripe PaymentIntent for an order's total: our payments.Payment),
`TransactionEvent` (its state as our records have it), the gateway configs
and the error types of paymentGatewayInitialize / transactionInitialize /
transactionProcess."""

import uuid
from dataclasses import dataclass

import graphene
from graphene.types.generic import GenericScalar
from graphql_relay import to_global_id

from storefront.payments.models import Payment, PaymentStatus

from .metadata import TYPE_OF_MODEL, ObjectWithMetadata
from .money import Money
from .orders import OrderType


class JSON(GenericScalar):
    class Meta:
        name = "JSON"


TransactionFlowStrategyEnum = graphene.Enum(
    "TransactionFlowStrategyEnum",
    [("AUTHORIZATION", "AUTHORIZATION"), ("CHARGE", "CHARGE")],
)
TransactionActionEnum = graphene.Enum(
    "TransactionActionEnum", [(c, c) for c in ("CHARGE", "REFUND", "CANCEL")]
)
TransactionEventTypeEnum = graphene.Enum(
    "TransactionEventTypeEnum",
    [
        (c, c)
        for c in (
            "CHARGE_ACTION_REQUIRED",
            "CHARGE_SUCCESS",
            "CHARGE_FAILURE",
            "CHARGE_REQUEST",
            "CANCEL_SUCCESS",
        )
    ],
)


def _stripe_url(payment: Payment) -> str:
    return f"https://dashboard.stripe.com/payments/{payment.payment_intent_id}"


@dataclass
class Event:
    payment: Payment
    type: str
    message: str


def event_of(payment: Payment) -> Event:
    """The payment's state as an event, from our records (the webhook's)."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return Event(payment, "CHARGE_SUCCESS", "已支付 Paid")
    if payment.status == PaymentStatus.CANCELLED:
        return Event(payment, "CANCEL_SUCCESS", "已取消 Cancelled")
    if payment.provider_status == "processing":
        return Event(payment, "CHARGE_REQUEST", "处理中 Processing")
    if payment.last_error:
        return Event(payment, "CHARGE_FAILURE", payment.last_error)
    return Event(payment, "CHARGE_ACTION_REQUIRED", "待支付 Awaiting payment")


def data_of(payment: Payment) -> dict | None:
    """Saleor's Stripe app's `data`: the client secret to confirm with."""
    if payment.status != PaymentStatus.PENDING:
        return None
    return {"paymentIntent": {"stripeClientSecret": payment.client_secret}}


class TransactionEvent(graphene.ObjectType):
    id = graphene.ID(required=True)
    created_at = graphene.DateTime(required=True)
    psp_reference = graphene.String(required=True)
    message = graphene.String(required=True)
    external_url = graphene.String(required=True)
    amount = graphene.Field(Money, required=True)
    type = graphene.Field(TransactionEventTypeEnum)
    idempotency_key = graphene.String()

    # The value behind this type is an Event.
    def resolve_id(self, info):
        return to_global_id("TransactionEvent", f"{self.payment.pk}-{self.type}")

    def resolve_created_at(self, info):
        return self.payment.updated_at

    def resolve_psp_reference(self, info):
        return self.payment.payment_intent_id

    def resolve_external_url(self, info):
        return _stripe_url(self.payment)

    def resolve_amount(self, info):
        return Money.from_fen(self.payment.amount_fen)


def _fen_if(payment: Payment, *statuses) -> Money:
    return Money.from_fen(payment.amount_fen if payment.status in statuses else 0)


class TransactionItem(graphene.ObjectType):
    """One PaymentIntent for an order's total."""

    class Meta:
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True)
    token = graphene.UUID(required=True)
    created_at = graphene.DateTime(required=True)
    modified_at = graphene.DateTime(required=True)
    actions = graphene.List(graphene.NonNull(TransactionActionEnum), required=True)
    authorized_amount = graphene.Field(Money, required=True)
    authorize_pending_amount = graphene.Field(Money, required=True)
    refunded_amount = graphene.Field(Money, required=True)
    refund_pending_amount = graphene.Field(Money, required=True)
    canceled_amount = graphene.Field(Money, required=True)
    cancel_pending_amount = graphene.Field(Money, required=True)
    charged_amount = graphene.Field(Money, required=True)
    charge_pending_amount = graphene.Field(Money, required=True)
    name = graphene.String(required=True)
    message = graphene.String(required=True)
    psp_reference = graphene.String(required=True)
    order = graphene.Field(OrderType)
    events = graphene.List(graphene.NonNull(TransactionEvent), required=True)
    external_url = graphene.String(required=True)

    # The value behind this type is a payments.models.Payment.
    def resolve_id(self, info):
        return to_global_id("TransactionItem", self.pk)

    def resolve_token(self, info):
        return uuid.uuid5(uuid.NAMESPACE_URL, f"stripe:{self.payment_intent_id}")

    def resolve_modified_at(self, info):
        return self.updated_at

    def resolve_actions(self, info):
        return []  # refunds go through the shop's own orderRefund

    def resolve_authorized_amount(self, info):
        return Money.from_fen(0)

    resolve_authorize_pending_amount = resolve_authorized_amount
    resolve_refunded_amount = resolve_authorized_amount
    resolve_refund_pending_amount = resolve_authorized_amount
    resolve_cancel_pending_amount = resolve_authorized_amount

    def resolve_canceled_amount(self, info):
        return _fen_if(self, PaymentStatus.CANCELLED)

    def resolve_charged_amount(self, info):
        return _fen_if(self, PaymentStatus.SUCCEEDED)

    def resolve_charge_pending_amount(self, info):
        return _fen_if(self, PaymentStatus.PENDING)

    def resolve_name(self, info):
        return "Stripe"

    def resolve_message(self, info):
        return self.last_error or ""

    def resolve_psp_reference(self, info):
        return self.payment_intent_id

    def resolve_events(self, info):
        return [event_of(self)]

    def resolve_external_url(self, info):
        return _stripe_url(self)


TYPE_OF_MODEL[Payment] = TransactionItem


class PaymentGatewayToInitialize(graphene.InputObjectType):
    id = graphene.String(required=True)
    data = JSON()


def _codes(name, *extra):
    return graphene.Enum(
        name, [(c, c) for c in ("GRAPHQL_ERROR", "INVALID", "NOT_FOUND", *extra)]
    )


def _error_type(name, code_enum):
    return type(
        name,
        (graphene.ObjectType,),
        {
            "field": graphene.String(),
            "message": graphene.String(),
            "code": graphene.Field(code_enum, required=True),
        },
    )


PaymentGatewayConfigError = _error_type(
    "PaymentGatewayConfigError", _codes("PaymentGatewayConfigErrorCode")
)
PaymentGatewayInitializeError = _error_type(
    "PaymentGatewayInitializeError", _codes("PaymentGatewayInitializeErrorCode")
)
TransactionInitializeError = _error_type(
    "TransactionInitializeError",
    _codes("TransactionInitializeErrorCode", "UNIQUE"),
)
TransactionProcessError = _error_type(
    "TransactionProcessError",
    _codes("TransactionProcessErrorCode", "TRANSACTION_ALREADY_PROCESSED"),
)


class PaymentGatewayConfig(graphene.ObjectType):
    id = graphene.String(required=True)
    data = JSON()
    errors = graphene.List(graphene.NonNull(PaymentGatewayConfigError))
