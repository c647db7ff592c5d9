"""Workshop catalogue editing: `workshopProductUpdate`,
`workshopProductVariantUpdate`, `workshopProductVariantStocksUpdate` (named
apart from Saleor's dashboard mutations, whose shapes differ). Each calls
storefront.catalog.editing, which asks brands.permissions `user_can`
(CHANGE_PRODUCT), validates and records the change in the product's history;
failures come back as `errors { field code message }`.

Saleor keeps stock per (variant, warehouse). Here each workshop ships its own
goods, so a variant has exactly one Stock: `stocks` takes one entry without a
warehouse, and its `quantity` sets the units on the shelf (reserved ones
included; it may not go below what orders hold). Prices are yuan strings
("12.80"), read by the one money parser, not floats."""

import graphene
from django.db import transaction

from brands.permissions import Action, user_can
from storefront.catalog import editing
from storefront.catalog.editing import EditError, EditErrorCode
from storefront.catalog.models import Product, ProductVariant

from .errors import DomainMutation, Error, graphql_field, mirror_error_enum
from .ids import decode_id
from .types import ProductType, ProductVariantType

WorkshopProductErrorCode = mirror_error_enum(EditErrorCode, "WorkshopProductErrorCode")


class WorkshopProductError(graphene.ObjectType):
    class Meta:
        interfaces = (Error,)

    code = graphene.Field(WorkshopProductErrorCode, required=True)


def _refuse(user, found, field: str):
    """Only platform operators learn whether an id exists."""
    if found is None and user_can(user, Action.OPERATE_PLATFORM):
        raise EditError(EditErrorCode.NOT_FOUND, field=field)
    raise EditError(EditErrorCode.PERMISSION_DENIED, field=field)


def _product(user, global_id) -> Product:
    pk = decode_id(global_id, "Product")
    product = (
        Product.objects.select_related("brand", "workshop", "category")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if product is None or not user_can(user, Action.CHANGE_PRODUCT, product):
        _refuse(user, product, "id")
    return product


def _variant(user, global_id, field: str) -> ProductVariant:
    pk = decode_id(global_id, "ProductVariant")
    variant = (
        ProductVariant.objects.select_related("product__brand", "product__workshop")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if variant is None or not user_can(user, Action.CHANGE_PRODUCT, variant.product):
        _refuse(user, variant, field)
    return variant


def _fresh_variant(pk: int) -> ProductVariant:
    return ProductVariant.objects.select_related("stock", "product").get(pk=pk)


class ProductMutation(DomainMutation):
    class Meta:
        abstract = True

    ERROR_FIELDS = {EditError: "errors"}


class WorkshopStockInput(graphene.InputObjectType):
    quantity = graphene.Int(
        required=True, description="Units on the shelf, reserved ones included"
    )


class WorkshopProductVariantStocksUpdate(ProductMutation):
    """Set a variant's stock. One entry: the workshop's own stock (Saleor's
    per-warehouse list, of which this shop has one warehouse per variant)."""

    class Arguments:
        variant_id = graphene.ID(required=True)
        stocks = graphene.List(graphene.NonNull(WorkshopStockInput), required=True)

    product_variant = graphene.Field(ProductVariantType)
    errors = graphene.List(graphene.NonNull(WorkshopProductError), required=True)

    @classmethod
    def input_field(cls, field):
        if field in ("quantity", "delta"):
            return "stocks.0.quantity"
        if field in ("product", "variant"):
            return "variantId"
        return graphql_field(field)

    @classmethod
    def perform(cls, info, variant_id, stocks):
        user = info.context.user
        variant = _variant(user, variant_id, "variant")
        if len(stocks) != 1:
            raise EditError(
                EditErrorCode.INVALID,
                field="stocks",
                detail=("每个规格只有一个库存", "a variant has exactly one stock"),
            )
        editing.stock_set(variant=variant, quantity=stocks[0]["quantity"], user=user)
        return cls.success(product_variant=_fresh_variant(variant.pk))


class WorkshopProductVariantInput(graphene.InputObjectType):
    price = graphene.String(description='Yuan, e.g. "12.80"')
    compare_at_price = graphene.String(
        description='Yuan; "" or null clears it. Must be above the price.'
    )


class WorkshopProductVariantUpdate(ProductMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = WorkshopProductVariantInput(required=True)

    product_variant = graphene.Field(ProductVariantType)
    errors = graphene.List(graphene.NonNull(WorkshopProductError), required=True)

    @classmethod
    def input_field(cls, field):
        if field in ("product", "variant"):
            return "id"
        return graphql_field(field)

    @classmethod
    def perform(cls, info, id, input):
        user = info.context.user
        variant = _variant(user, id, "variant")
        changes = {
            name: input[name]
            for name in ("price", "compare_at_price")
            if name in input and not (name == "price" and input[name] is None)
        }
        editing.variant_update(variant=variant, user=user, **changes)
        return cls.success(product_variant=_fresh_variant(variant.pk))


class WorkshopProductInput(graphene.InputObjectType):
    name = graphene.String()
    name_en = graphene.String()
    description = graphene.String(description="HTML; sanitised")
    ingredients = graphene.String()
    net_content = graphene.String()
    shelf_life = graphene.String()
    storage_conditions = graphene.String()
    producer = graphene.String()
    sc_licence = graphene.String()
    is_published = graphene.Boolean()


class WorkshopProductUpdate(ProductMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = WorkshopProductInput(required=True)

    product = graphene.Field(ProductType)
    errors = graphene.List(graphene.NonNull(WorkshopProductError), required=True)

    @classmethod
    def input_field(cls, field):
        if field == "product":
            return "id"
        return graphql_field(field)

    @classmethod
    def perform(cls, info, id, input):
        user = info.context.user
        product = _product(user, id)
        texts = {
            name: input[name]
            for name in editing.TEXT_FIELDS
            if name in input and input[name] is not None
        }
        with transaction.atomic():
            if texts:
                product = editing.product_update(product=product, user=user, **texts)
            if input.get("is_published") is not None:
                product = editing.product_set_published(
                    product=product, user=user, published=input["is_published"]
                )
        return cls.success(
            product=Product.objects.select_related(
                "brand", "workshop", "origin_village", "category"
            ).get(pk=product.pk)
        )


class ProductEditMutations(graphene.ObjectType):
    workshop_product_update = WorkshopProductUpdate.Field()
    workshop_product_variant_update = WorkshopProductVariantUpdate.Field()
    workshop_product_variant_stocks_update = WorkshopProductVariantStocksUpdate.Field()
