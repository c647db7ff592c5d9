"""Writes to orders. Status changes only through `order_transition`."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from storefront.catalog.inventory import stock_release, stock_return, stock_ship
from storefront.core import hooks

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
from .status import PAID_STATES, check_transition


def order_event(*, order: Order, type: OrderEventType, user=None, **data) -> OrderEvent:
    actor = user if user is not None and user.is_authenticated else None
    return OrderEvent.objects.create(order=order, type=type, user=actor, data=data)


def order_transition(
    *,
    order: Order,
    status: OrderStatus,
    event: OrderEventType,
    user=None,
    also_save: tuple[str, ...] = (),
    **data,
) -> Order:
    """The one way an order's status changes: checked, saved (with any
    `also_save` fields the caller set), logged."""
    check_transition(order.status, status)
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at", *also_save])
    order_event(
        order=order, type=event, user=user, previous=previous, status=status, **data
    )
    return order


def lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def order_create(*, checkout, summary, user=None, credit: dict | None = None) -> Order:
    """The order for a priced checkout, lines snapshotted as they are now.
    The caller holds the checkout lock and has reserved the stock. `credit`
    is the host attribution ({host_id, host_link_id, live_session_id}), as
    the order_credit hook (storefront.core.hooks) decided it."""
    credit = credit or {}
    minutes = settings.CHECKOUT_RESERVATION_MINUTES
    order = Order.objects.create(
        checkout_token=checkout.token,
        user=user if user is not None and user.is_authenticated else checkout.user,
        email=checkout.email,
        note=checkout.note,
        subtotal_fen=summary.subtotal_fen,
        shipping_fen=summary.shipping_fen,
        total_fen=summary.total_fen,
        reserved_until=timezone.now() + timedelta(minutes=minutes),
        host_id=credit.get("host_id"),
        host_link_id=credit.get("host_link_id"),
        live_session_id=credit.get("live_session_id"),
        **checkout.address_dict(),
    )
    order.number = f"GF-{timezone.localdate().year}-{order.pk:06d}"
    order.save(update_fields=["number"])
    lines = []
    fulfillments = []
    for shipment in summary.shipments:
        workshop = shipment.workshop
        fulfillments.append(
            Fulfillment(
                order=order,
                workshop=workshop,
                subtotal_fen=shipment.subtotal_fen,
                shipping_fen=shipment.shipping_fen,
            )
        )
        for priced in shipment.lines:
            variant = priced.variant
            product = variant.product
            lines.append(
                OrderLine(
                    order=order,
                    variant=variant,
                    workshop=workshop,
                    product=product,
                    brand_id=product.brand_id,
                    product_name=product.name,
                    variant_name=variant.name,
                    sku=variant.sku,
                    brand_name=product.brand.name,
                    workshop_name=workshop.name,
                    village_name=workshop.village.name,
                    unit_price_fen=priced.unit_price_fen,
                    quantity=priced.quantity,
                    total_fen=priced.total_fen,
                    quantity_reserved=priced.quantity if variant.track_inventory else 0,
                )
            )
    OrderLine.objects.bulk_create(lines)
    Fulfillment.objects.bulk_create(fulfillments)
    extra = {"host_link_id": order.host_link_id} if order.host_link_id else {}
    order_event(
        order=order,
        type=OrderEventType.PLACED,
        user=user,
        total_fen=order.total_fen,
        **extra,
    )
    return order


def _reserved_units(lines) -> dict[int, int]:
    held: dict[int, int] = {}
    for line in lines:
        if line.variant_id and line.quantity_reserved:
            held[line.variant_id] = (
                held.get(line.variant_id, 0) + line.quantity_reserved
            )
    return held


def _release_reservations(order: Order) -> None:
    lines = list(order.lines.all())
    stock_release(held=_reserved_units(lines))
    OrderLine.objects.filter(order=order).update(quantity_reserved=0)


# No savepoint of its own: its callers let any error end their transaction.
@transaction.atomic(savepoint=False)
def order_mark_paid(*, order: Order, amount_fen: int, payment_intent_id: str) -> bool:
    """Record the captured payment. True if this call marked it paid; False if
    it was already paid (a repeat) — the caller decides what a cancelled
    order's late payment means."""
    order = lock_order(order)
    if order.status != OrderStatus.UNPAID:
        return False
    if amount_fen != order.total_fen:
        raise OrderError(
            OrderErrorCode.INVALID_AMOUNT,
            field="amount",
            detail=f"{amount_fen} ≠ {order.total_fen}",
        )
    order.paid_fen = amount_fen
    order.paid_at = timezone.now()
    order.reserved_until = None
    order_transition(
        order=order,
        status=OrderStatus.PAID,
        event=OrderEventType.PAID,
        also_save=("paid_fen", "paid_at", "reserved_until"),
        amount_fen=amount_fen,
        payment_intent=payment_intent_id,
    )
    from .tasks import notify_workshops, send_order_confirmation

    def send_messages():
        try:
            send_order_confirmation.delay(order.pk)
        finally:
            notify_workshops.delay(order.pk)

    # robust: an email that cannot be sent must not fail the payment webhook
    # (with eager Celery the tasks run right here); each task retries itself,
    # and a sweep sends any that is lost: the confirmation (orders.emails) and
    # the workshops' new-order notices (orders.notices).
    transaction.on_commit(send_messages, robust=True)
    # Revenue schedules the split (revenue.apps), after the email above.
    hooks.order_paid(order=order)
    return True


@transaction.atomic
def order_cancel(*, order: Order, user=None, expired: bool = False) -> Order:
    """Cancel an unpaid order and give its stock back. The caller has made sure
    no payment can still succeed (payments.services.order_cancel_unpaid)."""
    order = lock_order(order)
    check_transition(order.status, OrderStatus.CANCELLED)
    _release_reservations(order)
    order.reserved_until = None
    order.save(update_fields=["reserved_until", "updated_at"])
    order.fulfillments.update(status=FulfillmentStatus.CANCELLED)
    event = OrderEventType.RESERVATION_EXPIRED if expired else OrderEventType.CANCELLED
    return order_transition(
        order=order, status=OrderStatus.CANCELLED, event=event, user=user
    )


def _fulfilment_status(order: Order) -> OrderStatus:
    states = set(
        order.fulfillments.exclude(status=FulfillmentStatus.CANCELLED).values_list(
            "status", flat=True
        )
    )
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


@transaction.atomic
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
    With `notify_customer`, the customer is mailed after commit."""
    carrier, tracking_number = tracking_clean(carrier, tracking_number)
    order = lock_order(fulfillment.order)
    fulfillment = Fulfillment.objects.select_for_update().get(pk=fulfillment.pk)
    check_shippable(order, fulfillment)
    lines = list(order.lines.filter(workshop_id=fulfillment.workshop_id))
    stock_ship(held=_reserved_units(lines))
    for line in lines:
        line.quantity_fulfilled += line.quantity_reserved
        line.quantity_reserved = 0
        line.save(update_fields=["quantity_fulfilled", "quantity_reserved"])
    fulfillment.status = FulfillmentStatus.SHIPPED
    fulfillment.carrier = carrier
    fulfillment.tracking_number = tracking_number
    fulfillment.shipped_at = timezone.now()
    fulfillment.save()
    new_status = _fulfilment_status(order)
    data = {
        "workshop": fulfillment.workshop.name,
        "carrier": carrier,
        "tracking_number": tracking_number,
    }
    if order.status == new_status and new_status == OrderStatus.PARTIALLY_FULFILLED:
        order_event(order=order, type=OrderEventType.SHIPPED, user=user, **data)
    else:
        order_transition(
            order=order,
            status=new_status,
            event=OrderEventType.SHIPPED,
            user=user,
            **data,
        )
    if notify_customer and order.email:
        _schedule_shipping_email([fulfillment.pk])
    return fulfillment


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


def clean_restock(order: Order, restock: dict) -> dict[int, int]:
    """{line id: units} checked against what each line can still return."""
    lines = {line.pk: line for line in order.lines.all()}
    cleaned: dict[int, int] = {}
    for raw_id, raw_qty in (restock or {}).items():
        try:
            line = lines[int(raw_id)]
        except (KeyError, ValueError, TypeError):
            raise OrderError(OrderErrorCode.INVALID_RESTOCK, field="restock") from None
        if isinstance(raw_qty, bool) or not isinstance(raw_qty, int) or raw_qty < 0:
            raise OrderError(OrderErrorCode.INVALID_RESTOCK, field="restock")
        if raw_qty > line.quantity - line.quantity_restocked:
            raise OrderError(OrderErrorCode.INVALID_RESTOCK, field="restock")
        if raw_qty:
            cleaned[line.pk] = raw_qty
    return cleaned


def order_record_refund(
    *,
    order: Order,
    amount_fen: int,
    restock: dict[int, int],
    user=None,
    refund_id: str = "",
) -> Order:
    """Book a refund the payment provider has accepted. The caller holds the
    order lock (payments.refunds.order_refund)."""
    order.refunded_fen += amount_fen
    order.save(update_fields=["refunded_fen", "updated_at"])
    lines = {line.pk: line for line in order.lines.select_related("variant")}
    for line_id, units in restock.items():
        line = lines[line_id]
        from_reserved = min(units, line.quantity_reserved)
        from_shipped = units - from_reserved
        # Made-to-order goods (no stock count) have no shelf to return to.
        if line.variant_id and line.variant.track_inventory:
            stock_release(held={line.variant_id: from_reserved})
            stock_return(returned={line.variant_id: from_shipped})
        line.quantity_reserved -= from_reserved
        line.quantity_restocked += units
        line.save(update_fields=["quantity_reserved", "quantity_restocked"])
    fully = order.refunded_fen == order.paid_fen
    if fully:
        # Nothing more will ship: whatever is still held goes back on sale.
        _release_reservations(order)
        order.fulfillments.filter(status=FulfillmentStatus.PENDING).update(
            status=FulfillmentStatus.CANCELLED
        )
    if restock:
        order_event(
            order=order,
            type=OrderEventType.RESTOCKED,
            user=user,
            lines={str(k): v for k, v in restock.items()},
        )
    return order_transition(
        order=order,
        status=OrderStatus.REFUNDED if fully else OrderStatus.PARTIALLY_REFUNDED,
        event=OrderEventType.REFUNDED,
        user=user,
        amount_fen=amount_fen,
        refunded_fen=order.refunded_fen,
        refund=refund_id,
    )
