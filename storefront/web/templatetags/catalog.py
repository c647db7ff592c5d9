"""Small read-only helpers for product cards and detail pages.

They only touch prefetched relations (see selectors.products_with_card_data),
so a list of cards costs the same queries whatever its length.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from storefront.catalog.selectors import product_stock_state
from storefront.core.html import sanitize_html

register = template.Library()

_STATE_RANK = {"in_stock": 0, "low": 1, "sold_out": 2}


@register.filter
def price_from_fen(product) -> int | None:
    """The lowest variant price, or None when the product has no variants."""
    prices = [variant.price_fen for variant in product.variants.all()]
    return min(prices) if prices else None


@register.filter
def has_price_range(product) -> bool:
    return len({variant.price_fen for variant in product.variants.all()}) > 1


@register.filter
def first_image(product):
    images = list(product.images.all())
    return images[0] if images else None


@register.filter
def stock_state(variant) -> str:
    return product_stock_state(variant)


@register.filter
def product_stock(product) -> str:
    """The best state among the variants: a product is sold out only when every
    variant is."""
    states = [product_stock_state(variant) for variant in product.variants.all()]
    if not states:
        return "sold_out"
    return min(states, key=_STATE_RANK.__getitem__)


@register.filter
def bilingual(label) -> str:
    """Pick one half of a stored "中文 English" label (model choices and
    verbose names are written that way) for the active language."""
    text = str(label or "")
    zh, _, en = text.partition(" ")
    if not en:
        return text
    language = (get_language() or "").lower()
    if language.startswith("en"):
        return en[:1].upper() + en[1:]
    return zh


@register.filter
def attribute_items(attributes) -> list[tuple[str, str]]:
    """A product's free-form attributes as (name, value) text pairs."""
    if not isinstance(attributes, dict):
        return []
    items = []
    for name, value in attributes.items():
        if isinstance(value, list | tuple):
            value = "、".join(str(part) for part in value)
        elif isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        items.append((str(name), str(value)))
    return items


@register.filter
def rich_text(value) -> str:
    """Stored descriptions are sanitised on save; sanitising again here keeps a
    page safe from any write path that bypassed save() (bulk loads, updates)."""
    return mark_safe(sanitize_html(str(value or "")))  # noqa: S308 - just sanitised
