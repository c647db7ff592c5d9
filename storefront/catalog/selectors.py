"""Catalogue reads shared by pages and GraphQL, with their prefetching."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from brands.models import Brand
from brands.permissions import managed_product_filter

from .cache import catalog_cached
from .models import (
    ON_SALE,
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
)

SEARCH_MAX_LENGTH = 100


def clean_search(text: str | None) -> str:
    """The query as a reader sees it: NULs dropped (PostgreSQL rejects them),
    whitespace collapsed, capped in length."""
    cleaned = (text or "").replace("\x00", "")
    return " ".join(cleaned.split())[:SEARCH_MAX_LENGTH]


def normalise_search(text: str | None) -> str:
    """The query as matched against Product.search_text (lower-cased)."""
    return clean_search(text).lower()


def visible_product_filter(user) -> Q:
    """A Q() that limits a Product queryset to what `user` may view:
    user_can(VIEW_PRODUCT) as one query. What is on sale, and what they
    look after."""
    managed = managed_product_filter(user)
    return Q() if managed is None else ON_SALE | managed


def products_visible(user) -> QuerySet[Product]:
    return Product.objects.filter(visible_product_filter(user))


def products_with_card_data(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card or page shows: brand, origin village, variants with
    stock, images. Three queries after the products themselves."""
    return queryset.select_related("brand", "origin_village").prefetch_related(
        Prefetch(
            "variants",
            queryset=ProductVariant.objects.select_related("stock").order_by(
                "sort_order", "pk"
            ),
        ),
        Prefetch("images", queryset=ProductImage.objects.order_by("sort_order", "pk")),
    )


def products_with_card_state(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """A page of cards read narrowly: the columns a card shows, with its brand
    and origin village joined, and `card_sold_out`, the one card figure that
    changes without a catalogue write (stock reserved or released). Variants
    and images are left for the cards that are not cached yet."""
    on_hand = ProductVariant.objects.filter(product=OuterRef("pk")).filter(
        Q(track_inventory=False) | Q(stock__quantity__gt=F("stock__quantity_reserved"))
    )
    return (
        queryset.select_related("brand", "origin_village")
        .only(
            "pk",
            "slug",
            "name",
            "name_en",
            "is_published",
            "brand__name",
            "brand__name_en",
            "origin_village__name",
            "origin_village__name_en",
        )
        .annotate(card_sold_out=~Exists(on_hand))
    )


def products_with_detail_data(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """A product page adds its workshop and category (joined, no extra query)."""
    return products_with_card_data(queryset).select_related("workshop", "category")


def products_with_listing_data(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Everything the GraphQL product type can reach: the detail data plus the
    workshop's village and brands. Four queries after the products themselves."""
    return (
        products_with_detail_data(queryset)
        .select_related("workshop__village")
        .prefetch_related(
            Prefetch("workshop__brands", queryset=Brand.objects.order_by("name"))
        )
    )


def _category_children() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    return children


def category_descendant_ids(category: Category) -> list[int]:
    """The category and everything below it (the tree is small: one query,
    none while the catalogue version has not moved)."""
    children = catalog_cached("category-tree", "", _category_children)
    found, frontier = [], [category.pk]
    while frontier:
        node = frontier.pop()
        if node in found:
            continue
        found.append(node)
        frontier.extend(children.get(node, []))
    return found


def products_filter(
    queryset: QuerySet[Product],
    *,
    brand_slug: str | None = None,
    workshop_slug: str | None = None,
    village_slug: str | None = None,
    category: Category | None = None,
    search: str | None = None,
) -> QuerySet[Product]:
    if brand_slug:
        queryset = queryset.filter(brand__slug=brand_slug)
    if workshop_slug:
        queryset = queryset.filter(workshop__slug=workshop_slug)
    if village_slug:
        queryset = queryset.filter(origin_village__slug=village_slug)
    if category is not None:
        queryset = queryset.filter(category_id__in=category_descendant_ids(category))
    terms = normalise_search(search).split()
    for term in terms[:5]:
        # Variant SKUs are searched too; the subquery keeps rows distinct.
        queryset = queryset.filter(
            Q(search_text__contains=term)
            | Q(
                pk__in=ProductVariant.objects.filter(sku__iexact=term).values("product")
            )
        )
    return queryset


def stock_refresh(variants: list[ProductVariant]) -> None:
    """Read the stock of `variants` (loaded earlier, e.g. from a cache) afresh,
    in one query."""
    if not variants:
        return
    current = {
        variant_id: (quantity, reserved)
        for variant_id, quantity, reserved in Stock.objects.filter(
            variant_id__in=[variant.pk for variant in variants]
        ).values_list("variant_id", "quantity", "quantity_reserved")
    }
    for variant in variants:
        if variant.pk in current:
            stock = getattr(variant, "stock", None) or Stock(variant=variant)
            stock.quantity, stock.quantity_reserved = current[variant.pk]
            variant.stock = stock
        elif hasattr(variant, "stock"):
            variant.stock.quantity = variant.stock.quantity_reserved = 0


def product_stock_state(variant: ProductVariant) -> str:
    """'in_stock', 'low' (5 or fewer left) or 'sold_out'."""
    if not variant.track_inventory:
        return "in_stock"
    stock = getattr(variant, "stock", None)
    available = stock.quantity_available if stock else 0
    if available <= 0:
        return "sold_out"
    return "low" if available <= 5 else "in_stock"
