"""Operator admin for hosts, their applications, live sessions and links.

Access through brands/admin.py's mixins (platform operators only). What
services write — decisions, revocations, click counts — is read-only here and
changed only by admin actions that call the same services as the pages."""

from django.contrib import admin, messages

from brands.admin import OperatorOnlyAdmin, ReadOnlyAdmin
from storefront.core.errors import DomainError

from .models import (
    HostApplication,
    HostLink,
    HostProfile,
    LinkDailyStat,
    LiveSession,
    LiveSessionProduct,
)
from .services import host_application_decide, host_link_revoke


@admin.register(HostProfile)
class HostProfileAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = ("display_name", "slug", "user", "created_at")
    list_select_related = ("user",)
    search_fields = ("display_name", "slug", "user__username", "user__email")
    search_help_text = "主播名、slug、用户名 name, slug, username"
    raw_id_fields = ("user",)


@admin.register(HostApplication)
class HostApplicationAdmin(ReadOnlyAdmin, OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = ("host", "brand", "status", "note", "created_at", "decided_by")
    list_filter = ("status", "brand")
    list_select_related = ("host", "brand", "decided_by")
    search_fields = ("host__username", "brand__name", "note")
    actions = ("approve", "reject")

    def has_decide_permission(self, request) -> bool:
        return self._is_operator(request)

    def _decide(self, request, queryset, approve: bool) -> None:
        for application in queryset.select_related("host", "brand").order_by("pk"):
            try:
                host_application_decide(
                    user=request.user, application=application, approve=approve
                )
            except DomainError as error:
                self.message_user(
                    request, f"{application}：{error.message}", messages.ERROR
                )
            else:
                verb = "已批准 approved" if approve else "已拒绝 rejected"
                self.message_user(request, f"{application}：{verb}", messages.SUCCESS)

    @admin.action(description="批准 Approve", permissions=["decide"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="拒绝 Reject", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)


class LiveSessionProductInline(OperatorOnlyAdmin, admin.TabularInline):
    model = LiveSessionProduct
    extra = 0
    raw_id_fields = ("product",)


@admin.register(LiveSession)
class LiveSessionAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "host", "brand", "starts_at", "ends_at", "views")
    list_filter = ("brand",)
    list_select_related = ("host", "brand")
    search_fields = ("title", "host__username", "brand__name")
    raw_id_fields = ("host", "pinned_product")
    # Pinning goes through the host console; views are flushed counts.
    readonly_fields = ("pinned_product", "pinned_at", "views")
    inlines = (LiveSessionProductInline,)


@admin.register(HostLink)
class HostLinkAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "code",
        "host",
        "brand",
        "target",
        "label",
        "clicks",
        "expires_at",
        "revoked_at",
        "created_at",
    )
    list_filter = ("target", "brand")
    list_select_related = ("host", "brand")
    search_fields = ("code", "label", "host__username", "brand__name")
    actions = ("revoke",)
    readonly_fields = (
        "code",
        "host",
        "brand",
        "target",
        "product",
        "live_session",
        "clicks",
        "revoked_at",
        "created_at",
    )

    # Links are made by hosts (host_link_create checks approval); kept for
    # the orders they brought, so never added or deleted here.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return self._is_operator(request)

    @admin.action(description="撤销 Revoke", permissions=["revoke"])
    def revoke(self, request, queryset):
        done = 0
        for link in queryset.order_by("pk"):
            try:
                host_link_revoke(user=request.user, link=link)
            except DomainError as error:
                self.message_user(request, f"{link}：{error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"已撤销 revoked: {done}", messages.SUCCESS)


@admin.register(LinkDailyStat)
class LinkDailyStatAdmin(ReadOnlyAdmin, OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = ("link", "day", "clicks", "unique_visitors")
    list_filter = ("day",)
    list_select_related = ("link",)
    search_fields = ("link__code",)
    date_hierarchy = "day"
