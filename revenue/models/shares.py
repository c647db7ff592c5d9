from django.db import models

from .agreements import ShareAgreement
from .ledger import JournalEntry
from .parties import Party


class ShareRole(models.TextChoices):
    WORKSHOP = "workshop", "工坊 workshop"
    VILLAGE = "village", "村集体 village"
    BRAND = "brand", "品牌 brand"
    HOST = "host", "主播佣金 host commission"
    PLATFORM = "platform", "平台 platform"
    SHIPPING = "shipping", "运费 shipping"
    FEE = "fee", "支付手续费 processor fee"


class Share(models.Model):
    """One party's part of one order line (or of a parcel's shipping, or of
    the processor's fee), as posted by a sale entry (positive) or reversed by a
    refund entry (negative). Statements and the village figures read these;
    the journal lines hold the same money summed per account."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="shares"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="revenue_shares"
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revenue_shares",
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="shares")
    role = models.CharField(max_length=10, choices=ShareRole.choices)
    agreement = models.ForeignKey(
        ShareAgreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shares",
    )
    amount_fen = models.BigIntegerField()
    # The entry's time, copied so a party's month is one index range.
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = "分账明细 share"
        verbose_name_plural = "分账明细 shares"
        indexes = [
            models.Index(fields=["party", "posted_at"], name="share_party_month"),
            models.Index(fields=["order"], name="share_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.role} {self.amount_fen:+d}"
