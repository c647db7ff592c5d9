"""The payout batch admin's pages (mixed into `PayoutBatchAdmin`,
revenue/admin_payouts.py): propose now, approve, cancel, download the bank
file, mark a bank payout paid, retry or cancel one payout.

Thin, like every entry point: each page asks on GET and, on POST, calls the
service in revenue/payouts.py (which checks MANAGE_REVENUE itself); a
service's refusal is shown as an error message."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from storefront.core.money import format_fen

from .bank_file import READY, bank_file
from .errors import RevenueError
from .models import Payout, PayoutBatch, PayoutBatchStatus, PayoutMethod, PayoutStatus
from .payouts import (
    payout_batch_approve,
    payout_batch_cancel,
    payout_batch_propose,
    payout_cancel,
    payout_mark_paid,
    payout_retry,
)

B, P = PayoutBatchStatus, PayoutStatus
ENCODINGS = {"utf-8": "UTF-8 (Excel)", "gbk": "GBK (网银 bank software)"}


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:revenue_{name}", args=args)


class MarkPaidForm(forms.Form):
    bank_reference = forms.CharField(
        label="银行流水号 bank reference",
        max_length=64,
        help_text="网银回单上的流水号 the reference on the bank's receipt",
    )


class CancelPayoutForm(forms.Form):
    reason = forms.CharField(label="原因 reason", max_length=200, required=False)


class PayoutBatchPages:
    """For `PayoutBatchAdmin`: the pages that move money, and their links."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        pages = [
            ("propose/", self.propose_view, "payoutbatch_propose"),
            ("<int:batch_id>/approve/", self.approve_view, "payoutbatch_approve"),
            ("<int:batch_id>/cancel/", self.cancel_view, "payoutbatch_cancel"),
            (
                "<int:batch_id>/bank-file/<str:encoding>/",
                self.bank_file_view,
                "payoutbatch_bank_file",
            ),
            (
                "payout/<int:payout_id>/mark-paid/",
                self.mark_paid_view,
                "payout_mark_paid",
            ),
            ("payout/<int:payout_id>/retry/", self.retry_view, "payout_retry"),
            (
                "payout/<int:payout_id>/cancel/",
                self.payout_cancel_view,
                "payout_cancel",
            ),
        ]
        return [
            *(
                path(url, wrap(view), name=f"revenue_{name}")
                for url, view, name in pages
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if batch is not None:
            if batch.status == B.PROPOSED:
                extra["approve_url"] = admin_url("payoutbatch_approve", batch.pk)
                extra["cancel_url"] = admin_url("payoutbatch_cancel", batch.pk)
            has_bank = batch.payouts.filter(method=PayoutMethod.BANK).exists()
            if batch.status in READY and has_bank:
                extra["bank_files"] = [
                    (admin_url("payoutbatch_bank_file", batch.pk, code), label)
                    for code, label in ENCODINGS.items()
                ]
        return super().change_view(request, object_id, form_url, extra)

    def _check(self, request) -> None:
        if not self._is_operator(request):
            raise PermissionDenied

    def _batch(self, request, batch_id) -> PayoutBatch:
        self._check(request)
        return get_object_or_404(PayoutBatch, pk=batch_id)

    def _payout(self, request, payout_id) -> Payout:
        self._check(request)
        return get_object_or_404(
            Payout.objects.select_related("batch", "party"), pk=payout_id
        )

    def _back(self, batch) -> HttpResponseRedirect:
        return HttpResponseRedirect(admin_url("payoutbatch_change", batch.pk))

    def _confirm(self, request, *, title, intro, submit, batch, payouts, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": batch,
            "title": title,
            "intro": intro,
            "submit": submit,
            "payouts": payouts,
            "form": form,
            "back_url": admin_url("payoutbatch_change", batch.pk),
        }
        return TemplateResponse(
            request, "admin/revenue/payoutbatch/confirm.html", context
        )

    def _run(self, request, call, success: str) -> bool:
        """Call a service; its refusal becomes an error message."""
        try:
            call()
        except RevenueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return False
        self.message_user(request, success, messages.SUCCESS)
        return True

    def propose_view(self, request):
        self._check(request)
        changelist = HttpResponseRedirect(admin_url("payoutbatch_changelist"))
        if request.method != "POST":
            return changelist
        try:
            batch = payout_batch_propose(user=request.user)
        except RevenueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return changelist
        if batch is None:
            self.message_user(
                request,
                "没有达到起付金额的分账方，未生成批次 / "
                "Nobody is owed the threshold or more: no batch proposed",
                messages.INFO,
            )
            return changelist
        self.message_user(
            request, f"{batch}：已生成，待审批 proposed", messages.SUCCESS
        )
        return self._back(batch)

    def approve_view(self, request, batch_id):
        batch = self._batch(request, batch_id)
        if request.method == "POST":
            self._run(
                request,
                lambda: payout_batch_approve(batch=batch, user=request.user),
                f"{batch}：已批准 approved — Stripe 转账随即发出，银行付款请下载"
                "银行文件 / Stripe transfers go out now; bank payouts are in the "
                "bank file",
            )
            return self._back(batch)
        return self._confirm(
            request,
            title=f"批准 Approve {batch}",
            intro=(
                "批准后 Stripe 转账立即发出；银行付款进入银行文件。金额按当前应付余额"
                "核对，若有退款会相应减少。 On approval the Stripe transfers go out "
                "at once and bank payouts go into the bank file. Each amount is "
                "checked against what is owed now and lowered after a refund."
            ),
            submit="确认批准 Approve",
            batch=batch,
            payouts=batch.payouts.select_related("party"),
        )

    def cancel_view(self, request, batch_id):
        batch = self._batch(request, batch_id)
        if request.method == "POST":
            self._run(
                request,
                lambda: payout_batch_cancel(batch=batch, user=request.user),
                f"{batch}：已取消 cancelled",
            )
            return self._back(batch)
        return self._confirm(
            request,
            title=f"取消 Cancel {batch}",
            intro=(
                "取消后不付款，应付余额保留，下次批次再提议。 Nothing is paid; what "
                "is owed stays owed and is proposed again."
            ),
            submit="确认取消 Cancel the batch",
            batch=batch,
            payouts=batch.payouts.select_related("party"),
        )

    def bank_file_view(self, request, batch_id, encoding):
        batch = self._batch(request, batch_id)
        if encoding not in ENCODINGS:
            raise Http404("未知编码 / Unknown encoding")
        try:
            content = bank_file(batch=batch, encoding=encoding)
        except RevenueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return self._back(batch)
        response = HttpResponse(content, content_type=f"text/csv; charset={encoding}")
        response["Content-Disposition"] = (
            f'attachment; filename="{batch}-{encoding}.csv"'
        )
        return response

    def mark_paid_view(self, request, payout_id):
        payout = self._payout(request, payout_id)
        form = MarkPaidForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._run(
                request,
                lambda: payout_mark_paid(
                    payout=payout,
                    user=request.user,
                    bank_reference=form.cleaned_data["bank_reference"],
                ),
                f"{payout}：已标记为已付 marked paid",
            )
            return self._back(payout.batch)
        return self._confirm(
            request,
            title=f"标记已付 Mark paid: {payout}",
            intro=(
                f"确认已通过银行向 {payout.bank_account_name} 转账 "
                f"{format_fen(payout.amount_fen)}。 Confirm the bank transfer "
                "went out; this posts the payout to the ledger."
            ),
            submit="确认已付 Mark paid",
            batch=payout.batch,
            payouts=[payout],
            form=form,
        )

    def retry_view(self, request, payout_id):
        payout = self._payout(request, payout_id)
        if request.method != "POST":
            return self._confirm(
                request,
                title=f"重试 Retry: {payout}",
                intro=(
                    "再次通过 Stripe 转账；已到账的转账会被找到，不会重复付款。 Sends "
                    "the Stripe transfer again; one that already went through is "
                    "found, so the party is never paid twice."
                ),
                submit="确认重试 Retry",
                batch=payout.batch,
                payouts=[payout],
            )
        try:
            payout = payout_retry(payout=payout, user=request.user)
        except RevenueError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            if payout.status == P.PAID:
                self.message_user(request, f"{payout}：已付 paid", messages.SUCCESS)
            else:
                self.message_user(
                    request, f"{payout}：{payout.last_error}", messages.ERROR
                )
        return self._back(payout.batch)

    def payout_cancel_view(self, request, payout_id):
        payout = self._payout(request, payout_id)
        form = CancelPayoutForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._run(
                request,
                lambda: payout_cancel(
                    payout=payout, user=request.user, reason=form.cleaned_data["reason"]
                ),
                f"{payout}：已取消 cancelled",
            )
            return self._back(payout.batch)
        return self._confirm(
            request,
            title=f"取消付款 Cancel payout: {payout}",
            intro=(
                "该笔不再付款，应付余额保留，下次批次再提议。 This payout is dropped; "
                "what is owed stays owed and is proposed again."
            ),
            submit="确认取消 Cancel the payout",
            batch=payout.batch,
            payouts=[payout],
            form=form,
        )
