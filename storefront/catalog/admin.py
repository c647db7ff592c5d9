"""Operator admin for the catalogue.

Thin, like every entry point: categories are written by `category_create` and
`category_update` (a rename rebuilds its products' search text), publishing
goes through `products_set_published`, uploaded photos through
`product_image_add` (decoded defensively, renditions made), and the admin is
for platform operators only (`OperatorOnlyAdmin`).
"""

from django.contrib import admin, messages
from django.db.models import Max, Min
from django.utils.html import format_html

from brands.admin import (
    OperatorOnlyAdmin,
    ServiceWrittenAdmin,
    StableSlugAdmin,
    adopt,
)
from storefront.core.money import format_fen

from . import services
from .admin_forms import (
    ProductImageForm,
    ProductImageInlineFormSet,
    ProductVariantForm,
    ProductVariantInlineFormSet,
    StockForm,
)
from .models import Category, Product, ProductImage, ProductVariant, Stock

NO_STOCK = "—"


def _available(variant: ProductVariant):
    try:
        return variant.stock.quantity_available
    except Stock.DoesNotExist:
        return NO_STOCK


# Variants ---------------------------------------------------------------------


def _ensure_stock(variants) -> None:
    """Every variant has its one Stock row (services.variant_create makes it too)."""
    for variant in variants:
        Stock.objects.get_or_create(variant=variant)


class ProductVariantInline(OperatorOnlyAdmin, admin.TabularInline):
    model = ProductVariant
    form = ProductVariantForm
    formset = ProductVariantInlineFormSet
    extra = 0
    fields = (
        "sku",
        "name",
        "price_fen",
        "compare_at_price_fen",
        "price",
        "weight_grams",
        "track_inventory",
        "sort_order",
        "available",
    )
    readonly_fields = ("price", "available")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stock")

    @admin.display(description="价格 price")
    def price(self, obj) -> str:
        return format_fen(obj.price_fen) if obj.price_fen else NO_STOCK

    @admin.display(description="可售库存 available")
    def available(self, obj):
        return _available(obj) if obj.pk else NO_STOCK


# Images -----------------------------------------------------------------------


def _preview(image: ProductImage) -> str:
    if not image.pk or not image.image:
        return NO_STOCK
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">'
        '<img src="{}" alt="{}" style="max-width:80px;max-height:80px"></a>',
        image.large_url,
        image.small_url,
        image.alt,
    )


class ProductImageInline(OperatorOnlyAdmin, admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    formset = ProductImageInlineFormSet
    extra = 1
    fields = ("preview", "upload", "alt", "sort_order")
    readonly_fields = ("preview",)

    @admin.display(description="预览 preview")
    def preview(self, obj):
        return _preview(obj)


# Model admins -----------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(StableSlugAdmin, ServiceWrittenAdmin):
    list_display = (
        "name",
        "name_en",
        "slug",
        "parent",
        "sort_order",
        "aftersales_kind",
    )
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter), "aftersales_kind")
    list_select_related = ("parent",)
    search_fields = ("name", "name_en", "slug")
    autocomplete_fields = ("parent",)

    def slug_text(self, obj) -> str:
        return obj.name_en or obj.name

    def service_create(self, fields):
        return services.category_create(**fields)

    def service_update(self, obj, fields):
        services.category_update(category=obj, **fields)

    def service_delete(self, obj):
        services.category_delete(category=obj)


@admin.register(Product)
class ProductAdmin(StableSlugAdmin):
    list_display = (
        "name",
        "product_code",
        "brand",
        "workshop",
        "category",
        "price_range",
        "is_published",
        "is_featured",
        "updated_at",
    )
    list_filter = (
        "is_published",
        "is_featured",
        "brand",
        "workshop",
        "workshop__village__city",
        "category",
    )
    list_select_related = ("brand", "workshop", "category")
    # Explicit: Meta.ordering does not apply to the annotated (GROUP BY) query.
    ordering = ("-is_featured", "name", "pk")
    search_fields = (
        "name",
        "name_en",
        "slug",
        "product_code",
        "search_text",
        "variants__sku",
    )
    search_help_text = "名称、拼音、商品编码、SKU name, pinyin, product code, SKU"
    autocomplete_fields = ("brand", "workshop", "category", "origin_village")
    inlines = (ProductVariantInline, ProductImageInline)
    actions = ("publish", "unpublish")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _min_price=Min("variants__price_fen"),
                _max_price=Max("variants__price_fen"),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Variants copy their workshop (SKUs are unique per workshop): a product
        # does not move between workshops.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("workshop",) if obj is not None else readonly

    @admin.display(description="价格 price", ordering="_min_price")
    def price_range(self, obj) -> str:
        low, high = obj._min_price, obj._max_price
        if low is None:
            return NO_STOCK
        if low == high:
            return format_fen(low)
        return f"{format_fen(low)} – {format_fen(high)}"

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductVariant:
            _ensure_stock(formset.new_objects)

    def _set_published(self, request, queryset, published: bool) -> None:
        count = services.products_set_published(products=queryset, published=published)
        verb = "上架 published" if published else "下架 unpublished"
        self.message_user(request, f"{count} 件商品已{verb}", messages.SUCCESS)

    @admin.action(description="上架所选商品 Publish selected", permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="下架所选商品 Unpublish selected", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


def _save_stock(stock: Stock) -> None:
    # Checkout changes quantity_reserved concurrently with F(); writing back
    # the value this form loaded would lose those reservations.
    if stock.pk:
        stock.save(update_fields=["quantity"])
    else:
        stock.save()


class StockInline(OperatorOnlyAdmin, admin.StackedInline):
    model = Stock
    form = StockForm
    fields = ("quantity", "quantity_reserved", "available")
    readonly_fields = ("quantity_reserved", "available")
    can_delete = False
    max_num = 1
    min_num = 1

    @admin.display(description="可售 available")
    def available(self, obj):
        return obj.quantity_available if obj.pk else NO_STOCK


@admin.register(ProductVariant)
class ProductVariantAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    form = ProductVariantForm
    list_display = (
        "sku",
        "product",
        "workshop",
        "name",
        "price",
        "compare_at_price",
        "available",
        "track_inventory",
    )
    list_filter = (
        "product__brand",
        "workshop",
        "track_inventory",
        "product__is_published",
    )
    list_select_related = ("product", "workshop", "stock")
    search_fields = ("sku", "name", "product__name", "product__product_code")
    search_help_text = "SKU、规格、商品名称、商品编码 SKU, variant, product, code"
    autocomplete_fields = ("product",)
    readonly_fields = ("workshop",)
    inlines = (StockInline,)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("product",) if obj is not None else readonly

    @admin.display(description="价格 price", ordering="price_fen")
    def price(self, obj) -> str:
        return format_fen(obj.price_fen)

    @admin.display(description="划线价 compare-at", ordering="compare_at_price_fen")
    def compare_at_price(self, obj) -> str:
        if obj.compare_at_price_fen is None:
            return NO_STOCK
        return format_fen(obj.compare_at_price_fen)

    @admin.display(description="可售库存 available")
    def available(self, obj):
        return _available(obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Stock:
            return super().save_formset(request, form, formset, change)
        for stock in formset.save(commit=False):
            _save_stock(stock)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _ensure_stock([form.instance])


@admin.register(Stock)
class StockAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    form = StockForm
    list_display = ("sku", "product", "quantity", "quantity_reserved", "available")
    list_filter = ("variant__product__brand", "variant__workshop")
    list_select_related = ("variant__product", "variant__workshop")
    search_fields = (
        "variant__sku",
        "variant__product__name",
        "variant__product__product_code",
    )
    autocomplete_fields = ("variant",)
    readonly_fields = ("quantity_reserved",)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("variant",) if obj is not None else readonly

    @admin.display(description="SKU", ordering="variant__sku")
    def sku(self, obj) -> str:
        return obj.variant.sku

    @admin.display(description="商品 product", ordering="variant__product__name")
    def product(self, obj) -> str:
        return obj.variant.product.name

    @admin.display(description="可售 available")
    def available(self, obj) -> int:
        return obj.quantity_available

    def save_model(self, request, obj, form, change):
        _save_stock(obj)


@admin.register(ProductImage)
class ProductImageAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    form = ProductImageForm
    list_display = ("thumbnail", "product", "alt", "sort_order")
    list_filter = ("product__brand",)
    list_select_related = ("product",)
    search_fields = ("product__name", "product__product_code", "alt")
    autocomplete_fields = ("product",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("product", "upload", "alt", "sort_order")
        return ("product", "thumbnail", "alt", "sort_order")

    def get_readonly_fields(self, request, obj=None):
        return ("product", "thumbnail") if obj is not None else ()

    @admin.display(description="预览 preview")
    def thumbnail(self, obj):
        return _preview(obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        record = services.product_image_add(
            product=obj.product,
            data=form.upload_data,
            alt=obj.alt,
            sort_order=obj.sort_order,
        )
        adopt(obj, record)
        return None
