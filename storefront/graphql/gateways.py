"""The payment gateway a Saleor client sees: Saleor's Stripe app, whose id
and `data` this shop answers in the app's own shapes
(`paymentGatewayInitialize` → `{stripePublishableKey}`,
`transactionInitialize` → `{paymentIntent: {stripeClientSecret}}`)."""

import graphene
from django.conf import settings

from storefront.core.money import CURRENCY
from storefront.payments import gateway

STRIPE_GATEWAY_ID = "saleor.app.payment.stripe"
STRIPE_GATEWAY_NAME = "Stripe"


class GatewayConfigLine(graphene.ObjectType):
    field = graphene.String(required=True)
    value = graphene.String()


class PaymentGateway(graphene.ObjectType):
    name = graphene.String(required=True)
    id = graphene.ID(required=True)
    config = graphene.List(graphene.NonNull(GatewayConfigLine), required=True)
    currencies = graphene.List(graphene.NonNull(graphene.String), required=True)


def stripe_gateway() -> PaymentGateway:
    return PaymentGateway(
        name=STRIPE_GATEWAY_NAME,
        id=STRIPE_GATEWAY_ID,
        config=[],
        currencies=[CURRENCY],
    )


def stripe_initialize_data() -> dict:
    """The Stripe app's answer to paymentGatewayInitialize, plus the payment
    method types this shop enables (card, alipay, wechat_pay)."""
    return {
        "stripePublishableKey": settings.STRIPE_PUBLISHABLE_KEY,
        "paymentMethodTypes": gateway.payment_method_types(),
    }
