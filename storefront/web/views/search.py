"""Product search: any text is a valid query; the worst outcome is no results."""

from django.shortcuts import render

from storefront.catalog.selectors import SEARCH_MAX_LENGTH

from ..page_cache import public_page_cache
from .listing import page_query, product_page, products_for


def clean_query(raw: str | None) -> str:
    """The query as shown back to the reader and carried in page links: NULs
    dropped, whitespace collapsed, capped like the search itself."""
    text = (raw or "").replace("\x00", "")
    return " ".join(text.split())[:SEARCH_MAX_LENGTH]


@public_page_cache
def search(request):
    query = clean_query(request.GET.get("q"))
    page_obj = None
    if query:
        page_obj = product_page(request, products_for(request.user, search=query))
    return render(
        request,
        "web/search.html",
        {"query": query, "page_obj": page_obj, "page_query": page_query(q=query)},
    )
