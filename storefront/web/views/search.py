"""Product search: any text is a valid query (the worst outcome is no
results) except one holding a NUL byte, which no product name can contain and
the database refuses: that is answered "invalid search" with 400."""

from django.shortcuts import render

from storefront.catalog.selectors import clean_search

from ..page_cache import public_page_cache
from .listing import page_query, product_page, products_for

INVALID_SEARCH = "无效的搜索词 (Invalid search: it contains a NUL character.)"


@public_page_cache
def search(request):
    raw = request.GET.get("q")
    if raw and "\x00" in raw:
        return render(
            request,
            "web/search.html",
            {"query": "", "error": INVALID_SEARCH},
            status=400,
        )
    query = clean_search(raw)
    page_obj = None
    if query:
        page_obj = product_page(request, products_for(request.user, search=query))
    return render(
        request,
        "web/search.html",
        {"query": query, "page_obj": page_obj, "page_query": page_query(q=query)},
    )
