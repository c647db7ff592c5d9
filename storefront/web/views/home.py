from django.shortcuts import render

from brands.selectors import brands_active
from storefront.catalog import selectors
from storefront.catalog.models import Category

from ..page_cache import public_page_cache

FEATURED_LIMIT = 8


@public_page_cache
def home(request):
    featured = selectors.products_with_card_data(
        selectors.products_visible(request.user).filter(
            is_featured=True, is_published=True
        )
    )[:FEATURED_LIMIT]
    return render(
        request,
        "web/home.html",
        {
            "brands": brands_active(),
            "featured": featured,
            "categories": Category.objects.filter(parent__isnull=True),
        },
    )
