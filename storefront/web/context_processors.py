from django.conf import settings
from django.utils.functional import SimpleLazyObject

from catalog_import.selectors import may_import_somewhere
from storefront.core.urls import site_url
from storefront.web import cart_session
from storefront.web.views.workshop import may_use_portal


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        # What absolute URLs start with (storefront.core.urls).
        "SITE_URL": site_url(request),
        # Evaluated only by pages that show it (signed-in headers).
        "MAY_IMPORT": SimpleLazyObject(lambda: may_import_somewhere(user)),
        "MAY_RUN_WORKSHOP": SimpleLazyObject(lambda: may_use_portal(user)),
        # From the session only: no query (page_cache keys pages by it).
        "CART_COUNT": SimpleLazyObject(lambda: _cart_count(request)),
    }


def _cart_count(request) -> int:
    return cart_session.item_count(request) if hasattr(request, "session") else 0
