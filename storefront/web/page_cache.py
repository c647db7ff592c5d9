"""Whole-page caching of public catalogue pages for visitors who are not
signed in. One rendering serves everyone with the same path and language until
the catalogue changes (storefront.catalog.cache) or the entry expires.

Such pages carry nothing personal but the header's cart count (part of the
key, so one copy per count) and the CSRF token of the
add-to-cart form. The stored copy holds a placeholder where the token was
(every `<input name="csrfmiddlewaretoken">` value); each response, hit or
miss, carries the visitor's own token from `get_token(request)`, which also
makes the CSRF middleware set the visitor's cookie. Templates of cached pages
must emit the token only through `{% csrf_token %}`; a page holding it
anywhere else is served but not stored.
"""

import re
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

from storefront.catalog.cache import catalog_cache_seconds, public_cache_key

from . import cart_session

# Set by views.cart for the product page to show once; such a page is personal.
ADD_ERROR_KEY = "cart_add_refused"

_CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]*)(")')


def csrf_placeholder() -> bytes:
    """Stands for the token in stored pages. Derived from SECRET_KEY, so every
    worker agrees on it and no product text can contain it by design."""
    digest = salted_hmac("storefront.web.page_cache", "csrf-placeholder").hexdigest()
    return f"csrf-placeholder-{digest[:32]}".encode()


def page_for_cache(content: bytes) -> bytes | None:
    """The page with each CSRF token replaced by the placeholder, or None if
    it cannot be stored safely (a token outside the form inputs, or text
    that already contains the placeholder)."""
    placeholder = csrf_placeholder()
    if placeholder in content:
        return None
    tokens = {match[2] for match in _CSRF_VALUE.finditer(content)}
    stored = _CSRF_VALUE.sub(rb"\g<1>" + placeholder + rb"\g<3>", content)
    if any(token and token in stored for token in tokens):
        return None
    return stored


def page_for_visitor(stored: bytes, request) -> bytes:
    placeholder = csrf_placeholder()
    if placeholder not in stored:
        return stored
    return stored.replace(placeholder, get_token(request).encode())


def page_key(
    *,
    language: str,
    host: str,
    path: str,
    cart_count: int,
    scheme: str = "http",
    version: str = "",
) -> str:
    """One stored copy per page, language and header cart count, and per
    scheme and host: without SITE_URL a page's canonical, Open Graph and
    share links are built from them (storefront.core.urls). `version` is a
    page's own data version besides the catalogue's, if it has one."""
    origin = host if scheme == "http" else f"{scheme}://{host}"
    parts = [origin.encode(), path.encode(), str(cart_count).encode()]
    if version:
        parts.append(version.encode())
    return public_cache_key("page", language, *parts)


def public_page_cache(view=None, *, version=None):
    """`@public_page_cache`, or `@public_page_cache(version=f)` for a page
    whose figures change apart from the catalogue: `f()` is read into the
    key first, so a change that moves it retires the stored copies."""
    if view is None:
        return lambda view: public_page_cache(view, version=version)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = catalog_cache_seconds()
        if (
            seconds <= 0
            or request.method != "GET"
            or request.user.is_authenticated
            or ADD_ERROR_KEY in request.session
        ):
            return view(request, *args, **kwargs)
        key = page_key(
            language=get_language(),
            host=request.get_host(),
            scheme=request.scheme,
            path=request.get_full_path(),
            # Read from the session that request.user has loaded already.
            cart_count=cart_session.item_count(request),
            version=str(version()) if version else "",
        )
        stored = cache.get(key)
        if stored is not None:
            response = HttpResponse(
                page_for_visitor(stored, request),
                content_type="text/html; charset=utf-8",
            )
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            stored = page_for_cache(response.content)
            if stored is not None:
                cache.set(key, stored, seconds)
                response["X-Page-Cache"] = "miss"
        return response

    return wrapper
