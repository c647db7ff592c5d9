"""The workshop portal's after-sales pages (/workshop/aftersales/): the
requests for the current workshop's parcels, and one request with its
photos, steps and the decisions (approve, refuse with a reason, goods back
→ refund).

Thin: storefront.aftersales.services decides and refunds; every page asks
`user_can(HANDLE_AFTERSALES)` (the parcel's workshop managers and platform
operators). A request the user may not handle is a 404, so nobody learns
which request ids exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from brands.permissions import Action, user_can
from storefront.aftersales.models import AfterSalesRequest, Status
from storefront.aftersales.selectors import requests_of_workshop, requests_with_details
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_receive_return,
    aftersales_refund,
    aftersales_refuse,
)
from storefront.core.errors import DomainError
from storefront.core.http import private_page

from ..current_workshop import current_workshop

PER_PAGE = 20


@never_cache
@login_required
@require_GET
def aftersales_list(request):
    workshop, workshops = current_workshop(request)
    if not user_can(
        request.user, Action.HANDLE_AFTERSALES, AfterSalesRequest(workshop=workshop)
    ):
        raise PermissionDenied("may not handle this workshop's after-sales")
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    page = Paginator(
        requests_of_workshop(workshop, status=status or None), PER_PAGE
    ).get_page(request.GET.get("page"))
    return private_page(
        render(
            request,
            "web/workshop/aftersales_list.html",
            {
                "workshop": workshop,
                "workshops": workshops,
                "page": page,
                "status": status,
                "statuses": Status.choices,
                "MAY_RUN_WORKSHOP": True,
            },
        )
    )


def _handled(request, pk: int) -> AfterSalesRequest:
    aftersales = requests_with_details().filter(pk=pk).first()
    if aftersales is None or not user_can(
        request.user, Action.HANDLE_AFTERSALES, aftersales
    ):
        raise Http404("no such request")
    return aftersales


ACTIONS = {
    "approve": lambda aftersales, user, post: aftersales_approve(
        request=aftersales, user=user
    ),
    "refuse": lambda aftersales, user, post: aftersales_refuse(
        request=aftersales, user=user, reason=post.get("refuse_reason", "")
    ),
    "received": lambda aftersales, user, post: aftersales_receive_return(
        request=aftersales, user=user
    ),
    "refund": lambda aftersales, user, post: aftersales_refund(
        request=aftersales, user=user
    ),
}
DONE = {
    "approve": "已同意 Approved",
    "refuse": "已拒绝 Refused",
    "received": "已退款 Refunded",
    "refund": "已退款 Refunded",
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def aftersales_detail(request, pk: int):
    aftersales = _handled(request, pk)
    here = reverse("workshop:aftersales-detail", args=[aftersales.pk])
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, "未知操作 / Unknown action")
            return redirect(here)
        try:
            done = action(aftersales, request.user, request.POST)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            refunded = getattr(done, "status", None) == Status.REFUNDED
            # A refund-only request is refunded as it is approved.
            messages.success(
                request, DONE["refund" if refunded else request.POST["action"]]
            )
        return redirect(here)
    return private_page(
        render(
            request,
            "web/workshop/aftersales_detail.html",
            {
                "aftersales": aftersales,
                "order": aftersales.order,
                "workshop": aftersales.workshop,
                "workshops": [],
                "MAY_RUN_WORKSHOP": True,
            },
        )
    )
