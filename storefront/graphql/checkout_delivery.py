"""Delivery the Saleor way over the per-workshop parcels.

Each workshop ships its own parcel at its own rate (free above its
threshold); Saleor's client sees ONE delivery method, "快递 Courier",
whose price is the sum of the parcel fees (`Checkout.shippingPrice`). The
parcels themselves stay readable as `Checkout.shipments`.
`checkoutDeliveryMethodUpdate` records the choice, `deliveryOptionsCalculate`
offers the method."""

import graphene
from graphql_relay import to_global_id

from storefront.checkout.extras import COURIER, checkout_delivery_method_update

from .checkout_errors import (
    CheckoutMutation,
    Refusal,
    token_argument,
)
from .ids import decode_id
from .metadata import ObjectWithMetadata
from .money import Money

COURIER_PK = 1
COURIER_NAME = "快递 Courier"
# Workshops post within two days; mainland couriers take one to three more.
MIN_DAYS, MAX_DAYS = 2, 5


class ShippingMethod(graphene.ObjectType):
    """The courier: every workshop's parcel, priced at the sum of their fees."""

    class Meta:
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    description = graphene.JSONString()
    maximum_delivery_days = graphene.Int()
    minimum_delivery_days = graphene.Int()
    price = graphene.Field(Money, required=True)
    active = graphene.Boolean(required=True)
    message = graphene.String()

    # The value behind this type is a Courier.


class Courier:
    """The one method, for one checkout's shipping fee."""

    metadata: dict = {}

    def __init__(self, shipping_fen: int):
        self.id = to_global_id("ShippingMethod", COURIER_PK)
        self.name = COURIER_NAME
        self.description = None
        self.maximum_delivery_days = MAX_DAYS
        self.minimum_delivery_days = MIN_DAYS
        self.price = Money.from_fen(shipping_fen)
        self.active = True
        self.message = None


class Delivery(graphene.ObjectType):
    id = graphene.ID(required=True)
    shipping_method = graphene.Field(ShippingMethod)


class Warehouse(graphene.ObjectType):
    """Saleor's click-and-collect point; this shop has none (no pick-up)."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)


class DeliveryMethod(graphene.Union):
    class Meta:
        types = (Warehouse, ShippingMethod)

    @classmethod
    def resolve_type(cls, instance, info):
        return ShippingMethod if isinstance(instance, Courier) else Warehouse


def delivery_of(checkout, shipping_fen: int) -> Delivery:
    return Delivery(
        id=to_global_id("Delivery", f"{checkout.token}:{COURIER}"),
        shipping_method=Courier(shipping_fen),
    )


class CheckoutDeliveryMethodUpdate(CheckoutMutation):
    """Choose the courier (its ID is in `shippingMethods` and
    `deliveryOptionsCalculate`); any other ID is NOT_FOUND."""

    class Arguments:
        delivery_method_id = graphene.ID()
        id = graphene.ID()
        token = graphene.UUID(deprecation_reason="Use `id` instead.")

    checkout = graphene.Field("storefront.graphql.checkout_types.CheckoutType")

    @classmethod
    def perform(cls, info, delivery_method_id=None, id=None, token=None):
        from .checkout_types import owned_checkout

        checkout = owned_checkout(info, token_argument(id=id, token=token))
        if delivery_method_id is None:
            checkout = checkout_delivery_method_update(checkout=checkout, method="")
            return cls.success(checkout=checkout)
        if decode_id(delivery_method_id, "ShippingMethod") != COURIER_PK:
            raise Refusal(
                "NOT_FOUND",
                field="deliveryMethodId",
                zh="没有这种配送方式",
                en="No such delivery method",
            )
        checkout = checkout_delivery_method_update(checkout=checkout, method=COURIER)
        return cls.success(checkout=checkout)


DeliveryOptionsCalculateErrorCode = graphene.Enum(
    "DeliveryOptionsCalculateErrorCode",
    [(c, c) for c in ("GRAPHQL_ERROR", "NOT_FOUND", "INVALID")],
)


class DeliveryOptionsCalculateError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(DeliveryOptionsCalculateErrorCode, required=True)


class DeliveryOptionsCalculate(graphene.Mutation):
    """The delivery options of a checkout: the courier, priced now."""

    class Arguments:
        id = graphene.ID(required=True)

    deliveries = graphene.List(graphene.NonNull(Delivery), required=True)
    errors = graphene.List(
        graphene.NonNull(DeliveryOptionsCalculateError), required=True
    )

    @classmethod
    def mutate(cls, root, info, id):
        from .checkout_types import checkout_for, summary_of

        try:
            token = token_argument(id=id)
        except Refusal as refusal:
            error = DeliveryOptionsCalculateError(
                field="id", code=refusal.code, message=refusal.message
            )
            return cls(deliveries=[], errors=[error])
        checkout = checkout_for(info, token)
        if checkout is None:
            error = DeliveryOptionsCalculateError(
                field="id",
                code="NOT_FOUND",
                message="购物车不存在或已结算 / Cart not found or already checked out",
            )
            return cls(deliveries=[], errors=[error])
        summary = summary_of(checkout)
        if not summary.shipments:
            return cls(deliveries=[], errors=[])
        return cls(deliveries=[delivery_of(checkout, summary.shipping_fen)], errors=[])
