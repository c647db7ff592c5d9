"""The catalogue's root queries: Saleor's (products, product, productVariant(s),
categories, category, collections, collection) and the shop's own (brands,
workshops, villages). Every `channel` argument goes through check_channel."""

import graphene
from django.db.models import Q
from graphene import relay
from graphene.relay.node import NodeField as BaseNodeField
from graphql import GraphQLError

from brands import selectors as brand_selectors
from brands.models import Brand
from storefront.catalog import selectors
from storefront.catalog.models import Category as CategoryModel
from storefront.catalog.models import ProductVariant as VariantModel

from .catalog_filters import pks
from .catalog_types import (
    Category,
    CategoryCountableConnection,
    Collection,
    CollectionCountableConnection,
    load_rows,
    page_args,
    product_connection_args,
    product_load,
    products_page,
    set_page,
    visible_products,
    with_product_joins,
)
from .channels import check_channel
from .ids import decode_id, parse_global_id
from .languages import LanguageCodeEnum
from .pagination import paginate
from .products import Product
from .scalars import OrderDirection
from .types import BrandType, VillageType, WorkshopNode
from .variants import (
    ProductVariant,
    ProductVariantCountableConnection,
    ProductVariantFilterInput,
    ProductVariantSortingInput,
    ProductVariantWhereInput,
)


def invalid_node_id() -> GraphQLError:
    return GraphQLError(
        "id: 无效的 ID (invalid ID)", extensions={"code": "INVALID", "field": "id"}
    )


class NodeField(BaseNodeField):
    """relay's node(id:), answering null for an ID of a type that is not a
    node and INVALID for one that is not an ID at all (graphene raises bare
    Exceptions for both: the client's mistake, not our failure)."""

    def wrap_resolve(self, parent_resolver):
        def resolve_node(root, info, id):
            parsed = parse_global_id(id)
            if parsed is None:
                raise invalid_node_id()
            type_name, pk = parsed
            graphql_type = info.schema.get_type(type_name)
            graphene_type = getattr(graphql_type, "graphene_type", None)
            interfaces = getattr(
                getattr(graphene_type, "_meta", None), "interfaces", ()
            )
            if relay.Node not in interfaces:
                return None
            get_node = getattr(graphene_type, "get_node", None)
            found = get_node(info, pk) if get_node else None
            if found is not None:
                # graphql-core reads `__typename` before trying each type's
                # is_type_of: one row may be two types (a brand is also a
                # collection), and plain rows (pages, menus) have no model.
                setattr(found, f"_{type(found).__name__}__typename", type_name)
            return found

        return resolve_node


def _id_of(id, type_name: str) -> int:
    """The pk in a global id of `type_name`; Saleor's error for anything else."""
    pk = decode_id(id, type_name)
    if pk is None:
        raise GraphQLError(
            f"Couldn't resolve id: {id}. (无效的 ID)",
            extensions={"code": "INVALID", "field": "id"},
        )
    return pk


def _one_of(id, slug, what: str):
    if (id is None) == (slug is None):
        raise GraphQLError(
            f"Provide exactly one of id or slug. (请只提供 id 或 slug 之一 {what})",
            extensions={"code": "GRAPHQL_ERROR", "field": "id"},
        )


CategorySortField = graphene.Enum("CategorySortField", [("NAME", "NAME")])
CollectionSortField = graphene.Enum("CollectionSortField", [("NAME", "NAME")])


class CategoryFilterInput(graphene.InputObjectType):
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class CategoryWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))


class CategorySortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    channel = graphene.String()
    field = graphene.Field(CategorySortField, required=True)


class CollectionFilterInput(graphene.InputObjectType):
    search = graphene.String()
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))
    channel = graphene.String()


class CollectionWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))


class CollectionSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    channel = graphene.String()
    field = graphene.Field(CollectionSortField, required=True)


def _named_filter(queryset, spec, type_name: str, name_columns=("name", "name_en")):
    spec = spec or {}
    if spec.get("ids") is not None:
        queryset = queryset.filter(pk__in=pks(spec["ids"], type_name, "ids"))
    if spec.get("slugs") is not None:
        queryset = queryset.filter(slug__in=spec["slugs"])
    term = selectors.clean_search(spec.get("search"))
    if term:
        q = Q(slug__icontains=term)
        for column in name_columns:
            q |= Q(**{f"{column}__icontains": term})
        queryset = queryset.filter(q)
    return queryset


def _sorted_by_name(queryset, sort_by):
    if not sort_by:
        return queryset
    direction = getattr(sort_by["direction"], "value", sort_by["direction"])
    prefix = "-" if direction == "DESC" else ""
    return queryset.order_by(f"{prefix}name", f"{prefix}pk")


def _variant_args() -> dict:
    return {
        "filter": ProductVariantFilterInput(),
        "where": ProductVariantWhereInput(),
        "sort_by": ProductVariantSortingInput(),
        "search": graphene.String(),
    }


class StorefrontQuery(graphene.ObjectType):
    node = NodeField(relay.Node)

    brands = relay.ConnectionField(BrandType._meta.connection)
    brand = graphene.Field(BrandType, slug=graphene.String(required=True))
    workshops = relay.ConnectionField(
        WorkshopNode._meta.connection,
        brand=graphene.String(),
        village=graphene.String(),
    )
    workshop = graphene.Field(WorkshopNode, slug=graphene.String(required=True))
    villages = relay.ConnectionField(VillageType._meta.connection)
    village = graphene.Field(VillageType, slug=graphene.String(required=True))

    categories = relay.ConnectionField(
        CategoryCountableConnection,
        filter=CategoryFilterInput(),
        where=CategoryWhereInput(),
        sort_by=CategorySortingInput(),
        level=graphene.Int(),
    )
    category = graphene.Field(
        Category,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
    )
    collections = relay.ConnectionField(
        CollectionCountableConnection,
        filter=CollectionFilterInput(),
        where=CollectionWhereInput(),
        sort_by=CollectionSortingInput(),
        channel=graphene.String(),
    )
    collection = graphene.Field(
        Collection,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        channel=graphene.String(),
    )
    products = relay.ConnectionField(
        "storefront.graphql.products.ProductCountableConnection",
        brand=graphene.String(description="The shop's own: a brand slug"),
        workshop=graphene.String(description="The shop's own: a workshop slug"),
        village=graphene.String(description="The shop's own: origin village slug"),
        description="Published products; `first`/`last` are capped at 100.",
        **product_connection_args(),
    )
    product = graphene.Field(
        Product,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    product_variant = graphene.Field(
        ProductVariant,
        id=graphene.ID(),
        sku=graphene.String(),
        external_reference=graphene.String(),
        channel=graphene.String(),
    )
    product_variants = relay.ConnectionField(
        ProductVariantCountableConnection,
        ids=graphene.List(graphene.NonNull(graphene.ID)),
        channel=graphene.String(),
        **_variant_args(),
    )

    def resolve_brands(self, info, **kwargs):
        return paginate(
            brand_selectors.brands_active(),
            BrandType._meta.connection,
            **page_args(kwargs),
        )

    def resolve_brand(self, info, slug):
        return brand_selectors.brands_active().filter(slug=slug).first()

    def resolve_workshops(self, info, brand=None, village=None, **kwargs):
        queryset = brand_selectors.workshops_active(
            brand_slug=brand, village_slug=village
        )
        return paginate(queryset, WorkshopNode._meta.connection, **page_args(kwargs))

    def resolve_workshop(self, info, slug):
        return brand_selectors.workshops_active().filter(slug=slug).first()

    def resolve_villages(self, info, **kwargs):
        return paginate(
            brand_selectors.villages_all(),
            VillageType._meta.connection,
            **page_args(kwargs),
        )

    def resolve_village(self, info, slug):
        return brand_selectors.villages_all().filter(slug=slug).first()

    def resolve_categories(
        self, info, filter=None, where=None, sort_by=None, level=None, **kwargs
    ):
        queryset = CategoryModel.objects.select_related("parent").order_by(
            "sort_order", "pk"
        )
        queryset = _named_filter(queryset, filter, "Category")
        if where and where.get("ids") is not None:
            queryset = queryset.filter(pk__in=pks(where["ids"], "Category", "ids"))
        if level is not None:
            from .catalog_types import category_levels

            at_level = [pk for pk, lv in category_levels(info).items() if lv == level]
            queryset = queryset.filter(pk__in=at_level)
        queryset = _sorted_by_name(queryset, sort_by)
        return paginate(queryset, CategoryCountableConnection, **page_args(kwargs))

    def resolve_category(self, info, id=None, slug=None, slug_language_code=None):
        _one_of(id, slug, "category")
        queryset = CategoryModel.objects.select_related("parent")
        if id is not None:
            return queryset.filter(pk=_id_of(id, "Category")).first()
        return queryset.filter(slug=slug).first()

    def resolve_collections(
        self, info, filter=None, where=None, sort_by=None, channel=None, **kwargs
    ):
        check_channel(channel)
        if filter:
            check_channel(filter.get("channel"))
        queryset = Brand.objects.filter(is_active=True).order_by("name", "pk")
        queryset = _named_filter(queryset, filter, "Collection")
        if where and where.get("ids") is not None:
            queryset = queryset.filter(pk__in=pks(where["ids"], "Collection", "ids"))
        queryset = _sorted_by_name(queryset, sort_by)
        return paginate(queryset, CollectionCountableConnection, **page_args(kwargs))

    def resolve_collection(
        self, info, id=None, slug=None, slug_language_code=None, channel=None
    ):
        check_channel(channel)
        _one_of(id, slug, "collection")
        queryset = Brand.objects.filter(is_active=True)
        if id is not None:
            return queryset.filter(pk=_id_of(id, "Collection")).first()
        return queryset.filter(slug=slug).first()

    def resolve_products(self, info, **kwargs):
        if kwargs.get("filter"):
            check_channel(kwargs["filter"].get("channel"))
        if kwargs.get("sort_by"):
            check_channel(kwargs["sort_by"].get("channel"))
        return products_page(info, visible_products(info), **kwargs)

    def resolve_product(
        self,
        info,
        id=None,
        slug=None,
        slug_language_code=None,
        external_reference=None,
        channel=None,
    ):
        check_channel(channel)
        load = product_load(info)
        queryset = with_product_joins(visible_products(info), load.joins)
        if id is not None:
            queryset = queryset.filter(pk=_id_of(id, "Product"))
        elif slug is not None:
            queryset = queryset.filter(slug=slug)
        elif external_reference is not None:
            queryset = queryset.filter(product_code=external_reference)
        else:
            _one_of(id, slug, "product")
            return None
        product = queryset.first()
        if product is None:
            return None
        return set_page(load_rows([product], load))[0]

    def resolve_product_variant(
        self, info, id=None, sku=None, external_reference=None, channel=None
    ):
        check_channel(channel)
        queryset = _variants(info)
        if id is not None:
            return queryset.filter(pk=_id_of(id, "ProductVariant")).first()
        if sku is not None:
            return queryset.filter(sku=sku).order_by("pk").first()
        if external_reference is not None:
            return queryset.filter(sku=external_reference).order_by("pk").first()
        _one_of(id, sku, "productVariant")
        return None

    def resolve_product_variants(
        self, info, ids=None, channel=None, filter=None, where=None, search=None, **kw
    ):
        check_channel(channel)
        queryset = _variants(info).order_by("product_id", "sort_order", "pk")
        if ids is not None:
            queryset = queryset.filter(pk__in=pks(ids, "ProductVariant", "ids"))
        if where and where.get("ids") is not None:
            queryset = queryset.filter(
                pk__in=pks(where["ids"], "ProductVariant", "ids")
            )
        filter = filter or {}
        if filter.get("sku") is not None:
            queryset = queryset.filter(sku__in=filter["sku"])
        term = selectors.clean_search(search or filter.get("search"))
        if term:
            queryset = queryset.filter(
                Q(sku__icontains=term)
                | Q(name__icontains=term)
                | Q(product__name__icontains=term)
            )
        sort_by = kw.get("sort_by")
        if sort_by and getattr(sort_by["direction"], "value", "") == "DESC":
            queryset = queryset.reverse()
        return paginate(queryset, ProductVariantCountableConnection, **page_args(kw))


def _variants(info):
    """Visible variants with what a variant answers: its stock, its product
    (joined with the product's own joins) and the product's photos."""
    from django.db.models import Prefetch

    from storefront.catalog.models import ProductImage

    return (
        VariantModel.objects.filter(product__in=visible_products(info))
        .select_related(
            "stock",
            "product__brand",
            "product__workshop",
            "product__origin_village",
            "product__category",
        )
        .prefetch_related(
            Prefetch(
                "product__images",
                queryset=ProductImage.objects.order_by("sort_order", "pk"),
            )
        )
    )
