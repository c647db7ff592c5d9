"""What sharing shows: the absolute URL a QR code or copy button carries, the
QR code as SVG, and the share poster's facts (storefront.links.poster draws
them) for a product page, a host link or a live session.

Absolute URLs come from storefront.core.urls.absolute_url (the one place:
SITE_URL, or the request's allowed host when SITE_URL is not set), through
`share_url` here and storefront.links.qr.link_short_url for host links.

A poster costs tens of milliseconds to draw, and the public ones can be
fetched by anyone: the PNG is cached (Django's cache, Redis) under a hash
of everything drawn, so the same facts are drawn once per POSTER_SECONDS.
"""

import hashlib
from contextlib import suppress

import segno
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from revenue.figures import village_share_for_product
from storefront.catalog.models import Product
from storefront.core.money import format_fen
from storefront.core.urls import absolute_url

from . import qr
from .models import HostLink, LinkTarget, LiveSession
from .poster import PosterFacts, poster_png

POSTER_SECONDS = 600


def share_url(path: str, request=None) -> str:
    """The absolute URL of one of our paths, for QR codes, copy-link
    buttons and posters."""
    return absolute_url(path, request)


def product_share_url(product: Product, request=None) -> str:
    return share_url(reverse("web:product", args=[product.slug]), request)


def live_share_url(session: LiveSession, request=None) -> str:
    return share_url(reverse("links:live", args=[session.pk]), request)


def qr_svg(url: str, *, scale: int = 6) -> bytes:
    """`url` (one of ours, from share_url) as a QR code in SVG."""
    return qr.svg_of(
        segno.make_qr(url, error=qr.ERROR_CORRECTION, boost_error=True),
        scale=scale,
        title=f"{settings.SITE_NAME} {url}",
    )


def host_name_of(user) -> str:
    profile = getattr(user, "host_profile", None)
    return profile.display_name if profile else user.get_username()


def _photo_field(product: Product):
    """The stored rendition to draw (the large one, else the small one);
    the original upload only when no rendition was made."""
    image = product.images.order_by("sort_order", "pk").first()
    if image is None:
        return None
    return image.rendition_large or image.rendition_small or image.image


def _village_line(product: Product, variant) -> str:
    """The product page's per-unit village line, from the same selector."""
    fen = village_share_for_product(product, variant=variant)
    if not fen:
        return ""
    workshop = product.workshop
    village = (
        product.origin_village
        if product.origin_village_id == workshop.village_id
        else workshop.village
    )
    amount = format_fen(fen)
    english = village.name_en or village.localized_name
    return (
        f"每售出一件，{amount} 回流 {village.localized_name} "
        f"/ {amount} of every sale goes back to {english}"
    )


def _product_facts(product: Product | None, *, title: str) -> dict:
    if product is None:
        return {"name": title, "price": "", "village": "", "photo": None}
    variant = product.variants.order_by("sort_order", "pk").first()
    return {
        "name": product.localized_name,
        "price": format_fen(variant.price_fen) if variant else "",
        "village": _village_line(product, variant) if variant else "",
        "photo": _photo_field(product),
    }


def _session_product(session: LiveSession) -> Product | None:
    """The pinned product if on sale, else the first featured one on sale."""
    pinned = session.pinned_product
    if pinned is not None and pinned.is_on_sale:
        return pinned
    row = (
        session.featured.filter(product__in=Product.objects.on_sale())
        .select_related("product")
        .order_by("position", "pk")
        .first()
    )
    return row.product if row else None


def product_poster(product: Product, request=None) -> bytes:
    """The product page's poster: shared by the shop (no host)."""
    facts = _product_facts(product, title=product.localized_name)
    url = product_share_url(product, request)
    return _poster(host=settings.SITE_NAME, url=url, **facts)


def session_poster(session: LiveSession, request=None) -> bytes:
    facts = _product_facts(_session_product(session), title=session.title)
    url = live_share_url(session, request)
    return _poster(host=host_name_of(session.host), url=url, **facts)


def link_poster(link: HostLink, request=None) -> bytes:
    if link.target == LinkTarget.PRODUCT:
        product = link.product if link.product.is_on_sale else None
        title = link.brand.localized_name
    elif link.target == LinkTarget.LIVE_SESSION:
        product = _session_product(link.live_session)
        title = link.live_session.title
    else:
        product, title = None, link.brand.localized_name
    facts = _product_facts(product, title=title)
    url = qr.link_short_url(link, request)
    return _poster(host=host_name_of(link.host), url=url, **facts)


def _poster(*, name, price, village, host, url, photo) -> bytes:
    photo_name = photo.name if photo else ""
    digest = hashlib.sha256(
        "\x1f".join(["v1", name, price, village, host, url, photo_name]).encode()
    ).hexdigest()
    key = f"links:poster:{digest}"
    with suppress(Exception):  # a cache that is down costs a drawing, no more
        found = cache.get(key)
        if found is not None:
            return found
    opened = None
    if photo:
        with suppress(OSError, ValueError):
            opened = photo.open("rb")
    try:
        png = poster_png(
            PosterFacts(
                name=name,
                price=price,
                village=village,
                host=host,
                url=url,
                photo=opened,
            )
        )
    finally:
        if opened is not None:
            opened.close()
    with suppress(Exception):
        cache.set(key, png, POSTER_SECONDS)
    return png
