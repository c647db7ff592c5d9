from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from brands.models import Brand, Role, Village, Workshop
from brands.permissions import Action, Scope


class PartyKind(models.TextChoices):
    WORKSHOP = "workshop", "工坊 workshop"
    VILLAGE = "village", "村集体 village collective"
    BRAND = "brand", "品牌运营方 brand operator"
    HOST = "host", "主播 livestream host"
    PLATFORM = "platform", "平台 platform"


class Party(models.Model):
    """Someone who receives a share of sales: one row per workshop, village
    collective, brand operator, livestream host, and the platform itself."""

    kind = models.CharField("类型 kind", max_length=10, choices=PartyKind.choices)
    workshop = models.OneToOneField(
        Workshop, null=True, blank=True, on_delete=models.PROTECT, related_name="party"
    )
    village = models.OneToOneField(
        Village, null=True, blank=True, on_delete=models.PROTECT, related_name="party"
    )
    brand = models.OneToOneField(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="party"
    )
    host = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="host_party",
    )
    name = models.CharField("名称 name", max_length=150)
    # How money reaches the party: a Stripe connected account, else a bank account.
    stripe_account_id = models.CharField(
        "Stripe 收款账户 connected account",
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^acct_[A-Za-z0-9]+$", "应为 acct_… / acct_…")],
    )
    bank_account_name = models.CharField(
        "开户名 account name", max_length=100, blank=True
    )
    bank_name = models.CharField("开户行 bank", max_length=100, blank=True)
    bank_account_number = models.CharField(
        "银行账号 account number",
        max_length=34,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{8,30}$", "银行账号应为 8–30 位数字")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "分账方 party"
        verbose_name_plural = "分账方 parties"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="workshop",
                        workshop__isnull=False,
                        village__isnull=True,
                        brand__isnull=True,
                        host__isnull=True,
                    )
                    | Q(
                        kind="village",
                        workshop__isnull=True,
                        village__isnull=False,
                        brand__isnull=True,
                        host__isnull=True,
                    )
                    | Q(
                        kind="brand",
                        workshop__isnull=True,
                        village__isnull=True,
                        brand__isnull=False,
                        host__isnull=True,
                    )
                    | Q(
                        kind="host",
                        workshop__isnull=True,
                        village__isnull=True,
                        brand__isnull=True,
                        host__isnull=False,
                    )
                    | Q(
                        kind="platform",
                        workshop__isnull=True,
                        village__isnull=True,
                        brand__isnull=True,
                        host__isnull=True,
                    )
                ),
                name="party_kind_matches_target",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="platform"),
                name="party_one_platform",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def target(self):
        return self.workshop or self.village or self.brand or self.host

    def permission_scope(self, action: Action) -> Scope | None:
        """Its balance and statements: for the people the party stands for
        (the platform's, for operators only)."""
        if action != Action.VIEW_PARTY_ACCOUNTS:
            return None
        if self.kind == PartyKind.HOST:
            return Scope(user_id=self.host_id)
        role = {
            PartyKind.WORKSHOP: Role.WORKSHOP_MANAGER,
            PartyKind.VILLAGE: Role.VILLAGE_TREASURER,
            PartyKind.BRAND: Role.BRAND_OPERATOR,
        }.get(self.kind)
        if role is None:
            return None
        return Scope(
            role=role, target_id=self.workshop_id or self.village_id or self.brand_id
        )

    @property
    def has_bank_account(self) -> bool:
        return bool(
            self.bank_account_name and self.bank_name and self.bank_account_number
        )

    @property
    def payout_method(self) -> str | None:
        """ "stripe" or "bank", or None when the party cannot be paid yet."""
        if self.stripe_account_id:
            return "stripe"
        if self.has_bank_account:
            return "bank"
        return None
