"""`{% parcel_aftersales order parcel %}`: a parcel's after-sales requests on
the shopper's order page, with their steps, and the way to ask for one."""

from django import template

from storefront.aftersales.models import Kind, Status
from storefront.aftersales.selectors import parcel_offer, requests_of_parcel
from storefront.orders.carriers import Carrier
from storefront.orders.status import PAID_STATES

register = template.Library()

STEPS = {
    Kind.REFUND_ONLY: (Status.REQUESTED, Status.APPROVED, Status.REFUNDED),
    Kind.RETURN_AND_REFUND: (
        Status.REQUESTED,
        Status.APPROVED,
        Status.RETURN_SHIPPED,
        Status.REFUNDED,
    ),
}


def _steps(request) -> list[dict]:
    steps = STEPS[request.kind]
    if request.status in steps:
        reached = steps.index(request.status)
        return [
            {"label": Status(step).label, "done": i <= reached}
            for i, step in enumerate(steps)
        ]
    # Refused or cancelled: the steps it went through, then where it ended.
    seen = {event.type for event in request.events.all()}
    return [
        {"label": Status(step).label, "done": True} for step in steps if step in seen
    ] + [{"label": request.get_status_display(), "done": True}]


@register.inclusion_tag("web/aftersales/_parcel.html")
def parcel_aftersales(order, parcel):
    requests = requests_of_parcel(parcel) if order.status != "unpaid" else []
    for request in requests:
        request.steps = _steps(request)
    window, lines = (None, [])
    if order.status in PAID_STATES:
        window, lines = parcel_offer(parcel)
    may_ask = bool(window and window.is_open and any(left > 0 for _, left in lines))
    return {
        "order": order,
        "parcel": parcel,
        "requests": requests,
        "may_ask": may_ask,
        "window": window,
        "carriers": Carrier.choices,
    }
