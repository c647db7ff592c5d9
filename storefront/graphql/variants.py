"""Saleor's ProductVariant over the catalogue's variants: pricing from the
price and compare-at price (fen), stock from the one Stock row, the options
as variant-selection attributes. The shop's own fields (options, price,
compareAtPrice, stockState) sit beside Saleor's."""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from storefront.catalog import selectors
from storefront.catalog.models import ProductVariant as VariantModel
from storefront.checkout.models import MAX_LINE_QUANTITY

from . import attributes as attrs
from .addresses import AddressInput, CountryCode
from .catalog_types import (
    Rows,
    SaleorConnection,
    Translation,
    VariantPricingInfo,
    rows_of,
    variant_pricing,
    visible_products,
)
from .channels import CHANNEL_SLUG
from .ids import decode_id
from .languages import LanguageCodeEnum
from .media import ProductImage, ProductMedia
from .money import Money
from .scalars import OrderDirection


def _language_arg():
    return graphene.Argument(LanguageCodeEnum, required=True)


class StockState(graphene.Enum):
    IN_STOCK = "in_stock"
    LOW = "low"
    SOLD_OUT = "sold_out"


WeightUnitsEnum = graphene.Enum("WeightUnitsEnum", [("G", "G"), ("KG", "KG")])


class Weight(graphene.ObjectType):
    unit = graphene.Field(WeightUnitsEnum, required=True)
    value = graphene.Float(required=True)


class ProductVariantTranslation(Translation, graphene.ObjectType):
    name = graphene.String(required=True)


class ProductVariantFilterInput(graphene.InputObjectType):
    search = graphene.String()
    sku = graphene.List(graphene.NonNull(graphene.String))


class ProductVariantWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))


ProductVariantSortField = graphene.Enum(
    "ProductVariantSortField", [("LAST_MODIFIED_AT", "LAST_MODIFIED_AT")]
)


class ProductVariantSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    field = graphene.Field(ProductVariantSortField, required=True)


def variant_filter_args() -> dict:
    return {
        "filter": ProductVariantFilterInput(),
        "where": ProductVariantWhereInput(),
        "sort_by": ProductVariantSortingInput(),
    }


def variants_matching(variants, filter=None, where=None, sort_by=None) -> Rows:
    filter, where = filter or {}, where or {}
    found = list(variants)
    if filter.get("search"):
        term = filter["search"].lower()
        found = [v for v in found if term in f"{v.sku} {v.name}".lower()]
    if filter.get("sku") is not None:
        found = [v for v in found if v.sku in filter["sku"]]
    if where.get("ids") is not None:
        wanted = {decode_id(i, "ProductVariant") for i in where["ids"]}
        found = [v for v in found if v.pk in wanted]
    if (
        sort_by
        and getattr(sort_by["direction"], "value", sort_by["direction"]) == "DESC"
    ):
        found.reverse()
    return Rows(found)


class ProductVariant(DjangoObjectType):
    class Meta:
        model = VariantModel
        name = "ProductVariant"
        interfaces = (relay.Node,)
        fields = ("track_inventory", "weight_grams")

    locals().update(attrs.assigned_fields())
    name = graphene.String(required=True)
    sku = graphene.String()
    product = graphene.Field("storefront.graphql.products.Product", required=True)
    quantity_limit_per_customer = graphene.Int()
    weight = graphene.Field(Weight)
    channel = graphene.String()
    pricing = graphene.Field(VariantPricingInfo, address=AddressInput())
    attributes = graphene.List(
        graphene.NonNull(attrs.SelectedAttribute),
        required=True,
        variant_selection=graphene.Argument(attrs.VariantAttributeScope),
    )
    images = graphene.List(graphene.NonNull(ProductImage))
    media = graphene.List(graphene.NonNull(ProductMedia))
    translation = graphene.Field(
        ProductVariantTranslation, language_code=_language_arg()
    )
    quantity_available = graphene.Int(
        address=AddressInput(),
        country_code=graphene.Argument(CountryCode),
        description="Units that can be bought now (Saleor caps untracked ones).",
    )
    # The shop's own.
    options = graphene.JSONString(required=True)
    price = graphene.Field(Money, required=True)
    compare_at_price = graphene.Field(Money)
    stock_state = graphene.Field(StockState, required=True)

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(product__in=visible_products(info)).select_related(
            "stock", "product"
        )

    def resolve_assigned_attribute(self, info, slug):
        return attrs.assigned_one(attrs.variant_values(self), slug)

    def resolve_assigned_attributes(self, info, limit=100):
        return [attrs.assigned(v) for v in attrs.variant_values(self)[:limit]]

    def resolve_name(self, info):
        return self.display_name

    def resolve_sku(self, info):
        return self.sku or None

    def resolve_product(self, info):
        return self.product

    def resolve_weight(self, info):
        return (
            Weight(unit="G", value=float(self.weight_grams))
            if self.weight_grams
            else None
        )

    def resolve_channel(self, info):
        return CHANNEL_SLUG

    def resolve_pricing(self, info, address=None):
        return variant_pricing(self)

    def resolve_attributes(self, info, variant_selection=None):
        scope = getattr(variant_selection, "value", variant_selection)
        if scope == "NOT_VARIANT_SELECTION":
            return []
        return attrs.selected(attrs.variant_values(self))

    def resolve_images(self, info):
        return rows_of(self.product, "images")

    def resolve_media(self, info):
        return rows_of(self.product, "images")

    def resolve_translation(self, info, language_code):
        return None  # variants have no English names yet

    def resolve_quantity_available(self, info, address=None, country_code=None):
        if not self.track_inventory:
            return MAX_LINE_QUANTITY
        stock = getattr(self, "stock", None)
        return max(stock.quantity_available, 0) if stock else 0

    def resolve_options(self, info):
        return self.options

    def resolve_price(self, info):
        return Money.from_fen(self.price_fen)

    def resolve_compare_at_price(self, info):
        return Money.from_fen(self.compare_at_price_fen)

    def resolve_stock_state(self, info):
        return selectors.product_stock_state(self)


class ProductVariantCountableConnection(SaleorConnection):
    class Meta:
        node = ProductVariant
        strict_types = True
