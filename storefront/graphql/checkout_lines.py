"""A checkout's lines in Saleor's shape (TaxedMoney prices, problems), the
shop's per-workshop parcels (`CheckoutShipment`) and the small Saleor types
a checkout shows empty (gift cards)."""

import graphene
from graphql_relay import to_global_id

from storefront.checkout.services import available_quantity, is_for_sale

from .checkout_delivery import Delivery
from .metadata import ObjectWithMetadata
from .money import Money, TaxedMoney
from .types import ProductType, ProductVariantType


class CheckoutLineType(graphene.ObjectType):
    class Meta:
        name = "CheckoutLine"
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True, description="Global ID of type CheckoutLine")
    variant = graphene.Field(ProductVariantType, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(Money, required=True)
    requires_shipping = graphene.Boolean(required=True)
    is_gift = graphene.Boolean()
    problems = graphene.List(graphene.NonNull(lambda: CheckoutLineProblem))
    product = graphene.Field(ProductType, required=True, description="The shop's own")

    # The value behind this type is a selectors.PricedLine.
    def resolve_id(self, info):
        return to_global_id("CheckoutLine", self.line.pk)

    def resolve_variant(self, info):
        return self.variant

    def resolve_product(self, info):
        return self.variant.product

    def resolve_quantity(self, info):
        return self.quantity

    def resolve_unit_price(self, info):
        return TaxedMoney.from_fen(self.unit_price_fen)

    def resolve_undiscounted_unit_price(self, info):
        return Money.from_fen(self.unit_price_fen)

    def resolve_total_price(self, info):
        return TaxedMoney.from_fen(self.total_fen)

    def resolve_undiscounted_total_price(self, info):
        return Money.from_fen(self.total_fen)

    def resolve_requires_shipping(self, info):
        return True

    def resolve_is_gift(self, info):
        return False

    def resolve_problems(self, info):
        return line_problems(self)


class CheckoutLineProblemInsufficientStock(graphene.ObjectType):
    available = graphene.Int()
    line = graphene.Field(CheckoutLineType, required=True)
    variant = graphene.Field(ProductVariantType, required=True)


class CheckoutLineProblemVariantNotAvailable(graphene.ObjectType):
    line = graphene.Field(CheckoutLineType, required=True)


class CheckoutLineProblem(graphene.Union):
    class Meta:
        types = (
            CheckoutLineProblemInsufficientStock,
            CheckoutLineProblemVariantNotAvailable,
        )


def line_problems(priced) -> list:
    """What would stop this line at checkoutComplete: off sale, or more
    than is left in stock (the lines must have been loaded with stock)."""
    if not is_for_sale(priced.variant):
        return [CheckoutLineProblemVariantNotAvailable(line=priced)]
    available = available_quantity(priced.variant)
    if available is not None and priced.quantity > available:
        return [
            CheckoutLineProblemInsufficientStock(
                available=max(available, 0), line=priced, variant=priced.variant
            )
        ]
    return []


class CheckoutProblemDeliveryMethodStale(graphene.ObjectType):
    delivery = graphene.Field(Delivery, required=True)


class CheckoutProblemDeliveryMethodInvalid(graphene.ObjectType):
    delivery = graphene.Field(Delivery, required=True)


class CheckoutProblem(graphene.Union):
    class Meta:
        types = (
            CheckoutProblemDeliveryMethodStale,
            CheckoutProblemDeliveryMethodInvalid,
            CheckoutLineProblemInsufficientStock,
            CheckoutLineProblemVariantNotAvailable,
        )


class GiftCard(graphene.ObjectType):
    """Saleor's gift card; this shop sells none, so `giftCards` is empty."""

    id = graphene.ID(required=True)
    display_code = graphene.String(required=True)
    current_balance = graphene.Field(Money, required=True)


CheckoutAuthorizeStatusEnum = graphene.Enum(
    "CheckoutAuthorizeStatusEnum", [(c, c) for c in ("NONE", "PARTIAL", "FULL")]
)
CheckoutChargeStatusEnum = graphene.Enum(
    "CheckoutChargeStatusEnum",
    [(c, c) for c in ("NONE", "PARTIAL", "FULL", "OVERCHARGED")],
)


class CheckoutShipment(graphene.ObjectType):
    """One workshop's parcel, with that workshop's shipping rate."""

    workshop_name = graphene.String(required=True)
    workshop_slug = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    subtotal = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)
    free_shipping_threshold = graphene.Field(
        Money, description="Shipping is free from this subtotal; null: never"
    )

    # The value behind this type is a selectors.Shipment.
    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_workshop_slug(self, info):
        return self.workshop.slug

    def resolve_lines(self, info):
        return self.lines

    def resolve_subtotal(self, info):
        return Money.from_fen(self.subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)

    def resolve_free_shipping_threshold(self, info):
        return Money.from_fen(self.workshop.free_shipping_threshold_fen)
