"""An order's status timeline as the shopper sees it: one readable line per
event that changed something for them ("2026-12-07 14:02 · 发货 shipped ·
顺丰速运 SF Express SF1234567890123"). The operator's page shows every event
with its details (storefront.backoffice.admin_events); the shopper is not
shown who did it, internal ids, or the shop's own notices."""

from django.db.models import Prefetch
from django.utils import timezone

from storefront.core.money import format_fen

from .carriers import carrier_name
from .models import OrderEvent, OrderEventType, OrderStatus

SEPARATOR = " · "
SHOPPER_EVENT_TYPES = (
    OrderEventType.PLACED,
    OrderEventType.PAID,
    OrderEventType.PAYMENT_FAILED,
    OrderEventType.RESERVATION_EXPIRED,
    OrderEventType.CANCELLED,
    OrderEventType.SHIPPED,
    OrderEventType.TRACKING_CORRECTED,
    OrderEventType.DELIVERED,
    OrderEventType.REFUNDED,
    OrderEventType.LATE_PAYMENT_REFUNDED,
)


def shopper_events_prefetch(to_attr: str = "timeline_events") -> Prefetch:
    """For Order querysets: the shopper's events of each order, oldest first,
    in one query."""
    return Prefetch(
        "events",
        OrderEvent.objects.filter(type__in=SHOPPER_EVENT_TYPES).order_by("id"),
        to_attr=to_attr,
    )


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _parcel(data) -> str:
    if not isinstance(data, dict):
        return ""
    carrier = data.get("carrier") or ""
    number = data.get("tracking_number") or ""
    return " ".join(part for part in (carrier_name(carrier), number) if part)


def timeline_line(event: OrderEvent) -> str:
    """The event as one line, in local time."""
    data = event.data if isinstance(event.data, dict) else {}
    parts = [
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M"),
        _label(OrderEventType, event.type),
    ]
    if "previous" in data and "status" in data:
        parts.append(
            f"{_label(OrderStatus, data['previous'])} → "
            f"{_label(OrderStatus, data['status'])}"
        )
    workshop = data.get("workshop")
    if isinstance(workshop, str) and workshop:
        parts.append(workshop)
    parcel = _parcel(data)
    if parcel:
        parts.append(parcel)
    if "new" in data:
        parts.append(_parcel(data.get("new")))
    amount = data.get("amount_fen")
    if isinstance(amount, int) and not isinstance(amount, bool):
        parts.append(format_fen(amount))
    return SEPARATOR.join(part for part in parts if part)
