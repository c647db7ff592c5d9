"""Payments the Saleor way: paymentGatewayInitialize, transactionInitialize,
transactionProcess, answered as Saleor's Stripe app answers them.

In this shop an order is placed (its stock reserved) before it is paid, and
the order is what is paid. So `transactionInitialize` on a checkout places
its order (or finds the one already placed: same order whatever the order
of calls) and opens or reuses the order's PaymentIntent, through the same
services as the web pay page (storefront.payments.checkout_complete). A
`TransactionItem` is that PaymentIntent (our payments.Payment). The signed
Stripe webhook stays the only place an order becomes paid:
`transactionProcess` reports the payment as our records have it and never
settles it, so processing twice answers the same."""

from decimal import Decimal

import graphene

from brands.permissions import may_use_checkout
from storefront.checkout import selectors
from storefront.core.errors import DomainError
from storefront.links.attribution import attribution_from_request
from storefront.orders.models import Order
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.models import Payment, PaymentStatus

from .checkout_errors import Refusal, token_argument
from .gateways import STRIPE_GATEWAY_ID, stripe_initialize_data
from .ids import decode_id
from .scalars import PositiveDecimal
from .transaction_types import (
    JSON,
    PaymentGatewayConfig,
    PaymentGatewayConfigError,
    PaymentGatewayInitializeError,
    PaymentGatewayToInitialize,
    TransactionEvent,
    TransactionFlowStrategyEnum,
    TransactionInitializeError,
    TransactionItem,
    TransactionProcessError,
    data_of,
    event_of,
)


def _refused(field, zh, en, code="INVALID"):
    return Refusal(code, field=field, zh=zh, en=en)


def _not_found() -> Refusal:
    return _refused("id", "购物车不存在", "Checkout not found", code="NOT_FOUND")


def _payable(info, id) -> tuple[object, object, Order | None]:
    """(token, the live checkout or None, its order or None) of a checkout
    id the caller may use; a Refusal otherwise."""
    token = token_argument(id=id)
    checkout = selectors.checkout_by_token(token)
    order = None
    if checkout is None:
        order = Order.objects.filter(checkout_token=token).first()
        if order is None:
            raise _not_found()
    owner = checkout.user_id if checkout is not None else order.user_id
    if not may_use_checkout(owner, info.context.user):
        raise _not_found()
    return token, checkout, order


def _error(error_type, exc: DomainError, field=None):
    return error_type(
        field=field if field is not None else exc.field,
        code=exc.code if isinstance(exc, Refusal) else _code_of(exc),
        message=exc.message,
    )


def _code_of(exc: DomainError) -> str:
    return "NOT_FOUND" if getattr(exc.code, "name", "") == "NOT_FOUND" else "INVALID"


class PaymentGatewayInitialize(graphene.Mutation):
    class Arguments:
        amount = PositiveDecimal()
        id = graphene.ID(required=True)
        payment_gateways = graphene.List(graphene.NonNull(PaymentGatewayToInitialize))

    gateway_configs = graphene.List(graphene.NonNull(PaymentGatewayConfig))
    errors = graphene.List(
        graphene.NonNull(PaymentGatewayInitializeError), required=True
    )

    @classmethod
    def mutate(cls, root, info, id, amount=None, payment_gateways=None):
        try:
            _payable(info, id)
        except Refusal as exc:
            return cls(
                gateway_configs=None,
                errors=[_error(PaymentGatewayInitializeError, exc)],
            )
        wanted = (
            [g.id for g in payment_gateways]
            if payment_gateways
            else [STRIPE_GATEWAY_ID]
        )
        configs = []
        for gateway_id in wanted:
            if gateway_id != STRIPE_GATEWAY_ID:
                error = PaymentGatewayConfigError(
                    field="id",
                    code="NOT_FOUND",
                    message=f"没有这个支付网关 / No payment gateway {gateway_id}",
                )
                configs.append(PaymentGatewayConfig(id=gateway_id, errors=[error]))
                continue
            configs.append(
                PaymentGatewayConfig(
                    id=STRIPE_GATEWAY_ID, data=stripe_initialize_data(), errors=[]
                )
            )
        return cls(gateway_configs=configs, errors=[])


def amount_fen(amount) -> int | None:
    """Saleor's PositiveDecimal yuan as fen; a fraction of a fen is refused."""
    if amount is None:
        return None
    fen = Decimal(amount) * 100
    if fen != fen.to_integral_value():
        raise _refused("amount", "金额最多两位小数", "At most two decimal places")
    return int(fen)


def _changed() -> Refusal:
    return _refused(
        "amount",
        "金额与当前订单总额不符：购物车已变动，请确认新的金额后再付款",
        "The amount differs from the checkout's total: it changed since; "
        "check the new total and pay again",
    )


class TransactionInitialize(graphene.Mutation):
    """Place the checkout's order (or find it) and open or reuse its
    PaymentIntent; `data.paymentIntent.stripeClientSecret` is for Stripe.js.
    `amount`, when given, must be the checkout's total now (else nothing is
    placed and no payment is opened)."""

    class Arguments:
        action = TransactionFlowStrategyEnum()
        amount = PositiveDecimal()
        customer_ip_address = graphene.String()
        id = graphene.ID(required=True)
        idempotency_key = graphene.String()
        payment_gateway = PaymentGatewayToInitialize(required=True)

    transaction = graphene.Field(TransactionItem)
    transaction_event = graphene.Field(TransactionEvent)
    data = JSON()
    errors = graphene.List(graphene.NonNull(TransactionInitializeError), required=True)

    @classmethod
    def fail(cls, exc, field=None):
        return cls(errors=[_error(TransactionInitializeError, exc, field)])

    @classmethod
    def mutate(cls, root, info, id, payment_gateway, action=None, amount=None, **_):
        if payment_gateway.id != STRIPE_GATEWAY_ID:
            return cls.fail(
                _refused(
                    "paymentGateway",
                    "没有这个支付网关",
                    "No such payment gateway",
                    "NOT_FOUND",
                )
            )
        if getattr(action, "value", action) == "AUTHORIZATION":
            return cls.fail(
                _refused(
                    "action",
                    "只支持直接扣款",
                    "Only CHARGE is supported: orders are paid at once",
                )
            )
        try:
            fen = amount_fen(amount)
            token, checkout, order = _payable(info, id)
            if fen is not None:
                total = order.total_fen if order is not None else None
                if checkout is not None:
                    from .checkout_types import summary_of

                    total = summary_of(checkout).total_fen
                if total != fen:
                    raise _changed()
            completed = checkout_complete(
                checkout_token=token,
                user=info.context.user,
                expected_total_fen=fen,
                attribution=attribution_from_request(info.context),
            )
        except Refusal as exc:
            return cls.fail(exc)
        except DomainError as exc:
            field = "amount" if exc.field == "total" else None
            return cls.fail(exc, field=field or _camel(exc.field))
        if completed.payment_error is not None:
            return cls.fail(completed.payment_error, field="id")
        payment = (
            completed.payment
            or completed.order.payments.filter(status=PaymentStatus.SUCCEEDED).first()
        )
        if payment is None:
            return cls.fail(
                _refused(
                    "id",
                    "该订单无需支付或已取消",
                    "This order is already paid or was cancelled",
                )
            )
        return cls(
            transaction=payment,
            transaction_event=event_of(payment),
            data=data_of(payment),
            errors=[],
        )


def _camel(field):
    from .errors import graphql_field

    return graphql_field(field)


class TransactionProcess(graphene.Mutation):
    """The transaction as our records have it, with the client secret while
    it still waits to be paid. Reads only: the webhook settles payments."""

    class Arguments:
        customer_ip_address = graphene.String()
        data = JSON()
        id = graphene.ID()
        token = graphene.UUID()

    transaction = graphene.Field(TransactionItem)
    transaction_event = graphene.Field(TransactionEvent)
    data = JSON()
    errors = graphene.List(graphene.NonNull(TransactionProcessError), required=True)

    @classmethod
    def mutate(cls, root, info, id=None, token=None, data=None, **_):
        pk = decode_id(id, "TransactionItem") if id is not None else None
        if pk is None:
            error = TransactionProcessError(
                field="id",
                code="INVALID" if id is not None else "NOT_FOUND",
                message="无效的交易 ID / Not a TransactionItem id",
            )
            return cls(errors=[error])
        payment = Payment.objects.select_related("order").filter(pk=pk).first()
        if payment is None or not may_use_checkout(
            payment.order.user_id, info.context.user
        ):
            error = TransactionProcessError(
                field="id",
                code="NOT_FOUND",
                message="交易不存在 / Transaction not found",
            )
            return cls(errors=[error])
        if payment.amount_fen != payment.order.total_fen:
            error = TransactionProcessError(
                field="id",
                code="INVALID",
                message="交易金额与订单不符 / The transaction's amount differs "
                "from the order's total",
            )
            return cls(errors=[error])
        return cls(
            transaction=payment,
            transaction_event=event_of(payment),
            data=data_of(payment),
            errors=[],
        )


class TransactionMutations(graphene.ObjectType):
    payment_gateway_initialize = PaymentGatewayInitialize.Field()
    transaction_initialize = TransactionInitialize.Field()
    transaction_process = TransactionProcess.Field()
