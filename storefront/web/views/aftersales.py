"""The shopper's after-sales (售后) pages, reached from the order page by the
order's secret token: ask for a parcel's items back, send a return's
tracking number, withdraw a request. Thin: storefront.aftersales.services
decides; its errors are shown on the form."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from storefront.aftersales.models import AfterSalesRequest, Kind, Reason
from storefront.aftersales.policy import KINDS_FOR_REASON
from storefront.aftersales.selectors import parcel_offer
from storefront.aftersales.services import (
    MAX_PHOTOS,
    aftersales_cancel,
    aftersales_request_create,
    aftersales_return_ship,
)
from storefront.core.errors import DomainError
from storefront.core.http import private_page
from storefront.orders.carriers import Carrier
from storefront.orders.models import Fulfillment, Order


def _order_page(order: Order, anchor: str = "") -> str:
    url = reverse("web:order", args=[order.token])
    return f"{url}#{anchor}" if anchor else url


def _units(request, lines) -> dict[int, int]:
    units = {}
    for line, _left in lines:
        raw = (request.POST.get(f"line-{line.pk}") or "").strip()
        if raw:
            try:
                units[line.pk] = int(raw)
            except ValueError:
                units[line.pk] = -1  # refused by the service with its message
    return units


@never_cache
@require_http_methods(["GET", "POST"])
def aftersales_new(request, token, parcel_id: int):
    order = get_object_or_404(Order, token=token)
    parcel = get_object_or_404(Fulfillment, pk=parcel_id, order=order)
    window, lines = parcel_offer(parcel)
    error = None
    if request.method == "POST":
        try:
            created = aftersales_request_create(
                order=order,
                fulfillment=parcel,
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
                message=request.POST.get("message", ""),
                lines=_units(request, lines),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect(_order_page(order, f"aftersales-{created.pk}"))
    reasons = [(value, Reason(value).label) for value in window.reasons]
    return private_page(
        render(
            request,
            "web/aftersales/new.html",
            {
                "order": order,
                "parcel": parcel,
                "window": window,
                "lines": lines,
                "reasons": reasons,
                "kinds": Kind.choices,
                "kinds_for_reason": {
                    reason: list(kinds) for reason, kinds in KINDS_FOR_REASON.items()
                },
                "max_photos": MAX_PHOTOS,
                "error": error,
                "posted": request.POST,
            },
            status=400 if error else 200,
        )
    )


def _own_request(token, pk: int) -> AfterSalesRequest:
    request = AfterSalesRequest.objects.select_related("order").filter(pk=pk).first()
    if request is None or str(request.order.token) != str(token):
        raise Http404("no such request")
    return request


@never_cache
@require_POST
def aftersales_return(request, token, pk: int):
    aftersales = _own_request(token, pk)
    try:
        aftersales_return_ship(
            request=aftersales,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        )
    except DomainError as exc:
        return private_page(
            render(
                request,
                "web/aftersales/return.html",
                {
                    "order": aftersales.order,
                    "aftersales": aftersales,
                    "carriers": Carrier.choices,
                    "error": exc,
                    "posted": request.POST,
                },
                status=400,
            )
        )
    return redirect(_order_page(aftersales.order, f"aftersales-{aftersales.pk}"))


@never_cache
@require_POST
def aftersales_withdraw(request, token, pk: int):
    aftersales = _own_request(token, pk)
    try:
        aftersales_cancel(request=aftersales)
    except DomainError:
        pass  # the order page shows where the request stands
    return redirect(_order_page(aftersales.order, f"aftersales-{aftersales.pk}"))
