"""Read-only operator admin for the ledger: accounts, journal entries with
their lines, and shares. Ledger rows are written by the revenue services only
(and the database refuses to change them), so nothing here adds, changes or
deletes; operators filter, search by order number and follow the links."""

from django.contrib import admin
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.html import format_html

from storefront.core.money import format_fen

from .admin_forms import RevenueViewOnly
from .models import Account, JournalEntry, JournalLine, Share

NONE = "—"


def signed_fen(fen: int) -> str:
    return f"-{format_fen(-fen)}" if fen < 0 else format_fen(fen)


def admin_link(obj, text=None) -> str:
    if obj is None:
        return NONE
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


@admin.register(Account)
class AccountAdmin(RevenueViewOnly, admin.ModelAdmin):
    list_display = ("id", "owner", "party_kind", "kind", "balance")
    list_filter = ("kind", "party__kind")
    list_select_related = ("party",)
    search_fields = ("party__name",)
    search_help_text = "分账方名称 party name"

    @admin.display(description="分账方 party", ordering="party__name")
    def owner(self, obj) -> str:
        return admin_link(obj.party) if obj.party_id else "平台清算 platform clearing"

    @admin.display(description="分账方类型 party kind", ordering="party__kind")
    def party_kind(self, obj) -> str:
        return obj.party.get_kind_display() if obj.party_id else NONE

    @admin.display(
        description="余额（借正贷负）balance (debit +)", ordering="balance_fen"
    )
    def balance(self, obj) -> str:
        return signed_fen(obj.balance_fen)


class JournalLineInline(RevenueViewOnly, admin.TabularInline):
    model = JournalLine
    verbose_name = "分录 line"
    verbose_name_plural = "分录 lines"
    fields = ("account", "party_kind", "amount")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account__party")

    @admin.display(description="分账方类型 party kind")
    def party_kind(self, obj) -> str:
        party = obj.account.party
        return party.get_kind_display() if party else NONE

    @admin.display(description="金额（借正贷负）amount (debit +)")
    def amount(self, obj) -> str:
        return signed_fen(obj.amount_fen)


@admin.register(JournalEntry)
class JournalEntryAdmin(RevenueViewOnly, admin.ModelAdmin):
    list_display = ("id", "kind", "posted_at", "order_number", "cause", "debits")
    list_filter = ("kind", "posted_at", "lines__account__party__kind")
    list_select_related = ("order", "refund", "payout", "reverses")
    search_fields = ("order__number", "memo")
    search_help_text = "订单号、摘要 order number, memo"
    date_hierarchy = "posted_at"
    fields = ("kind", "posted_at", "order_number", "cause", "memo", "debits")
    readonly_fields = fields
    inlines = (JournalLineInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _debits=Sum("lines__amount_fen", filter=Q(lines__amount_fen__gt=0))
            )
        )

    @admin.display(description="订单 order", ordering="order__number")
    def order_number(self, obj) -> str:
        return admin_link(obj.order, obj.order.number) if obj.order_id else NONE

    @admin.display(description="起因 cause")
    def cause(self, obj) -> str:
        if obj.refund_id:
            return f"退款 refund #{obj.refund_id}"
        if obj.payout_id:
            return admin_link(obj.payout, f"付款 payout #{obj.payout_id}")
        if obj.reverses_id:
            return admin_link(obj.reverses, f"冲销 reverses #{obj.reverses_id}")
        return NONE

    @admin.display(description="借方合计 debits", ordering="_debits")
    def debits(self, obj) -> str:
        return format_fen(obj._debits or 0)


@admin.register(Share)
class ShareAdmin(RevenueViewOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "posted_at",
        "order_number",
        "line",
        "party",
        "role",
        "amount",
        "agreement",
    )
    list_filter = ("role", "party__kind", "posted_at")
    list_select_related = (
        "order",
        "order_line",
        "party",
        "agreement__brand",
        "agreement__workshop",
        "agreement__category",
    )
    search_fields = ("order__number", "party__name")
    search_help_text = "订单号、分账方 order number, party"
    date_hierarchy = "posted_at"

    @admin.display(description="订单 order", ordering="order__number")
    def order_number(self, obj) -> str:
        return admin_link(obj.order, obj.order.number)

    @admin.display(description="商品 line")
    def line(self, obj) -> str:
        return str(obj.order_line) if obj.order_line_id else NONE

    @admin.display(description="金额 amount", ordering="amount_fen")
    def amount(self, obj) -> str:
        return signed_fen(obj.amount_fen)
