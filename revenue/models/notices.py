from django.conf import settings
from django.db import models
from django.db.models import Q

from .payouts import Payout


class PayoutNoticeKind(models.TextChoices):
    SENT = "sent", "付款已发出 payout sent"
    LANDED = "landed", "款项已到账 payout landed"


class PayoutNotice(models.Model):
    """One email to one of a party's people about one step of a payout:
    written in the transaction of the payout's move, claimed, sent and marked
    through storefront.core.outbox (revenue.payout_notices)."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=8, choices=PayoutNoticeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # What the party was still owed beyond this payout when it moved.
    pending_fen = models.BigIntegerField("待结算（分）still pending")
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "结算通知 payout notice"
        verbose_name_plural = "结算通知 payout notices"
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "kind", "user"], name="payout_notice_once_each"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="payout_notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payout_id} {self.kind} → {self.user_id}"
