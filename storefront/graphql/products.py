"""Saleor's Product and ProductVariant over the catalogue.

Everything a product answers comes from the rows catalog_types loads once
per page (`with_product_joins`: the product with those of its brand,
workshop, village and category the selection reads joined, see
`product_load`; `load_rows`: its variants, with stock when read, and its
images; the workshops' brands when `workshop` is asked for): a page of
products costs the same few queries whatever fields and however many
products it asks for. Resolvers read those rows as plain lists
(`rows_of`) and work out pricing and attributes once per product. The shop's
own fields (brand, workshop, originVillage, labelFacts, url...) sit beside
Saleor's under names Saleor does not use."""

import graphene
from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from graphene import relay
from graphene_django import DjangoObjectType

from brands.models import Brand
from storefront.catalog import selectors
from storefront.catalog.models import Product as ProductModel

from . import attributes as attrs
from .addresses import AddressInput
from .catalog_types import (
    Category,
    Collection,
    ProductPricingInfo,
    ProductTypeNode,
    SaleorConnection,
    Translation,
    fields_at,
    first_photo,
    page_args,
    page_prefetch,
    product_pricing,
    rows_of,
    the_product_type,
    translation_of,
    with_product_data,
)
from .channels import CHANNEL_SLUG
from .ids import decode_id
from .languages import LanguageCodeEnum
from .media import Image, ProductImage, ProductMedia, ThumbnailFormatEnum, image_of
from .money import Money
from .pagination import paginate
from .richtext import editorjs_from_html
from .scalars import OrderDirection
from .types import BrandType, VillageType, WorkshopNode
from .variants import (
    ProductVariant,
    ProductVariantCountableConnection,
    variant_filter_args,
    variants_matching,
)


def _language_arg():
    return graphene.Argument(LanguageCodeEnum, required=True)


def _image_args():
    return {
        "size": graphene.Int(),
        "format": graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    }


class LabelFacts(graphene.ObjectType):
    """GB 7718 prepackaged-food label facts."""

    ingredients = graphene.String(required=True)
    net_content = graphene.String(required=True)
    shelf_life = graphene.String(required=True)
    storage_conditions = graphene.String(required=True)
    producer = graphene.String(required=True)
    sc_licence = graphene.String(required=True)


class ProductTranslation(Translation, graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    name = graphene.String()
    description = graphene.JSONString()
    description_json = graphene.JSONString()


def _sellable(variant) -> bool:
    return selectors.product_stock_state(variant) != "sold_out"


MediaChoicesSortField = graphene.Enum("MediaChoicesSortField", [("ID", "ID")])


class MediaSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    field = graphene.Field(MediaChoicesSortField, required=True)


class Product(DjangoObjectType):
    class Meta:
        model = ProductModel
        name = "Product"
        interfaces = (relay.Node,)
        fields = ("slug", "product_code", "name", "name_en", "updated_at")

    locals().update(attrs.assigned_fields())
    seo_title = graphene.String()
    seo_description = graphene.String()
    description = graphene.JSONString()
    description_json = graphene.JSONString()
    description_html = graphene.String(
        required=True, description="The description as stored (sanitised HTML)."
    )
    product_type = graphene.Field(ProductTypeNode, required=True)
    category = graphene.Field(Category)
    created = graphene.DateTime(required=True)
    created_at = graphene.DateTime(required=True, description="Same as created.")
    charge_taxes = graphene.Boolean(required=True)
    default_variant = graphene.Field(lambda: ProductVariant)
    rating = graphene.Float()
    channel = graphene.String()
    thumbnail = graphene.Field(Image, **_image_args())
    pricing = graphene.Field(ProductPricingInfo, address=AddressInput())
    is_available = graphene.Boolean(address=AddressInput())
    attribute = graphene.Field(
        attrs.SelectedAttribute, slug=graphene.String(required=True)
    )
    attributes = graphene.List(graphene.NonNull(attrs.SelectedAttribute), required=True)
    variant = graphene.Field(
        lambda: ProductVariant, id=graphene.ID(), sku=graphene.String()
    )
    variants = graphene.List(graphene.NonNull(lambda: ProductVariant))
    product_variants = relay.ConnectionField(
        lambda: ProductVariantCountableConnection, **variant_filter_args()
    )
    media = graphene.List(graphene.NonNull(ProductMedia), sort_by=MediaSortingInput())
    images = graphene.List(graphene.NonNull(ProductImage))
    collections = graphene.List(graphene.NonNull(Collection))
    translation = graphene.Field(ProductTranslation, language_code=_language_arg())
    available_for_purchase_at = graphene.DateTime()
    is_available_for_purchase = graphene.Boolean()
    # The shop's own.
    brand = graphene.Field(BrandType, required=True)
    workshop = graphene.Field(WorkshopNode, required=True)
    origin_village = graphene.Field(VillageType, required=True)
    label_facts = graphene.Field(LabelFacts, required=True)
    price_from = graphene.Field(Money, description="Lowest variant price")
    url = graphene.String(required=True, description="Shareable storefront URL")

    @classmethod
    def get_queryset(cls, queryset, info):
        return with_product_data(
            queryset.filter(selectors.visible_product_filter(info.context.user))
        )

    def resolve_assigned_attribute(self, info, slug):
        return attrs.assigned_one(attrs.product_values(self), slug)

    def resolve_assigned_attributes(self, info, limit=100):
        return [attrs.assigned(v) for v in attrs.product_values(self)[:limit]]

    def resolve_seo_title(self, info):
        return self.seo_title or None

    def resolve_seo_description(self, info):
        return self.seo_description or None

    def resolve_description(self, info):
        return editorjs_from_html(self.description, self.updated_at)

    def resolve_description_json(self, info):
        return editorjs_from_html(self.description, self.updated_at)

    def resolve_description_html(self, info):
        return self.description

    def resolve_product_type(self, info):
        return the_product_type()

    def resolve_category(self, info):
        return self.category

    def resolve_created(self, info):
        return self.created_at

    def resolve_created_at(self, info):
        return self.created_at

    def resolve_charge_taxes(self, info):
        return False

    def resolve_default_variant(self, info):
        return next(iter(rows_of(self, "variants")), None)

    def resolve_channel(self, info):
        return CHANNEL_SLUG

    def resolve_thumbnail(self, info, size=None, format=None):
        return image_of(info, first_photo(self), size)

    def resolve_pricing(self, info, address=None):
        if not hasattr(self, "_pricing"):
            self._pricing = product_pricing(rows_of(self, "variants"))
        return self._pricing

    def resolve_is_available(self, info, address=None):
        return self.is_on_sale and any(_sellable(v) for v in rows_of(self, "variants"))

    def resolve_attribute(self, info, slug):
        return next(
            (
                a
                for a in attrs.selected(attrs.product_values(self))
                if a.attribute.slug == slug
            ),
            None,
        )

    def resolve_attributes(self, info):
        return attrs.selected(attrs.product_values(self))

    def resolve_variant(self, info, id=None, sku=None):
        pk = decode_id(id, "ProductVariant") if id is not None else None
        for variant in rows_of(self, "variants"):
            if (id is None or variant.pk == pk) and (sku is None or variant.sku == sku):
                return variant
        return None

    def resolve_variants(self, info):
        return rows_of(self, "variants")

    def resolve_product_variants(
        self, info, filter=None, where=None, sort_by=None, **kwargs
    ):
        rows = variants_matching(rows_of(self, "variants"), filter, where, sort_by)
        return paginate(rows, ProductVariantCountableConnection, **page_args(kwargs))

    def resolve_media(self, info, sort_by=None):
        images = list(rows_of(self, "images"))
        if (
            sort_by
            and getattr(sort_by["direction"], "value", sort_by["direction"]) == "DESC"
        ):
            images.sort(key=lambda i: i.pk, reverse=True)
        elif sort_by:
            images.sort(key=lambda i: i.pk)
        return images

    def resolve_images(self, info):
        return rows_of(self, "images")

    def resolve_collections(self, info):
        return [self.brand] if self.brand.is_active else []

    def resolve_translation(self, info, language_code):
        return translation_of(
            ProductTranslation,
            "ProductTranslation",
            self.pk,
            language_code,
            name=self.name_en,
            slug=None,
            seo_title=None,
            seo_description=None,
            description=None,
            description_json=None,
        )

    def resolve_available_for_purchase_at(self, info):
        return self.created_at if self.is_on_sale else None

    def resolve_is_available_for_purchase(self, info):
        return self.is_on_sale

    def resolve_brand(self, info):
        return self.brand

    def resolve_workshop(self, info):
        if fields_at(info, "brands"):
            page_prefetch(
                self,
                "workshop__brands",
                Prefetch("workshop__brands", queryset=Brand.objects.order_by("name")),
            )
        return self.workshop

    def resolve_origin_village(self, info):
        return self.origin_village

    def resolve_label_facts(self, info):
        return self

    def resolve_price_from(self, info):
        prices = [v.price_fen for v in rows_of(self, "variants")]
        return Money.from_fen(min(prices)) if prices else None

    def resolve_url(self, info):
        return settings.SITE_URL + reverse("web:product", args=[self.slug])


class ProductCountableConnection(SaleorConnection):
    class Meta:
        node = Product
        strict_types = True
