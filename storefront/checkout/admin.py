"""Operator admin for carts: a read-only list for customer support ("what was
in my cart?"). Carts change only through the checkout services."""

from django.contrib import admin
from django.db.models import Count

from brands.admin import ViewOnlyOperatorAdmin
from storefront.core.address import ADDRESS_FIELDS

from .models import Checkout, CheckoutLine


class CheckoutLineInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = CheckoutLine
    verbose_name = "商品 line"
    verbose_name_plural = "商品 lines"
    fields = ("sku", "product", "quantity", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    @admin.display(description="SKU")
    def sku(self, obj) -> str:
        return obj.variant.sku

    @admin.display(description="商品 product")
    def product(self, obj) -> str:
        return str(obj.variant)


@admin.register(Checkout)
class CheckoutAdmin(ViewOnlyOperatorAdmin, admin.ModelAdmin):
    list_display = ("token", "user", "email", "updated_at", "line_count")
    list_select_related = ("user",)
    # Explicit: Meta.ordering does not apply to the annotated (GROUP BY) query.
    ordering = ("-updated_at", "-pk")
    search_fields = ("token", "email", "user__username", "user__email", "phone")
    search_help_text = "购物车令牌、邮箱、用户名、手机号 token, email, user, mobile"
    fields = (
        "token",
        "user",
        "email",
        "note",
        *ADDRESS_FIELDS,
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (CheckoutLineInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_lines=Count("lines"))

    @admin.display(description="商品种数 lines", ordering="_lines")
    def line_count(self, obj) -> int:
        return obj._lines
