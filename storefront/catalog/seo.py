"""Share metadata (Open Graph, Twitter cards, canonical links) for product
pages and host links: the product page (web) and a host link's preview (links)
both read it, so it lives with the catalogue."""

import html
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from storefront.core.money import CURRENCY, fen_to_yuan_string
from storefront.core.urls import absolute_url as _absolute_url

DESCRIPTION_CHARS = 160


def absolute_url(url: str, request=None) -> str:
    """Storage and reverse() give paths; crawlers need absolute URLs
    (storefront.core.urls.absolute_url builds them)."""
    return _absolute_url(url, request)


def plain_excerpt(rich_text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(html.unescape(strip_tags(rich_text or "")).split())
    return Truncator(text).chars(limit)


@dataclass(frozen=True)
class ProductMeta:
    title: str
    description: str
    url: str
    image: str
    image_alt: str
    price_amount: str
    price_currency: str = CURRENCY


def product_meta(product, *, images, variants, request=None) -> ProductMeta:
    first = images[0] if images else None
    prices = [variant.price_fen for variant in variants]
    description = product.seo_description or plain_excerpt(product.description)
    if not description:
        description = f"{product.brand.localized_name} · {product.localized_name}"
    return ProductMeta(
        title=product.seo_title or product.localized_name,
        description=description,
        url=absolute_url(reverse("web:product", args=[product.slug]), request),
        image=absolute_url(first.large_url, request) if first else "",
        image_alt=(first.alt or product.localized_name) if first else "",
        # Open Graph wants a bare decimal: "1280.00", not "¥1,280.00".
        price_amount=(fen_to_yuan_string(min(prices)) if prices else ""),
    )
