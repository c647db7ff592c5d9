from . import admin_payouts  # noqa: F401, I001  (registers the payout admin)

# Operator admin for revenue: share agreements and parties' payout details
# (here), the read-only ledger (admin_ledger.py) and payouts (admin_payouts.py).
#
# Only those `brands.permissions` lets manage revenue (platform operators) see
# any of it. Agreements are checked by `ShareAgreementForm` and written by
# `revenue.agreements` (`agreement_create`, `agreement_replace`) when the admin
# saves; one in force is never changed or deleted.

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from brands.admin import adopt

from .admin_forms import (
    PartyPayoutForm,
    RevenueOperatorAccess,
    RevenueViewOnly,
    ShareAgreementForm,
    bp_to_percent,
)
from .admin_ledger import admin_link, signed_fen  # also registers the ledger admin
from .agreements import agreement_create, agreement_is_editable, agreement_replace
from .errors import RevenueError
from .models import Account, AccountKind, Party, ShareAgreement
from .models.agreements import RATE_FIELDS

IN_FORCE, FUTURE, PAST = "in_force", "future", "past"
STATUS_LABELS = {
    IN_FORCE: "生效中 in force",
    FUTURE: "未生效 future",
    PAST: "已被取代 superseded",
}


# Share agreements -------------------------------------------------------------


def _key(field: str):
    return Coalesce(field, Value(0))


def with_status(queryset):
    """Annotate `_superseded`: a later version of the same scope has started."""
    today = timezone.localdate()
    later = ShareAgreement.objects.alias(
        b=_key("brand_id"), w=_key("workshop_id"), c=_key("category_id")
    ).filter(
        b=_key(OuterRef("brand_id")),
        w=_key(OuterRef("workshop_id")),
        c=_key(OuterRef("category_id")),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=today,
    )
    return queryset.annotate(_superseded=Exists(later))


def agreement_status(agreement) -> str:
    if agreement.effective_from > timezone.localdate():
        return FUTURE
    return PAST if getattr(agreement, "_superseded", False) else IN_FORCE


class AgreementStatusFilter(admin.SimpleListFilter):
    title = "状态 status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == FUTURE:
            return queryset.filter(effective_from__gt=today)
        started = queryset.filter(effective_from__lte=today)
        if self.value() == IN_FORCE:
            return started.filter(_superseded=False)
        if self.value() == PAST:
            return started.filter(_superseded=True)
        return queryset


EDITABLE_FIELDS = (
    "brand",
    "workshop",
    "category",
    "effective_from",
    *RATE_FIELDS,
    "unattributed_host_share_to",
    "fee_bearer",
    "note",
)


def rate_column(field: str, label: str):
    @admin.display(description=label, ordering=field)
    def column(self, obj) -> str:
        return f"{bp_to_percent(getattr(obj, field))}%"

    column.__name__ = field.removesuffix("_bp") + "_percent"
    return column


@admin.register(ShareAgreement)
class ShareAgreementAdmin(RevenueOperatorAccess, admin.ModelAdmin):
    form = ShareAgreementForm
    list_display = (
        "scope",
        "effective_from",
        "workshop_percent",
        "village_percent",
        "brand_percent",
        "host_percent",
        "platform_percent",
        "unattributed_host_share_to",
        "fee_bearer",
        "status",
    )
    list_filter = ("brand", AgreementStatusFilter)
    list_select_related = ("brand", "workshop", "category")
    search_fields = ("brand__name", "workshop__name", "category__name", "note")
    search_help_text = "品牌、工坊、分类、备注 brand, workshop, category, note"
    date_hierarchy = "effective_from"
    autocomplete_fields = ("brand", "workshop", "category")
    readonly_fields = ("created_by", "created_at")

    workshop_percent = rate_column("workshop_bp", "工坊 workshop")
    village_percent = rate_column("village_bp", "村集体 village")
    brand_percent = rate_column("brand_bp", "品牌 brand")
    host_percent = rate_column("host_bp", "主播 host")
    platform_percent = rate_column("platform_bp", "平台 platform")

    def get_queryset(self, request):
        return with_status(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*EDITABLE_FIELDS]
        if agreement_is_editable(obj):
            return [*EDITABLE_FIELDS, "created_by", "created_at"]
        # Read-only: the rates as percentages, like the form that made them.
        rates = [f"{field.removesuffix('_bp')}_percent" for field in RATE_FIELDS]
        shown = [rates.pop(0) if f in RATE_FIELDS else f for f in EDITABLE_FIELDS]
        return [*shown, "status", "created_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class WithUser(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, user=user, **kwargs)

        return WithUser

    @admin.display(description="范围 scope")
    def scope(self, obj) -> str:
        if obj.brand_id is None:
            return "平台默认 platform default"
        parts = [f"品牌 {obj.brand.name}"]
        if obj.workshop_id:
            parts.append(f"工坊 {obj.workshop.name}")
        if obj.category_id:
            parts.append(f"分类 {obj.category.name}")
        return " · ".join(parts)

    @admin.display(description="状态 status")
    def status(self, obj) -> str:
        return STATUS_LABELS[agreement_status(obj)]

    # An agreement in force is history: orders were split by it.

    def has_change_permission(self, request, obj=None) -> bool:
        editable = obj is None or agreement_is_editable(obj)
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        editable = obj is None or agreement_is_editable(obj)
        return editable and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # A bulk delete would not ask about each agreement.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        values = form.agreement_values
        if change:
            # A new row replaces the old: the admin goes on with it.
            saved = agreement_replace(user=request.user, agreement=obj, **values)
        else:
            saved = agreement_create(user=request.user, **values)
        adopt(obj, saved)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RevenueError as error:
            # The form's check passed, then someone changed the agreements
            # before the save (rolled back): say so, and show the form again.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# Parties ----------------------------------------------------------------------


class PayoutMethodFilter(admin.SimpleListFilter):
    title = "收款方式 payout method"
    parameter_name = "payout"

    def lookups(self, request, model_admin):
        return [
            ("stripe", "Stripe"),
            ("bank", "银行转账 bank"),
            ("none", "未设置 none"),
        ]

    def queryset(self, request, queryset):
        has_stripe = ~Q(stripe_account_id="")
        has_bank = (
            ~Q(bank_account_name="") & ~Q(bank_name="") & ~Q(bank_account_number="")
        )
        if self.value() == "stripe":
            return queryset.filter(has_stripe)
        if self.value() == "bank":
            return queryset.filter(has_bank & ~has_stripe)
        if self.value() == "none":
            return queryset.exclude(has_stripe | has_bank)
        return queryset


class AccountInline(RevenueViewOnly, admin.TabularInline):
    model = Account
    verbose_name_plural = "账户 accounts"
    fields = ("account", "kind", "balance")
    readonly_fields = fields
    extra = 0

    @admin.display(description="账户 account")
    def account(self, obj) -> str:
        return admin_link(obj, f"#{obj.pk}")

    @admin.display(description="余额（借正贷负）balance (debit +)")
    def balance(self, obj) -> str:
        return signed_fen(obj.balance_fen)


def _credit_of(kind: str):
    """What the party's account of `kind` holds, as a positive figure (its
    balance is a credit: negative)."""
    accounts = Account.objects.filter(party=OuterRef("pk"), kind=kind)
    balance = Subquery(accounts.values("balance_fen")[:1])
    return Value(0) - Coalesce(balance, Value(0))


@admin.register(Party)
class PartyAdmin(RevenueOperatorAccess, admin.ModelAdmin):
    form = PartyPayoutForm
    list_display = ("name", "kind", "payout_method_label", "owed", "paid_out")
    list_filter = ("kind", PayoutMethodFilter)
    search_fields = ("name", "bank_account_name")
    search_help_text = "名称、开户名 name, bank account name"
    fieldsets = (
        ("分账方 Party", {"fields": ("kind", "name", "target", "created_at")}),
        ("结余 Balance", {"fields": ("owed", "paid_out", "entries")}),
        ("Stripe", {"fields": ("stripe_account_id",)}),
        (
            "银行账户 Bank account",
            {"fields": ("bank_account_name", "bank_name", "bank_account_number")},
        ),
    )
    readonly_fields = (
        "kind",
        "name",
        "target",
        "created_at",
        "owed",
        "paid_out",
        "entries",
    )
    inlines = (AccountInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("workshop", "village", "brand", "host")
            .annotate(
                _owed=_credit_of(AccountKind.PAYABLE),
                _paid_out=_credit_of(AccountKind.PAID_OUT),
            )
        )

    # Parties appear when they first earn (revenue.parties); only where their
    # money goes is edited here.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        payout_fields = PartyPayoutForm.Meta.fields
        fields = [name for name in form.changed_data if name in payout_fields]
        if fields:
            obj.save(update_fields=fields)

    @admin.display(description="收款方式 payout method")
    def payout_method_label(self, obj) -> str:
        return {"stripe": "Stripe", "bank": "银行转账 bank"}.get(
            obj.payout_method, "未设置 none"
        )

    @admin.display(description="应付 owed", ordering="_owed")
    def owed(self, obj) -> str:
        return signed_fen(obj._owed)

    @admin.display(description="已付 paid out", ordering="_paid_out")
    def paid_out(self, obj) -> str:
        return signed_fen(obj._paid_out)

    @admin.display(description="对象 for")
    def target(self, obj) -> str:
        if obj.host_id:
            return obj.host.get_username()
        organisation = obj.workshop or obj.village or obj.brand
        return admin_link(organisation) if organisation else "平台 platform"

    @admin.display(description="明细 details")
    def entries(self, obj) -> str:
        shares = reverse("admin:revenue_share_changelist")
        accounts = reverse("admin:revenue_account_changelist")
        return format_html(
            '<a href="{}?party__id__exact={}">分账明细 shares</a> · '
            '<a href="{}?party__id__exact={}">账户 accounts</a>',
            shares,
            obj.pk,
            accounts,
            obj.pk,
        )
