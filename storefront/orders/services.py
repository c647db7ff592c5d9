"""Writes to orders. Status changes only through `order_transition`, or for
many parcels shipped at once through its same check and event
(`transition_event`), saved in bulk."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from storefront.catalog.inventory import stock_release, stock_return
from storefront.core import hooks

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
from .status import check_transition


def actor(user):
    return user if user is not None and user.is_authenticated else None


def order_event(*, order: Order, type: OrderEventType, user=None, **data) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, type=type, user=actor(user), data=data
    )


def transition_event(
    *, order: Order, status: OrderStatus, event: OrderEventType, user=None, **data
) -> OrderEvent:
    """Check the move and make it on `order` in memory; its event, unsaved.
    `order_transition` saves both; the batched ship saves many at once."""
    check_transition(order.status, status)
    previous = order.status
    order.status = status
    return OrderEvent(
        order=order,
        type=event,
        user=actor(user),
        data={"previous": previous, "status": status, **data},
    )


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
    record = transition_event(
        order=order, status=status, event=event, user=user, **data
    )
    order.save(update_fields=["status", "updated_at", *also_save])
    record.save()
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
    extra = {
        name: getattr(order, name)
        for name in ("host_link_id", "live_session_id")
        if getattr(order, name)
    }
    order_event(
        order=order,
        type=OrderEventType.PLACED,
        user=user,
        total_fen=order.total_fen,
        **extra,
    )
    return order


def reserved_units(lines) -> dict[int, int]:
    held: dict[int, int] = {}
    for line in lines:
        if line.variant_id and line.quantity_reserved:
            held[line.variant_id] = (
                held.get(line.variant_id, 0) + line.quantity_reserved
            )
    return held


def _release_reservations(order: Order) -> None:
    lines = list(order.lines.all())
    stock_release(held=reserved_units(lines))
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


def orders_attach_to_user(*, user, email: str) -> int:
    """Give the account the guest orders placed with `email`. Call it only with
    an address the account has proven it reads (a verification link opened):
    anyone can type any address at sign-up. Returns how many were attached."""
    email = (email or "").strip()
    if not email or user is None or not user.is_active:
        return 0
    return Order.objects.filter(user__isnull=True, email__iexact=email).update(
        user=user, updated_at=timezone.now()
    )
