"""Product cards rendered once and shared by every visitor, signed in or not.

A card shows only catalogue data (name, photo, prices, brand, village, the
unpublished badge) and whether the product is sold out. Every catalogue write
moves the catalogue version (storefront.catalog.cache), which is part of the
key; so is the sold-out state, which changes without a catalogue write when a
checkout reserves or releases stock, and which the page query reads afresh
(selectors.products_with_card_state). A card is rendered from the product
alone, without the request or any context processor, so nothing personal (the
visitor's name, cart count or CSRF token) can reach a stored card.
"""

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from storefront.catalog.cache import catalog_fragment_seconds
from storefront.catalog.models import Product, ProductImage, ProductVariant
from storefront.catalog.selectors import product_stock_state

CARD_TEMPLATE = "web/includes/product_card.html"


def card_key(*, version: int, language: str, pk: int, sold_out: bool) -> str:
    return f"card:{version}:{language}:{pk}:{int(sold_out)}"


def _sold_out(product: Product) -> bool:
    return all(
        product_stock_state(variant) == "sold_out" for variant in product.variants.all()
    )


def _render(products: list[Product], version: int, language: str) -> dict:
    """Cards of `products` (read by products_with_card_state), by key."""
    prefetch_related_objects(
        products,
        Prefetch(
            "variants",
            queryset=ProductVariant.objects.select_related("stock").order_by(
                "sort_order", "pk"
            ),
        ),
        Prefetch("images", queryset=ProductImage.objects.order_by("sort_order", "pk")),
    )
    template = get_template(CARD_TEMPLATE)
    return {
        card_key(
            version=version,
            language=language,
            pk=product.pk,
            # From the rows just read: what the card shows, not the page query.
            sold_out=_sold_out(product),
        ): template.render({"product": product})
        for product in products
    }


def cards_attach(products: list[Product], *, version: int) -> list[Product]:
    """Set `product.card` (the card's HTML) on each of a page's products,
    rendering and storing only the cards not stored yet. `version` is the
    catalogue version read before the products were (catalog_version()): a
    write that commits meanwhile moves it again, so nothing older is kept
    under it."""
    if not products:
        return products
    language = get_language()
    # Keys carry the version and the stock state, so a card never goes
    # stale; the lifetime only bounds memory.
    seconds = catalog_fragment_seconds()
    keys = {
        product.pk: card_key(
            version=version,
            language=language,
            pk=product.pk,
            sold_out=product.card_sold_out,
        )
        for product in products
    }
    stored = cache.get_many(list(keys.values())) if seconds > 0 else {}
    missing = [product for product in products if keys[product.pk] not in stored]
    if missing:
        fresh = _render(missing, version, language)
        if seconds > 0:
            cache.set_many(fresh, seconds)
        stored.update(fresh)
        for product in missing:
            product.card_sold_out = _sold_out(product)
            keys[product.pk] = card_key(
                version=version,
                language=language,
                pk=product.pk,
                sold_out=product.card_sold_out,
            )
    for product in products:
        product.card = mark_safe(stored[keys[product.pk]])  # noqa: S308 - rendered by us
    return products
