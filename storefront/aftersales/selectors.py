from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from storefront.orders.models import Fulfillment, OrderLine

from .models import AfterSalesEvent, AfterSalesRequest
from .policy import Window, line_policy, parcel_window
from .services import units_left_of


def requests_with_details() -> QuerySet[AfterSalesRequest]:
    return AfterSalesRequest.objects.select_related(
        "order", "fulfillment", "workshop", "refund"
    ).prefetch_related(
        "lines__order_line",
        "photos",
        Prefetch("events", AfterSalesEvent.objects.exclude(type="email_sent")),
    )


def requests_of_parcel(parcel: Fulfillment) -> list[AfterSalesRequest]:
    return list(requests_with_details().filter(fulfillment=parcel).order_by("-pk"))


def requests_of_workshop(workshop, *, status: str | None = None):
    queryset = requests_with_details().filter(workshop=workshop).order_by("-pk")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def parcel_offer(parcel: Fulfillment, now=None) -> tuple[Window, list[tuple]]:
    """What the shopper may ask of a parcel now: its window, and each line
    with the units it still has to give."""
    lines = list(
        OrderLine.objects.filter(
            order_id=parcel.order_id, workshop_id=parcel.workshop_id
        ).select_related("product__category")
    )
    window = parcel_window(
        parcel, {line_policy(line) for line in lines}, now or timezone.now()
    )
    left = units_left_of(lines)
    return window, [(line, left[line.pk]) for line in lines]


def parcel_requests_prefetch(to_attr: str = "aftersales_list") -> Prefetch:
    """For Fulfillment querysets: each parcel's requests, newest first, in one
    query for any number of parcels (the shopper's order list)."""
    return Prefetch(
        "aftersales_requests",
        AfterSalesRequest.objects.order_by("-pk"),
        to_attr=to_attr,
    )
