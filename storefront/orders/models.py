import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from brands.models import Role, Workshop
from brands.permissions import Action, Scope
from storefront.catalog.models import ProductVariant
from storefront.core.address import AddressFields
from storefront.core.money import CURRENCY


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", "待支付 unpaid"
    PAID = "paid", "已支付 paid"
    PARTIALLY_FULFILLED = "partially_fulfilled", "部分发货 partially fulfilled"
    FULFILLED = "fulfilled", "已发货 fulfilled"
    CANCELLED = "cancelled", "已取消 cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "部分退款 partially refunded"
    REFUNDED = "refunded", "已退款 refunded"


class Order(AddressFields, models.Model):
    number = models.CharField("订单号 number", max_length=20, unique=True, null=True)
    # The secret in the customer's order link; never shown to anyone else.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Completing the same checkout twice returns this order instead of a second.
    checkout_token = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    # The livestream host who sold the order, if any (set by host attribution);
    # the revenue split pays them the agreement's commission.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_orders",
    )
    host_link = models.ForeignKey(
        "links.HostLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    live_session = models.ForeignKey(
        "links.LiveSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    status = models.CharField(
        "状态 status",
        max_length=24,
        choices=OrderStatus.choices,
        default=OrderStatus.UNPAID,
    )
    email = models.EmailField("电子邮箱 email")
    note = models.CharField("订单备注 note", max_length=200, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY, editable=False)
    subtotal_fen = models.PositiveIntegerField("商品金额（分）subtotal")
    shipping_fen = models.PositiveIntegerField("运费（分）shipping")
    total_fen = models.PositiveIntegerField("应付（分）total")
    paid_fen = models.PositiveIntegerField("已付（分）paid", default=0)
    refunded_fen = models.PositiveIntegerField("已退（分）refunded", default=0)
    # Stock stays reserved for an unpaid order until this moment.
    reserved_until = models.DateTimeField("库存保留至 reserved until", null=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The confirmation email (the only carrier of the order link): claimed by
    # one sender until `confirmation_claimed_until`, done at `…_sent_at`.
    confirmation_claimed_until = models.DateTimeField(
        null=True, blank=True, editable=False
    )
    confirmation_sent_at = models.DateTimeField(
        "确认邮件发送时间 confirmation sent at", null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "订单 order"
        verbose_name_plural = "订单 orders"
        indexes = [
            models.Index(
                fields=["reserved_until"],
                condition=Q(status=OrderStatus.UNPAID),
                name="order_unpaid_reserved_until",
            ),
            models.Index(
                fields=["paid_at"],
                condition=Q(paid_at__isnull=False, confirmation_sent_at__isnull=True),
                name="order_confirmation_unsent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_fen=F("subtotal_fen") + F("shipping_fen")),
                name="order_total_is_subtotal_plus_shipping",
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("paid_fen")),
                name="order_refunded_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(paid_fen__lte=F("total_fen")),
                name="order_paid_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"

    @property
    def refundable_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


class OrderLine(models.Model):
    """What was bought, as it was when it was bought."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant,
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="order_lines"
    )
    # What the revenue split needs even after the variant is gone.
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    brand = models.ForeignKey(
        "brands.Brand", null=True, on_delete=models.PROTECT, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    brand_name = models.CharField(max_length=120)
    workshop_name = models.CharField(max_length=120)
    village_name = models.CharField(max_length=120)
    unit_price_fen = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    total_fen = models.PositiveIntegerField()
    # Units holding Stock.quantity_reserved right now.
    quantity_reserved = models.PositiveIntegerField(default=0)
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_restocked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_fen=F("unit_price_fen") * F("quantity")),
                name="order_line_total_is_price_times_quantity",
            ),
            models.CheckConstraint(
                condition=Q(
                    quantity__gte=F("quantity_reserved") + F("quantity_fulfilled")
                ),
                name="order_line_reserved_and_fulfilled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.variant_name} × {self.quantity}"


class FulfillmentStatus(models.TextChoices):
    PENDING = "pending", "待发货 to ship"
    SHIPPED = "shipped", "已发货 shipped"
    CANCELLED = "cancelled", "已取消 cancelled"


class Fulfillment(models.Model):
    """One parcel: each workshop ships its own goods with its own shipping fee."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="fulfillments"
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="fulfillments"
    )
    status = models.CharField(
        max_length=12,
        choices=FulfillmentStatus.choices,
        default=FulfillmentStatus.PENDING,
    )
    subtotal_fen = models.PositiveIntegerField()
    shipping_fen = models.PositiveIntegerField()
    carrier = models.CharField("快递公司 carrier", max_length=50, blank=True)
    tracking_number = models.CharField(
        "运单号 tracking number", max_length=50, blank=True
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    # Set by whoever shipped it once the carrier handed it over; the tracking
    # number is final from then on.
    delivered_at = models.DateTimeField("签收时间 delivered at", null=True, blank=True)
    # Once each, by a retried task after commit (claim, send, mark).
    workshop_notified_at = models.DateTimeField(null=True, blank=True)
    # The customer is to be mailed this shipment (or its corrected number);
    # storefront.orders.shipping_emails claims, sends and marks it.
    shipping_email_due = models.BooleanField(default=False)
    shipping_email_claimed_until = models.DateTimeField(null=True, blank=True)
    shipping_email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "workshop"], name="fulfillment_one_per_workshop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} / {self.workshop}"

    def permission_scope(self, action: Action) -> Scope | None:
        """Each workshop ships its own parcel of an order, and only its own."""
        if action == Action.SHIP_FULFILLMENT:
            return Scope(role=Role.WORKSHOP_MANAGER, target_id=self.workshop_id)
        return None


class OrderEventType(models.TextChoices):
    PLACED = "placed", "下单 placed"
    PAYMENT_STARTED = "payment_started", "发起支付 payment started"
    PAID = "paid", "支付成功 paid"
    PAYMENT_FAILED = "payment_failed", "支付失败 payment failed"
    RESERVATION_EXPIRED = "reservation_expired", "超时未付 reservation expired"
    CANCELLED = "cancelled", "取消 cancelled"
    SHIPPED = "shipped", "发货 shipped"
    REFUNDED = "refunded", "退款 refunded"
    REFUND_FAILED = "refund_failed", "退款失败 refund failed"
    RESTOCKED = "restocked", "退回库存 restocked"
    LATE_PAYMENT_REFUNDED = (
        "late_payment_refunded",
        "迟到付款已退回 late payment refunded",
    )
    EMAIL_SENT = "email_sent", "邮件已发送 email sent"
    TRACKING_CORRECTED = "tracking_corrected", "更正运单号 tracking corrected"
    DELIVERED = "delivered", "已签收 delivered"
    SHIPPING_EMAIL_SENT = "shipping_email_sent", "发货通知已发送 shipping email sent"
    WORKSHOP_NOTIFIED = "workshop_notified", "已通知工坊 workshop notified"


class OrderEvent(models.Model):
    """Who did what to an order, and when (Saleor's OrderEvent)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=OrderEventType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order} {self.type}"
