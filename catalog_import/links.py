"""Where to see a product an import wrote: its public page and its admin
page, as paths (for pages) or absolute addresses (for the CLI and the API)."""

from django.urls import NoReverseMatch, reverse

from storefront.catalog.seo import absolute_url


def product_paths(product_id: int | None, slug: str | None) -> dict[str, str]:
    """{"path": the public product page, "admin_path": its admin page}; ""
    for one that cannot be named (no slug, no id)."""
    paths = {"path": "", "admin_path": ""}
    try:
        if slug:
            paths["path"] = reverse("web:product", args=[slug])
        if product_id:
            paths["admin_path"] = reverse(
                "admin:catalog_product_change", args=[product_id]
            )
    except NoReverseMatch:
        pass
    return paths


def product_urls(product_id: int | None, slug: str | None) -> dict[str, str]:
    """The same as absolute addresses: {"url", "admin_url"}."""
    paths = product_paths(product_id, slug)
    return {
        "url": absolute_url(paths["path"]) if paths["path"] else "",
        "admin_url": absolute_url(paths["admin_path"]) if paths["admin_path"] else "",
    }
