"""/l/<code>: the short link a host shares or shows as a QR code.

A person is sent on (302) to the object the link points at, with the link's
UTM fields, is credited to the host (storefront.links.attribution) and is
counted (storefront.links.clicks). A crawler or link-preview fetcher
(storefront.links.bots) gets a 200 page with the target's Open Graph tags,
and is neither counted nor credited.

The link's redirect data is cached in Django's cache (Redis) for
CACHE_SECONDS and in each process for LOCAL_SECONDS, so a spike of taps
costs no database read and no cache round trip. Expiry is checked on every
tap from that data; a revoke shows at the latest CACHE_SECONDS +
LOCAL_SECONDS later, or LOCAL_SECONDS later when the revoking code calls
`link_target_forget`.
"""

from urllib.parse import parse_qsl, urlencode

from django.http import Http404, HttpResponseNotFound, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from brands.models import Brand
from storefront.catalog.seo import absolute_url, plain_excerpt, product_meta

from .attribution import attribution_record
from .bots import is_bot
from .clicks import click_record, visitor_key
from .codes import normalise_code
from .models import HostLink, LinkTarget
from .qr import link_short_url
from .resolve import link_target, link_target_forget, link_target_key  # noqa: F401

# A flood of made-up codes gets this small page, not the site's 404 page.
NOT_FOUND = (
    '<!doctype html><html lang="zh-hans"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta name="robots" content="noindex"><title>链接无效 · Link not found</title>'
    "<p>这个链接不存在或已失效。This link does not exist.</p>"
    '<p><a href="/">返回首页 · Home</a></p></html>'
)


def target_location(path: str, utm: dict, query: str) -> str:
    """The target path with its own query, then the tap's, then the link's
    UTM fields (which replace any the tap carried)."""
    base, _, own = path.partition("?")
    params = parse_qsl(own, keep_blank_values=True)
    params += parse_qsl(query, keep_blank_values=True)
    params = [(name, value) for name, value in params if name not in utm]
    params += list(utm.items())
    return base + ("?" + urlencode(params) if params else "")


@never_cache
@require_safe
def redirect(request, code):
    normalised = normalise_code(code)
    found = link_target(normalised) if normalised else None
    if found is None:
        return HttpResponseNotFound(NOT_FOUND)
    data, link = found
    location = target_location(
        data["path"], data["utm"], request.META.get("QUERY_STRING", "")
    )
    if is_bot(request.META.get("HTTP_USER_AGENT")):
        return _preview(request, normalised, location)
    response = HttpResponseRedirect(location)
    if request.method == "GET":
        attribution_record(request, response, link)  # nothing if revoked/expired
        click_record(
            link_id=link.pk,
            visitor=visitor_key(request),
            live_session_id=link.live_session_id,
        )
    return response


def _preview(request, code: str, location: str):
    link = (
        HostLink.objects.select_related(
            "brand",
            "product__brand",
            "product__workshop",
            "live_session__pinned_product__brand",
            "live_session__pinned_product__workshop",
        )
        .filter(code=code)
        .first()
    )
    if link is None:
        raise Http404("unknown link code")
    meta = preview_meta(link, request)
    meta["url"] = link_short_url(link, request)
    return render(request, "links/preview.html", {"meta": meta, "location": location})


def _brand_meta(brand: Brand, request=None) -> dict:
    return {
        "title": brand.localized_name,
        "description": plain_excerpt(brand.story) or brand.localized_name,
        "image": absolute_url(brand.logo.url, request) if brand.logo else "",
        "image_alt": brand.localized_name,
    }


def _product_meta(product, request=None) -> dict | None:
    if not product.is_on_sale:
        return None
    found = product_meta(
        product,
        images=list(product.images.all()[:1]),
        variants=list(product.variants.all()),
        request=request,
    )
    return {
        "type": "product",
        "title": found.title,
        "description": found.description,
        "image": found.image,
        "image_alt": found.image_alt,
        "price_amount": found.price_amount,
        "price_currency": found.price_currency,
    }


def preview_meta(link: HostLink, request=None) -> dict:
    """Open Graph fields of the link's target; the brand's when the target
    is a product no longer on sale (its name is not shown then)."""
    meta = None
    if link.target == LinkTarget.PRODUCT:
        meta = _product_meta(link.product, request)
    elif link.target == LinkTarget.LIVE_SESSION:
        session = link.live_session
        meta = _brand_meta(link.brand, request)
        meta["title"] = f"{session.title} · {link.brand.localized_name} 直播 Live"
        pinned = session.pinned_product and _product_meta(
            session.pinned_product, request
        )
        if pinned and pinned["image"]:
            meta["image"], meta["image_alt"] = pinned["image"], pinned["image_alt"]
    return {"type": "website", **(meta or _brand_meta(link.brand, request))}
