"""The shopper's email at each step of an after-sales request, once each:
a step writes an AfterSalesEmail row in its own transaction and queues a task
after commit; the row is claimed, sent and marked as every outbox row is
(storefront.core.outbox), and the sweep mails what a lost task left."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from storefront.core.money import format_fen
from storefront.core.outbox import outbox_send, outbox_sweep
from storefront.orders.emails import order_link

from .models import AfterSalesEmail, AfterSalesEvent, EventType

SUBJECTS = {
    "requested": ("已收到售后申请", "after-sales request received"),
    "approved": ("售后申请已同意", "after-sales request approved"),
    "refused": ("售后申请未通过", "after-sales request refused"),
    "refunded": ("售后退款已完成", "after-sales refund made"),
}


def _send(email: AfterSalesEmail) -> None:
    request = email.request
    order = request.order
    zh, en = SUBJECTS[email.step]
    context = {
        "order": order,
        "request": request,
        "step": email.step,
        "amount": format_fen(request.amount_fen),
        "lines": list(request.lines.select_related("order_line")),
        "link": order_link(order),
    }
    send_mail(
        subject=f"【共富工坊】订单 {order.number} {zh} / Order {order.number}: {en}",
        message=render_to_string("aftersales/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


def _mark_sent(email: AfterSalesEmail) -> None:
    AfterSalesEvent.objects.create(
        request=email.request,
        type=EventType.EMAIL_SENT,
        data={"step": email.step, "to": email.request.order.email},
    )


def aftersales_email_send(*, email_id: int) -> bool:
    """Send one step's email unless sent or held by another sender; True if
    this call sent it. A failed send gives the claim back and raises."""
    return outbox_send(
        AfterSalesEmail,
        email_id,
        send=_send,
        sent=_mark_sent,
        related=("request__order",),
    )


def aftersales_emails_send_unsent() -> int:
    """Mail every step whose task was lost or gave up, oldest first."""
    return outbox_sweep(
        AfterSalesEmail,
        lambda pk: aftersales_email_send(email_id=pk),
        "after-sales email",
    )
