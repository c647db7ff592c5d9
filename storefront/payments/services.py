"""Starting a payment, settling it from what Stripe says, and cancelling an
unpaid order so that no payment can succeed after its stock went back."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.orders.services import (
    lock_order,
    order_cancel,
    order_event,
    order_mark_paid,
)

from . import gateway
from .errors import PaymentError, PaymentErrorCode
from .models import Payment, PaymentStatus, Refund, RefundStatus, StripeEvent
from .refunds import REFUND_STATUS
from .selectors import IN_FLIGHT

log = logging.getLogger(__name__)

# Stripe statuses (Stripe spells "canceled") after which a PaymentIntent can
# no longer take money.
_FINAL_UNPAID = {"canceled"}


def live_payment(order: Order) -> Payment | None:
    return order.payments.exclude(status=PaymentStatus.CANCELLED).first()


def payment_start(*, order: Order) -> Payment:
    """The PaymentIntent for this order's server-computed total. Repeating
    the call (a double click on "pay") returns the same one.

    Decided under the order lock in a short transaction, asked of Stripe
    with no transaction open, recorded in a second one: Stripe is never
    waited for while the order row is locked."""
    existing, attempt = _payment_decide(order)
    if existing is not None:
        return existing
    intent = gateway.create_payment_intent(
        amount_fen=order.total_fen,
        metadata={"order_number": order.number, "order_token": str(order.token)},
        # The same attempt gets the same intent, so two starts racing here
        # record one payment.
        idempotency_key=f"gongfu-order-{order.token}-{attempt}",
    )
    try:
        return _payment_record(order, intent)
    except PaymentError:
        # The order was cancelled while Stripe was asked: nobody gets this
        # intent's secret, and Stripe is told it can take no money.
        try:
            gateway.cancel_payment_intent(intent.id)
        except PaymentError as error:
            log.warning(
                "intent %s of a cancelled order left open: %s", intent.id, error
            )
        raise


@transaction.atomic
def _payment_decide(order: Order) -> tuple[Payment | None, int]:
    """(the live payment, 0) if there is one, else (None, the attempt
    number of a new one), or the PaymentError why none may start."""
    order = lock_order(order)
    earlier = list(order.payments.all())
    existing = next((p for p in earlier if p.status != PaymentStatus.CANCELLED), None)
    if existing is not None:
        return existing, 0
    if order.status != OrderStatus.UNPAID:
        raise PaymentError(PaymentErrorCode.ORDER_NOT_PAYABLE, field="order")
    if order.reserved_until is None or order.reserved_until <= timezone.now():
        raise PaymentError(PaymentErrorCode.RESERVATION_EXPIRED, field="order")
    return None, len(earlier)


@transaction.atomic
def _payment_record(order: Order, intent) -> Payment:
    order = lock_order(order)
    recorded = Payment.objects.filter(payment_intent_id=intent.id).first()
    if recorded is not None:
        # A concurrent start of the same attempt got the same intent first.
        return recorded
    live = live_payment(order)
    if live is not None:
        return live
    if order.status != OrderStatus.UNPAID:
        # Cancelled while Stripe was asked: the intent's secret is never
        # handed out, so nobody can pay it.
        raise PaymentError(PaymentErrorCode.ORDER_NOT_PAYABLE, field="order")
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                order=order,
                payment_intent_id=intent.id,
                client_secret=intent.client_secret,
                amount_fen=order.total_fen,
                currency=gateway.CURRENCY,
                provider_status=intent.status or "",
            )
    except IntegrityError:
        # Whatever wrote it meanwhile did not wait for the order lock.
        found = Payment.objects.filter(payment_intent_id=intent.id).first()
        found = found or live_payment(order)
        if found is None:
            raise
        return found
    order_event(
        order=order, type=OrderEventType.PAYMENT_STARTED, payment_intent=intent.id
    )
    return payment


def _as_dict(intent) -> dict:
    return intent.to_dict() if hasattr(intent, "to_dict") else dict(intent)


def payment_settle(*, intent, source: str) -> str:
    """Bring our records in line with a PaymentIntent as Stripe reports it
    (from a webhook or a fresh fetch). Safe to repeat and in any order:
    a succeeded payment is never downgraded. Returns what happened.
    Called with no transaction open: a late payment's refund is asked of
    Stripe after the settling transaction commits."""
    outcome, owed = _settle(intent=intent, source=source)
    if owed is not None:
        outcome = payment_refund_late(payment=owed)
    return outcome


@transaction.atomic(savepoint=False)
def _settle(*, intent, source: str) -> tuple[str, Payment | None]:
    """payment_settle's writes: (what happened, the payment whose late
    arrival is owed back, if any)."""
    intent = _as_dict(intent)
    intent_id = intent.get("id")
    # The payment's row and its order's, locked and read together.
    payment = (
        Payment.objects.select_for_update(of=("self", "order"))
        .select_related("order")
        .filter(payment_intent_id=intent_id)
        .first()
    )
    if payment is None:
        return "ignored: unknown PaymentIntent", None
    status = intent.get("status") or ""
    payment.provider_status = status
    if payment.status == PaymentStatus.SUCCEEDED:
        payment.save(update_fields=["provider_status", "updated_at"])
        return "already settled", None
    if status == "succeeded":
        return _settle_succeeded(payment, intent, source)
    if status in _FINAL_UNPAID:
        payment.status = PaymentStatus.CANCELLED
        payment.save(update_fields=["status", "provider_status", "updated_at"])
        return "cancelled", None
    error = intent.get("last_payment_error") or {}
    message = (error.get("message") or "")[:300]
    if message and message != payment.last_error:
        payment.last_error = message
        order_event(
            order=payment.order,
            type=OrderEventType.PAYMENT_FAILED,
            payment_intent=intent_id,
            message=message,
            source=source,
        )
    payment.save(update_fields=["provider_status", "last_error", "updated_at"])
    return f"pending ({status})", None


def _settle_succeeded(
    payment: Payment, intent, source: str
) -> tuple[str, Payment | None]:
    # Only what Stripe says it received counts: `amount` is what was asked
    # for, and an intent that received nothing (or something else) never
    # pays the order. The money stays at Stripe for an operator to look at.
    received = intent.get("amount_received")
    currency = (intent.get("currency") or "").lower()
    if (
        isinstance(received, bool)
        or received != payment.amount_fen
        or currency != payment.currency
    ):
        log.error(
            "PaymentIntent %s: received %r %s does not match %s %s",
            payment.payment_intent_id,
            received,
            currency,
            payment.amount_fen,
            payment.currency,
        )
        message = (
            f"amount received {received!r} {currency} differs from "
            f"{payment.amount_fen} {payment.currency}"
        )[:300]
        if message != payment.last_error:
            payment.last_error = message
            order_event(
                order=payment.order,
                type=OrderEventType.PAYMENT_FAILED,
                payment_intent=payment.payment_intent_id,
                message=message,
                source=source,
            )
        payment.save(update_fields=["provider_status", "last_error", "updated_at"])
        return "refused: amount or currency differs from the order", None
    payment.status = PaymentStatus.SUCCEEDED
    payment.save(update_fields=["status", "provider_status", "updated_at"])
    order = payment.order  # locked with the payment (_settle)
    if order.status == OrderStatus.CANCELLED:
        # Only reachable if Stripe took money after we cancelled the intent;
        # the stock is gone, so the money goes straight back: asked of
        # Stripe once this transaction has committed (payment_refund_late).
        return LATE_REFUND_OWED, payment
    marked = order_mark_paid(
        order=order,
        amount_fen=payment.amount_fen,
        payment_intent_id=payment.payment_intent_id,
    )
    return (f"order paid (via {source})" if marked else "already paid"), None


LATE_REFUNDED = "refunded: payment arrived after the order was cancelled"
LATE_REFUND_OWED = "refund owed: payment arrived after the order was cancelled"


def late_refunds_owed():
    """Payments that arrived after their order was cancelled and whose
    refund Stripe has not confirmed yet."""
    return Payment.objects.filter(
        status=PaymentStatus.SUCCEEDED,
        order__status=OrderStatus.CANCELLED,
        late_refund_id="",
    ).select_related("order")


def payment_refund_late(*, payment: Payment) -> str:
    """Give a late payment's money back, with no transaction open. The key
    makes a repeat (the reconciliation sweep, a retried event) a replay at
    Stripe; until Stripe confirms, the payment stays in `late_refunds_owed`
    for the sweep."""
    try:
        refund = gateway.create_refund(
            payment_intent_id=payment.payment_intent_id,
            amount_fen=payment.amount_fen,
            metadata={"order_number": payment.order.number, "reason": "late payment"},
            idempotency_key=f"gongfu-late-{payment.payment_intent_id}",
        )
    except PaymentError as error:
        log.warning(
            "late payment %s not refunded yet, the reconciliation retries: %s",
            payment.payment_intent_id,
            error,
        )
        return LATE_REFUND_OWED
    if refund.status in ("failed", "canceled"):
        log.warning(
            "late payment %s: Stripe's refund %s %s; the reconciliation retries",
            payment.payment_intent_id,
            refund.id,
            refund.status,
        )
        return LATE_REFUND_OWED
    with transaction.atomic():
        recorded = Payment.objects.filter(pk=payment.pk, late_refund_id="").update(
            late_refund_id=refund.id
        )
        if recorded:
            order_event(
                order=payment.order,
                type=OrderEventType.LATE_PAYMENT_REFUNDED,
                amount_fen=payment.amount_fen,
            )
    return LATE_REFUNDED


def order_cancel_unpaid(*, order: Order, user=None, expired: bool = False) -> Order:
    """Cancel the PaymentIntent first: only when Stripe confirms it can no
    longer take money is the order cancelled and its stock released. If it
    has meanwhile succeeded, the order is settled as paid instead."""
    if order.status != OrderStatus.UNPAID:
        # Paid money goes back by refund, never by cancelling.
        raise OrderError(OrderErrorCode.INVALID_TRANSITION, field="status")
    payment = live_payment(order)
    if payment is not None:
        intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
        if intent.status in IN_FLIGHT:
            payment_settle(intent=intent, source="cancel")
            raise OrderError(OrderErrorCode.PAYMENT_IN_PROGRESS, field="order")
        if intent.status not in _FINAL_UNPAID:
            intent = gateway.cancel_payment_intent(payment.payment_intent_id)
        payment_settle(intent=intent, source="cancel")
    order.refresh_from_db()
    if order.status != OrderStatus.UNPAID:
        raise OrderError(OrderErrorCode.INVALID_TRANSITION, field="status")
    return order_cancel(order=order, user=user, expired=expired)


def order_expire_if_due(*, order: Order) -> Order:
    """What the expiry sweep would do to this order, done now: the order's
    pages and the API call it, so an unpaid order past its deadline never
    looks alive, scheduler or not. Through `order_cancel_unpaid`, as the
    sweep: Stripe is asked with no lock held, and an intent that went
    through settles the order as paid instead. When Stripe cannot be asked
    the order stays as it is (shown as expired) for the sweep to finish."""
    if (
        order.status != OrderStatus.UNPAID
        or order.reserved_until is None
        or order.reserved_until > timezone.now()
    ):
        return order
    try:
        order_cancel_unpaid(order=order, expired=True)
    except (OrderError, PaymentError) as error:
        log.info("order %s past its deadline, kept: %s", order.number, error)
    order.refresh_from_db()
    return order


def refund_settle(*, refund: dict) -> str:
    """A refund Stripe accepted as pending may end up failed (refund.updated,
    refund.failed): mark it and log it on the order. The booked amount stays:
    whether to retry or pay the customer back another way is an operator's
    call."""
    record = (
        Refund.objects.select_for_update()
        .filter(stripe_refund_id=refund.get("id"))
        .first()
    )
    if record is None:
        return "ignored: unknown refund"
    status = REFUND_STATUS.get(refund.get("status"), record.status)
    if status == record.status:
        return "refund unchanged"
    record.status = status
    record.save(update_fields=["status"])
    if status == RefundStatus.FAILED:
        order_event(
            order=record.order,
            type=OrderEventType.REFUND_FAILED,
            refund=record.stripe_refund_id,
            amount_fen=record.amount_fen,
        )
    return f"refund {status}"


def _payment_recorded(intent_id: str) -> bool:
    """A plain read before any write: it neither waits for an open
    payment_start's locks nor leaves an event record behind."""
    try:
        return Payment.objects.filter(payment_intent_id=intent_id).exists()
    except OperationalError:
        # SQLite may refuse to read while another connection writes; that
        # row is not committed yet either.
        return False


def _names_an_unpaid_order(intent: dict) -> bool:
    """Whether the intent's metadata (which payment_start sets and the
    signature vouches for) names an unpaid order of this shop: only such an
    order can still be waiting for its payment row. (An intent made while
    its order was being cancelled is never recorded; retrying its events
    would never end.)"""
    token = (intent.get("metadata") or {}).get("order_token")
    try:
        return bool(token) and (
            Order.objects.filter(token=token, status=OrderStatus.UNPAID).exists()
        )
    except (ValidationError, ValueError, TypeError):
        return False


def webhook_receive(*, payload: bytes, signature: str | None) -> str:
    """Verify, store once, process once. A replay returns without effect.
    Processing and the event record commit together, so a crash midway
    leaves nothing recorded and Stripe's retry processes it afresh.

    An event about one of our orders' PaymentIntents whose payment row is
    not committed yet (payment_start has not recorded it yet) raises
    PAYMENT_NOT_RECORDED_YET having written nothing: the endpoint answers
    non-2xx, Stripe retries, and the retry is processed like a first
    delivery. Intents that name no order of ours are stored and ignored."""
    event = gateway.construct_event(payload, signature)
    data = event.to_dict()
    obj = (data.get("data") or {}).get("object") or {}
    is_intent = data.get("type", "").startswith("payment_intent.")
    intent_id = obj.get("id", "") if is_intent else ""
    if intent_id and not _payment_recorded(intent_id) and _names_an_unpaid_order(obj):
        log.warning(
            "Stripe event %s for %s arrived before its payment row; asking "
            "Stripe to retry",
            data["id"],
            intent_id,
        )
        raise PaymentError(PaymentErrorCode.PAYMENT_NOT_RECORDED_YET)
    owed = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=data["id"],
                    type=data.get("type", ""),
                    payment_intent_id=intent_id,
                    payload=data,
                )
        except IntegrityError:
            return "replay: already processed"
        if intent_id:
            outcome, owed = _settle(intent=obj, source="webhook")
        elif obj.get("object") == "refund":
            outcome = refund_settle(refund=obj)
        else:
            outcome = "ignored: event type not used"
        record.outcome = outcome[:200]
        record.save(update_fields=["outcome"])
    if owed is not None:
        outcome = payment_refund_late(payment=owed)
    return outcome
