from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models import Role, Workshop
from brands.permissions import Action, Scope
from storefront.orders.models import Fulfillment, Order, OrderLine


class Kind(models.TextChoices):
    REFUND_ONLY = "refund_only", "仅退款 refund only"
    RETURN_AND_REFUND = "return_and_refund", "退货退款 return and refund"


class Reason(models.TextChoices):
    CHANGED_MIND = "changed_mind", "不想要了 changed my mind"
    NOT_RECEIVED = "not_received", "未收到货 not received"
    WRONG_ITEMS = "wrong_items", "少件/错件 missing or wrong items"
    QUALITY = "quality", "质量问题 quality problem"
    NO_REASON = "no_reason", "七天无理由 7-day no reason"


class Status(models.TextChoices):
    REQUESTED = "requested", "待处理 requested"
    APPROVED = "approved", "已同意 approved"
    RETURN_SHIPPED = "return_shipped", "已寄回 return shipped"
    REFUNDED = "refunded", "已退款 refunded"
    REFUSED = "refused", "已拒绝 refused"
    CANCELLED = "cancelled", "已撤销 cancelled"


# A request in these holds its lines' units; in the others it is over.
OPEN_STATES = (Status.REQUESTED, Status.APPROVED, Status.RETURN_SHIPPED)
# What a request's units count against once it is over: refused and
# cancelled requests give their units back.
TAKEN_STATES = (*OPEN_STATES, Status.REFUNDED)


class AfterSalesRequest(models.Model):
    """A shopper's request to get money back for units of one parcel."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="aftersales_requests"
    )
    fulfillment = models.ForeignKey(
        Fulfillment, on_delete=models.PROTECT, related_name="aftersales_requests"
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="aftersales_requests"
    )
    kind = models.CharField("类型 kind", max_length=20, choices=Kind.choices)
    reason = models.CharField("原因 reason", max_length=20, choices=Reason.choices)
    message = models.CharField("说明 message", max_length=500, blank=True)
    status = models.CharField(
        "状态 status", max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    amount_fen = models.PositiveIntegerField("退款金额（分）amount")
    # The parcel's shipping fee is part of the amount (the whole parcel,
    # before it shipped).
    includes_shipping = models.BooleanField(default=False)
    # Requested before the parcel shipped: refunding it also cancels the
    # parcel when it covers all of it.
    before_shipping = models.BooleanField(default=False)
    refuse_reason = models.CharField(
        "拒绝原因 refuse reason", max_length=300, blank=True
    )
    return_carrier = models.CharField(
        "退货快递 return carrier", max_length=50, blank=True
    )
    return_tracking_number = models.CharField(
        "退货运单号 return tracking number", max_length=50, blank=True
    )
    refund = models.OneToOneField(
        "payments.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aftersales_request",
    )
    # Set while the refund is being asked of Stripe, so a second approval
    # does not ask again; cleared when it failed.
    refund_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "售后申请 after-sales request"
        verbose_name_plural = "售后申请 after-sales requests"
        indexes = [models.Index(fields=["workshop", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=Kind.RETURN_AND_REFUND) | Q(return_tracking_number=""),
                name="aftersales_tracking_only_for_returns",
            ),
        ]

    def __str__(self) -> str:
        return f"售后 #{self.pk} {self.order}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def permission_scope(self, action: Action) -> Scope | None:
        """The parcel's workshop decides, and the refund it approves is made
        on its say-so."""
        if action in (Action.HANDLE_AFTERSALES, Action.REFUND_ORDER):
            return Scope(role=Role.WORKSHOP_MANAGER, target_id=self.workshop_id)
        return None


class AfterSalesLine(models.Model):
    request = models.ForeignKey(
        AfterSalesRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="aftersales_lines"
    )
    quantity = models.PositiveIntegerField()
    amount_fen = models.PositiveIntegerField()
    # The units go back on the shelf when refunded (returned, or never sent).
    restock = models.BooleanField(default=False)
    # True while the request is open: the database allows one open request
    # per order line.
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line"],
                condition=Q(is_open=True),
                name="aftersales_one_open_request_per_line",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="aftersales_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line} × {self.quantity}"


class AfterSalesPhoto(models.Model):
    request = models.ForeignKey(
        AfterSalesRequest, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(upload_to="aftersales/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class EventType(models.TextChoices):
    REQUESTED = "requested", "提交申请 requested"
    APPROVED = "approved", "同意 approved"
    REFUSED = "refused", "拒绝 refused"
    RETURN_SHIPPED = "return_shipped", "寄回 return shipped"
    REFUND_FAILED = "refund_failed", "退款失败 refund failed"
    REFUNDED = "refunded", "退款 refunded"
    CANCELLED = "cancelled", "撤销 cancelled"
    EMAIL_SENT = "email_sent", "邮件已发送 email sent"


class AfterSalesEvent(models.Model):
    request = models.ForeignKey(
        AfterSalesRequest, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=20, choices=EventType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.type}"


class AfterSalesEmail(models.Model):
    """One email to the shopper about one step of a request: written in the
    step's transaction, claimed, sent and marked by storefront.aftersales.emails."""

    request = models.ForeignKey(
        AfterSalesRequest, on_delete=models.CASCADE, related_name="emails"
    )
    step = models.CharField(max_length=16, choices=Status.choices)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "step"], name="aftersales_email_once_per_step"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="aftersales_email_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.step}"
