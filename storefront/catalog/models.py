from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from brands.models import Brand, Village, Workshop
from storefront.core.html import sanitize_html
from storefront.core.localized import LocalizedNameMixin
from storefront.core.slugs import pinyin

SC_LICENCE_VALIDATOR = RegexValidator(
    r"^SC\d{14}$", "生产许可证编号应为 SC 加 14 位数字 (SC + 14 digits)"
)

CATEGORY_CYCLE_MESSAGE = (
    "分类不能成为自己的下级 (a category cannot be its own descendant)"
)
BRAND_NOT_ALLOWED_MESSAGE = (
    "该工坊未获准使用此品牌 (the workshop does not sell under this brand)"
)


class AfterSalesKind(models.TextChoices):
    """The after-sales policy of a category's goods (storefront.aftersales)."""

    STANDARD = "standard", "标准：签收后七天无理由 7 days, no reason needed"
    FRESH = "fresh", "生鲜：质量问题 48 小时内凭照片 fresh: 48 h quality claims"


class Category(LocalizedNameMixin, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField("名称", max_length=80)
    name_en = models.CharField("English name", max_length=80, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(default=0)
    aftersales_kind = models.CharField(
        "售后政策 after-sales policy",
        max_length=12,
        choices=AfterSalesKind.choices,
        default=AfterSalesKind.STANDARD,
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "分类 category"
        verbose_name_plural = "分类 categories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="category_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                raise ValidationError({"parent": CATEGORY_CYCLE_MESSAGE})
            seen.add(node.pk)
            node = node.parent


# On sale: published, and both its brand and its workshop active. The one
# statement of the rule; `Product.is_on_sale` is its twin for one object.
ON_SALE = Q(is_published=True, brand__is_active=True, workshop__is_active=True)


class ProductQuerySet(models.QuerySet):
    def on_sale(self) -> "ProductQuerySet":
        """What a customer may see and buy now."""
        return self.filter(ON_SALE)


class Product(LocalizedNameMixin, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    product_code = models.CharField("商品编码 product code", max_length=64)
    name = models.CharField("商品名称", max_length=120)
    name_en = models.CharField("English name", max_length=120, blank=True)
    description = models.TextField("描述 description", blank=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    origin_village = models.ForeignKey(
        Village,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        help_text="默认为工坊所在村 defaults to the workshop's village",
    )
    is_published = models.BooleanField("上架 published", default=False)
    is_featured = models.BooleanField("首页推荐 featured", default=False)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    # GB 7718 prepackaged-food label facts
    ingredients = models.TextField("配料 ingredients", blank=True)
    net_content = models.CharField("净含量 net content", max_length=50, blank=True)
    shelf_life = models.CharField("保质期 shelf life", max_length=50, blank=True)
    storage_conditions = models.CharField(
        "储存条件 storage", max_length=120, blank=True
    )
    producer = models.CharField("生产者 producer", max_length=150, blank=True)
    sc_licence = models.CharField(
        "生产许可证编号 SC licence",
        max_length=16,
        blank=True,
        validators=[SC_LICENCE_VALIDATOR],
    )
    attributes = models.JSONField("其他属性 attributes", default=dict, blank=True)
    # Lower-cased names and pinyin, so search is one indexed LIKE on both databases.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        # Featured first, then newest: what a shop front shows, and an index
        # scan (no sort of the whole catalogue) on PostgreSQL.
        ordering = ["-is_featured", "-id"]
        verbose_name = "商品 product"
        verbose_name_plural = "商品 products"
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "product_code"], name="product_code_per_workshop"
            ),
            models.CheckConstraint(
                condition=Q(sc_licence="") | Q(sc_licence__regex=r"^SC[0-9]{14}$"),
                name="product_sc_licence_format",
            ),
        ]
        indexes = [
            models.Index(fields=["-is_featured", "-id"], name="product_listing_order"),
            models.Index(
                fields=["brand", "-is_featured", "-id"], name="product_brand_listing"
            ),
            models.Index(
                fields=["workshop", "-is_featured", "-id"],
                name="product_workshop_listing",
            ),
            models.Index(
                fields=["origin_village", "-is_featured", "-id"],
                name="product_village_listing",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.origin_village_id and self.workshop_id:
            self.origin_village_id = self.workshop.village_id
        self.description = sanitize_html(self.description)
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    @property
    def is_on_sale(self) -> bool:
        """`Product.objects.on_sale()` for this one product (ON_SALE)."""
        return self.is_published and self.brand.is_active and self.workshop.is_active

    @property
    def label_facts(self) -> list[tuple[str, str]]:
        return [
            (str(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in (
                "ingredients",
                "net_content",
                "shelf_life",
                "storage_conditions",
                "producer",
                "sc_licence",
            )
            if getattr(self, name)
        ]

    def clean(self) -> None:
        if self.workshop_id and self.brand_id:
            if not self.workshop.brands.filter(pk=self.brand_id).exists():
                raise ValidationError({"brand": BRAND_NOT_ALLOWED_MESSAGE})

    def build_search_text(self) -> str:
        parts = [self.name, self.name_en, self.product_code]
        words = pinyin(self.name)
        parts.append("".join(words))
        parts.append(" ".join(words))
        for related in (self.brand, self.workshop, self.origin_village):
            if related is not None:
                parts.extend([related.name, getattr(related, "name_en", "")])
        if self.category_id:
            parts.extend([self.category.name, self.category.name_en])
        return " ".join(p for p in parts if p).lower()


class ProductVariant(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants"
    )
    # Copied from the product so that "SKU unique per workshop" is a DB constraint.
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="+", editable=False
    )
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField("规格名称 name", max_length=100, blank=True)
    options = models.JSONField(
        "规格 options", default=dict, blank=True, help_text='{"规格": "500g"}'
    )
    price_fen = models.PositiveIntegerField("价格(分) price in fen")
    compare_at_price_fen = models.PositiveIntegerField(
        "划线价(分) compare-at price in fen", null=True, blank=True
    )
    weight_grams = models.PositiveIntegerField("重量(克) weight in grams", default=0)
    track_inventory = models.BooleanField("跟踪库存 track inventory", default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "规格 variant"
        # Search matches SKUs case-insensitively (UPPER(sku) = UPPER(q)).
        indexes = [models.Index(Upper("sku"), name="variant_sku_upper")]
        verbose_name_plural = "规格 variants"
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "sku"], name="variant_sku_per_workshop"
            ),
            models.CheckConstraint(
                condition=Q(price_fen__gt=0), name="variant_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(compare_at_price_fen__isnull=True)
                | Q(compare_at_price_fen__gt=F("price_fen")),
                name="variant_compare_at_above_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}".strip()

    def save(self, *args, **kwargs):
        self.workshop_id = self.product.workshop_id
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or " / ".join(str(v) for v in self.options.values())


class Stock(models.Model):
    """One stock record per variant: each workshop ships its own goods."""

    variant = models.OneToOneField(
        ProductVariant, on_delete=models.CASCADE, related_name="stock"
    )
    quantity = models.PositiveIntegerField("库存 quantity", default=0)
    quantity_reserved = models.PositiveIntegerField("已占用 reserved", default=0)

    class Meta:
        verbose_name = "库存 stock"
        verbose_name_plural = "库存 stock"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="stock_reserved_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku}: {self.quantity_available}"

    @property
    def quantity_available(self) -> int:
        return self.quantity - self.quantity_reserved


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(upload_to="products/original/")
    rendition_small = models.ImageField(upload_to="products/400/", blank=True)
    rendition_large = models.ImageField(upload_to="products/1200/", blank=True)
    alt = models.CharField("替代文字 alt text", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # sha256 of the file as uploaded: the same photo is stored once per product.
    content_hash = models.CharField(
        "内容指纹 content hash", max_length=64, blank=True, editable=False
    )

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = "商品图片 image"
        verbose_name_plural = "商品图片 images"
        constraints = [
            models.UniqueConstraint(
                fields=["product", "content_hash"],
                condition=~Q(content_hash=""),
                name="product_image_content_once",
            ),
        ]

    def __str__(self) -> str:
        return self.alt or self.image.name

    @property
    def small_url(self) -> str:
        return (self.rendition_small or self.image).url

    @property
    def large_url(self) -> str:
        return (self.rendition_large or self.image).url


class ProductChange(models.Model):
    """One change a person made to a product through the catalogue's editing
    services (storefront.catalog.editing), written in the same transaction."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="changes"
    )
    variant = models.ForeignKey(
        ProductVariant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField("字段 field", max_length=40)
    old_value = models.TextField("原值 old", blank=True)
    new_value = models.TextField("新值 new", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "商品变更 product change"
        verbose_name_plural = "商品变更 product changes"

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"
