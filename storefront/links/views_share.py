"""Sharing: QR codes (SVG, shown on the page as an <img>) and share posters
(PNG, 750 × 1334) of product pages, live sessions and a host's own links.
Public ones only for what the visitor may see; a host link's only for
those who may read its figures (like its QR download)."""

import logging

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from brands.permissions import Action, user_can
from storefront.catalog.models import Product
from storefront.core.http import private_page
from storefront.core.ids import pk_from_text

from . import sharing
from .fonts import FontMissing
from .models import HostLink
from .selectors import live_session_for_page

log = logging.getLogger(__name__)

# Browsers may keep a public QR code or poster a little: they change only
# when the product or session does.
PUBLIC_SECONDS = 300


def _public(response):
    if response.status_code == 200:
        response["Cache-Control"] = f"public, max-age={PUBLIC_SECONDS}"
    return response


def _visible_product(request, slug: str) -> Product:
    product = get_object_or_404(
        Product.objects.select_related("brand", "workshop__village", "origin_village"),
        slug=slug,
    )
    if not (
        product.is_on_sale and user_can(request.user, Action.VIEW_PRODUCT, product)
    ):
        raise Http404("product not visible")
    return product


def _session(pk: int):
    session = live_session_for_page(pk)
    if session is None:
        raise Http404("no such live session")
    return session


def _png(draw, filename: str, request):
    """The poster `draw()` makes, or a 503 saying the font is missing (the
    operator must install fonts-noto-cjk; never a poster of empty boxes)."""
    try:
        data = draw()
    except FontMissing as missing:
        log.error("share poster: %s", missing)
        return HttpResponse(
            "海报暂不可用：服务器缺少中文字体。\n"
            "Poster unavailable: the server lacks its Chinese font.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="image/png")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_GET
def product_qr(request, slug: str):
    product = _visible_product(request, slug)
    svg = sharing.qr_svg(sharing.product_share_url(product, request))
    return _public(HttpResponse(svg, content_type="image/svg+xml"))


@require_GET
def product_poster(request, slug: str):
    product = _visible_product(request, slug)
    return _public(
        _png(
            lambda: sharing.product_poster(product, request),
            f"poster-{product.pk}.png",
            request,
        )
    )


@require_GET
def live_qr(request, pk: int):
    svg = sharing.qr_svg(sharing.live_share_url(_session(pk), request))
    return _public(HttpResponse(svg, content_type="image/svg+xml"))


@never_cache
@require_GET
def live_poster(request, pk: int):
    """Never cached by browsers: it shows the product pinned now."""
    session = _session(pk)
    return _png(
        lambda: sharing.session_poster(session, request),
        f"live-{session.pk}.png",
        request,
    )


@never_cache
@require_GET
def link_poster(request, pk: str):
    number = pk_from_text(pk)
    link = (
        HostLink.objects.select_related(
            "brand", "product", "live_session", "host__host_profile"
        )
        .filter(pk=number)
        .first()
        if number
        else None
    )
    # Someone else's link answers as if it did not exist.
    if link is None or not user_can(request.user, Action.VIEW_HOST_FIGURES, link):
        raise Http404
    return private_page(
        _png(
            lambda: sharing.link_poster(link, request),
            f"poster-{link.code}.png",
            request,
        )
    )
