import graphene
from graphene import relay
from graphene.relay.node import NodeField as BaseNodeField
from graphql import GraphQLError

from brands import selectors as brand_selectors
from storefront.catalog import selectors
from storefront.catalog.models import Category

from .ids import parse_global_id
from .pagination import paginate
from .types import BrandType, CategoryType, ProductType, VillageType, WorkshopNode


class ProductFilterInput(graphene.InputObjectType):
    brand = graphene.String(description="Brand slug")
    workshop = graphene.String(description="Workshop slug")
    village = graphene.String(description="Origin village slug")
    category = graphene.String(description="Category slug, including sub-categories")
    search = graphene.String(description="Words in the name, brand, place or SKU")


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
            return get_node(info, pk) if get_node else None

        return resolve_node


def _page_args(kwargs):
    return {k: kwargs.get(k) for k in ("first", "last", "after", "before")}


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
    categories = relay.ConnectionField(CategoryType._meta.connection)
    products = relay.ConnectionField(
        ProductType._meta.connection,
        filter=ProductFilterInput(),
        description="Published products; `first`/`last` are capped at 100.",
    )
    product = graphene.Field(ProductType, slug=graphene.String(required=True))

    def resolve_brands(self, info, **kwargs):
        return paginate(
            brand_selectors.brands_active(),
            BrandType._meta.connection,
            **_page_args(kwargs),
        )

    def resolve_brand(self, info, slug):
        return brand_selectors.brands_active().filter(slug=slug).first()

    def resolve_workshops(self, info, brand=None, village=None, **kwargs):
        queryset = brand_selectors.workshops_active(
            brand_slug=brand, village_slug=village
        )
        return paginate(queryset, WorkshopNode._meta.connection, **_page_args(kwargs))

    def resolve_workshop(self, info, slug):
        return brand_selectors.workshops_active().filter(slug=slug).first()

    def resolve_villages(self, info, **kwargs):
        return paginate(
            brand_selectors.villages_all(),
            VillageType._meta.connection,
            **_page_args(kwargs),
        )

    def resolve_village(self, info, slug):
        return brand_selectors.villages_all().filter(slug=slug).first()

    def resolve_categories(self, info, **kwargs):
        queryset = Category.objects.select_related("parent").order_by(
            "sort_order", "pk"
        )
        return paginate(queryset, CategoryType._meta.connection, **_page_args(kwargs))

    def resolve_products(self, info, filter=None, **kwargs):
        filter = filter or {}
        queryset = selectors.products_visible(info.context.user)
        category = None
        if filter.get("category"):
            category = Category.objects.filter(slug=filter["category"]).first()
            if category is None:
                queryset = queryset.none()
        queryset = selectors.products_filter(
            queryset,
            brand_slug=filter.get("brand"),
            workshop_slug=filter.get("workshop"),
            village_slug=filter.get("village"),
            category=category,
            search=filter.get("search"),
        )
        queryset = selectors.products_with_listing_data(queryset)
        return paginate(queryset, ProductType._meta.connection, **_page_args(kwargs))

    def resolve_product(self, info, slug):
        queryset = selectors.products_with_listing_data(
            selectors.products_visible(info.context.user)
        )
        return queryset.filter(slug=slug).first()
