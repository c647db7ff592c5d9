"""What the pay page adds to the site-wide Content-Security-Policy.

Stripe.js is the one third-party script the shop runs, and only the pay page
loads it. Stripe's own Stripe.js (js.stripe.com) runs its card fields in frames
from js.stripe.com, 3-D Secure through hooks.stripe.com, calls
api.stripe.com, and shows images (WeChat Pay's QR code, payment method logos)
from *.stripe.com; Alipay and WeChat Pay on a phone leave the page for their
authorise page, which no policy here governs. Any other STRIPE_JS_URL (the
local stand-in in tests and the demo) is allowed its own origin for scripts,
frames and requests; its QR code is a data: image, which every page allows.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings

STRIPE_JS_HOST = "js.stripe.com"


def stripe_sources() -> dict[str, list[str]]:
    parts = urlsplit(settings.STRIPE_JS_URL)
    if parts.hostname == STRIPE_JS_HOST:
        return {
            "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
            "frame-src": [
                "https://js.stripe.com",
                "https://*.js.stripe.com",
                "https://hooks.stripe.com",
            ],
            "connect-src": ["https://api.stripe.com"],
            "img-src": ["https://*.stripe.com"],
        }
    if not (parts.scheme and parts.netloc):
        return {"frame-src": []}  # nothing to allow; frames stay 'none'
    origin = f"{parts.scheme}://{parts.netloc}"
    return {"script-src": [origin], "frame-src": [origin], "connect-src": [origin]}


def allows_stripe_js(view):
    """Let the view's page load and run Stripe.js (read per request, so the
    policy follows STRIPE_JS_URL)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        sources = stripe_sources()
        # What django-csp's csp_update/csp_replace decorators set, with the
        # sources known only now; frames replace the site-wide 'none'.
        if frames := sources.pop("frame-src"):
            response._csp_replace = {"frame-src": frames}
        response._csp_update = sources
        return response

    return wrapper
