"""Product lists shared by every page that shows product cards."""

from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from storefront.catalog import selectors
from storefront.catalog.models import Product

PRODUCTS_PER_PAGE = 24


def products_for(user, **filters) -> QuerySet[Product]:
    """Products `user` may view, narrowed by selectors.products_filter."""
    return selectors.products_filter(selectors.products_visible(user), **filters)


def product_page(request, queryset: QuerySet[Product]) -> Page:
    """One page of cards; bad or out-of-range ?page= values fall back safely."""
    paginator = Paginator(
        selectors.products_with_card_data(queryset), PRODUCTS_PER_PAGE
    )
    return paginator.get_page(request.GET.get("page"))


def page_query(**params) -> str:
    """The query string page links carry besides `page` (already urlencoded)."""
    return urlencode({key: value for key, value in params.items() if value})
