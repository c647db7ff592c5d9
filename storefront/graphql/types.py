"""GraphQL types. Related lists resolve from prefetched data (see selectors),
so a page of products costs the same few queries whatever its size."""

import graphene
from django.conf import settings
from django.urls import reverse
from graphene import relay
from graphene_django import DjangoObjectType

from brands.models import Brand, Village, Workshop, WorkshopType
from storefront.catalog import selectors
from storefront.catalog.models import Category, Product, ProductVariant

from .money import Money

WorkshopTypeEnum = graphene.Enum.from_enum(WorkshopType, name="WorkshopTypeEnum")


class CountedConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True)

    def resolve_total_count(self, info):
        if self.known_total is None:
            self.known_total = self.queryset.count()
        return self.known_total


class BrandType(DjangoObjectType):
    class Meta:
        model = Brand
        name = "Brand"
        interfaces = (relay.Node,)
        fields = ("slug", "name", "name_en", "story", "region", "operator_organisation")
        connection_class = CountedConnection

    logo_url = graphene.String()

    def resolve_logo_url(self, info):
        return info.context.build_absolute_uri(self.logo.url) if self.logo else None

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(is_active=True)


class VillageType(DjangoObjectType):
    class Meta:
        model = Village
        name = "Village"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "name",
            "name_en",
            "township",
            "county",
            "city",
            "collective_organisation",
            "story",
        )
        connection_class = CountedConnection

    city = graphene.String(required=True)


class WorkshopNode(DjangoObjectType):
    class Meta:
        model = Workshop
        name = "Workshop"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "name",
            "name_en",
            "story",
            "people_employed",
            "low_income_households_employed",
        )
        connection_class = CountedConnection

    workshop_type = graphene.Field(WorkshopTypeEnum, required=True)
    village = graphene.Field(VillageType, required=True)
    brands = graphene.List(graphene.NonNull(BrandType), required=True)

    def resolve_workshop_type(self, info):
        return self.workshop_type

    def resolve_village(self, info):
        return self.village

    def resolve_brands(self, info):
        return [b for b in self.brands.all() if b.is_active]

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(is_active=True).select_related("village")


class CategoryType(DjangoObjectType):
    class Meta:
        model = Category
        name = "Category"
        interfaces = (relay.Node,)
        fields = ("slug", "name", "name_en")
        connection_class = CountedConnection

    parent = graphene.Field(lambda: CategoryType)

    def resolve_parent(self, info):
        return self.parent


class StockState(graphene.Enum):
    IN_STOCK = "in_stock"
    LOW = "low"
    SOLD_OUT = "sold_out"


class ProductVariantType(DjangoObjectType):
    class Meta:
        model = ProductVariant
        name = "ProductVariant"
        interfaces = (relay.Node,)
        fields = ("sku", "name", "weight_grams", "track_inventory")

    options = graphene.JSONString(required=True)
    price = graphene.Field(Money, required=True)
    compare_at_price = graphene.Field(Money)
    stock_state = graphene.Field(StockState, required=True)
    quantity_available = graphene.Int(
        description="Units that can be bought now; null when not tracked."
    )

    def resolve_options(self, info):
        return self.options

    def resolve_price(self, info):
        return Money.from_fen(self.price_fen)

    def resolve_compare_at_price(self, info):
        return Money.from_fen(self.compare_at_price_fen)

    def resolve_stock_state(self, info):
        return selectors.product_stock_state(self)

    def resolve_quantity_available(self, info):
        if not self.track_inventory:
            return None
        stock = getattr(self, "stock", None)
        return stock.quantity_available if stock else 0

    @classmethod
    def get_queryset(cls, queryset, info):
        visible = selectors.products_visible(info.context.user)
        return queryset.filter(product__in=visible).select_related("stock")


class ProductImageType(graphene.ObjectType):
    class Meta:
        name = "ProductImage"

    url = graphene.String(required=True, description="1200 px rendition")
    thumbnail_url = graphene.String(required=True, description="400 px rendition")
    alt = graphene.String(required=True)

    def resolve_url(self, info):
        return info.context.build_absolute_uri(self.large_url)

    def resolve_thumbnail_url(self, info):
        return info.context.build_absolute_uri(self.small_url)


class LabelFacts(graphene.ObjectType):
    """GB 7718 prepackaged-food label facts."""

    ingredients = graphene.String(required=True)
    net_content = graphene.String(required=True)
    shelf_life = graphene.String(required=True)
    storage_conditions = graphene.String(required=True)
    producer = graphene.String(required=True)
    sc_licence = graphene.String(required=True)


class ProductType(DjangoObjectType):
    class Meta:
        model = Product
        name = "Product"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "product_code",
            "name",
            "name_en",
            "description",
            "seo_title",
            "seo_description",
            "created_at",
            "updated_at",
        )
        connection_class = CountedConnection

    brand = graphene.Field(BrandType, required=True)
    workshop = graphene.Field(WorkshopNode, required=True)
    origin_village = graphene.Field(VillageType, required=True)
    category = graphene.Field(CategoryType)
    variants = graphene.List(graphene.NonNull(ProductVariantType), required=True)
    images = graphene.List(graphene.NonNull(ProductImageType), required=True)
    label_facts = graphene.Field(LabelFacts, required=True)
    attributes = graphene.JSONString(required=True)
    price_from = graphene.Field(Money, description="Lowest variant price")
    url = graphene.String(required=True, description="Shareable storefront URL")

    def resolve_brand(self, info):
        return self.brand

    def resolve_workshop(self, info):
        return self.workshop

    def resolve_origin_village(self, info):
        return self.origin_village

    def resolve_category(self, info):
        return self.category

    def resolve_variants(self, info):
        return self.variants.all()

    def resolve_images(self, info):
        return self.images.all()

    def resolve_label_facts(self, info):
        return self

    def resolve_attributes(self, info):
        return self.attributes

    def resolve_price_from(self, info):
        prices = [v.price_fen for v in self.variants.all()]
        return Money.from_fen(min(prices)) if prices else None

    def resolve_url(self, info):
        return settings.SITE_URL + reverse("web:product", args=[self.slug])

    @classmethod
    def get_queryset(cls, queryset, info):
        visible = selectors.visible_product_filter(info.context.user)
        return selectors.products_with_listing_data(queryset.filter(visible))
