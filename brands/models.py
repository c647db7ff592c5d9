from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from storefront.core.localized import LocalizedNameMixin


class ZhejiangCity(models.TextChoices):
    HANGZHOU = "杭州市", "杭州市 Hangzhou"
    NINGBO = "宁波市", "宁波市 Ningbo"
    WENZHOU = "温州市", "温州市 Wenzhou"
    JIAXING = "嘉兴市", "嘉兴市 Jiaxing"
    HUZHOU = "湖州市", "湖州市 Huzhou"
    SHAOXING = "绍兴市", "绍兴市 Shaoxing"
    JINHUA = "金华市", "金华市 Jinhua"
    QUZHOU = "衢州市", "衢州市 Quzhou"
    ZHOUSHAN = "舟山市", "舟山市 Zhoushan"
    TAIZHOU = "台州市", "台州市 Taizhou"
    LISHUI = "丽水市", "丽水市 Lishui"


class Brand(LocalizedNameMixin, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    name_en = models.CharField("English name", max_length=100, blank=True)
    story = models.TextField("品牌故事 story", blank=True)
    logo = models.ImageField(upload_to="brands/", blank=True)
    region = models.CharField("地区 region", max_length=100, blank=True)
    operator_organisation = models.CharField("运营主体 operator", max_length=150)
    is_active = models.BooleanField("启用 active", default=True)
    # How long a tap on a host's link credits that host with a purchase.
    attribution_window_days = models.PositiveSmallIntegerField(
        "主播归因天数 host attribution window, days",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "品牌 brand"
        verbose_name_plural = "品牌 brands"

    def __str__(self) -> str:
        return self.name


class Village(LocalizedNameMixin, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField("村名", max_length=100)
    name_en = models.CharField("English name", max_length=100, blank=True)
    township = models.CharField("乡镇 township", max_length=100)
    county = models.CharField("县(市、区) county", max_length=100)
    city = models.CharField("市 city", max_length=20, choices=ZhejiangCity.choices)
    collective_organisation = models.CharField(
        "村集体经济组织 collective", max_length=150
    )
    story = models.TextField("简介 story", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "county", "township", "name"]
        verbose_name = "村 village"
        verbose_name_plural = "村 villages"
        constraints = [
            models.UniqueConstraint(
                fields=["county", "township", "name"], name="village_unique_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county}{self.township}{self.name}"

    @property
    def place(self) -> str:
        return f"浙江省{self.city}{self.county}{self.township}"


class WorkshopType(models.TextChoices):
    LIVESTREAM = "livestream", "电商直播 Livestream e-commerce"
    INDUSTRY = "industry", "产业赋能 Industry empowerment"
    PROCESSING = "processing", "生产加工 Production and processing"
    AGRITOURISM = "agritourism", "农旅融合 Agritourism"
    HANDICRAFT = "handicraft", "手工制作 Handicraft"
    OUTSOURCED = "outsourced", "来料加工 Outsourced processing"


class Workshop(LocalizedNameMixin, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField("工坊名称", max_length=120, unique=True)
    name_en = models.CharField("English name", max_length=120, blank=True)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="workshops"
    )
    brands = models.ManyToManyField(Brand, related_name="workshops", blank=True)
    workshop_type = models.CharField(
        "类型 type", max_length=20, choices=WorkshopType.choices
    )
    story = models.TextField("简介 story", blank=True)
    contact_name = models.CharField("联系人 contact", max_length=50, blank=True)
    contact_phone = models.CharField(
        "联系电话 phone",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\-() ]{5,20}$", "电话号码格式不正确")],
    )
    people_employed = models.PositiveIntegerField("带动就业人数 people employed")
    low_income_households_employed = models.PositiveIntegerField(
        "带动低收入农户数 low-income households employed"
    )
    is_active = models.BooleanField("启用 active", default=True)
    # Each workshop ships its own parcel: a flat fee, waived when that
    # workshop's part of the order reaches the threshold (blank: never waived).
    shipping_fee_fen = models.PositiveIntegerField(
        "运费（分）shipping fee, fen", default=1000
    )
    free_shipping_threshold_fen = models.PositiveIntegerField(
        "包邮门槛（分）free shipping from, fen", null=True, blank=True, default=9900
    )
    # A WeCom (企业微信) group robot told of each new paid parcel (optional).
    wecom_webhook_url = models.URLField(
        "企业微信群机器人 WeCom robot webhook",
        max_length=300,
        blank=True,
        help_text="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "工坊 workshop"
        verbose_name_plural = "工坊 workshops"
        constraints = [
            # Each household counted sends at least one person to the workshop.
            models.CheckConstraint(
                condition=Q(
                    low_income_households_employed__lte=models.F("people_employed")
                ),
                name="workshop_households_within_people",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def shipping_fen_for(self, subtotal_fen: int) -> int:
        """This workshop's shipping charge on a parcel worth `subtotal_fen`."""
        threshold = self.free_shipping_threshold_fen
        if threshold is not None and subtotal_fen >= threshold:
            return 0
        return self.shipping_fee_fen


class Role(models.TextChoices):
    BRAND_OPERATOR = "brand_operator", "品牌运营 Brand operator"
    WORKSHOP_MANAGER = "workshop_manager", "工坊负责人 Workshop manager"
    VILLAGE_TREASURER = "village_treasurer", "村集体出纳 Village treasurer"
    LIVESTREAM_HOST = "livestream_host", "村播主播 Livestream host"


class Membership(models.Model):
    """A user's role on one object. Platform operators are staff users; consumers
    have no membership. A livestream host's membership names the brand they are
    approved to sell."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    village = models.ForeignKey(
        Village, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "成员角色 membership"
        verbose_name_plural = "成员角色 memberships"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[Role.BRAND_OPERATOR, Role.LIVESTREAM_HOST],
                        brand__isnull=False,
                        workshop__isnull=True,
                        village__isnull=True,
                    )
                    | Q(
                        role=Role.WORKSHOP_MANAGER,
                        brand__isnull=True,
                        workshop__isnull=False,
                        village__isnull=True,
                    )
                    | Q(
                        role=Role.VILLAGE_TREASURER,
                        brand__isnull=True,
                        workshop__isnull=True,
                        village__isnull=False,
                    )
                ),
                name="membership_role_matches_target",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "brand"],
                condition=Q(brand__isnull=False),
                name="membership_unique_brand",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "workshop"],
                condition=Q(workshop__isnull=False),
                name="membership_unique_workshop",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "village"],
                condition=Q(village__isnull=False),
                name="membership_unique_village",
            ),
        ]

    def __str__(self) -> str:
        target = self.brand or self.workshop or self.village
        return f"{self.user} · {self.get_role_display()} · {target}"


class BrandStandard(models.Model):
    """Rules a brand imposes on the products sold under it. Operators edit them
    as data; the catalogue import and product forms check them."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="standards")
    code = models.SlugField(max_length=50)
    name = models.CharField("名称", max_length=100)
    description = models.TextField(blank=True)
    # Empty: applies to every product of the brand.
    category_slugs = models.JSONField(
        "适用分类 category slugs", default=list, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "品牌标准 brand standard"
        verbose_name_plural = "品牌标准 brand standards"
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "code"], name="brand_standard_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} · {self.name}"


class RuleKind(models.TextChoices):
    REQUIRED = "required", "必填 Required"
    PATTERN = "pattern", "格式(正则) Pattern"
    MAX_LENGTH = "max_length", "最大长度 Max length"
    ONE_OF = "one_of", "取值范围 One of"


class StandardField(models.TextChoices):
    """Product fields a brand standard may constrain (names of catalog.Product)."""

    NAME = "name", "商品名称 name"
    DESCRIPTION = "description", "描述 description"
    INGREDIENTS = "ingredients", "配料 ingredients"
    NET_CONTENT = "net_content", "净含量 net content"
    SHELF_LIFE = "shelf_life", "保质期 shelf life"
    STORAGE_CONDITIONS = "storage_conditions", "储存条件 storage conditions"
    PRODUCER = "producer", "生产者 producer"
    SC_LICENCE = "sc_licence", "生产许可证编号 SC licence"


class BrandStandardRule(models.Model):
    standard = models.ForeignKey(
        BrandStandard, on_delete=models.CASCADE, related_name="rules"
    )
    field = models.CharField("字段 field", max_length=50, choices=StandardField.choices)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    # pattern: a regular expression; max_length: a number; one_of: values split by |
    argument = models.CharField(max_length=200, blank=True)
    message_zh = models.CharField(max_length=200)
    message_en = models.CharField(max_length=200)

    class Meta:
        verbose_name = "标准规则 standard rule"
        verbose_name_plural = "标准规则 standard rules"
        ordering = ["standard", "id"]

    def __str__(self) -> str:
        return f"{self.field} {self.kind} {self.argument}"

    def clean(self) -> None:
        from .standards import rule_argument_error

        problem = rule_argument_error(self.kind, self.argument)
        if problem:
            raise ValidationError({"argument": problem})
