"""The order admin's refund and ship pages and actions.

Thin, like every entry point: they parse what the operator typed
(`admin_forms`), call `payments.refunds.order_refund` or
`orders.shipping.fulfillment_ship`, and show the service's `DomainError`
message when it refuses. Mixed into `OrderAdmin` (storefront/backoffice/admin.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from brands.permissions import Action, user_can
from storefront.core.errors import DomainError
from storefront.core.money import fen_to_yuan_string, format_fen
from storefront.orders.carriers import carrier_name
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Fulfillment, FulfillmentStatus, Order
from storefront.orders.shipping import fulfillment_ship
from storefront.orders.status import PAID_STATES
from storefront.payments.models import RefundStatus
from storefront.payments.refunds import order_refund, order_refund_check
from storefront.payments.services import order_cancel_unpaid

from .admin_forms import (
    RefundConfirmForm,
    RefundForm,
    ShipForm,
    add_domain_error,
)
from .admin_refund_plan import (
    RefundPlanError,
    refund_plan_load,
    refund_plan_sign,
)

STRIPE_DECLINED = "Stripe 拒绝了这笔退款 / Stripe declined the refund"


def _pending(*orders):
    """Parcels of paid orders that have not left yet."""
    return Fulfillment.objects.filter(
        order__in=orders,
        order__status__in=PAID_STATES,
        status=FulfillmentStatus.PENDING,
    )


def _refund_form_as(order, lines, amount_fen, restock, reason) -> RefundForm:
    """The refund form filled in as given, to show again with an error."""
    data = {"amount": fen_to_yuan_string(max(amount_fen, 0)), "reason": reason}
    for line in lines:
        data[RefundForm.restock_field(line)] = restock.get(line.pk, 0)
    form = RefundForm(data, order=order, lines=lines)
    form.is_valid()
    return form


class RefundAndShipPages:
    """For `OrderAdmin`: the "refund" and "ship" pages, linked from the order
    page, and the changelist actions that lead to them."""

    def has_refund_permission(self, request, obj=None) -> bool:
        return user_can(request.user, Action.REFUND_ORDER, obj)

    def has_ship_permission(self, request, obj=None) -> bool:
        # Operators only here; each parcel is asked about again when shipped.
        return self._is_operator(request)

    # Links to the refund and ship pages on the change page.

    def render_change_form(self, request, context, add=False, change=False, **kw):
        order = kw.get("obj")
        if order is not None and order.status in PAID_STATES:
            if order.refundable_fen > 0 and self.has_refund_permission(request, order):
                context["refund_url"] = self._url("refund", order.pk)
            if self.has_ship_permission(request, order) and _pending(order).exists():
                context["ship_url"] = self._url("ship", order.pk)
        return super().render_change_form(request, context, add, change, **kw)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/refund/",
                wrap(self.refund_view),
                name="orders_order_refund",
            ),
            path(
                "<path:object_id>/ship/",
                wrap(self.ship_view),
                name="orders_order_ship",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _url(view: str, order_id) -> str:
        return reverse(f"admin:orders_order_{view}", args=[order_id])

    def _get_order(self, request, object_id) -> Order:
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404("订单不存在 / No such order")
        return order

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    # Cancelling an unpaid order ------------------------------------------------

    def has_cancel_permission(self, request, obj=None) -> bool:
        return self._is_operator(request)

    @admin.action(
        description="取消未付款订单 Cancel unpaid orders", permissions=["cancel"]
    )
    def cancel_unpaid(self, request, queryset):
        """Through the same service as the expiry task: the PaymentIntent is
        cancelled at Stripe first, so no payment can land after the stock
        went back."""
        for order in queryset.order_by("pk"):
            try:
                order_cancel_unpaid(order=order, user=request.user)
            except DomainError as error:
                self.message_user(
                    request, f"{order.number}：{error.message}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    f"{order.number}：已取消，库存已释放 cancelled, stock released",
                    messages.SUCCESS,
                )

    # Refunds ------------------------------------------------------------------

    def _refund(self, request, order, **options):
        """Call the refund service; returns (refund, error)."""
        try:
            refund = order_refund(order=order, user=request.user, **options)
        except DomainError as error:
            return None, error
        return refund, None

    def _refunded_message(self, request, order, refund) -> None:
        self.message_user(
            request,
            f"{order.number}：已退款 refunded {format_fen(refund.amount_fen)}",
            messages.SUCCESS,
        )

    @admin.action(description="全额退款 Refund in full", permissions=["refund"])
    def refund_in_full(self, request, queryset):
        orders = list(queryset.order_by("pk"))
        form = RefundConfirmForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            # First a page that says what will go back, and a confirmation.
            context = self._context(
                request,
                "全额退款 Refund in full",
                orders=orders,
                form=form,
                total_fen=sum(max(order.refundable_fen, 0) for order in orders),
                action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
            )
            return TemplateResponse(
                request, "admin/orders/order/refund_confirm.html", context
            )
        for order in orders:
            refund, error = self._refund(
                request, order, reason=form.cleaned_data["reason"]
            )
            if error is not None:
                self.message_user(
                    request, f"{order.number}：{error.message}", messages.ERROR
                )
            elif refund.status == RefundStatus.FAILED:
                self.message_user(
                    request, f"{order.number}：{STRIPE_DECLINED}", messages.ERROR
                )
            else:
                self._refunded_message(request, order, refund)
        return None

    def refund_view(self, request, object_id):
        """Two steps: the operator enters an amount, then confirms it as it
        was read ("将退款 ¥50.00"); only the confirmation refunds. The
        confirmation carries the amount signed, so what is refunded is
        exactly what was shown."""
        order = self._get_order(request, object_id)
        if not self.has_refund_permission(request, order):
            raise PermissionDenied
        lines = list(order.lines.all())
        if request.method == "POST" and "confirm" in request.POST:
            return self._refund_confirmed(request, order, lines)
        data = request.POST if request.method == "POST" else None
        form = RefundForm(data, order=order, lines=lines)
        if data is not None and form.is_valid():
            amount_fen, restock = form.cleaned_data["amount"], form.restock()
            try:
                order_refund_check(
                    order=order,
                    user=request.user,
                    amount_fen=amount_fen,
                    restock=restock,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                plan = refund_plan_sign(
                    order=order,
                    user=request.user,
                    amount_fen=amount_fen,
                    restock=restock,
                    reason=form.cleaned_data["reason"],
                )
                return self._refund_confirm_page(request, order, lines, plan)
        return self._refund_form_page(request, order, form)

    def _refund_form_page(self, request, order, form):
        context = self._context(
            request,
            f"退款 Refund {order.number}",
            order=order,
            original=order,
            form=form,
            change_url=self._url("change", order.pk),
        )
        return TemplateResponse(request, "admin/orders/order/refund_form.html", context)

    def _refund_confirm_page(self, request, order, lines, plan):
        restocked = {line.pk: line for line in lines}
        context = self._context(
            request,
            f"确认退款 Confirm refund {order.number}",
            order=order,
            original=order,
            plan=plan,
            amount=format_fen(plan.amount_fen),
            restock_lines=[
                (restocked[line_id], units)
                for line_id, units in plan.restock.items()
                if line_id in restocked
            ],
            refund_url=self._url("refund", order.pk),
            change_url=self._url("change", order.pk),
        )
        return TemplateResponse(
            request, "admin/orders/order/refund_confirm_amount.html", context
        )

    def _refund_confirmed(self, request, order, lines):
        try:
            plan = refund_plan_load(
                request.POST.get("plan", ""), order=order, user=request.user
            )
        except RefundPlanError as error:
            form = _refund_form_as(order, lines, order.refundable_fen, {}, "")
            form.add_error(None, error.message)
            return self._refund_form_page(request, order, form)
        form = _refund_form_as(order, lines, plan.amount_fen, plan.restock, plan.reason)
        refund, error = self._refund(
            request,
            order,
            amount_fen=plan.amount_fen,
            restock=plan.restock,
            reason=plan.reason,
            expected_refunded_fen=plan.refunded_fen,
        )
        if error is not None:
            add_domain_error(form, error)
        elif refund.status == RefundStatus.FAILED:
            form.add_error(None, STRIPE_DECLINED)
        else:
            self._refunded_message(request, order, refund)
            return HttpResponseRedirect(self._url("change", order.pk))
        order.refresh_from_db()
        return self._refund_form_page(request, order, form)

    # Shipping -----------------------------------------------------------------

    @admin.action(description="发货 Ship parcels", permissions=["ship"])
    def ship_parcels(self, request, queryset):
        return self._ship_page(request, list(queryset.order_by("pk")), action=True)

    def ship_view(self, request, object_id):
        order = self._get_order(request, object_id)
        if not self.has_ship_permission(request, order):
            raise PermissionDenied
        return self._ship_page(request, [order], action=False)

    def _ship_page(self, request, orders, *, action: bool):
        """Carrier and tracking number for each parcel still to ship; the ones
        filled in are shipped through `fulfillment_ship`."""
        done = (
            None if action else HttpResponseRedirect(self._url("change", orders[0].pk))
        )
        fulfillments = list(
            _pending(*orders)
            .select_related("order", "workshop")
            .prefetch_related("order__lines")
            .order_by("order_id", "pk")
        )
        submitted = request.method == "POST" and "ship" in request.POST
        rows = [
            (
                fulfillment,
                ShipForm(
                    request.POST if submitted else None, prefix=f"ship-{fulfillment.pk}"
                ),
            )
            for fulfillment in fulfillments
        ]
        if not rows:
            self.message_user(
                request,
                "没有待发货的已付款包裹 / No paid parcels are waiting to ship",
                messages.WARNING,
            )
            return done
        if submitted:
            shipped = {f.pk for f, form in rows if self._ship_one(request, f, form)}
            failed = any(form.errors for _, form in rows)
            if not failed:
                if not shipped:
                    self.message_user(
                        request,
                        "请至少填写一个包裹 / Fill in at least one parcel",
                        messages.WARNING,
                    )
                    rows = [(f, ShipForm(prefix=f"ship-{f.pk}")) for f, _ in rows]
                else:
                    return done
            rows = [(f, form) for f, form in rows if f.pk not in shipped]
        for fulfillment, _ in rows:
            fulfillment.parcel_lines = [
                line
                for line in fulfillment.order.lines.all()
                if line.workshop_id == fulfillment.workshop_id
            ]
        context = self._context(
            request,
            "发货 Ship parcels",
            rows=rows,
            action=action,
            orders=orders,
            original=orders[0] if not action else None,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, "admin/orders/order/ship_form.html", context)

    def _ship_one(self, request, fulfillment, form) -> bool:
        if not form.is_valid() or not form.is_filled():
            return False
        if not user_can(request.user, Action.SHIP_FULFILLMENT, fulfillment):
            add_domain_error(form, OrderError(OrderErrorCode.PERMISSION_DENIED))
            return False
        try:
            shipped = fulfillment_ship(
                fulfillment=fulfillment,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                user=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
            return False
        self.message_user(
            request,
            f"{fulfillment.order.number} {fulfillment.workshop.name}："
            f"已发货 shipped（{carrier_name(shipped.carrier)} "
            f"{shipped.tracking_number}）",
            messages.SUCCESS,
        )
        return True
