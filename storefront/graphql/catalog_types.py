"""Saleor's catalogue types around the product: Category, Collection (= a
brand), ProductType, the translations and the pricing objects, and the
Saleor-named connections.

Collections are the shop's brands: `Collection:<brand pk>` is the same row
as `Brand:<brand pk>`, seen the way Saleor's clients look for it. There is
one ProductType, `default` (商品 Product): the shop's goods differ by category,
which clients already read from `category`."""

from dataclasses import dataclass

import graphene
from django.db.models import OuterRef, Subquery
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from graphql_relay import to_global_id

from brands.models import Brand
from storefront.catalog import selectors
from storefront.catalog.models import Category as CategoryModel

from .catalog_filters import ProductFilterInput, ProductOrder, ProductWhereInput
from .channels import CHANNEL_SLUG, check_channel
from .languages import LanguageCodeEnum, LanguageDisplay, english, language_display
from .media import Image, ThumbnailFormatEnum, absolute
from .money import TaxedMoney, TaxedMoneyRange
from .pagination import paginate
from .richtext import editorjs_from_text, plain_text


class SaleorConnection(relay.Connection):
    """Saleor's `XCountableConnection`: edges, pageInfo and a nullable
    totalCount, counted only when asked for."""

    class Meta:
        abstract = True

    total_count = graphene.Int()

    def resolve_total_count(self, info):
        if self.known_total is None:
            self.known_total = self.queryset.count()
        return self.known_total


class Rows(list):
    """Rows already in memory that `paginate` pages like a queryset."""

    def count(self, *args):
        return len(self)


# Columns of the joined rows no field of the schema reads: not loaded.
UNREAD_COLUMNS = (
    "search_text",
    "brand__attribution_window_days",
    "brand__created_at",
    "workshop__contact_name",
    "workshop__contact_phone",
    "workshop__wecom_webhook_url",
    "workshop__shipping_fee_fen",
    "workshop__free_shipping_threshold_fen",
    "workshop__created_at",
    "workshop__updated_at",
    "workshop__village__created_at",
    "workshop__village__updated_at",
    "origin_village__created_at",
    "origin_village__updated_at",
)


ALL_JOINS = ("brand", "origin_village", "workshop__village", "category__parent")
_ON_SALE = ("brand", "workshop")  # Product.is_on_sale reads both
_PLACES = ("brand", "workshop", "origin_village")  # the place attributes
# The joined rows each Product field reads; fields reading only the
# product's own columns, its variants' and its photos' need none. A field
# not listed here joins everything (a new field is never an N+1).
FIELD_JOINS = {
    "brand": ("brand",),
    "collections": ("brand",),
    "workshop": ("workshop__village",),
    "originVillage": ("origin_village",),
    "category": ("category__parent",),
    "isAvailable": _ON_SALE,
    "isAvailableForPurchase": _ON_SALE,
    "availableForPurchaseAt": _ON_SALE,
    "attribute": _PLACES,
    "attributes": _PLACES,
    "assignedAttribute": _PLACES,
    "assignedAttributes": _PLACES,
    **dict.fromkeys(
        (
            "__typename",
            "id",
            "name",
            "nameEn",
            "slug",
            "productCode",
            "channel",
            "chargeTaxes",
            "rating",
            "created",
            "createdAt",
            "updatedAt",
            "seoTitle",
            "seoDescription",
            "description",
            "descriptionJson",
            "descriptionHtml",
            "labelFacts",
            "productType",
            "translation",
            "url",
            "thumbnail",
            "media",
            "images",
            "pricing",
            "priceFrom",
        ),
        (),
    ),
}
# Fields answering variants, which need no join unless something below
# them asks for the variant's `product` (the same row, joins and all).
VARIANT_FIELDS = frozenset({"variants", "defaultVariant", "variant", "productVariants"})


def _fields(selection_set, fragments):
    """The fields of a selection set, through inline fragments and spreads."""
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def _mentions(node, name: str, fragments) -> bool:
    return any(
        field.name.value == name or _mentions(field, name, fragments)
        for field in _fields(node.selection_set, fragments)
    )


@dataclass(frozen=True)
class ProductLoad:
    """What to load with a page of products: the tables to join and whether
    the variants' stock is read."""

    joins: tuple[str, ...] = ALL_JOINS
    stock: bool = True
    # False when no variant is answered, only product figures read from the
    # variants (prices, availability): their other columns stay unloaded.
    variant_rows: bool = True
    # Which photos: "all", "first" (only `thumbnail` reads them) or "none".
    photos: str = "all"


# Product fields that read every photo, and the one that reads the first.
ALL_PHOTO_FIELDS = frozenset({"media", "images"})
FIRST_PHOTO_FIELD = "thumbnail"


def fields_at(info, *path: str) -> list:
    """The field nodes the query selects at `path` below the field being
    resolved (none when it doesn't select that far)."""
    nodes = list(info.field_nodes)
    for step in path:
        nodes = [
            field
            for node in nodes
            for field in _fields(node.selection_set, info.fragments)
            if field.name.value == step
        ]
    return nodes


def product_load(info, *path: str) -> ProductLoad:
    """What the Product fields the query selects at `path` below the field
    being resolved ("edges", "node" for a connection) read: a page that
    shows names, photos and prices joins nothing and leaves stock alone."""
    nodes = fields_at(info, *path)
    joins, stock, variant_rows, photos = set(), False, False, set()
    for node in nodes:
        for field in _fields(node.selection_set, info.fragments):
            name = field.name.value
            if name in FIELD_JOINS:
                joins.update(FIELD_JOINS[name])
                stock = stock or name == "isAvailable"
                photos.add(name)
            elif name in VARIANT_FIELDS:
                if _mentions(field, "product", info.fragments):
                    return ProductLoad()
                stock = variant_rows = True
                photos.add("media")  # a variant's media are its product's
            else:
                return ProductLoad()
    if photos & ALL_PHOTO_FIELDS:
        which = "all"
    else:
        which = "first" if FIRST_PHOTO_FIELD in photos else "none"
    return ProductLoad(tuple(sorted(joins)), stock, variant_rows, which)


def with_product_joins(queryset, joins=ALL_JOINS):
    """Products with the rows `joins` names joined (by default all: brand,
    workshop and its village, origin village, category and its parent): one
    query. `load_rows` adds their variants and photos."""
    joined = {part for join in joins for part in _prefixes(join)}
    unread = [
        column
        for column in UNREAD_COLUMNS
        if "__" not in column or column.rsplit("__", 1)[0] in joined
    ]
    if joins:  # (select_related() with no names would follow every key)
        queryset = queryset.select_related(*joins)
    return queryset.defer(*unread)


def _prefixes(join: str):
    parts = join.split("__")
    return ("__".join(parts[: i + 1]) for i in range(len(parts)))


def with_product_data(queryset):
    """`with_product_joins` with the variants (and their stock), the photos
    and the workshop's brands prefetched the usual way, for querysets
    graphene-django evaluates itself (node lookups)."""
    return (
        selectors.products_with_listing_data(queryset)
        .select_related("category__parent")
        .defer(*UNREAD_COLUMNS)
    )


# Variant columns no product-level field reads (see ProductLoad.variant_rows).
VARIANT_ROW_COLUMNS = ("sku", "name", "options", "weight_grams")


def load_rows(products, load: ProductLoad = ProductLoad()) -> list:
    """Each product's variants (with their stock if `load` reads it, in sort
    order) and the photos `load` names (in sort order): two queries for any
    number of products, kept where `rows_of` and `first_photo` find them.
    Cheaper than prefetch_related, which makes two querysets per product to
    hold what it found."""
    from storefront.catalog.models import ProductVariant

    products = list(products)
    by_pk = {}
    for product in products:
        product._rows = {"variants": []}
        by_pk[product.pk] = product
    if not by_pk:
        return products
    variants = ProductVariant.objects.filter(product_id__in=by_pk).order_by(
        "sort_order", "pk"
    )
    if load.stock:
        variants = variants.select_related("stock")
    if not load.variant_rows:
        variants = variants.defer(*VARIANT_ROW_COLUMNS)
    to_product = ProductVariant._meta.get_field("product")
    for variant in variants:
        product = by_pk[variant.product_id]
        to_product.set_cached_value(variant, product)
        product._rows["variants"].append(variant)
    if load.photos != "none":
        _load_photos(by_pk, first=load.photos == "first")
    return products


def _load_photos(by_pk: dict, *, first: bool) -> None:
    from storefront.catalog.models import ProductImage

    key = "first_image" if first else "images"
    for product in by_pk.values():
        product._rows[key] = [] if not first else None
    images = ProductImage.objects.filter(product_id__in=by_pk)
    if first:
        images = images.filter(
            pk=Subquery(
                ProductImage.objects.filter(product_id=OuterRef("product_id"))
                .order_by("sort_order", "pk")
                .values("pk")[:1]
            )
        )
    to_product = ProductImage._meta.get_field("product")
    for image in images.order_by("sort_order", "pk"):
        product = by_pk[image.product_id]
        to_product.set_cached_value(image, product)
        if first:
            product._rows[key] = image
        else:
            product._rows[key].append(image)


def first_photo(product):
    """The product's first photo (its thumbnail), or None."""
    rows = getattr(product, "_rows", None)
    if rows is not None and "first_image" in rows:
        return rows["first_image"]
    return next(iter(rows_of(product, "images")), None)


def rows_of(instance, name: str) -> list:
    """A product's `variants` or `images`: what `load_rows` or
    prefetch_related loaded, as the list it holds (`instance.name.all()`
    would clone a queryset each time, which costs more than answering the
    field); loaded here when neither did."""
    rows = getattr(instance, "_rows", None)
    if rows is not None and name in rows:
        return rows[name]
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        found = cache[name]._result_cache
        if found is not None:
            return found
    return list(getattr(instance, name).all())


class Page(list):
    """The products of one answer, with the lookups already prefetched."""

    def __init__(self, products):
        super().__init__(products)
        self.done = set()


def set_page(products) -> Page:
    """Let each product of a page find the others (`page_prefetch`)."""
    page = Page(products)
    for product in page:
        product._page = page
    return page


def page_prefetch(product, name: str, *lookups) -> None:
    """prefetch_related_objects(`lookups`) for the whole page `product` is
    on, once (`name` says which): a field only some queries ask for costs
    one query per page when asked for, none otherwise."""
    from django.db.models import prefetch_related_objects

    page = getattr(product, "_page", None)
    if page is None:
        page = set_page([product])
    if name not in page.done:
        page.done.add(name)
        prefetch_related_objects(page, *lookups)


def visible_products(info):
    return selectors.products_visible(info.context.user)


def page_args(kwargs) -> dict:
    return {k: kwargs.get(k) for k in ("first", "last", "after", "before")}


def _language_arg():
    return graphene.Argument(LanguageCodeEnum, required=True)


def _image_args():
    return {
        "size": graphene.Int(),
        "format": graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    }


def product_connection_args(channel=True) -> dict:
    args = {
        "filter": ProductFilterInput(),
        "where": ProductWhereInput(),
        "sort_by": ProductOrder(),
        "search": graphene.String(),
    }
    if channel:
        args["channel"] = graphene.String()
    return args


def products_page(info, queryset, **kwargs):
    """A page of visible products from `queryset` after Saleor's filters."""
    from .catalog_filters import product_queryset
    from .products import ProductCountableConnection

    check_channel(kwargs.get("channel"))
    queryset = product_queryset(
        queryset,
        filter=kwargs.get("filter"),
        where=kwargs.get("where"),
        search=kwargs.get("search"),
        sort_by=kwargs.get("sort_by"),
        brand=kwargs.get("brand"),
        workshop=kwargs.get("workshop"),
        village=kwargs.get("village"),
    )
    load = product_load(info, "edges", "node")
    connection = paginate(
        with_product_joins(queryset, load.joins),
        ProductCountableConnection,
        **page_args(kwargs),
    )
    set_page(load_rows((edge.node for edge in connection.edges), load))
    return connection


class Translation:
    """Fields every Saleor translation type has."""

    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)


def translation_of(graphene_type, type_name: str, pk: int, language_code, **fields):
    """Saleor's translation object: null for anything but English, and when
    the row has no English name."""
    if not english(language_code) or not fields.get("name", fields.get("title")):
        return None
    return graphene_type(
        id=to_global_id(type_name, pk), language=language_display("EN"), **fields
    )


class CategoryTranslation(Translation, graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    name = graphene.String()
    description = graphene.JSONString()
    description_json = graphene.JSONString()


class CollectionTranslation(CategoryTranslation):
    pass


def category_levels(info) -> dict[int, int]:
    """Each category's depth (0 for top level): one query per request."""
    cached = getattr(info.context, "_category_levels", None)
    if cached is None:
        parents = dict(CategoryModel.objects.values_list("pk", "parent_id"))
        cached = {}
        for pk in parents:
            level, node, seen = 0, parents.get(pk), {pk}
            while node is not None and node not in seen:
                seen.add(node)
                level, node = level + 1, parents.get(node)
            cached[pk] = level
        info.context._category_levels = cached
    return cached


class Category(DjangoObjectType):
    class Meta:
        model = CategoryModel
        name = "Category"
        interfaces = (relay.Node,)
        fields = ("slug", "name")

    seo_title = graphene.String()
    seo_description = graphene.String()
    description = graphene.JSONString()
    description_json = graphene.JSONString()
    parent = graphene.Field(lambda: Category)
    level = graphene.Int(required=True)
    name_en = graphene.String(required=True, description="The English name (EN).")
    children = relay.ConnectionField(lambda: CategoryCountableConnection)
    products = relay.ConnectionField(
        "storefront.graphql.products.ProductCountableConnection",
        **product_connection_args(),
    )
    background_image = graphene.Field(Image, **_image_args())
    translation = graphene.Field(CategoryTranslation, language_code=_language_arg())

    def resolve_seo_title(self, info):
        return None

    def resolve_seo_description(self, info):
        return None

    def resolve_description(self, info):
        return None

    def resolve_description_json(self, info):
        return None

    def resolve_parent(self, info):
        return self.parent

    def resolve_level(self, info):
        return category_levels(info).get(self.pk, 0)

    def resolve_children(self, info, **kwargs):
        queryset = CategoryModel.objects.filter(parent=self).order_by(
            "sort_order", "pk"
        )
        return paginate(queryset, CategoryCountableConnection, **page_args(kwargs))

    def resolve_products(self, info, **kwargs):
        queryset = selectors.products_visible(info.context.user).filter(
            category_id__in=selectors.category_descendant_ids(self)
        )
        return products_page(info, queryset, **kwargs)

    def resolve_background_image(self, info, size=None, format=None):
        return None

    def resolve_translation(self, info, language_code):
        return translation_of(
            CategoryTranslation,
            "CategoryTranslation",
            self.pk,
            language_code,
            name=self.name_en,
            slug=None,
        )


class CategoryCountableConnection(SaleorConnection):
    class Meta:
        node = Category
        strict_types = True


class Collection(graphene.ObjectType):
    """A brand, as Saleor's collection (see the module docstring)."""

    class Meta:
        interfaces = (relay.Node,)

    seo_title = graphene.String()
    seo_description = graphene.String()
    name = graphene.String(required=True)
    description = graphene.JSONString()
    slug = graphene.String(required=True)
    channel = graphene.String()
    description_json = graphene.JSONString()
    products = relay.ConnectionField(
        "storefront.graphql.products.ProductCountableConnection",
        **product_connection_args(channel=False),
    )
    background_image = graphene.Field(Image, **_image_args())
    translation = graphene.Field(CollectionTranslation, language_code=_language_arg())
    brand = graphene.Field(
        "storefront.graphql.types.BrandType",
        required=True,
        description="The brand this collection is.",
    )

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Brand)

    @classmethod
    def get_node(cls, info, id):
        return Brand.objects.filter(pk=id, is_active=True).first()

    def resolve_id(self, info):
        return self.pk

    def resolve_seo_title(self, info):
        return None

    def resolve_seo_description(self, info):
        return plain_text(self.story) or None

    def resolve_description(self, info):
        return editorjs_from_text(self.story, self.updated_at)

    def resolve_description_json(self, info):
        return editorjs_from_text(self.story, self.updated_at)

    def resolve_channel(self, info):
        return CHANNEL_SLUG

    def resolve_products(self, info, **kwargs):
        queryset = selectors.products_visible(info.context.user).filter(brand=self)
        return products_page(info, queryset, **kwargs)

    def resolve_background_image(self, info, size=None, format=None):
        if not self.logo:
            return None
        return Image(url=absolute(info, self.logo.url), alt=self.name)

    def resolve_translation(self, info, language_code):
        return translation_of(
            CollectionTranslation,
            "CollectionTranslation",
            self.pk,
            language_code,
            name=self.name_en,
            slug=None,
        )

    def resolve_brand(self, info):
        return self


class CollectionCountableConnection(SaleorConnection):
    class Meta:
        node = Collection
        strict_types = True


ProductTypeKindEnum = graphene.Enum("ProductTypeKindEnum", [("NORMAL", "NORMAL")])
PRODUCT_TYPE_PK = 1


class ProductTypeNode(graphene.ObjectType):
    """The shop's one product type (see the module docstring)."""

    class Meta:
        name = "ProductType"
        interfaces = (relay.Node,)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_variants = graphene.Boolean(required=True)
    is_shipping_required = graphene.Boolean(required=True)
    is_digital = graphene.Boolean(required=True)
    kind = graphene.Field(ProductTypeKindEnum, required=True)

    @classmethod
    def get_node(cls, info, id):
        return the_product_type() if str(id) == str(PRODUCT_TYPE_PK) else None

    def resolve_id(self, info):
        return PRODUCT_TYPE_PK


def the_product_type() -> ProductTypeNode:
    return ProductTypeNode(
        name="商品 Product",
        slug="default",
        has_variants=True,
        is_shipping_required=True,
        is_digital=False,
        kind="NORMAL",
    )


# Built from the variants' prices (fen) by `product_pricing`; each Money
# object is made only when its field is asked for.
class ProductPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    display_gross_prices = graphene.Boolean(required=True)
    price_range = graphene.Field(TaxedMoneyRange)
    price_range_undiscounted = graphene.Field(TaxedMoneyRange)

    def resolve_on_sale(self, info):
        return self.fen["on_sale"]

    def resolve_discount(self, info):
        saving = self.fen["saving"]
        return TaxedMoney.from_fen(saving) if saving > 0 else None

    def resolve_display_gross_prices(self, info):
        return True

    def resolve_price_range(self, info):
        return TaxedMoneyRange.from_fen(*self.fen["range"])

    def resolve_price_range_undiscounted(self, info):
        return TaxedMoneyRange.from_fen(*self.fen["undiscounted"])


def product_pricing(variants) -> ProductPricingInfo | None:
    """From the variants' prices (fen): the compare-at price is the
    undiscounted one, and the product is on sale when any variant has one."""
    if not variants:
        return None
    prices = [v.price_fen for v in variants]
    undiscounted = [v.compare_at_price_fen or v.price_fen for v in variants]
    pricing = ProductPricingInfo()
    pricing.fen = {
        "on_sale": any(v.compare_at_price_fen for v in variants),
        "saving": min(undiscounted) - min(prices),
        "range": (min(prices), max(prices)),
        "undiscounted": (min(undiscounted), max(undiscounted)),
    }
    return pricing


class VariantPricingInfo(graphene.ObjectType):
    on_sale = graphene.Boolean()
    discount = graphene.Field(TaxedMoney)
    price = graphene.Field(TaxedMoney)
    price_undiscounted = graphene.Field(TaxedMoney)


def variant_pricing(variant) -> VariantPricingInfo:
    compare = variant.compare_at_price_fen
    return VariantPricingInfo(
        on_sale=compare is not None,
        discount=TaxedMoney.from_fen(compare - variant.price_fen) if compare else None,
        price=TaxedMoney.from_fen(variant.price_fen),
        price_undiscounted=TaxedMoney.from_fen(compare or variant.price_fen),
    )
