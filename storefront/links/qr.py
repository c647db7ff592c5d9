"""QR codes of host links, for hosts to show on stream or print.

The code holds the absolute short URL, SITE_URL + /l/<code>. Codes are
matched whatever their case (codes.normalise_code), so the URL could be
upper-cased for QR's denser alphanumeric mode, but SITE_URL's path and
query are not case-safe in general; byte mode it is.
"""

import io

import segno
from django.conf import settings
from django.urls import reverse

# M recovers from ~15 % damage: enough for a phone screen or a printed card
# without making the symbol much denser than L.
ERROR_CORRECTION = "m"


def link_short_url(link) -> str:
    return settings.SITE_URL + reverse("links:redirect", args=[link.code])


def link_qr(link) -> segno.QRCode:
    return segno.make_qr(link_short_url(link), error=ERROR_CORRECTION, boost_error=True)


def link_qr_png(link, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    link_qr(link).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def link_qr_svg(link, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    link_qr(link).save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        svgclass=None,
        lineclass=None,
        title=f"{settings.SITE_NAME} {link_short_url(link)}",
    )
    return out.getvalue()
