"""Operator admin for orders: look up, correct a delivery address, ship, refund.

Money, status and what was bought are never edited here: the status moves only
through the services (`fulfillment_ship`, `payments.refunds.order_refund`),
which the "ship" and "refund" pages and actions (admin_views.py) call, so the
admin behaves like every other entry point. Platform operators only
(`OperatorOnlyAdmin`).
"""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from brands.admin import OperatorOnlyAdmin, ReadOnlyAdmin
from storefront.core.address import ADDRESS_FIELDS
from storefront.core.money import format_fen
from storefront.payments.models import Payment, Refund

from .admin_forms import ORDER_EDITABLE_FIELDS, OrderForm
from .admin_views import RefundAndShipPages
from .models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)

NONE = "—"


def fen_column(field: str, label: str):
    """A list/detail column showing an integer fen field as ¥12.80."""

    @admin.display(description=label, ordering=field)
    def column(self, obj) -> str:
        value = getattr(obj, field)
        return NONE if value is None else format_fen(value)

    column.__name__ = field.removesuffix("_fen")
    return column


def order_link(order_id, text) -> str:
    url = reverse("admin:orders_order_change", args=[order_id])
    return format_html('<a href="{}">{}</a>', url, text)


class ViewOnlyOperatorAdmin(ReadOnlyAdmin, OperatorOnlyAdmin):
    """Operators may look; nothing is added, changed or deleted by hand."""


# Inlines ----------------------------------------------------------------------


class OrderLineInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = OrderLine
    verbose_name = "商品 line"
    verbose_name_plural = "商品 lines"
    fields = (
        "product_name",
        "variant_name",
        "sku",
        "brand_name",
        "workshop_name",
        "village_name",
        "unit_price",
        "quantity",
        "total",
        "quantity_allocated",
        "quantity_fulfilled",
        "quantity_restocked",
    )
    readonly_fields = fields
    unit_price = fen_column("unit_price_fen", "单价 unit price")
    total = fen_column("total_fen", "小计 total")


class FulfillmentInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    """Carrier and tracking number are set by the "ship" page only."""

    model = Fulfillment
    verbose_name = "包裹 parcel"
    verbose_name_plural = "包裹 parcels (发货请用“发货 Ship” / ship with “Ship”)"
    fields = (
        "workshop",
        "status",
        "subtotal",
        "shipping",
        "carrier",
        "tracking_number",
        "shipped_at",
    )
    readonly_fields = fields
    subtotal = fen_column("subtotal_fen", "商品金额 subtotal")
    shipping = fen_column("shipping_fen", "运费 shipping")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workshop")


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


class OrderEventInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = OrderEvent
    verbose_name = "记录 event"
    verbose_name_plural = "记录 events"
    fields = ("created_at", "type", "user", "details")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description="详情 details")
    def details(self, obj) -> str:
        return json.dumps(obj.data, ensure_ascii=False, sort_keys=True)


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
