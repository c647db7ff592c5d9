"""Shipping: a workshop hands its parcels to the carrier, one at a time or
many at once (`fulfillments_ship`, which the single ship and the bulk CSV
share), corrects a tracking number until the parcel is delivered, and marks
it delivered. The customer's email is scheduled here and sent by
storefront.orders.shipping_emails."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from storefront.catalog.inventory import stock_ship

from .carriers import carrier_code, format_hint, normalize_tracking, tracking_valid
from .errors import OrderError, OrderErrorCode
from .models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from .services import actor, lock_order, order_event, reserved_units, transition_event
from .status import PAID_STATES


def _fulfilment_status(parcel_states: Iterable[str]) -> OrderStatus:
    """The order's status once its parcels are in these states."""
    states = set(parcel_states) - {FulfillmentStatus.CANCELLED}
    if states == {FulfillmentStatus.SHIPPED}:
        return OrderStatus.FULFILLED
    return OrderStatus.PARTIALLY_FULFILLED


def tracking_clean(carrier, tracking_number) -> tuple[str, str]:
    """The carrier's code and the normalised number, checked against the
    carrier's published format (storefront.orders.carriers)."""
    raw_carrier = (carrier or "").strip()
    number = normalize_tracking(tracking_number)
    if not raw_carrier or not number:
        raise OrderError(OrderErrorCode.TRACKING_REQUIRED, field="trackingNumber")
    code = carrier_code(raw_carrier)
    if code is None:
        raise OrderError(
            OrderErrorCode.UNKNOWN_CARRIER, field="carrier", detail=raw_carrier
        )
    if len(number) > Fulfillment._meta.get_field("tracking_number").max_length or (
        not tracking_valid(code, number)
    ):
        raise OrderError(
            OrderErrorCode.TRACKING_FORMAT,
            field="trackingNumber",
            detail=format_hint(code),
        )
    return code, number


def _schedule_shipping_email(fulfillment_ids: list[int]) -> None:
    """The customer is to be told of these parcels' shipment (or corrected
    number): marked due in this transaction, so that the sweep sends what a
    lost task did not (storefront.orders.shipping_emails); one task after
    commit sends them all."""
    from .tasks import send_shipping_emails

    if not fulfillment_ids:
        return
    Fulfillment.objects.filter(pk__in=fulfillment_ids).update(
        shipping_email_due=True, shipping_email_sent_at=None
    )
    ids = list(fulfillment_ids)
    # robust: the parcel has shipped whatever the broker or the mail server
    # says; the task retries itself and the sweep catches what it lost.
    transaction.on_commit(lambda: send_shipping_emails.delay(ids), robust=True)


def check_shippable(order: Order, fulfillment: Fulfillment) -> None:
    if fulfillment.status == FulfillmentStatus.SHIPPED:
        raise OrderError(OrderErrorCode.ALREADY_SHIPPED, field="fulfillment")
    if order.status == OrderStatus.CANCELLED:
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            field="order",
            detail=("订单已取消", "the order is cancelled"),
        )
    if fulfillment.status == FulfillmentStatus.CANCELLED:
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            field="fulfillment",
            detail=(
                "包裹已取消（订单已全额退款）",
                "the parcel is cancelled (refunded)",
            ),
        )
    if order.status not in PAID_STATES:
        raise OrderError(OrderErrorCode.NOT_PAID, field="order")


# Parcels shipped per transaction: bounds how long one shipment holds its
# orders' and stock rows' locks and how much one failure rolls back.
SHIP_CHUNK = 100


class ShipItem(NamedTuple):
    """One parcel to ship, with its carrier (code or name) and number."""

    fulfillment: Fulfillment
    carrier: str
    tracking_number: str


@dataclass
class ShipOutcome:
    """What became of one ShipItem: shipped (the parcel as saved), or the
    error that stopped it, in which case nothing of it was written."""

    fulfillment: Fulfillment
    error: OrderError | None = None

    @property
    def shipped(self) -> bool:
        return self.error is None


def fulfillments_ship(
    *,
    items: Sequence[ShipItem | tuple[Fulfillment, str, str]],
    user=None,
    notify_customer: bool = True,
    chunk_size: int = SHIP_CHUNK,
) -> list[ShipOutcome]:
    """Hand many parcels to their carriers: `chunk_size` parcels per
    transaction (a savepoint inside the caller's), written set-based. One
    outcome per item, in order: an item whose number or parcel cannot ship
    gets its error and the others go on. With `notify_customer`, one task
    per chunk mails the customers after commit. The one home of the
    shipping rule: `fulfillment_ship` is this with one item."""
    items = [ShipItem(*item) for item in items]
    outcomes: list[ShipOutcome] = []
    for start in range(0, len(items), chunk_size):
        with transaction.atomic():
            outcomes += _ship_chunk(
                items[start : start + chunk_size],
                user=user,
                notify_customer=notify_customer,
            )
    return outcomes


def _ship_chunk(
    items: list[ShipItem], *, user, notify_customer: bool
) -> list[ShipOutcome]:
    outcomes = [ShipOutcome(fulfillment=item.fulfillment) for item in items]
    numbers: dict[int, tuple[str, str]] = {}
    for index, item in enumerate(items):
        try:
            numbers[index] = tracking_clean(item.carrier, item.tracking_number)
        except OrderError as error:
            outcomes[index].error = error
    if not numbers:
        return outcomes
    order_ids = {items[index].fulfillment.order_id for index in numbers}
    # Orders, then the parcels to ship, then stock, each in pk order, as a
    # single ship, a refund or a cancellation takes them: none deadlocks.
    # The order's other parcels are read, not locked: their status changes
    # only under the order's lock, and a shipped one may be held by its
    # email's sender, who wants the order next.
    orders = {
        order.pk: order
        for order in Order.objects.select_for_update()
        .filter(pk__in=order_ids)
        .order_by("pk")
    }
    parcels = {
        parcel.pk: parcel
        for parcel in Fulfillment.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .filter(pk__in={items[index].fulfillment.pk for index in numbers})
        .order_by("pk")
    }
    states: dict[int, dict[int, str]] = {}
    for pk, order_id, status in Fulfillment.objects.filter(
        order_id__in=order_ids
    ).values_list("pk", "order_id", "status"):
        states.setdefault(order_id, {})[pk] = status

    # Every check before any write, parcel after parcel in the caller's order
    # as single ships would go: an error leaves the rest of the chunk as is.
    now = timezone.now()
    shipped: list[Fulfillment] = []
    events: list[OrderEvent] = []
    moved: dict[int, Order] = {}
    for index, (carrier, tracking_number) in numbers.items():
        parcel = parcels.get(items[index].fulfillment.pk)
        try:
            if parcel is None:
                raise OrderError(OrderErrorCode.NOT_FOUND, field="fulfillment")
            order = orders[parcel.order_id]
            check_shippable(order, parcel)
            siblings = states[order.pk]
            new_status = _fulfilment_status(
                {**siblings, parcel.pk: FulfillmentStatus.SHIPPED}.values()
            )
            data = {
                "workshop": parcel.workshop.name,
                "carrier": carrier,
                "tracking_number": tracking_number,
            }
            if order.status == new_status == OrderStatus.PARTIALLY_FULFILLED:
                event = OrderEvent(
                    order=order,
                    type=OrderEventType.SHIPPED,
                    user=actor(user),
                    data=data,
                )
            else:
                event = transition_event(
                    order=order,
                    status=new_status,
                    event=OrderEventType.SHIPPED,
                    user=user,
                    **data,
                )
                moved[order.pk] = order
        except OrderError as error:
            outcomes[index].error = error
            continue
        siblings[parcel.pk] = parcel.status = FulfillmentStatus.SHIPPED
        parcel.carrier = carrier
        parcel.tracking_number = tracking_number
        parcel.shipped_at = now
        outcomes[index].fulfillment = parcel
        shipped.append(parcel)
        events.append(event)
    if shipped:
        _ship_write(shipped=shipped, events=events, moved=moved.values(), now=now)
        if notify_customer:
            _schedule_shipping_email(
                [parcel.pk for parcel in shipped if orders[parcel.order_id].email]
            )
    return outcomes


def _ship_write(
    *,
    shipped: list[Fulfillment],
    events: list[OrderEvent],
    moved: Iterable[Order],
    now,
) -> None:
    """Write a chunk's checked shipments: one stock move, and a fixed number
    of statements whatever the number of parcels."""
    leaving = {(parcel.order_id, parcel.workshop_id) for parcel in shipped}
    parcel_lines = [
        line
        for line in OrderLine.objects.filter(
            order_id__in={order_id for order_id, _ in leaving}
        )
        if (line.order_id, line.workshop_id) in leaving
    ]
    # Stocked goods ship what they hold; made-to-order goods (no stock count,
    # nothing held) ship what was bought and not taken back.
    held = [line for line in parcel_lines if line.quantity_reserved]
    made = [
        line
        for line in parcel_lines
        if not line.quantity_reserved
        and not line.quantity_fulfilled
        and line.quantity > line.quantity_restocked
    ]
    stock_ship(held=reserved_units(held))
    # What is the same for every row is one plain UPDATE; bulk_update (a CASE
    # arm per row and field, slow to build in Python) only where rows differ.
    OrderLine.objects.filter(pk__in=[line.pk for line in held]).update(
        quantity_fulfilled=F("quantity_fulfilled") + F("quantity_reserved"),
        quantity_reserved=0,
    )
    OrderLine.objects.filter(pk__in=[line.pk for line in made]).update(
        quantity_fulfilled=F("quantity") - F("quantity_restocked")
    )
    Fulfillment.objects.filter(pk__in=[parcel.pk for parcel in shipped]).update(
        status=FulfillmentStatus.SHIPPED, shipped_at=now
    )
    Fulfillment.objects.bulk_update(shipped, ["carrier", "tracking_number"])
    moved_to: dict[str, list[int]] = {}
    for order in moved:
        order.updated_at = now
        moved_to.setdefault(order.status, []).append(order.pk)
    for status, ids in moved_to.items():
        Order.objects.filter(pk__in=ids).update(status=status, updated_at=now)
    OrderEvent.objects.bulk_create(events)


def fulfillment_ship(
    *,
    fulfillment: Fulfillment,
    carrier: str,
    tracking_number: str,
    user=None,
    notify_customer: bool = True,
) -> Fulfillment:
    """A workshop hands its parcel to the carrier. `carrier` is a code of
    `carriers.Carrier` or one of its names; the number must fit its format.
    With `notify_customer`, the customer is mailed after commit. Raises the
    OrderError that stops it, having written nothing."""
    [outcome] = fulfillments_ship(
        items=[ShipItem(fulfillment, carrier, tracking_number)],
        user=user,
        notify_customer=notify_customer,
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.fulfillment


@transaction.atomic
def fulfillment_tracking_correct(
    *,
    fulfillment: Fulfillment,
    carrier: str,
    tracking_number: str,
    user=None,
    notify_customer: bool = True,
) -> Fulfillment:
    """Correct a shipped parcel's carrier or tracking number, until it is
    marked delivered; logged old → new, no stock moves. With
    `notify_customer`, the customer is mailed the corrected number."""
    carrier, tracking_number = tracking_clean(carrier, tracking_number)
    order = lock_order(fulfillment.order)
    fulfillment = Fulfillment.objects.select_for_update().get(pk=fulfillment.pk)
    if fulfillment.status != FulfillmentStatus.SHIPPED:
        raise OrderError(OrderErrorCode.NOT_SHIPPED, field="fulfillment")
    if fulfillment.delivered_at is not None:
        raise OrderError(OrderErrorCode.ALREADY_DELIVERED, field="fulfillment")
    old = {
        "carrier": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
    }
    if (carrier, tracking_number) == (old["carrier"], old["tracking_number"]):
        raise OrderError(OrderErrorCode.TRACKING_UNCHANGED, field="trackingNumber")
    fulfillment.carrier = carrier
    fulfillment.tracking_number = tracking_number
    fulfillment.save(update_fields=["carrier", "tracking_number"])
    order_event(
        order=order,
        type=OrderEventType.TRACKING_CORRECTED,
        user=user,
        workshop=fulfillment.workshop.name,
        old=old,
        new={"carrier": carrier, "tracking_number": tracking_number},
    )
    # The customer is told the corrected number, also when the first ship
    # did not notify.
    if notify_customer and order.email:
        _schedule_shipping_email([fulfillment.pk])
    return fulfillment


@transaction.atomic
def fulfillment_mark_delivered(*, fulfillment: Fulfillment, user=None) -> Fulfillment:
    """The carrier handed the parcel over (签收): recorded once, and its
    tracking number is final from then on."""
    order = lock_order(fulfillment.order)
    fulfillment = Fulfillment.objects.select_for_update().get(pk=fulfillment.pk)
    if fulfillment.status != FulfillmentStatus.SHIPPED:
        raise OrderError(OrderErrorCode.NOT_SHIPPED, field="fulfillment")
    if fulfillment.delivered_at is not None:
        raise OrderError(OrderErrorCode.ALREADY_DELIVERED, field="fulfillment")
    fulfillment.delivered_at = timezone.now()
    fulfillment.save(update_fields=["delivered_at"])
    order_event(
        order=order,
        type=OrderEventType.DELIVERED,
        user=user,
        workshop=fulfillment.workshop.name,
        tracking_number=fulfillment.tracking_number,
    )
    return fulfillment
