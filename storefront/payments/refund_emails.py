"""The shopper's "refunded" email, once per booked refund that no other flow
announces (an after-sales refund mails its own step). Written when the refund
is booked, sent after commit by a retried task through storefront.core.outbox;
the sweep mails what a lost task left."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from storefront.core.money import format_fen
from storefront.core.outbox import outbox_send, outbox_sweep
from storefront.orders.emails import order_link
from storefront.orders.models import OrderEventType
from storefront.orders.services import order_event

from .models import Refund, RefundEmail


def refund_email_schedule(*, refund: Refund) -> None:
    """Called in the transaction that books the refund."""
    if not refund.notify_shopper or not refund.order.email:
        return
    email, created = RefundEmail.objects.get_or_create(refund=refund)
    if not created:
        return

    def queue():
        from .tasks import send_refund_email

        send_refund_email.delay(email.pk)

    transaction.on_commit(queue, robust=True)


def _send(email: RefundEmail) -> None:
    refund = email.refund
    order = refund.order
    context = {
        "order": order,
        "amount": format_fen(refund.amount_fen),
        "refunded": format_fen(order.refunded_fen),
        "total": format_fen(order.total_fen),
        "link": order_link(order),
    }
    send_mail(
        subject=(
            f"【共富工坊】订单 {order.number} 已退款 {context['amount']} / "
            f"Order {order.number}: {context['amount']} refunded"
        ),
        message=render_to_string("payments/refund_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


def _mark_sent(email: RefundEmail) -> None:
    order = email.refund.order
    order_event(
        order=order,
        type=OrderEventType.EMAIL_SENT,
        email="refunded",
        refund=email.refund_id,
        to=order.email,
    )


def refund_email_send(*, email_id: int) -> bool:
    return outbox_send(
        RefundEmail, email_id, send=_send, sent=_mark_sent, related=("refund__order",)
    )


def refund_emails_send_unsent() -> int:
    return outbox_sweep(
        RefundEmail, lambda pk: refund_email_send(email_id=pk), "refund email"
    )
