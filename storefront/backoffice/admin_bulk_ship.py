"""The order admin's bulk shipping page: upload a CSV (order number, carrier,
tracking number), read the dry run (each row and its errors), then apply.

Thin: `storefront.orders.bulk_ship.bulk_ship_plan` reads and checks the file
and `bulk_ship_apply` ships through `orders.shipping.fulfillments_ship` (100
parcels a transaction), asking `brands.permissions.user_can` per parcel.
Between the two steps the file travels back signed (for this operator, for a
quarter of an hour), and the apply step checks it all again: what was true
at the dry run may not be now.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from storefront.core.errors import DomainError
from storefront.orders.bulk_ship import bulk_ship_apply, bulk_ship_plan
from storefront.orders.bulk_ship_upload import (
    EXPIRED,
    BulkShipUploadForm,
    load_upload,
    sign_upload,
)

SALT = "storefront.backoffice.bulk-ship"


def _sign(*, user, data: bytes, notify: bool) -> str:
    return sign_upload(salt=SALT, user=user, data=data, notify=notify)


def _load(token: str, *, user) -> tuple[bytes, bool] | None:
    return load_upload(token, salt=SALT, user=user)


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
