from django.conf import settings
from django.db import models
from django.db.models import Q

from storefront.orders.models import Order


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待支付 pending"
    SUCCEEDED = "succeeded", "已支付 succeeded"
    CANCELLED = "cancelled", "已取消 cancelled"


class Payment(models.Model):
    """One Stripe PaymentIntent for one order's server-computed total."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    payment_intent_id = models.CharField(max_length=255, unique=True)
    client_secret = models.CharField(max_length=255)
    amount_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # Stripe's own status word, as last seen (requires_payment_method, processing…).
    provider_status = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # Stripe's refund of money that arrived after the order was cancelled;
    # empty while it is owed (payments.services.late_refunds_owed).
    late_refund_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A double click on "pay" can never open a second live charge.
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status=PaymentStatus.CANCELLED),
                name="payment_one_live_per_order",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.payment_intent_id


class StripeEvent(models.Model):
    """Every webhook event we have accepted, so each is processed at most once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    payload = models.JSONField()
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "处理中 pending"
    SUCCEEDED = "succeeded", "已退款 succeeded"
    FAILED = "failed", "失败 failed"


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    amount_fen = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    # Empty (null) until Stripe has answered: the row is then in flight and
    # its amount already counts against what may still be refunded.
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True)
    # Sent to Stripe with the refund, so a retried request can never refund
    # twice (payments.refunds.order_refund).
    idempotency_key = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    reason = models.CharField(max_length=200, blank=True)
    restock = models.JSONField(default=dict, blank=True)
    # False when the refund is made for a flow that tells the shopper itself
    # (an approved after-sales request mails its own "refunded" step).
    notify_shopper = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="refund_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount_fen}"


class RefundEmail(models.Model):
    """The shopper's "refunded" email for one booked refund: written when the
    refund is booked, sent once through storefront.core.outbox."""

    refund = models.OneToOneField(
        Refund, on_delete=models.CASCADE, related_name="shopper_email"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="refund_email_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"refund {self.refund_id} email"
