"""GraphQL types of the cart in Saleor 3.23's shape (`Checkout`,
`CheckoutLine`, TaxedMoney prices, one delivery method), with the shop's own
extras beside them (`shipments`: one parcel per workshop with its rate and
free-shipping threshold; `note`; `product` on a line), the
`checkout(id:, token:)` query and the mutations' inputs."""

import graphene
from django.conf import settings
from graphql import GraphQLError

from brands.permissions import may_use_checkout
from storefront.checkout import selectors
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.extras import COURIER
from storefront.checkout.models import Checkout
from storefront.payments import gateway

from . import addresses
from .account_types import User
from .catalog_types import ProductLoad, fields_at, load_rows, product_load, set_page
from .channels import the_channel
from .checkout_delivery import (
    Courier,
    Delivery,
    DeliveryMethod,
    ShippingMethod,
    delivery_of,
)
from .checkout_errors import Refusal, token_argument
from .checkout_lines import (
    CheckoutAuthorizeStatusEnum,
    CheckoutChargeStatusEnum,
    CheckoutLineType,
    CheckoutProblem,
    CheckoutShipment,
    GiftCard,
    line_problems,
)
from .gateways import PaymentGateway, stripe_gateway
from .ids import checkout_global_id
from .languages import LanguageCodeEnum
from .metadata import TYPE_OF_MODEL, MetadataInput, ObjectWithMetadata
from .money import Money, TaxedMoney
from .orders import Address

# --- reading -----------------------------------------------------------------


def may_use(owner_id: int | None, user) -> bool:
    return may_use_checkout(owner_id, user)


def checkout_for(info, token) -> Checkout | None:
    checkout = selectors.checkout_by_token(token)
    if checkout is None or not may_use(checkout.user_id, info.context.user):
        return None
    return checkout


def owned_checkout(info, token) -> Checkout:
    """The caller's checkout by token, else NOT_FOUND on `id`."""
    checkout = checkout_for(info, token)
    if checkout is None:
        raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="id")
    return checkout


# Checkout fields that show the lines, not just their totals.
LINE_FIELDS = ("lines", "shipments", "problems")


def _lines_with_products(checkout: Checkout, load: ProductLoad):
    """The lines with what their checks read (stock, sale status) and the
    tables `load` names for their products, then the products' variants and
    photos, two queries for any cart (`load_rows`), so that a line's
    `variant { product { thumbnail } }` costs no query of its own."""
    lines = list(
        checkout.lines.select_related(
            "variant__stock",
            "variant__product__brand",
            "variant__product__workshop",
            "variant__workshop__village",
            *(f"variant__product__{join}" for join in load.joins),
        )
    )
    products = {}
    for line in lines:
        # Lines of one product share one instance, so all find its rows.
        line.variant.product = products.setdefault(
            line.variant.product_id, line.variant.product
        )
    set_page(load_rows(products.values(), load))
    return lines


def plan_lines(checkout: Checkout | None, info, *path: str) -> Checkout | None:
    """When the query shows the checkout's lines (at `path` below the field
    being resolved), load them once, with what it reads of their products,
    rather than the totals first and the lines again."""
    if checkout is not None and any(fields_at(info, *path, f) for f in LINE_FIELDS):
        checkout._graphql_line_load = product_load(
            info, *path, "lines", "variant", "product"
        )
    return checkout


def summary_of(checkout: Checkout, *, lines: bool = False) -> selectors.CheckoutSummary:
    """Priced once per checkout object, however many fields ask for it.
    Totals alone need one light query; the lines' products load only when a
    field shows lines (with what `plan_lines` found the query reads of them,
    else everything)."""
    detailed = getattr(checkout, "_graphql_lines_summary", None)
    if detailed is not None:
        return detailed
    load = getattr(checkout, "_graphql_line_load", None)
    if lines or load is not None:
        detailed = selectors.checkout_summary(
            checkout, _lines_with_products(checkout, load or ProductLoad())
        )
        checkout._graphql_lines_summary = detailed
        return detailed
    summary = getattr(checkout, "_graphql_summary", None)
    if summary is None:
        summary = selectors.checkout_summary(
            checkout, selectors.checkout_price_lines(checkout)
        )
        checkout._graphql_summary = summary
    return summary


# --- the checkout -------------------------------------------------------------


class CheckoutBilling:
    """A checkout's billing address (stored as a dict) for the Address type."""

    def __init__(self, checkout: Checkout):
        self.pk = checkout.pk
        data = checkout.billing_address or {}
        for name in ("recipient_name", "phone", "province", "city", "district"):
            setattr(self, name, data.get(name, ""))
        self.street_address = data.get("street_address", "")
        self.postal_code = data.get("postal_code", "")


class CheckoutType(graphene.ObjectType):
    """A cart on its way to becoming an order. Prices are computed on the
    server from the variants as they are now; `shippingPrice` is the sum of
    the workshops' parcel fees whether or not the courier was chosen yet."""

    class Meta:
        name = "Checkout"
        interfaces = (ObjectWithMetadata,)

    id = graphene.ID(required=True, description="Checkout:<token>")
    token = graphene.UUID(required=True)
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    last_change = graphene.DateTime(required=True)
    user = graphene.Field(User)
    channel = graphene.Field("storefront.graphql.channels.Channel", required=True)
    billing_address = graphene.Field(Address)
    shipping_address = graphene.Field(Address)
    customer_note = graphene.String(required=True)
    note = graphene.String(required=True)
    discount = graphene.Field(Money)
    discount_name = graphene.String()
    translated_discount_name = graphene.String()
    voucher_code = graphene.String()
    available_shipping_methods = graphene.List(
        graphene.NonNull(ShippingMethod), required=True
    )
    shipping_methods = graphene.List(graphene.NonNull(ShippingMethod), required=True)
    available_payment_gateways = graphene.List(
        graphene.NonNull(PaymentGateway), required=True
    )
    email = graphene.String()
    gift_cards = graphene.List(graphene.NonNull(GiftCard), required=True)
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True, description="Units in the cart")
    stock_reservation_expires = graphene.DateTime()
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    shipping_price = graphene.Field(TaxedMoney, required=True)
    delivery = graphene.Field(Delivery)
    shipping_method = graphene.Field(ShippingMethod)
    delivery_method = graphene.Field(DeliveryMethod)
    subtotal_price = graphene.Field(TaxedMoney, required=True)
    tax_exemption = graphene.Boolean(required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    total_balance = graphene.Field(Money, required=True)
    language_code = graphene.Field(LanguageCodeEnum, required=True)
    display_gross_prices = graphene.Boolean(required=True)
    authorize_status = graphene.Field(CheckoutAuthorizeStatusEnum, required=True)
    charge_status = graphene.Field(CheckoutChargeStatusEnum, required=True)
    problems = graphene.List(graphene.NonNull(CheckoutProblem))
    shipments = graphene.List(
        graphene.NonNull(CheckoutShipment),
        required=True,
        description="The shop's own: one parcel per workshop",
    )

    # The value behind this type is a checkout.models.Checkout.
    def resolve_id(self, info):
        return checkout_global_id(self)

    def resolve_created(self, info):
        return self.created_at

    def resolve_last_change(self, info):
        return self.updated_at

    def resolve_user(self, info):
        user = info.context.user
        if self.user_id and user.is_authenticated and user.pk == self.user_id:
            return user
        return None

    def resolve_channel(self, info):
        return the_channel()

    def resolve_billing_address(self, info):
        return CheckoutBilling(self) if self.billing_address else None

    def resolve_shipping_address(self, info):
        return self if self.recipient_name else None

    def resolve_customer_note(self, info):
        return self.note

    def resolve_available_shipping_methods(self, info):
        summary = summary_of(self)
        return [Courier(summary.shipping_fen)] if summary.shipments else []

    resolve_shipping_methods = resolve_available_shipping_methods

    def resolve_available_payment_gateways(self, info):
        return [stripe_gateway()]

    def resolve_email(self, info):
        return self.email or None

    def resolve_gift_cards(self, info):
        return []

    def resolve_is_shipping_required(self, info):
        return bool(summary_of(self).shipments)

    def resolve_lines(self, info):
        return summary_of(self, lines=True).lines

    def resolve_quantity(self, info):
        return summary_of(self).quantity

    def resolve_delivery(self, info):
        summary = summary_of(self)
        if self.delivery_method != COURIER or not summary.shipments:
            return None
        return delivery_of(self, summary.shipping_fen)

    def resolve_shipping_method(self, info):
        delivery = CheckoutType.resolve_delivery(self, info)
        return delivery.shipping_method if delivery else None

    resolve_delivery_method = resolve_shipping_method

    def resolve_shipments(self, info):
        return summary_of(self, lines=True).shipments

    def resolve_subtotal_price(self, info):
        return TaxedMoney.from_fen(summary_of(self).subtotal_fen)

    def resolve_shipping_price(self, info):
        return TaxedMoney.from_fen(summary_of(self).shipping_fen)

    def resolve_total_price(self, info):
        return TaxedMoney.from_fen(summary_of(self).total_fen)

    def resolve_total_balance(self, info):
        # Nothing is charged on a checkout: it is paid as an order.
        return Money.from_fen(-summary_of(self).total_fen)

    def resolve_tax_exemption(self, info):
        return False

    def resolve_display_gross_prices(self, info):
        return True

    def resolve_authorize_status(self, info):
        return "NONE"

    def resolve_charge_status(self, info):
        return "NONE"

    def resolve_problems(self, info):
        return [
            p
            for line in summary_of(self, lines=True).lines
            for p in line_problems(line)
        ]


TYPE_OF_MODEL[Checkout] = CheckoutType


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
        id=graphene.ID(description="The checkout's ID (Checkout:<token>)."),
        token=graphene.UUID(deprecation_reason="Use `id` instead."),
        description="A cart by its id; null if unknown or someone else's.",
    )

    def resolve_checkout(self, info, id=None, token=None):
        try:
            found = token_argument(id=id, token=token)
        except Refusal as refusal:
            raise GraphQLError(
                refusal.message, extensions={"code": refusal.code, "field": "id"}
            ) from None
        return plan_lines(checkout_for(info, found), info)


# --- inputs ------------------------------------------------------------------


class CheckoutLineInput(graphene.InputObjectType):
    quantity = graphene.Int(required=True, description="1–999")
    variant_id = graphene.ID(required=True, description="Global ID of a ProductVariant")


class CheckoutLineUpdateInput(graphene.InputObjectType):
    variant_id = graphene.ID(description="The line's variant (or lineId)")
    quantity = graphene.Int(description="0–999; 0 removes the line")
    line_id = graphene.ID(description="The line's ID (or variantId)")


class CheckoutAddressValidationRules(graphene.InputObjectType):
    """Accepted for Saleor's clients; every mainland address is checked in
    full whatever they say."""

    check_required_fields = graphene.Boolean(default_value=True)
    check_fields_format = graphene.Boolean(default_value=True)
    enable_fields_normalization = graphene.Boolean(default_value=True)


class CheckoutValidationRules(graphene.InputObjectType):
    shipping_address = graphene.Field(CheckoutAddressValidationRules)
    billing_address = graphene.Field(CheckoutAddressValidationRules)


# Saleor's fields or this API's own (shared with the address book).
AddressInput = addresses.AddressInput


class CheckoutCreateInput(graphene.InputObjectType):
    channel = graphene.String(description="default-channel (the only one)")
    lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)
    email = graphene.String()
    save_shipping_address = graphene.Boolean()
    shipping_address = graphene.Field(AddressInput)
    save_billing_address = graphene.Boolean()
    billing_address = graphene.Field(AddressInput)
    language_code = graphene.Field(LanguageCodeEnum)
    validation_rules = graphene.Field(CheckoutValidationRules)
    metadata = graphene.List(graphene.NonNull(MetadataInput))
