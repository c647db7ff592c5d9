"""Writes to the catalogue. Keyword-only, validated, atomic."""

from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from brands.models import Brand, Village, Workshop
from storefront.core.slugs import unique_slug

from .cache import catalog_changed
from .errors import CatalogError, CatalogErrorCode
from .images import RENDITION_WIDTHS, content_hash, normalise_image
from .models import (
    AfterSalesKind,
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
)

SEARCH_TEXT_BATCH = 500


def category_create(
    *,
    name: str,
    name_en: str = "",
    parent: Category | None = None,
    sort_order=0,
    slug: str = "",
    aftersales_kind: str = AfterSalesKind.STANDARD,
) -> Category:
    category = Category(
        slug=slug or unique_slug(Category, name_en or name, fallback="category"),
        name=name,
        name_en=name_en,
        parent=parent,
        sort_order=sort_order,
        aftersales_kind=aftersales_kind,
    )
    category.full_clean()
    category.save()
    catalog_changed()
    return category


@transaction.atomic
def category_update(*, category: Category, **fields) -> Category:
    """Change the category; its products' search text follows a new name."""
    if "slug" in fields:
        raise TypeError("a slug does not change once made: links use it")
    before = Category.objects.filter(pk=category.pk).values("name", "name_en").get()
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()
    if before != {"name": category.name, "name_en": category.name_en}:
        products_rebuild_search_text(category_ids=[category.pk])
    catalog_changed()
    return category


def category_delete(*, category: Category) -> None:
    category.delete()
    catalog_changed()


def products_rebuild_search_text(
    *, brand_ids=(), workshop_ids=(), village_ids=(), category_ids=()
) -> int:
    """Recompute Product.search_text for the products that copy a name of
    these brands, workshops, origin villages or categories: one read, then one
    UPDATE per SEARCH_TEXT_BATCH products whose text changed. Returns how many
    changed."""
    which = Q(pk__in=[])
    for field, ids in (
        ("brand_id", brand_ids),
        ("workshop_id", workshop_ids),
        ("origin_village_id", village_ids),
        ("category_id", category_ids),
    ):
        if ids:
            which |= Q(**{f"{field}__in": list(ids)})
    related = ("brand", "workshop", "origin_village", "category")
    products = (
        Product.objects.filter(which)
        .select_related(*related)
        .only(
            "name",
            "name_en",
            "product_code",
            "search_text",
            *related,
            *(f"{r}__{f}" for r in related for f in ("name", "name_en")),
        )
        .order_by("pk")
    )
    changed = []
    for product in products.iterator(chunk_size=2000):
        text = product.build_search_text()
        if text != product.search_text:
            product.search_text = text
            changed.append(product)
    Product.objects.bulk_update(changed, ["search_text"], batch_size=SEARCH_TEXT_BATCH)
    return len(changed)


def product_create(
    *,
    workshop: Workshop,
    brand: Brand,
    product_code: str,
    name: str,
    category: Category | None = None,
    origin_village: Village | None = None,
    **fields,
) -> Product:
    if not workshop.brands.filter(pk=brand.pk).exists():
        raise CatalogError(CatalogErrorCode.BRAND_NOT_ALLOWED, field="brand")
    product = Product(
        slug=unique_slug(Product, name, fallback=product_code),
        workshop=workshop,
        brand=brand,
        product_code=product_code,
        name=name,
        category=category,
        origin_village=origin_village or workshop.village,
        **fields,
    )
    product.full_clean()
    product.save()
    catalog_changed()
    return product


def variant_create(
    *,
    product: Product,
    sku: str,
    price_fen: int,
    quantity: int = 0,
    **fields,
) -> ProductVariant:
    variant = ProductVariant(product=product, sku=sku, price_fen=price_fen, **fields)
    variant.workshop_id = product.workshop_id
    variant.full_clean(exclude=["workshop"], validate_unique=False)
    try:
        with transaction.atomic():
            variant.save()
            Stock.objects.create(variant=variant, quantity=quantity)
    except IntegrityError as exc:
        if "sku" in str(exc).lower():
            raise CatalogError(CatalogErrorCode.DUPLICATE_SKU, field="sku") from exc
        raise
    catalog_changed()
    return variant


def product_image_add(
    *, product: Product, data: bytes, alt: str = "", sort_order: int | None = None
) -> ProductImage:
    """Decode the photo defensively and store it as the import does: upright,
    metadata (GPS included) dropped, at most 2048 px, with its renditions.
    The same file added to the same product again returns the image it
    already has."""
    digest = content_hash(data)
    existing = product.images.filter(content_hash=digest).first()
    if existing is not None:
        return existing
    image = normalise_image(data)
    if sort_order is None:
        sort_order = product.images.count()
    record = product_image_store(
        product=product,
        original=image.data,
        extension=image.extension,
        renditions=image.renditions,
        content_hash=digest,
        alt=alt or product.name,
        sort_order=sort_order,
    )
    catalog_changed()
    return record or product.images.get(content_hash=digest)


def product_image_store(
    *,
    product: Product,
    original: bytes,
    extension: str,
    renditions: dict[str, bytes],
    content_hash: str,
    alt: str = "",
    sort_order: int = 0,
    known_new: bool = False,
) -> ProductImage | None:
    """Write an already decoded photo (`original`, and its JPEG renditions by
    RENDITION_WIDTHS name) through the storage API and record it. Returns None,
    leaving no file behind, when the product already has a photo with this
    content hash (`known_new`: the caller has just checked that it has not).
    Does not retire the catalogue cache: callers do, once."""
    if not known_new and product.images.filter(content_hash=content_hash).exists():
        return None
    stem = f"{product.slug[:40]}-{content_hash[:16]}"
    record = ProductImage(
        product=product, alt=alt, sort_order=sort_order, content_hash=content_hash
    )
    record.image.save(f"{stem}.{extension}", ContentFile(original), save=False)
    for name, width in RENDITION_WIDTHS.items():
        getattr(record, f"rendition_{name}").save(
            f"{stem}-{width}.jpg", ContentFile(renditions[name]), save=False
        )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Stored by a concurrent upload meanwhile: keep theirs, drop our files.
        for field in (record.image, record.rendition_small, record.rendition_large):
            field.delete(save=False)
        if product.images.filter(content_hash=content_hash).exists():
            return None
        raise
    return record


def products_set_published(*, products: Iterable[Product], published: bool) -> int:
    ids = [p.pk for p in products]
    changed = Product.objects.filter(pk__in=ids).update(is_published=published)
    catalog_changed()
    return changed
