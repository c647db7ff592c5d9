"""Operator admin for payments: read-only lists of PaymentIntents, Stripe
webhook events and refunds. Money moves only through the services (refunds
from the order admin), never by editing these rows. Platform operators only."""

import json

from django.contrib import admin
from django.utils.html import format_html

from brands.admin import ViewOnlyOperatorAdmin
from storefront.orders.admin import fen_column, order_link

from .models import Payment, Refund, StripeEvent


class OrderColumn:
    list_select_related = ("order",)

    @admin.display(description="订单 order", ordering="order__number")
    def order_number(self, obj) -> str:
        return order_link(obj.order_id, obj.order)


@admin.register(Payment)
class PaymentAdmin(OrderColumn, ViewOnlyOperatorAdmin, admin.ModelAdmin):
    list_display = (
        "payment_intent_id",
        "order_number",
        "amount",
        "currency",
        "status",
        "provider_status",
        "created_at",
        "updated_at",
    )
    list_filter = ("status", "provider_status")
    search_fields = ("payment_intent_id", "order__number", "order__email")
    search_help_text = "PaymentIntent、订单号、邮箱 PaymentIntent, order number, email"
    # Never the client secret: it lets its holder confirm the payment.
    fields = (
        "payment_intent_id",
        "order_number",
        "amount",
        "currency",
        "status",
        "provider_status",
        "last_error",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    amount = fen_column("amount_fen", "金额 amount")


@admin.register(StripeEvent)
class StripeEventAdmin(ViewOnlyOperatorAdmin, admin.ModelAdmin):
    list_display = ("event_id", "type", "payment_intent_id", "outcome", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id", "payment_intent_id", "outcome")
    search_help_text = "事件 ID、PaymentIntent、结果 event id, PaymentIntent, outcome"
    fields = (
        "event_id",
        "type",
        "payment_intent_id",
        "outcome",
        "received_at",
        "payload_json",
    )
    readonly_fields = fields

    @admin.display(description="内容 payload")
    def payload_json(self, obj) -> str:
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)


@admin.register(Refund)
class RefundAdmin(OrderColumn, ViewOnlyOperatorAdmin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "order_number",
        "amount",
        "status",
        "stripe_refund_id",
        "reason",
        "created_by",
    )
    list_filter = ("status",)
    list_select_related = ("order", "created_by")
    search_fields = ("order__number", "stripe_refund_id", "reason")
    search_help_text = "订单号、Stripe 退款号、原因 order number, Stripe refund, reason"
    fields = (
        "order_number",
        "amount",
        "status",
        "stripe_refund_id",
        "reason",
        "restock",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    amount = fen_column("amount_fen", "金额 amount")
