"""The order admin's bulk shipping page: upload a CSV (order number, carrier,
tracking number), read the dry run (each row and its errors), then apply.

Thin: `storefront.orders.bulk_ship.bulk_ship_plan` reads and checks the file
and `bulk_ship_apply` ships through `fulfillment_ship`, each asking
`brands.permissions.user_can` per parcel. Between the two steps the file
travels back signed (for this operator, for a quarter of an hour), and the
apply step checks it all again: what was true at the dry run may not be now.
"""

import base64

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from storefront.core.errors import DomainError
from storefront.orders.bulk_ship import MAX_BYTES, bulk_ship_apply, bulk_ship_plan

SALT = "storefront.backoffice.bulk-ship"
MAX_AGE_SECONDS = 15 * 60
EXPIRED = (
    "确认页已过期或无效，请重新上传文件 / "
    "This confirmation has expired or is invalid; upload the file again"
)


class BulkShipUploadForm(forms.Form):
    file = forms.FileField(
        label="发货文件（CSV）shipping file (CSV)",
        help_text="表头：订单号、快递公司、运单号（可加一列“工坊”）；"
        "UTF-8 或 GBK 编码，最大 1 MB / Header: order_number, carrier, "
        "tracking_number (optionally workshop); UTF-8 or GBK, at most 1 MB",
    )
    notify_customer = forms.BooleanField(
        label="邮件通知顾客 email the customers", required=False, initial=True
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"文件超过 {MAX_BYTES // 1024} KB，请分成几个文件 / "
                f"The file is over {MAX_BYTES // 1024} KB; split it into several",
                code="too_large",
            )
        return upload.read(MAX_BYTES + 1)


def _sign(*, user, data: bytes, notify: bool) -> str:
    payload = {
        "user": user.pk,
        "data": base64.b64encode(data).decode("ascii"),
        "notify": notify,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def _load(token: str, *, user) -> tuple[bytes, bool] | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("user") != user.pk:
        return None
    return base64.b64decode(payload["data"]), bool(payload.get("notify"))


class BulkShipPage:
    """For `OrderAdmin`: "批量发货 Bulk ship" on the order list."""

    def get_urls(self):
        return [
            path(
                "bulk-ship/",
                self.admin_site.admin_view(self.bulk_ship_view),
                name="orders_order_bulk_ship",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_ship_permission(request):
            extra_context["bulk_ship_url"] = reverse("admin:orders_order_bulk_ship")
        return super().changelist_view(request, extra_context)

    def bulk_ship_view(self, request):
        if not self.has_ship_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "apply" in request.POST:
            return self._bulk_apply(request)
        form = BulkShipUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"]
            notify = form.cleaned_data["notify_customer"]
            try:
                plan = bulk_ship_plan(user=request.user, data=data)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                token = _sign(user=request.user, data=data, notify=notify)
                return self._bulk_page(
                    request, form=None, plan=plan, token=token, notify=notify
                )
        return self._bulk_page(request, form=form)

    def _bulk_apply(self, request):
        loaded = _load(request.POST.get("plan", ""), user=request.user)
        if loaded is None:
            return self._bulk_page(request, form=BulkShipUploadForm(), error=EXPIRED)
        data, notify = loaded
        try:
            plan = bulk_ship_plan(user=request.user, data=data)
        except DomainError as error:
            return self._bulk_page(
                request, form=BulkShipUploadForm(), error=error.message
            )
        shipped = bulk_ship_apply(user=request.user, plan=plan, notify_customer=notify)
        self.message_user(
            request,
            f"已发货 {shipped} 个包裹 / Shipped {shipped} parcel(s)",
            messages.SUCCESS if shipped else messages.WARNING,
        )
        return self._bulk_page(request, form=BulkShipUploadForm(), plan=plan, done=True)

    def _bulk_page(
        self, request, *, form, plan=None, token="", notify=True, done=False, error=""
    ):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "批量发货 Bulk ship",
            "form": form,
            "plan": plan,
            "token": token,
            "notify": notify,
            "done": done,
            "error": error,
            "changelist_url": reverse("admin:orders_order_changelist"),
        }
        return TemplateResponse(request, "admin/orders/order/bulk_ship.html", context)
