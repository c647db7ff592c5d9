from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Brand, Workshop
from storefront.catalog.models import Category

from .parties import PartyKind

FULL_BP = 10_000  # 100 % in basis points

RATE_FIELDS = ("workshop_bp", "village_bp", "brand_bp", "host_bp", "platform_bp")


class RecipientKind(models.TextChoices):
    """Who may take the host share when no host sold the order, or bear the
    payment processor's fee (never a host, who may be absent)."""

    WORKSHOP = PartyKind.WORKSHOP.value, PartyKind.WORKSHOP.label
    VILLAGE = PartyKind.VILLAGE.value, PartyKind.VILLAGE.label
    BRAND = PartyKind.BRAND.value, PartyKind.BRAND.label
    PLATFORM = PartyKind.PLATFORM.value, PartyKind.PLATFORM.label


def _rate(label: str):
    return models.PositiveIntegerField(label, default=0)


class ShareAgreement(models.Model):
    """How sales of a brand are split, in basis points, from a date on.

    The brand default has neither workshop nor category; an override names one
    or both. With no brand at all it is the platform-wide fallback. A new
    version is a new row with a later `effective_from`; rows in force are
    never edited, so a past split always matches the agreement it names.
    """

    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="share_agreements",
    )
    workshop = models.ForeignKey(
        Workshop,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="share_agreements",
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="share_agreements",
    )
    effective_from = models.DateField("生效日期 effective from")
    workshop_bp = _rate("工坊 workshop (‱)")
    village_bp = _rate("村集体 village (‱)")
    brand_bp = _rate("品牌 brand (‱)")
    host_bp = _rate("主播佣金 host commission (‱)")
    platform_bp = _rate("平台 platform (‱)")
    unattributed_host_share_to = models.CharField(
        "无主播时佣金归 host share without a host",
        max_length=10,
        choices=RecipientKind.choices,
        default=RecipientKind.VILLAGE,
    )
    fee_bearer = models.CharField(
        "支付手续费承担方 processor fee paid by",
        max_length=10,
        choices=RecipientKind.choices,
        default=RecipientKind.PLATFORM,
    )
    note = models.CharField("备注 note", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "workshop", "category", "-effective_from"]
        verbose_name = "分账协议 share agreement"
        verbose_name_plural = "分账协议 share agreements"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    workshop_bp__lte=FULL_BP,
                    village_bp__lte=FULL_BP,
                    brand_bp__lte=FULL_BP,
                    host_bp__lte=FULL_BP,
                    platform_bp__lte=FULL_BP,
                ),
                name="agreement_rates_within_100_percent",
            ),
            models.CheckConstraint(
                condition=Q(
                    workshop_bp=FULL_BP
                    - F("village_bp")
                    - F("brand_bp")
                    - F("host_bp")
                    - F("platform_bp")
                ),
                name="agreement_rates_sum_to_100_percent",
            ),
            models.CheckConstraint(
                condition=Q(brand__isnull=False)
                | Q(workshop__isnull=True, category__isnull=True),
                name="agreement_override_names_brand",
            ),
            # One version per scope and start date: versions never overlap.
            models.UniqueConstraint(
                fields=["brand", "workshop", "category", "effective_from"],
                nulls_distinct=False,
                name="agreement_one_version_per_day",
            ),
        ]

    def __str__(self) -> str:
        scope = " / ".join(
            str(part) for part in (self.brand, self.workshop, self.category) if part
        )
        return f"{scope or '平台默认 platform default'} · {self.effective_from}"

    @property
    def rates(self) -> dict[str, int]:
        return {field: getattr(self, field) for field in RATE_FIELDS}
