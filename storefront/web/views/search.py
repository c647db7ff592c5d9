"""Product search: any text is a valid query; the worst outcome is no results."""

from django.shortcuts import render

from storefront.catalog.selectors import clean_search

from ..page_cache import public_page_cache
from .listing import page_query, product_page, products_for


@public_page_cache
def search(request):
    query = clean_search(request.GET.get("q"))
    page_obj = None
    if query:
        page_obj = product_page(request, products_for(request.user, search=query))
    return render(
        request,
        "web/search.html",
        {"query": query, "page_obj": page_obj, "page_query": page_query(q=query)},
    )
