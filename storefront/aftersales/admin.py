"""Operators' view of after-sales requests: read-only rows, with approve and
refuse actions that go through the services (the same checks, refund and
emails as the workshop portal)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from brands.admin import ViewOnlyOperatorAdmin
from storefront.core.errors import DomainError
from storefront.core.money import format_fen

from .models import AfterSalesEvent, AfterSalesLine, AfterSalesPhoto, AfterSalesRequest
from .services import aftersales_approve, aftersales_refuse


class LineInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = AfterSalesLine
    fields = ("order_line", "quantity", "amount_fen", "restock", "is_open")
    readonly_fields = fields
    extra = 0


class PhotoInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = AfterSalesPhoto
    fields = ("image", "created_at")
    readonly_fields = fields
    extra = 0


class EventInline(ViewOnlyOperatorAdmin, admin.TabularInline):
    model = AfterSalesEvent
    fields = ("created_at", "type", "user", "data")
    readonly_fields = fields
    extra = 0


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(ViewOnlyOperatorAdmin, admin.ModelAdmin):
    list_display = (
        "pk",
        "order",
        "workshop",
        "kind",
        "reason",
        "status",
        "amount",
        "created_at",
    )
    list_filter = ("status", "kind", "reason")
    list_select_related = ("order", "workshop")
    search_fields = ("order__number", "order__email", "return_tracking_number")
    readonly_fields = (
        "order",
        "fulfillment",
        "workshop",
        "kind",
        "reason",
        "message",
        "status",
        "amount",
        "includes_shipping",
        "before_shipping",
        "refuse_reason",
        "return_carrier",
        "return_tracking_number",
        "refund",
        "decided_by",
        "decided_at",
        "created_at",
    )
    fields = readonly_fields
    inlines = (LineInline, PhotoInline, EventInline)
    actions = ("approve", "refuse")

    @admin.display(description="退款金额 amount")
    def amount(self, obj) -> str:
        return format_fen(obj.amount_fen)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="同意（仅退款的即退款）approve (refund-only: refund)")
    def approve(self, request, queryset):
        for aftersales in queryset.order_by("pk"):
            try:
                aftersales_approve(request=aftersales, user=request.user)
            except DomainError as error:
                self.message_user(
                    request, f"#{aftersales.pk}: {error.message}", messages.ERROR
                )
            else:
                self.message_user(request, f"#{aftersales.pk}: 已同意 approved")

    @admin.action(description="拒绝（需填写原因）refuse (with a reason)")
    def refuse(self, request, queryset):
        reason = (request.POST.get("refuse_reason") or "").strip()
        if request.POST.get("confirm") and reason:
            for aftersales in queryset.order_by("pk"):
                try:
                    aftersales_refuse(
                        request=aftersales, user=request.user, reason=reason
                    )
                except DomainError as error:
                    self.message_user(
                        request, f"#{aftersales.pk}: {error.message}", messages.ERROR
                    )
                else:
                    self.message_user(request, f"#{aftersales.pk}: 已拒绝 refused")
            return None
        return TemplateResponse(
            request,
            "aftersales/admin_refuse.html",
            {
                **self.admin_site.each_context(request),
                "title": "拒绝售后申请 Refuse after-sales requests",
                "requests": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "missing_reason": bool(request.POST.get("confirm")),
            },
        )
