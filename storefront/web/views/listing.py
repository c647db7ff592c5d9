"""Product lists shared by every page that shows product cards."""

from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from storefront.catalog import selectors
from storefront.catalog.cache import catalog_version
from storefront.catalog.models import Product

from ..cards import cards_attach

PRODUCTS_PER_PAGE = 24


def products_for(user, **filters) -> QuerySet[Product]:
    """Products `user` may view, narrowed by selectors.products_filter."""
    return selectors.products_filter(selectors.products_visible(user), **filters)


def product_page(request, queryset: QuerySet[Product]) -> Page:
    """One page of cards; bad or out-of-range ?page= values fall back safely.
    Each product carries its card's HTML as `product.card` (web.cards)."""
    # Read before the rows: a write committing meanwhile moves the version
    # again (catalog_changed), so no card older than it is kept under it.
    version = catalog_version()
    paginator = Paginator(queryset.only("pk"), PRODUCTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # The page's rows are picked first and only they are read and annotated:
    # a sold-out subquery in the outer query would run for every match before
    # PostgreSQL sorts them.
    rows = Product.objects.filter(pk__in=page.object_list.values("pk"))
    if queryset.query.order_by:
        rows = rows.order_by(*queryset.query.order_by)
    rows = list(selectors.products_with_card_state(rows))
    page.object_list = cards_attach(rows, version=version)
    return page


def page_query(**params) -> str:
    """The query string page links carry besides `page` (already urlencoded)."""
    return urlencode({key: value for key, value in params.items() if value})
