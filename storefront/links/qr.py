"""QR codes of host links, for hosts to show on stream or print.

The code holds the absolute short URL, storefront.core.urls.absolute_url
of /l/<code> (SITE_URL, or the request's allowed host when SITE_URL is not
set). Codes are matched whatever their case (codes.normalise_code), so the
URL could be upper-cased for QR's denser alphanumeric mode, but a host name
is not case-safe in general; byte mode it is.
"""

import io

import segno
from django.conf import settings
from django.urls import reverse

from storefront.core.urls import absolute_url

# M recovers from ~15 % damage: enough for a phone screen or a printed card
# without making the symbol much denser than L.
ERROR_CORRECTION = "m"


def link_short_url(link, request=None) -> str:
    return absolute_url(reverse("links:redirect", args=[link.code]), request)


def link_qr(link, request=None) -> segno.QRCode:
    return segno.make_qr(
        link_short_url(link, request), error=ERROR_CORRECTION, boost_error=True
    )


def link_qr_png(link, *, scale: int = 8, request=None) -> bytes:
    out = io.BytesIO()
    link_qr(link, request).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def svg_of(code, *, scale: int, title: str) -> bytes:
    """A segno QR code as the SVG every page and download uses."""
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        title=title,
    )
    return out.getvalue()


def link_qr_svg(link, *, scale: int = 8, request=None) -> bytes:
    return svg_of(
        link_qr(link, request),
        scale=scale,
        title=f"{settings.SITE_NAME} {link_short_url(link, request)}",
    )
