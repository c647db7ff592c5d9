"""Operator admin for orders: look up, correct a delivery address, ship, refund.

Money, status and what was bought are never edited here: the status moves only
through the services (`fulfillment_ship`, `payments.refunds.order_refund`),
which the "ship" and "refund" pages and actions (admin_views.py) call, so the
admin behaves like every other entry point. Platform operators only
(`OperatorOnlyAdmin`). In the back office, not in orders, because an order's
page shows its payments and refunds and refunds through payments.
"""

from django.contrib import admin

from brands.admin import OperatorOnlyAdmin, ViewOnlyOperatorAdmin
from storefront.core.address import ADDRESS_FIELDS
from storefront.core.money import format_fen
from storefront.orders.admin import (
    FulfillmentInline,
    OrderEventInline,
    OrderLineInline,
    fen_column,
)
from storefront.orders.models import FulfillmentStatus, Order, OrderStatus
from storefront.payments.models import Payment, Refund

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


# The order admin --------------------------------------------------------------


def _address_locked(order: Order) -> bool:
    """Once a parcel has left, or the order is over, the address is history."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return True
    return order.fulfillments.filter(status=FulfillmentStatus.SHIPPED).exists()


@admin.register(Order)
class OrderAdmin(RefundAndShipPages, OperatorOnlyAdmin, admin.ModelAdmin):
    form = OrderForm
    change_form_template = "admin/orders/order/change_form.html"
    list_display = (
        "number",
        "status",
        "total",
        "paid",
        "refunded",
        "email",
        "created_at",
    )
    list_filter = ("status", "created_at")
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
    )
    inlines = (
        OrderLineInline,
        FulfillmentInline,
        PaymentInline,
        RefundInline,
        OrderEventInline,
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
