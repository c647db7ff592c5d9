"""Whole-page caching of public catalogue pages for visitors who are not
signed in. Those pages carry nothing personal (no CSRF token, no name), so one
rendering serves everyone with the same path and language until the catalogue
changes (storefront.catalog.cache) or the entry expires."""

from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from storefront.catalog.cache import catalog_cache_seconds, public_cache_key


def public_page_cache(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = catalog_cache_seconds()
        if seconds <= 0 or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = public_cache_key(
            "page",
            get_language(),
            request.get_host().encode(),
            request.get_full_path().encode(),
        )
        body = cache.get(key)
        if body is not None:
            response = HttpResponse(body, content_type="text/html; charset=utf-8")
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            cache.set(key, response.content, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
