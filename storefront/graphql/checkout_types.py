"""GraphQL types of the cart: lines, shipments per workshop, totals, the
payment to confirm, and the `checkout(token)` query and mutation inputs."""

import graphene
from django.conf import settings
from django.db.models import Prefetch
from graphql_relay import to_global_id

from brands.models import Brand
from storefront.catalog.models import ProductVariant
from storefront.checkout import selectors
from storefront.checkout.models import Checkout
from storefront.payments import gateway

from . import addresses
from .money import Money
from .orders import Address
from .types import ProductType, ProductVariantType

# --- reading -----------------------------------------------------------------


def may_use(owner_id: int | None, user) -> bool:
    """A guest's cart is anyone's who holds the token; a user's is theirs."""
    if owner_id is None:
        return True
    return bool(user and user.is_authenticated and user.pk == owner_id)


def checkout_for(info, token) -> Checkout | None:
    checkout = selectors.checkout_by_token(token)
    if checkout is None or not may_use(checkout.user_id, info.context.user):
        return None
    return checkout


def _lines_with_products(checkout: Checkout):
    """The selector's lines plus what the `product` of a line can reach, so a
    cart of any size costs the same few queries."""
    return (
        selectors.checkout_lines(checkout)
        .select_related(
            "variant__product__workshop__village",
            "variant__product__origin_village",
            "variant__product__category",
        )
        .prefetch_related(
            Prefetch(
                "variant__product__variants",
                queryset=ProductVariant.objects.select_related("stock").order_by(
                    "sort_order", "pk"
                ),
            ),
            Prefetch(
                "variant__product__workshop__brands",
                queryset=Brand.objects.order_by("name"),
            ),
        )
    )


def summary_of(checkout: Checkout, *, lines: bool = False) -> selectors.CheckoutSummary:
    """Priced once per checkout object, however many fields ask for it.
    Totals alone need one light query; the lines' products load only when a
    field shows lines."""
    detailed = getattr(checkout, "_graphql_lines_summary", None)
    if detailed is not None:
        return detailed
    if lines:
        detailed = selectors.checkout_summary(checkout, _lines_with_products(checkout))
        checkout._graphql_lines_summary = detailed
        return detailed
    summary = getattr(checkout, "_graphql_summary", None)
    if summary is None:
        summary = selectors.checkout_summary(
            checkout, selectors.checkout_price_lines(checkout)
        )
        checkout._graphql_summary = summary
    return summary


class CheckoutLineType(graphene.ObjectType):
    class Meta:
        name = "CheckoutLine"

    id = graphene.ID(required=True, description="Global ID of type CheckoutLine")
    variant = graphene.Field(ProductVariantType, required=True)
    product = graphene.Field(ProductType, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(Money, required=True)

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
        return Money.from_fen(self.unit_price_fen)

    def resolve_total_price(self, info):
        return Money.from_fen(self.total_fen)


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


class CheckoutType(graphene.ObjectType):
    class Meta:
        name = "Checkout"

    token = graphene.UUID(required=True)
    email = graphene.String(required=True)
    note = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    quantity = graphene.Int(required=True, description="Units in the cart")
    shipping_address = graphene.Field(Address)
    shipments = graphene.List(
        graphene.NonNull(CheckoutShipment),
        required=True,
        description="One parcel per workshop",
    )
    subtotal_price = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(Money, required=True)

    # The value behind this type is a checkout.models.Checkout.
    def resolve_lines(self, info):
        return summary_of(self, lines=True).lines

    def resolve_quantity(self, info):
        return summary_of(self).quantity

    def resolve_shipping_address(self, info):
        return self if self.recipient_name else None

    def resolve_shipments(self, info):
        return summary_of(self, lines=True).shipments

    def resolve_subtotal_price(self, info):
        return Money.from_fen(summary_of(self).subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(summary_of(self).shipping_fen)

    def resolve_total_price(self, info):
        return Money.from_fen(summary_of(self).total_fen)


class PaymentType(graphene.ObjectType):
    """The Stripe PaymentIntent the browser confirms with Stripe.js."""

    class Meta:
        name = "Payment"

    payment_intent_id = graphene.String(required=True)
    client_secret = graphene.String(required=True)
    publishable_key = graphene.String(required=True)
    amount = graphene.Field(Money, required=True)
    payment_method_types = graphene.List(
        graphene.NonNull(graphene.String), required=True
    )

    # The value behind this type is a payments.models.Payment.
    def resolve_publishable_key(self, info):
        return settings.STRIPE_PUBLISHABLE_KEY

    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)

    def resolve_payment_method_types(self, info):
        return gateway.payment_method_types()


class CheckoutQuery(graphene.ObjectType):
    checkout = graphene.Field(
        CheckoutType,
        token=graphene.UUID(required=True),
        description="A cart by its token; null if unknown or someone else's.",
    )

    def resolve_checkout(self, info, token):
        return checkout_for(info, token)


# --- inputs ------------------------------------------------------------------


class CheckoutLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True, description="Global ID of a ProductVariant")
    quantity = graphene.Int(required=True, description="1–999; 0 removes (update)")


class CheckoutCreateInput(graphene.InputObjectType):
    email = graphene.String()
    lines = graphene.List(graphene.NonNull(CheckoutLineInput))


# Saleor's fields or this API's own (shared with the address book).
AddressInput = addresses.AddressInput


# --- mutations ---------------------------------------------------------------
