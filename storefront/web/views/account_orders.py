"""我的订单: the signed-in shopper's orders, newest first, each with its
parcels (carrier and tracking link), status timeline and after-sales
requests, and 再来一单 (buy again). Never cached; the same few queries for
any number of orders on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from storefront.aftersales.selectors import parcel_requests_prefetch
from storefront.checkout.services import checkout_create
from storefront.core.http import private_page
from storefront.orders.carriers import carrier_name, tracking_url
from storefront.orders.models import Fulfillment, Order, OrderLine
from storefront.orders.reorder import order_buy_again
from storefront.orders.timeline import shopper_events_prefetch, timeline_line

from .. import cart_session

PAGE_SIZE = 20
BUY_AGAIN_TAG = "buy-again"


def orders_of_shopper(user):
    return (
        Order.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .prefetch_related(
            # to_attr: lists, not a queryset cloned per order on each access.
            Prefetch(
                "lines",
                OrderLine.objects.only(
                    "order_id",
                    "workshop_id",
                    "product_name",
                    "variant_name",
                    "quantity",
                ),
                to_attr="line_list",
            ),
            Prefetch(
                "fulfillments",
                Fulfillment.objects.select_related("workshop").prefetch_related(
                    parcel_requests_prefetch()
                ),
                to_attr="parcel_list",
            ),
            shopper_events_prefetch(),
        )
    )


def _line_name(line: OrderLine) -> str:
    return " ".join(filter(None, (line.product_name, line.variant_name)))


def _card(order: Order) -> dict:
    lines = order.line_list
    parcels = [
        {
            "parcel": parcel,
            # One text per parcel: the page renders 20 orders' lines in a loop
            # of template nodes otherwise, its largest cost.
            "items": "、".join(
                f"{_line_name(line)} × {line.quantity}"
                for line in lines
                if line.workshop_id == parcel.workshop_id
            ),
            "carrier": carrier_name(parcel.carrier),
            "tracking_url": tracking_url(parcel.carrier, parcel.tracking_number),
            "requests": parcel.aftersales_list,
        }
        for parcel in order.parcel_list
    ]
    return {
        "order": order,
        # Reversed here once, not by {% url %} for each use in the template.
        "url": reverse("web:order", args=[order.token]),
        "buy_again_url": reverse("account:buy-again", args=[order.pk]),
        "parcels": parcels,
        "timeline": [timeline_line(event) for event in order.timeline_events],
    }


@never_cache
@login_required
@require_GET
def orders(request):
    page = Paginator(orders_of_shopper(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return private_page(
        render(
            request,
            "web/account/orders.html",
            {"page_obj": page, "cards": [_card(order) for order in page.object_list]},
        )
    )


def _say(request, result) -> None:
    if result.added:
        units = sum(quantity for _, quantity in result.added)
        messages.success(
            request,
            f"已加入购物车 {units} 件 / {units} item(s) added to the cart",
            extra_tags=BUY_AGAIN_TAG,
        )
    for line, quantity in result.capped:
        messages.warning(
            request,
            f"{line.product_name} {line.variant_name}：库存不足，只加入了 {quantity} 件"
            f" / only {quantity} left, {quantity} added",
            extra_tags=BUY_AGAIN_TAG,
        )
    for left in result.left_out:
        messages.warning(
            request, f"未能加入 / Not added: {left.text}", extra_tags=BUY_AGAIN_TAG
        )


@never_cache
@login_required
@require_POST
def buy_again(request, pk: int):
    order = get_object_or_404(Order, pk=pk, user=request.user)
    checkout = cart_session.current_checkout(request)
    if checkout is None:
        checkout = checkout_create(user=request.user)
        cart_session.remember(request, checkout)
    result = order_buy_again(order=order, checkout=checkout)
    cart_session.count_lines(request, checkout)
    _say(request, result)
    return redirect("web:cart")
