"""Brand, workshop and village pages: who makes the products, and where."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from brands.selectors import brands_active, villages_all, workshops_active
from revenue.impact import impact_version
from revenue.impact_figures import impact_summary
from storefront.catalog.cache import catalog_cached
from storefront.links.selectors import upcoming_sessions

from ..page_cache import public_page_cache
from .impact import impact_context
from .listing import product_page, products_for


def _unique_villages(workshops):
    seen, villages = set(), []
    for workshop in workshops:
        if workshop.village_id not in seen:
            seen.add(workshop.village_id)
            villages.append(workshop.village)
    return villages


def _brand_parts(slug: str):
    brand = brands_active().filter(slug=slug).first()
    return (brand, list(workshops_active(brand_slug=slug))) if brand else None


@public_page_cache
def brand_detail(request, slug):
    # Catalogue data only (organisation changes move the version): kept.
    parts = catalog_cached("brand-page", slug, lambda: _brand_parts(slug))
    if parts is None:
        raise Http404("no such brand")
    brand, workshops = parts
    return render(
        request,
        "web/brand.html",
        {
            "brand": brand,
            "workshops": workshops,
            "villages": _unique_villages(workshops),
            "upcoming": upcoming_sessions(brand=brand),
            "page_obj": product_page(
                request, products_for(request.user, brand_slug=slug)
            ),
        },
    )


@public_page_cache
def workshop_detail(request, slug):
    workshop = get_object_or_404(workshops_active(), slug=slug)
    return render(
        request,
        "web/workshop.html",
        {
            "workshop": workshop,
            "brands": [brand for brand in workshop.brands.all() if brand.is_active],
            "page_obj": product_page(
                request, products_for(request.user, workshop_slug=slug)
            ),
        },
    )


# Cached under the impact version as well as the catalogue's: the figures
# are right the moment a split or refund commits (revenue.impact bumps it).
@public_page_cache(version=impact_version)
def village_detail(request, slug):
    village = get_object_or_404(villages_all(), slug=slug)
    workshops = list(workshops_active(village_slug=slug))
    summary = impact_summary(village=village, workshops=workshops)
    return render(
        request,
        "web/village.html",
        {
            "village": village,
            **impact_context(
                summary,
                csv_url=reverse("web:village-impact-csv", args=[village.slug]),
                json_url=reverse("web:village-impact-json", args=[village.slug]),
            ),
            "workshops": workshops,
            "page_obj": product_page(
                request, products_for(request.user, village_slug=slug)
            ),
        },
    )
