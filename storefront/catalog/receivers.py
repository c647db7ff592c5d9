"""What the catalog does when a lower package announces a step
(storefront.core.hooks); registered in CatalogConfig.ready()."""

from .cache import catalog_changed
from .services import products_rebuild_search_text


def organisation_changed(*, brand_ids=(), workshop_ids=(), village_ids=()) -> None:
    """A brand, workshop or village was renamed, (de)activated, added or
    removed: its products' search text copies its name, and cached pages
    show it."""
    products_rebuild_search_text(
        brand_ids=brand_ids, workshop_ids=workshop_ids, village_ids=village_ids
    )
    catalog_changed()


def admin_changed(*, model) -> None:
    """Any admin edit may show on a public page: retire the cached ones."""
    catalog_changed()
