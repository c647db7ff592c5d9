from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Brand
from storefront.catalog.models import Product


class HostProfile(models.Model):
    """A livestream host's public face: /hosts/<slug>/."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="host_profile"
    )
    slug = models.SlugField(max_length=80, unique=True)
    display_name = models.CharField("主播名 name", max_length=80)
    bio = models.TextField("简介 bio", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = "主播 host"
        verbose_name_plural = "主播 hosts"

    def __str__(self) -> str:
        return self.display_name


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "待审批 pending"
    APPROVED = "approved", "已批准 approved"
    REJECTED = "rejected", "已拒绝 rejected"


class HostApplication(models.Model):
    """A host asks to sell a brand; the brand's operator decides. Approval
    is the LIVESTREAM_HOST membership on that brand."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=ApplicationStatus.choices, default="pending"
    )
    note = models.CharField("留言 note", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "主播申请 host application"
        verbose_name_plural = "主播申请 host applications"
        constraints = [
            models.UniqueConstraint(
                fields=["host", "brand"],
                condition=Q(status=ApplicationStatus.PENDING),
                name="host_application_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} → {self.brand}"


class LiveSession(models.Model):
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_sessions"
    )
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    title = models.CharField("直播标题 title", max_length=120)
    starts_at = models.DateTimeField("开始 starts")
    ends_at = models.DateTimeField("结束 ends")
    pinned_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    # Flushed from Redis with the clicks.
    views = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "直播 live session"
        verbose_name_plural = "直播 live sessions"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="live_session_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class LiveSessionProduct(models.Model):
    """The products a session features, in the host's order."""

    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="featured"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "product"], name="live_product_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.position} {self.product}"


class LinkTarget(models.TextChoices):
    PRODUCT = "product", "商品 product"
    BRAND = "brand", "品牌 brand"
    LIVE_SESSION = "live_session", "直播 live session"


class HostLink(models.Model):
    """A host's short link, /l/<code>. It points at the object (not its
    slug), so renaming a product never breaks it."""

    code = models.CharField(max_length=16, unique=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="host_links"
    )
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=16, choices=LinkTarget.choices)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    live_session = models.ForeignKey(
        LiveSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
    )
    label = models.CharField("备注 label", max_length=80, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField("失效时间 expires", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间 revoked", null=True, blank=True)
    # Counted in Redis, flushed here in batches (links.tasks.flush_clicks).
    clicks = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "主播链接 host link"
        verbose_name_plural = "主播链接 host links"
        constraints = [
            models.CheckConstraint(
                condition=Q(target="product", product__isnull=False)
                | Q(target="brand", product__isnull=True, live_session__isnull=True)
                | Q(target="live_session", live_session__isnull=False),
                name="host_link_target_matches",
            )
        ]

    def __str__(self) -> str:
        return f"/l/{self.code}"


class LinkDailyStat(models.Model):
    link = models.ForeignKey(HostLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.PositiveBigIntegerField(default=0)
    unique_visitors = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["link", "day"]
        constraints = [
            models.UniqueConstraint(fields=["link", "day"], name="link_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.day}: {self.clicks}"


class ClickFlush(models.Model):
    """One batch of counts moved from Redis: its token makes a retried
    flush (after a crash between our commit and clearing Redis) a no-op."""

    token = models.CharField(max_length=64, unique=True)
    clicks = models.PositiveBigIntegerField(default=0)
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
