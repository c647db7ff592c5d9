"""Admin pieces of orders that any admin page may reuse: money columns, a link
to an order, and the view-only inlines of an order's lines, parcels and
events. The order admin itself, which also shows payments and refunds and
leads to the refund and ship pages, is in storefront/backoffice/admin.py.
"""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from brands.admin import ViewOnlyOperatorAdmin
from storefront.core.money import format_fen

from .models import Fulfillment, OrderEvent, OrderLine

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
        "quantity_reserved",
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
