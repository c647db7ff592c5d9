"""Product and category pages."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from brands.permissions import Action, user_can
from revenue.figures import village_share_for_product
from storefront.catalog import selectors
from storefront.catalog.cache import (
    catalog_cached,
    catalog_fragment_seconds,
    catalog_kept,
    catalog_version,
)
from storefront.catalog.models import Category, Product
from storefront.catalog.seo import product_meta
from storefront.links.selectors import live_session_pinning

from ..page_cache import public_page_cache
from .cart import add_refused_for
from .listing import product_page, products_for


def _product_for_page(slug: str) -> Product | None:
    return (
        selectors.products_with_detail_data(Product.objects.all())
        .select_related("workshop__village")
        .filter(slug=slug)
        .first()
    )


@public_page_cache
def product_detail(request, slug):
    # The product as the catalogue version last saw it, with its stock read
    # afresh: reservations move stock without a catalogue write.
    version = catalog_version()
    product = catalog_cached(
        "product-page", slug, lambda: _product_for_page(slug), version=version
    )
    if product is None:
        raise Http404("no such product")
    selectors.stock_refresh(list(product.variants.all()))
    if not user_can(request.user, Action.VIEW_PRODUCT, product):
        raise Http404("product not visible")
    refused = add_refused_for(request, product)
    response = render(
        request,
        "web/product.html",
        product_context(product, request=request, fragment_version=version, **refused),
    )
    if refused:
        add_never_cache_headers(response)
    return response


def _village_share(product: Product, variants: list) -> dict | None:
    """What of the first size's price reaches the workshop's village (which
    receives the share, even when the product names another origin).

    The page is cached for anonymous visitors for CATALOG_CACHE_SECONDS
    (storefront.catalog.cache, 60 s by default) and agreements do not bump the
    catalogue version, so an agreement that starts at midnight, or one added
    for today, shows at most that long after it applies."""
    if not variants:
        return None
    fen = catalog_kept(
        f"village-share:{product.pk}:{variants[0].price_fen}:{timezone.localdate()}",
        lambda: village_share_for_product(product, variant=variants[0]),
    )
    if not fen:
        return None
    workshop = product.workshop
    village = (
        product.origin_village
        if product.origin_village_id == workshop.village_id
        else workshop.village
    )
    return {"fen": fen, "village": village}


def product_context(
    product: Product, *, fragment_version: int, request=None, **extra
) -> dict:
    """What web/product.html shows (with a refused add's message, if any)."""
    variants = list(product.variants.all())
    images = list(product.images.all())
    return {
        "product": product,
        "variants": variants,
        "images": images,
        "meta": product_meta(
            product, images=images, variants=variants, request=request
        ),
        "village_share": _village_share(product, variants),
        # 正在直播: a running session has it pinned (cached pages: up to
        # CATALOG_CACHE_SECONDS late, as pins do not bump the catalogue).
        "live_now": live_session_pinning(product),
        # The {% cache %} fragment of the details below the fold, kept under
        # the version the product was read under (`fragment_version`).
        "fragment_version": fragment_version,
        "fragment_seconds": catalog_fragment_seconds(),
        **extra,
    }


def _ancestors(category: Category) -> list[Category]:
    chain, seen, node = [], {category.pk}, category.parent
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = node.parent
    return chain[::-1]


def _category_parts(slug: str):
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        return None
    return category, _ancestors(category), list(category.children.all())


@public_page_cache
def category_detail(request, slug):
    # Catalogue data only (category writes move the version): kept.
    parts = catalog_cached("category-page", slug, lambda: _category_parts(slug))
    if parts is None:
        raise Http404("no such category")
    category, ancestors, subcategories = parts
    return render(
        request,
        "web/category.html",
        {
            "category": category,
            "ancestors": ancestors,
            "subcategories": subcategories,
            "page_obj": product_page(
                request, products_for(request.user, category=category)
            ),
        },
    )
