"""The workshop portal's order pages, mounted at /workshop/ beside the import
(/workshop/import/): today's numbers, the parcels to pack, packing lists and
labels to print, shipping one parcel or a CSV of them, correcting a tracking
number.

Thin: the orders services ship and correct, `storefront.orders.selectors`
lists the parcels, `storefront.orders.bulk_ship` plans and applies a CSV, and
every view asks `brands.permissions.user_can`: a workshop's people may see its
parcels (`CHANGE_WORKSHOP`), and only those who may ship a parcel
(`SHIP_FULFILLMENT`: its workshop's managers and platform operators) ship or
correct it. A parcel of a workshop the user may not see is a 404, so nobody
learns which parcel ids exist.
"""

from datetime import date, datetime, time, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.models import Workshop
from brands.permissions import Action, user_can
from revenue.models import Party
from revenue.payout_schedule import next_payout
from revenue.selectors import party_balance
from storefront.catalog.models import Stock
from storefront.core.errors import DomainError
from storefront.core.http import private_page
from storefront.orders.bulk_ship import bulk_ship_apply, bulk_ship_plan
from storefront.orders.bulk_ship_upload import (
    EXPIRED,
    BulkShipUploadForm,
    load_upload,
    sign_upload,
)
from storefront.orders.carriers import (
    CARRIERS,
    Carrier,
    carrier_name,
    format_hint,
    tracking_url,
)
from storefront.orders.models import Fulfillment, FulfillmentStatus, OrderLine
from storefront.orders.selectors import fulfillments_of_workshop, workshop_lines
from storefront.orders.shipping import (
    fulfillment_mark_delivered,
    fulfillment_ship,
    fulfillment_tracking_correct,
)
from storefront.orders.status import PAID_STATES

from ..current_workshop import current_workshop, workshops_managed_by

BULK_SALT = "storefront.web.workshop.bulk-ship"
LOW_STOCK = 5
LOW_STOCK_SHOWN = 20
PARCELS_PER_PAGE = 20
PACKING_MAX = 100
STATUS_FILTERS = {
    "to_ship": FulfillmentStatus.PENDING,
    "shipped": FulfillmentStatus.SHIPPED,
    "cancelled": FulfillmentStatus.CANCELLED,
}


def may_use_portal(user) -> bool:
    """For the site header: whether `user` manages a workshop (or acts for one)."""
    if not (user and user.is_authenticated):
        return False
    return workshops_managed_by(user).exists()


def _parcel(request, pk: int) -> Fulfillment:
    """A parcel the user may see (404 otherwise), its order and its
    workshop's lines loaded."""
    parcel = (
        Fulfillment.objects.select_related("order", "workshop").filter(pk=pk).first()
    )
    if parcel is None or not (
        user_can(request.user, Action.CHANGE_WORKSHOP, parcel.workshop)
        or user_can(request.user, Action.SHIP_FULFILLMENT, parcel)
    ):
        raise Http404("no such parcel")
    parcel.order.workshop_lines = list(
        OrderLine.objects.filter(
            order_id=parcel.order_id, workshop_id=parcel.workshop_id
        ).order_by("pk")
    )
    return parcel


def _shippable_parcel(request, pk: int) -> Fulfillment:
    parcel = _parcel(request, pk)
    if not user_can(request.user, Action.SHIP_FULFILLMENT, parcel):
        raise PermissionDenied("may not ship this parcel")
    return parcel


def _page(request, template: str, context: dict, status: int = 200):
    return private_page(render(request, template, context, status=status))


def _money_figures(request, workshop: Workshop) -> dict | None:
    party = Party.objects.filter(workshop=workshop).first()
    if party is None or not user_can(request.user, Action.VIEW_PARTY_ACCOUNTS, party):
        return None
    balance = party_balance(party)
    upcoming = next_payout(party=party)
    return {
        "owed_fen": balance.owed_fen,
        "paid_out_fen": balance.paid_out_fen,
        "threshold_fen": upcoming.threshold_fen,
        "day_zh": upcoming.days_zh,
        "day_en": upcoming.days_en,
        "sentence_zh": upcoming.sentence_zh,
        "sentence_en": upcoming.sentence_en,
    }


@never_cache
@login_required
@require_GET
def dashboard(request):
    workshop, workshops = current_workshop(request)
    now = timezone.localtime()
    today = now.date()
    week_start = timezone.make_aware(
        datetime.combine(today - timedelta(days=today.weekday()), time.min)
    )
    month_start = timezone.make_aware(datetime.combine(today.replace(day=1), time.min))
    parcels = Fulfillment.objects.filter(workshop=workshop)
    to_pack = parcels.filter(
        status=FulfillmentStatus.PENDING, order__status__in=PAID_STATES
    ).count()
    shipped_week = parcels.filter(
        status=FulfillmentStatus.SHIPPED, shipped_at__gte=week_start
    ).count()
    sales = OrderLine.objects.filter(
        workshop=workshop,
        order__paid_at__gte=month_start,
        order__status__in=PAID_STATES,
    ).aggregate(total=Sum("total_fen"))["total"]
    low_stock = list(
        Stock.objects.filter(
            variant__product__workshop=workshop,
            variant__track_inventory=True,
        )
        .annotate(available=F("quantity") - F("quantity_reserved"))
        .filter(available__lte=LOW_STOCK)
        .select_related("variant__product")
        .order_by("available", "variant__pk")[:LOW_STOCK_SHOWN]
    )
    return _page(
        request,
        "web/workshop/dashboard.html",
        {
            "workshop": workshop,
            "workshops": workshops,
            "to_pack": to_pack,
            "shipped_week": shipped_week,
            "sales_month_fen": sales or 0,
            "low_stock": low_stock,
            "low_stock_threshold": LOW_STOCK,
            "money": _money_figures(request, workshop),
        },
    )


def _date_param(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@never_cache
@login_required
@require_GET
def order_list(request):
    workshop, workshops = current_workshop(request)
    status_key = request.GET.get("status", "")
    paid_from = _date_param(request.GET.get("from", ""))
    paid_to = _date_param(request.GET.get("to", ""))
    search = request.GET.get("q", "").strip()[:40]
    queryset = fulfillments_of_workshop(
        workshop,
        status=STATUS_FILTERS.get(status_key),
        paid_from=paid_from,
        paid_to=paid_to,
        search=search,
    )
    # Sorted and cut to the page on ids alone, then only the page's rows are
    # read whole: sorting every parcel of the workshop with its order's wide
    # row was most of the page's SQL time.
    page = Paginator(queryset.values_list("pk", flat=True), PARCELS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    parcels = list(
        queryset.select_related(None)
        .select_related("order")
        .filter(pk__in=page.object_list)
    )
    links = _parcel_links()
    for parcel in parcels:
        _decorate(parcel)
        _for_list(parcel, links)
    query = request.GET.copy()
    query.pop("page", None)
    return _page(
        request,
        "web/workshop/orders.html",
        {
            "workshop": workshop,
            "workshops": workshops,
            "page": page,
            "parcels": parcels,
            # current_workshop found one: the header's portal link needs no query.
            "MAY_RUN_WORKSHOP": True,
            "status_key": status_key if status_key in STATUS_FILTERS else "",
            "paid_from": paid_from,
            "paid_to": paid_to,
            "search": search,
            "query": query.urlencode(),
            "may_ship": user_can(
                request.user,
                Action.SHIP_FULFILLMENT,
                Fulfillment(workshop=workshop),
            ),
        },
    )


def _id_url(name: str):
    """`reverse(name, args=[pk])` for any pk, reversed once: a page of parcels
    asks for up to four links each, and formatting an id in costs a fraction
    of reversing."""
    marker = "987654321"
    before, after = reverse(name, args=[int(marker)]).split(marker, 1)
    return lambda pk: f"{before}{pk}{after}"


def _parcel_links() -> dict:
    return {
        "packing": _id_url("workshop:packing"),
        "label": _id_url("workshop:label"),
        "ship": _id_url("workshop:ship"),
        "correct": _id_url("workshop:correct"),
    }


def _for_list(parcel: Fulfillment, links: dict) -> None:
    """What the list shows of a parcel, worked out here rather than by the
    template: each variable and filter a row spends there costs more than
    the Python (20 rows a page)."""
    order = parcel.order
    parcel.links = {key: link(parcel.pk) for key, link in links.items()}
    parcel.paid_label = (
        format_date(timezone.localtime(order.paid_at), "Y-m-d H:i")
        if order.paid_at
        else ""
    )
    parcel.address = (
        f"{order.province}{order.city}{order.district}{order.street_address}"
    )
    for line in order.workshop_lines:
        line.title = (
            f"{line.product_name} · {line.variant_name}"
            if line.variant_name
            else line.product_name
        )


def _decorate(parcel: Fulfillment) -> Fulfillment:
    parcel.carrier_label = carrier_name(parcel.carrier) if parcel.carrier else ""
    parcel.tracking_link = (
        tracking_url(parcel.carrier, parcel.tracking_number) if parcel.carrier else ""
    )
    return parcel


@never_cache
@login_required
@require_GET
def packing_list(request, pk: int):
    parcel = _parcel(request, pk)
    return _page(request, "web/workshop/packing.html", {"parcels": [_decorate(parcel)]})


@never_cache
@login_required
@require_GET
def packing_lists(request):
    """Packing lists of the parcels ticked on the order list (`?id=…`), of the
    current workshop only."""
    workshop, _ = current_workshop(request)
    ids = [int(v) for v in request.GET.getlist("id") if v.isdigit()][:PACKING_MAX]
    parcels = list(
        Fulfillment.objects.filter(workshop=workshop, pk__in=ids)
        .select_related("order", "workshop")
        .prefetch_related(workshop_lines(workshop.pk))
        .order_by("order__paid_at", "pk")
    )
    if not parcels:
        raise Http404("no parcel chosen")
    return _page(
        request,
        "web/workshop/packing.html",
        {"parcels": [_decorate(p) for p in parcels]},
    )


@never_cache
@login_required
@require_GET
def label(request, pk: int):
    parcel = _parcel(request, pk)
    number = parcel.order.number or str(parcel.order.pk)
    qr = segno.make_qr(number, error="m")
    return _page(
        request,
        "web/workshop/label.html",
        {"parcel": parcel, "order": parcel.order, "qr_svg": qr.svg_inline(scale=4)},
    )


def _carrier_choices():
    return [
        {
            "code": code,
            "name": carrier_name(code),
            "hint": " / ".join(format_hint(code)),
        }
        for code in Carrier.values
        if code in CARRIERS
    ]


def _ship_form(request, parcel, *, correcting: bool):
    service = fulfillment_tracking_correct if correcting else fulfillment_ship
    values = {
        "carrier": parcel.carrier if correcting else "",
        "tracking_number": parcel.tracking_number if correcting else "",
        "notify": True,
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {
            "carrier": request.POST.get("carrier", "").strip(),
            "tracking_number": request.POST.get("tracking_number", "")[:80],
            "notify": request.POST.get("notify_customer") == "on",
        }
        try:
            service(
                fulfillment=parcel,
                carrier=values["carrier"],
                tracking_number=values["tracking_number"],
                user=request.user,
                notify_customer=values["notify"],
            )
        except DomainError as error:
            field = error.field if error.field in ("carrier", "trackingNumber") else ""
            errors[field or "form"] = error.message
            status = 400
        else:
            messages.success(
                request,
                (
                    f"已更正运单号：{parcel.order.number} / Tracking corrected"
                    if correcting
                    else f"已发货：{parcel.order.number} / Shipped"
                ),
            )
            return redirect(
                reverse("workshop:orders") + f"?workshop={parcel.workshop.slug}"
            )
    return _page(
        request,
        "web/workshop/ship.html",
        {
            "parcel": _decorate(parcel),
            "order": parcel.order,
            "correcting": correcting,
            "carriers": _carrier_choices(),
            "values": values,
            "errors": errors,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ship(request, pk: int):
    return _ship_form(request, _shippable_parcel(request, pk), correcting=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def correct_tracking(request, pk: int):
    return _ship_form(request, _shippable_parcel(request, pk), correcting=True)


@never_cache
@login_required
@require_POST
def mark_delivered(request, pk: int):
    parcel = _shippable_parcel(request, pk)
    back = reverse("workshop:orders") + f"?workshop={parcel.workshop.slug}"
    try:
        fulfillment_mark_delivered(fulfillment=parcel, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, f"已签收：{parcel.order.number} / Delivered")
    return redirect(back)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bulk_ship(request):
    workshop, workshops = current_workshop(request)
    if not user_can(
        request.user, Action.SHIP_FULFILLMENT, Fulfillment(workshop=workshop)
    ):
        raise PermissionDenied("may not ship this workshop's parcels")
    context = {
        "workshop": workshop,
        "workshops": workshops,
        "form": BulkShipUploadForm(),
        "plan": None,
        "token": "",
        "done": False,
        "error": "",
        "shipped": 0,
    }
    status = 200
    if request.method == "POST" and "apply" in request.POST:
        loaded = load_upload(
            request.POST.get("plan", ""),
            salt=BULK_SALT,
            user=request.user,
            workshop_id=workshop.pk,
        )
        if loaded is None:
            context["error"] = EXPIRED
            return _page(request, "web/workshop/bulk_ship.html", context, status=400)
        data, notify = loaded
        try:
            plan = bulk_ship_plan(user=request.user, data=data, workshop=workshop)
        except DomainError as error:
            context["error"] = error.message
            return _page(request, "web/workshop/bulk_ship.html", context, status=400)
        context["shipped"] = bulk_ship_apply(
            user=request.user, plan=plan, notify_customer=notify
        )
        context.update(plan=plan, done=True)
        return _page(request, "web/workshop/bulk_ship.html", context)
    if request.method == "POST":
        form = BulkShipUploadForm(request.POST, request.FILES)
        context["form"] = form
        status = 400
        if form.is_valid():
            data = form.cleaned_data["file"]
            notify = form.cleaned_data["notify_customer"]
            try:
                plan = bulk_ship_plan(user=request.user, data=data, workshop=workshop)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                status = 200
                context.update(
                    plan=plan,
                    token=sign_upload(
                        salt=BULK_SALT,
                        user=request.user,
                        data=data,
                        notify=notify,
                        workshop_id=workshop.pk,
                    ),
                )
    return _page(request, "web/workshop/bulk_ship.html", context, status=status)
