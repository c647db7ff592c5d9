"""Operator admin for payout batches.

Read-only like the order admin: no batch or payout is added, edited or
deleted by hand. Every move goes through revenue/payouts.py from the pages
of `PayoutBatchPages` (admin_payout_pages.py): propose now, approve, cancel,
download the bank file, mark a bank payout paid, retry or cancel one payout.
Only those who may manage revenue (platform operators): `RevenueViewOnly`."""

import json
from datetime import datetime

from django.contrib import admin
from django.db.models import Count, Q, Sum
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from storefront.core.money import format_fen
from storefront.orders.admin import fen_column

from .admin_forms import RevenueViewOnly
from .admin_payout_pages import PayoutBatchPages, admin_url
from .models import (
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutEvent,
    PayoutMethod,
    PayoutStatus,
)

B, P = PayoutBatchStatus, PayoutStatus
NONE = "—"


def labelled(field: str, label: str):
    """A read-only column for a model field, titled in Chinese and English
    (the models' own labels are English only for these)."""

    @admin.display(description=label, ordering=field)
    def column(self, obj):
        shown = getattr(obj, f"get_{field}_display", None)
        value = shown() if shown else getattr(obj, field)
        if isinstance(value, datetime):
            return date_format(localtime(value), "Y-m-d H:i")
        return NONE if value in (None, "") else value

    column.__name__ = f"{field}_"
    return column


def _may_cancel(payout) -> bool:
    """As `payout_cancel` allows: the links offer only what it will do."""
    if payout.batch.status == B.PROPOSED:
        return payout.status == P.PENDING
    return payout.batch.status == B.APPROVED and (
        payout.status == P.FAILED
        or (payout.status == P.PENDING and payout.method == PayoutMethod.BANK)
    )


def payout_links(payout) -> list[tuple[str, str]]:
    """(page name, label) of what an operator can do to the payout now."""
    approved = payout.batch.status == B.APPROVED
    links = []
    if approved and payout.method == PayoutMethod.BANK and payout.status == P.PENDING:
        links.append(("payout_mark_paid", "标记已付 Mark paid"))
    stuck = payout.status in (P.FAILED, P.SENDING)
    if approved and payout.method == PayoutMethod.STRIPE and stuck:
        links.append(("payout_retry", "重试 Retry"))
    if _may_cancel(payout):
        links.append(("payout_cancel", "取消 Cancel"))
    return links


class PayoutColumns:
    """A payout's columns, for the batch page's inline and the payout list."""

    amount = fen_column("amount_fen", "金额 amount")
    party_ = labelled("party", "分账方 party")
    method_ = labelled("method", "方式 method")
    status_ = labelled("status", "状态 status")
    stripe_transfer_id_ = labelled("stripe_transfer_id", "Stripe 转账号 transfer id")
    paid_at_ = labelled("paid_at", "付款时间 paid at")
    last_error_ = labelled("last_error", "错误 last error")

    @admin.display(description="收款账户 destination")
    def destination(self, obj) -> str:
        if obj.method == PayoutMethod.STRIPE:
            return obj.stripe_account_id
        return f"{obj.bank_account_name} · {obj.bank_name} · {obj.bank_account_number}"

    @admin.display(description="操作 actions")
    def payout_actions(self, obj) -> str:
        links = payout_links(obj)
        if not links:
            return NONE
        return format_html_join(
            " · ", '<a href="{}">{}</a>', ((admin_url(n, obj.pk), t) for n, t in links)
        )


PAYOUT_FIELDS = (
    "party_",
    "method_",
    "amount",
    "status_",
    "destination",
    "stripe_transfer_id_",
    "bank_reference",
    "paid_at_",
    "last_error_",
    "payout_actions",
)


class PayoutInline(PayoutColumns, RevenueViewOnly, admin.TabularInline):
    model = Payout
    verbose_name = "付款 payout"
    verbose_name_plural = "付款 payouts"
    fields = PAYOUT_FIELDS
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("party", "batch")


@admin.register(Payout)
class PayoutAdmin(PayoutColumns, RevenueViewOnly, admin.ModelAdmin):
    """Every payout across batches: to find the failed or unpaid ones."""

    list_display = ("__str__", "batch", "method_", "amount", "status_", "paid_at_")
    list_filter = ("status", "method")
    list_select_related = ("batch", "party")
    search_fields = ("party__name", "bank_reference", "stripe_transfer_id")
    search_help_text = "分账方、银行流水号、转账号 party, bank reference, transfer id"
    fields = ("batch", *PAYOUT_FIELDS)
    readonly_fields = fields


class PayoutEventInline(RevenueViewOnly, admin.TabularInline):
    model = PayoutEvent
    verbose_name = "记录 event"
    verbose_name_plural = "记录 events"
    fields = ("created_at_", "type_", "payout_", "user_", "details")
    readonly_fields = fields
    created_at_ = labelled("created_at", "时间 at")
    type_ = labelled("type", "事件 event")
    payout_ = labelled("payout", "付款 payout")
    user_ = labelled("user", "操作人 by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "payout__party")

    @admin.display(description="详情 details")
    def details(self, obj) -> str:
        return json.dumps(obj.data, ensure_ascii=False, sort_keys=True)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(PayoutBatchPages, RevenueViewOnly, admin.ModelAdmin):
    change_list_template = "admin/revenue/payoutbatch/change_list.html"
    change_form_template = "admin/revenue/payoutbatch/change_form.html"
    list_display = ("__str__", "status_", "proposed_at_", "total", "payout_count")
    list_filter = ("status",)
    fields = (
        "status_",
        "threshold",
        "total",
        "payout_count",
        "proposed_at_",
        "approved_by_",
        "approved_at_",
        "completed_at_",
        "skipped_parties",
    )
    readonly_fields = fields
    inlines = (PayoutInline, PayoutEventInline)
    threshold = fen_column("threshold_fen", "起付金额 threshold")
    status_ = labelled("status", "状态 status")
    proposed_at_ = labelled("proposed_at", "提议时间 proposed at")
    approved_by_ = labelled("approved_by", "批准人 approved by")
    approved_at_ = labelled("approved_at", "批准时间 approved at")
    completed_at_ = labelled("completed_at", "完成时间 completed at")

    def get_queryset(self, request):
        live = ~Q(payouts__status=P.CANCELLED)
        return (
            super()
            .get_queryset(request)
            .select_related("approved_by")
            .annotate(
                total_fen=Sum("payouts__amount_fen", filter=live),
                live_payouts=Count("payouts", filter=live),
            )
        )

    @admin.display(description="合计 total", ordering="total_fen")
    def total(self, obj) -> str:
        return format_fen(obj.total_fen or 0)

    @admin.display(description="付款笔数 payouts", ordering="live_payouts")
    def payout_count(self, obj) -> int:
        return obj.live_payouts

    @admin.display(description="未纳入 skipped")
    def skipped_parties(self, obj) -> str:
        if not obj.skipped:
            return NONE
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (row.get("name", ""), format_fen(row.get("owed_fen", 0)), row["reason"])
                for row in obj.skipped
            ),
        )
        return format_html(
            "<table><thead><tr><th>分账方 party</th><th>应付 owed</th>"
            "<th>原因 reason</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )
