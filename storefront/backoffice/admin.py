"""Operator admin for orders: look up, correct a delivery address, ship, refund.

Money, status and what was bought are never edited here: the status moves only
through the services (`fulfillment_ship`, `payments.refunds.order_refund`),
which the "ship" and "refund" pages and actions (admin_views.py) call, so the
admin behaves like every other entry point. Platform operators only
(`OperatorOnlyAdmin`). In the back office, not in orders, because an order's
page shows its payments and refunds and refunds through payments.
"""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils import timezone

from brands.admin import OperatorOnlyAdmin, ViewOnlyOperatorAdmin
from storefront.core.address import ADDRESS_FIELDS
from storefront.core.money import format_fen
from storefront.orders.admin import (
    NONE,
    FulfillmentInline,
    OrderEventInline,
    OrderLineInline,
    fen_column,
)
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderStatus,
)
from storefront.payments.models import Payment, Refund

from .admin_bulk_ship import BulkShipPage
from .admin_events import event_line
from .admin_forms import ORDER_EDITABLE_FIELDS, OrderForm
from .admin_views import RefundAndShipPages

# Inlines ----------------------------------------------------------------------


class PaymentInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = Payment
    verbose_name = "支付 payment"
    verbose_name_plural = "支付 payments"
    # Never the client secret: it lets its holder confirm the payment.
    fields = (
        "payment_intent_id",
        "amount",
        "status",
        "provider_status",
        "last_error",
        "created_at",
    )
    readonly_fields = fields
    amount = fen_column("amount_fen", "金额 amount")


class RefundInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = Refund
    verbose_name = "退款 refund"
    verbose_name_plural = "退款 refunds"
    fields = (
        "created_at",
        "amount",
        "status",
        "stripe_refund_id",
        "reason",
        "restock",
        "created_by",
    )
    readonly_fields = fields
    amount = fen_column("amount_fen", "金额 amount")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class OrderEventLineInline(OrderEventInline):
    """Each event as one readable line, not its JSON."""

    fields = ("line",)
    readonly_fields = fields

    @admin.display(description="记录 event")
    def line(self, obj) -> str:
        return event_line(obj)


# The order admin --------------------------------------------------------------


def host_name(user) -> str:
    """A host as the shop shows them: their display name, else username."""
    if user is None:
        return NONE
    profile = getattr(user, "host_profile", None)
    name = profile.display_name if profile else ""
    return f"{name} ({user.get_username()})" if name else user.get_username()


def _address_locked(order: Order) -> bool:
    """Once a parcel has left, or the order is over, the address is history."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return True
    return order.fulfillments.filter(status=FulfillmentStatus.SHIPPED).exists()


@admin.register(Order)
class OrderAdmin(BulkShipPage, RefundAndShipPages, OperatorOnlyAdmin, admin.ModelAdmin):
    form = OrderForm
    change_form_template = "admin/orders/order/change_form.html"
    list_display = (
        "number",
        "status",
        "total",
        "paid",
        "refunded",
        "email",
        "workshops",
        "host_column",
        "paid_at",
        "created_at",
    )
    list_filter = (
        "status",
        ("fulfillments__workshop", admin.RelatedOnlyFieldListFilter),
        ("lines__brand", admin.RelatedOnlyFieldListFilter),
        ("host", admin.RelatedOnlyFieldListFilter),
        ("paid_at", admin.DateFieldListFilter),
        "created_at",
    )
    search_fields = ("number", "email", "phone")
    search_help_text = "订单号、邮箱、手机号 order number, email, mobile"
    fieldsets = (
        (
            "订单 Order",
            {
                "fields": (
                    "number",
                    "status",
                    "user",
                    "created_at",
                    "paid_at",
                    "reserved_until",
                )
            },
        ),
        (
            "金额 Money",
            {
                "fields": (
                    "subtotal",
                    "shipping",
                    "total",
                    "paid",
                    "refunded",
                    "refundable",
                )
            },
        ),
        ("顾客 Customer", {"fields": ("email", "note")}),
        ("主播 Host credited", {"fields": ("host_credited", "live_session_credited")}),
        ("收货地址 Delivery address", {"fields": ADDRESS_FIELDS}),
    )
    readonly_fields = (
        "number",
        "status",
        "user",
        "created_at",
        "paid_at",
        "reserved_until",
        "subtotal",
        "shipping",
        "total",
        "paid",
        "refunded",
        "refundable",
        "host_credited",
        "live_session_credited",
    )
    inlines = (
        OrderLineInline,
        FulfillmentInline,
        PaymentInline,
        RefundInline,
        OrderEventLineInline,
    )
    actions = ("refund_in_full", "ship_parcels", "cancel_unpaid")

    subtotal = fen_column("subtotal_fen", "商品金额 subtotal")
    shipping = fen_column("shipping_fen", "运费 shipping")
    total = fen_column("total_fen", "应付 total")
    paid = fen_column("paid_fen", "已付 paid")
    refunded = fen_column("refunded_fen", "已退 refunded")

    @admin.display(description="可退 refundable")
    def refundable(self, obj) -> str:
        return format_fen(obj.refundable_fen)

    @admin.display(description="工坊 workshops")
    def workshops(self, obj) -> str:
        names = [f.workshop.name for f in obj.fulfillments.all()]
        return "、".join(names) or NONE

    @admin.display(description="主播 host", ordering="host")
    def host_column(self, obj) -> str:
        return host_name(obj.host) if obj.host_id else NONE

    @admin.display(description="主播 host")
    def host_credited(self, obj) -> str:
        return host_name(obj.host) if obj.host_id else NONE

    @admin.display(description="直播场次 live session")
    def live_session_credited(self, obj) -> str:
        session = obj.live_session
        if session is None:
            return NONE
        start = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
        return f"{session.title}（{start}）"

    def get_queryset(self, request):
        # The list's workshop and host columns, without a query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("host__host_profile", "live_session")
            .prefetch_related(
                Prefetch(
                    "fulfillments",
                    queryset=Fulfillment.objects.select_related("workshop").order_by(
                        "pk"
                    ),
                )
            )
        )

    # Permissions: no orders are made or removed by hand.

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and _address_locked(obj):
            readonly += ADDRESS_FIELDS
        return readonly

    def save_model(self, request, obj, form, change):
        # Only the fields this form may change: a full save would write back
        # the status and amounts as loaded, over a payment or refund that
        # committed meanwhile.
        fields = [name for name in form.changed_data if name in ORDER_EDITABLE_FIELDS]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def save_related(self, request, form, formsets, change):
        # Orders are not catalogue data: no public page to retire.
        admin.ModelAdmin.save_related(self, request, form, formsets, change)
