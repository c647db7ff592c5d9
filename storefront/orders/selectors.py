"""Reads of orders and parcels that others reuse (the workshop portal pages
and the GraphQL API list a workshop's parcels the same way)."""

from datetime import date

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from brands.models import Workshop

from .models import Fulfillment, FulfillmentStatus, OrderLine


def workshop_lines(workshop_id: int) -> Prefetch:
    """The order's lines of one workshop only, as `order.workshop_lines`."""
    return Prefetch(
        "order__lines",
        queryset=OrderLine.objects.filter(workshop_id=workshop_id).order_by("pk"),
        to_attr="workshop_lines",
    )


def fulfillments_of_workshop(
    workshop: Workshop,
    *,
    status=None,
    paid_from: date | None = None,
    paid_to: date | None = None,
    search: str = "",
) -> QuerySet[Fulfillment]:
    """The workshop's parcels of orders that were paid: to ship first, then
    oldest paid first, with the order and this workshop's lines loaded.
    `search` is an order number (or part of one) or the phone's last digits;
    `paid_from`/`paid_to` bound the paid date (inclusive)."""
    queryset = Fulfillment.objects.filter(
        workshop=workshop, order__paid_at__isnull=False
    )
    if status is not None:
        queryset = queryset.filter(status=status)
    if paid_from is not None:
        queryset = queryset.filter(order__paid_at__date__gte=paid_from)
    if paid_to is not None:
        queryset = queryset.filter(order__paid_at__date__lte=paid_to)
    search = (search or "").strip()
    if search:
        condition = Q(order__number__icontains=search)
        if search.isdigit() and len(search) == 4:
            condition |= Q(order__phone__endswith=search)
        queryset = queryset.filter(condition)
    return (
        queryset.select_related("order", "workshop")
        .prefetch_related(workshop_lines(workshop.pk))
        .annotate(
            to_ship_first=Case(
                When(status=FulfillmentStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("to_ship_first", "order__paid_at", "pk")
    )
