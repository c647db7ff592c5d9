import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .parties import Party


class PayoutBatchStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批 proposed"
    APPROVED = "approved", "已批准 approved"
    COMPLETED = "completed", "已完成 completed"
    CANCELLED = "cancelled", "已取消 cancelled"


class PayoutBatch(models.Model):
    """Payouts proposed together (weekly by the beat job) and approved by an
    operator before any money moves."""

    status = models.CharField(
        max_length=10,
        choices=PayoutBatchStatus.choices,
        default=PayoutBatchStatus.PROPOSED,
    )
    threshold_fen = models.PositiveIntegerField("起付金额（分）threshold")
    # Parties owed money who could not be included, and why.
    skipped = models.JSONField(default=list, blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "结算批次 payout batch"
        verbose_name_plural = "结算批次 payout batches"

    def __str__(self) -> str:
        return f"PB-{self.pk:05d}" if self.pk else "PB-new"


class PayoutMethod(models.TextChoices):
    STRIPE = "stripe", "Stripe 转账 Stripe transfer"
    BANK = "bank", "银行转账 bank transfer"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "待付款 pending"
    SENDING = "sending", "付款中 sending"
    PAID = "paid", "已付款 paid"
    FAILED = "failed", "失败 failed"
    CANCELLED = "cancelled", "已取消 cancelled"


class Payout(models.Model):
    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, related_name="payouts"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="payouts")
    amount_fen = models.PositiveIntegerField("金额（分）amount")
    method = models.CharField(max_length=10, choices=PayoutMethod.choices)
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    # Sent with the Stripe Transfer: a retry, even after a crash, pays once.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stripe_account_id = models.CharField(max_length=64, blank=True)
    stripe_transfer_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True
    )
    bank_account_name = models.CharField(max_length=100, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    bank_account_number = models.CharField(max_length=34, blank=True)
    bank_reference = models.CharField(
        "银行流水号 bank reference", max_length=64, blank=True
    )
    last_error = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "结算付款 payout"
        verbose_name_plural = "结算付款 payouts"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "party"], name="payout_one_per_party_per_batch"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payout_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.party.name}"


class PayoutEvent(models.Model):
    """Who moved a batch or a payout to which status, and when."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.CASCADE, related_name="events"
    )
    payout = models.ForeignKey(
        Payout, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "结算记录 payout event"
        verbose_name_plural = "结算记录 payout events"

    def __str__(self) -> str:
        return f"{self.batch_id} {self.type}"
