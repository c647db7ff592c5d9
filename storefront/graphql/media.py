"""Saleor's images over the stored renditions: `thumbnail(size, format)`,
`ProductMedia.url(size, format)` and `ProductImage.url(size, format)`.

Every product photo is stored three times by the import pipeline: a 400 px
and a 1200 px JPEG rendition and the normalised original (at most 2048 px).
A requested size picks the smallest stored one at least that wide, else the
largest (the original); no size means the original, as in Saleor. Nothing
is decoded or resized on the request path, so any size (`100000`, `-1`) is
answered from what is stored. `format` is accepted and the stored format
served: Saleor itself falls back to the original format when it has no
thumbnail in the one asked for."""

import re

import graphene
from graphene import relay
from graphql_relay import to_global_id

SMALL, LARGE, ORIGINAL = 400, 1200, 2048

ThumbnailFormatEnum = graphene.Enum(
    "ThumbnailFormatEnum",
    [("ORIGINAL", "ORIGINAL"), ("AVIF", "AVIF"), ("WEBP", "WEBP")],
)
ProductMediaType = graphene.Enum(
    "ProductMediaType", [("IMAGE", "IMAGE"), ("VIDEO", "VIDEO")]
)


def _size_arguments():
    return {
        "size": graphene.Int(description="Width in px; the nearest stored one."),
        "format": graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
    }


def rendition_path(image, size: int | None) -> str:
    """The storage URL of the stored rendition for `size` (see the module)."""
    stored = [(SMALL, image.rendition_small), (LARGE, image.rendition_large)]
    if size is not None:
        for width, field in stored:
            if field and width >= size:
                return field.url
    return image.image.url


# A path build_absolute_uri would put after the scheme and host unchanged:
# from the root (not "//host"), and only characters iri_to_uri leaves as
# they are.
_PLAIN_PATH = re.compile(r"/(?!/)[A-Za-z0-9_.~/#%\[\]=:;$&()+,!?*@'-]*\Z")


def absolute(info, path: str | None) -> str | None:
    """`request.build_absolute_uri(path)`; for the usual path (ASCII, from
    the site's root) the scheme and host are put in front once per request."""
    if not path:
        return None
    request = info.context
    if _PLAIN_PATH.match(path) and "/./" not in path and "/../" not in path:
        prefix = getattr(request, "_absolute_prefix", None)
        if prefix is None:
            prefix = request._absolute_prefix = request.build_absolute_uri("/")[:-1]
        return prefix + path
    return request.build_absolute_uri(path)


class Image(graphene.ObjectType):
    url = graphene.String(required=True)
    alt = graphene.String()


def image_of(info, product_image, size: int | None) -> Image | None:
    if product_image is None:
        return None
    return Image(
        url=absolute(info, rendition_path(product_image, size)),
        alt=product_image.alt,
    )


class File(graphene.ObjectType):
    url = graphene.String(required=True)
    content_type = graphene.String()


class ProductMedia(graphene.ObjectType):
    """A product photo (`storefront.catalog.ProductImage`)."""

    class Meta:
        interfaces = (relay.Node,)

    sort_order = graphene.Int()
    alt = graphene.String(required=True)
    type = graphene.Field(ProductMediaType, required=True)
    oembed_data = graphene.JSONString(required=True)
    url = graphene.String(required=True, **_size_arguments())
    product_id = graphene.ID()

    @classmethod
    def get_node(cls, info, id):
        from storefront.catalog.models import ProductImage

        from .catalog_types import visible_products

        return (
            ProductImage.objects.filter(pk=id, product__in=visible_products(info))
            .select_related(None)
            .first()
        )

    @classmethod
    def is_type_of(cls, root, info):
        return hasattr(root, "rendition_small")

    def resolve_id(self, info):
        return self.pk

    def resolve_sort_order(self, info):
        return self.sort_order

    def resolve_alt(self, info):
        return self.alt

    def resolve_type(self, info):
        return "IMAGE"

    def resolve_oembed_data(self, info):
        return {}

    def resolve_url(self, info, size=None, format=None):
        return absolute(info, rendition_path(self, size))

    def resolve_product_id(self, info):
        return to_global_id("Product", self.product_id)


class ProductImage(graphene.ObjectType):
    """Saleor's deprecated image type, kept because `Product.images` is."""

    id = graphene.ID(required=True)
    alt = graphene.String()
    sort_order = graphene.Int()
    url = graphene.String(required=True, **_size_arguments())

    def resolve_id(self, info):
        return to_global_id("ProductImage", self.pk)

    def resolve_alt(self, info):
        return self.alt

    def resolve_sort_order(self, info):
        return self.sort_order

    def resolve_url(self, info, size=None, format=None):
        return absolute(info, rendition_path(self, size))
