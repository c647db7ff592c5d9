"""Saleor's product filtering and sorting (`filter: ProductFilterInput`,
`where: ProductWhereInput`, `sortBy: ProductOrder`, `search`) over the
catalogue's querysets. Fields Saleor has and the shop cannot answer
(attributes, stocks, metadata, gift cards...) are not declared, so a client
that sends one is told so by validation instead of being silently ignored."""

from decimal import Decimal

import graphene
from django.db.models import F, Min, Q, QuerySet
from graphql import GraphQLError

from storefront.catalog import selectors
from storefront.catalog.models import ON_SALE, Category, Product, ProductVariant

from .ids import decode_id
from .scalars import OrderDirection

ProductOrderField = graphene.Enum(
    "ProductOrderField",
    [
        (v, v)
        for v in (
            "NAME",
            "RANK",
            "PRICE",
            "MINIMAL_PRICE",
            "LAST_MODIFIED",
            "DATE",
            "TYPE",
            "PUBLISHED",
            "PUBLICATION_DATE",
            "PUBLISHED_AT",
            "LAST_MODIFIED_AT",
            "COLLECTION",
            "RATING",
            "CREATED_AT",
        )
    ],
)


class PriceRangeInput(graphene.InputObjectType):
    gte = graphene.Float()
    lte = graphene.Float()


class StringFilterInput(graphene.InputObjectType):
    eq = graphene.String()
    one_of = graphene.List(graphene.NonNull(graphene.String))


class GlobalIDFilterInput(graphene.InputObjectType):
    eq = graphene.ID()
    one_of = graphene.List(graphene.NonNull(graphene.ID))


class ProductFilterInput(graphene.InputObjectType):
    is_published = graphene.Boolean()
    collections = graphene.List(graphene.NonNull(graphene.ID))
    categories = graphene.List(graphene.NonNull(graphene.ID))
    has_category = graphene.Boolean()
    search = graphene.String()
    is_available = graphene.Boolean()
    price = graphene.Field(PriceRangeInput)
    minimal_price = graphene.Field(PriceRangeInput)
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))
    channel = graphene.String()


class ProductWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    name = graphene.Field(StringFilterInput)
    slug = graphene.Field(StringFilterInput)
    category = graphene.Field(GlobalIDFilterInput)
    collection = graphene.Field(GlobalIDFilterInput)
    is_available = graphene.Boolean()
    is_published = graphene.Boolean()
    has_category = graphene.Boolean()
    AND = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="AND")
    OR = graphene.List(graphene.NonNull(lambda: ProductWhereInput), name="OR")


class ProductOrder(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    channel = graphene.String()
    attribute_id = graphene.ID()
    field = graphene.Field(ProductOrderField)


def invalid_id(field: str, value) -> GraphQLError:
    return GraphQLError(
        f"Couldn't resolve id: {value}. (无效的 ID)",
        extensions={"code": "INVALID", "field": field},
    )


def pks(ids, type_name: str, field: str) -> list[int]:
    found = []
    for value in ids or []:
        pk = decode_id(value, type_name)
        if pk is None:
            raise invalid_id(field, value)
        found.append(pk)
    return found


def _fen(yuan: float) -> int:
    return int((Decimal(str(yuan)) * 100).to_integral_value())


def _price_q(price) -> Q:
    q = Q()
    if price.get("gte") is not None:
        q &= Q(variants__price_fen__gte=_fen(price["gte"]))
    if price.get("lte") is not None:
        q &= Q(variants__price_fen__lte=_fen(price["lte"]))
    return Q(pk__in=Product.objects.filter(q).values("pk")) if q else Q()


def _category_q(category_pks: list[int]) -> Q:
    below: set[int] = set()
    for category in Category.objects.filter(pk__in=category_pks):
        below.update(selectors.category_descendant_ids(category))
    return Q(category_id__in=below)


def _available_q(wanted: bool) -> Q:
    sellable = ProductVariant.objects.filter(
        Q(track_inventory=False) | Q(stock__quantity__gt=F("stock__quantity_reserved"))
    ).values("product")
    q = ON_SALE & Q(pk__in=sellable)
    return q if wanted else ~q


def _string_q(column: str, spec) -> Q:
    q = Q()
    if spec.get("eq") is not None:
        q &= Q(**{column: spec["eq"]})
    if spec.get("one_of") is not None:
        q &= Q(**{f"{column}__in": spec["one_of"]})
    return q


def _global_ids(spec, type_name: str, field: str) -> list[int]:
    values = ([spec["eq"]] if spec.get("eq") is not None else []) + list(
        spec.get("one_of") or []
    )
    return pks(values, type_name, field)


def filter_q(spec) -> Q:
    q = Q()
    if spec.get("ids") is not None:
        q &= Q(pk__in=pks(spec["ids"], "Product", "ids"))
    if spec.get("slugs") is not None:
        q &= Q(slug__in=spec["slugs"])
    if spec.get("categories"):
        q &= _category_q(pks(spec["categories"], "Category", "categories"))
    if spec.get("collections"):
        q &= Q(brand_id__in=pks(spec["collections"], "Collection", "collections"))
    if spec.get("has_category") is not None:
        q &= Q(category__isnull=not spec["has_category"])
    if spec.get("is_published") is not None:
        q &= Q(is_published=spec["is_published"])
    if spec.get("is_available") is not None:
        q &= _available_q(spec["is_available"])
    for key in ("price", "minimal_price"):
        if spec.get(key):
            q &= _price_q(spec[key])
    return q


def where_q(spec) -> Q:
    q = Q()
    if spec.get("ids") is not None:
        q &= Q(pk__in=pks(spec["ids"], "Product", "ids"))
    if spec.get("name"):
        q &= _string_q("name", spec["name"])
    if spec.get("slug"):
        q &= _string_q("slug", spec["slug"])
    if spec.get("category"):
        q &= _category_q(_global_ids(spec["category"], "Category", "category"))
    if spec.get("collection"):
        collections = _global_ids(spec["collection"], "Collection", "collection")
        q &= Q(brand_id__in=collections)
    for key in ("is_available", "is_published"):
        if spec.get(key) is not None:
            q &= filter_q({key: spec[key]})
    if spec.get("has_category") is not None:
        q &= Q(category__isnull=not spec["has_category"])
    for part in spec.get("AND") or []:
        q &= where_q(part)
    if spec.get("OR"):
        either = Q()
        for part in spec["OR"]:
            either |= where_q(part)
        q &= either
    return q


ORDER_COLUMNS = {
    "NAME": "name",
    "PRICE": "min_price_fen",
    "MINIMAL_PRICE": "min_price_fen",
    "CREATED_AT": "created_at",
    "DATE": "created_at",
    "PUBLICATION_DATE": "created_at",
    "PUBLISHED_AT": "created_at",
    "LAST_MODIFIED": "updated_at",
    "LAST_MODIFIED_AT": "updated_at",
}


def sort(queryset: QuerySet, sort_by) -> QuerySet:
    """Saleor's ProductOrder on the columns the shop has; other fields (RANK,
    TYPE, RATING, ...) keep the shop's own order: featured, then newest."""
    if not sort_by:
        return queryset
    column = ORDER_COLUMNS.get(
        getattr(sort_by.get("field"), "value", sort_by.get("field"))
    )
    if column is None:
        return queryset
    if column == "min_price_fen":
        queryset = queryset.annotate(min_price_fen=Min("variants__price_fen"))
    direction = getattr(sort_by["direction"], "value", sort_by["direction"])
    prefix = "-" if direction == "DESC" else ""
    return queryset.order_by(f"{prefix}{column}", f"{prefix}pk")


def product_queryset(
    queryset: QuerySet,
    *,
    filter=None,
    where=None,
    search=None,
    sort_by=None,
    brand=None,
    workshop=None,
    village=None,
) -> QuerySet:
    """Filter, search and sort visible products, the one path every product
    connection takes."""
    filter, where = filter or {}, where or {}
    if filter:
        queryset = queryset.filter(filter_q(filter))
    if where:
        queryset = queryset.filter(where_q(where))
    queryset = selectors.products_filter(
        queryset,
        brand_slug=brand,
        workshop_slug=workshop,
        village_slug=village,
        search=" ".join(s for s in (search, filter.get("search")) if s) or None,
    )
    return sort(queryset, sort_by)
