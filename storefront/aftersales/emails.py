"""The shopper's email at each step of an after-sales request, once each.

A step writes an AfterSalesEmail row in its own transaction and queues a task
after commit. The task sends it as the shipping email is sent
(storefront.orders.shipping_emails), with no transaction open while the mail
server is talked to: claim (a short transaction takes the row for
CLAIM_SECONDS, skipping rows another sender holds), send, mark (`sent_at`
and an EMAIL_SENT event). A lost task or a sender that died after claiming
leaves the row unsent: the sweep `aftersales_emails_send_unsent` mails it once
its claim has expired.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from storefront.core.money import format_fen
from storefront.orders.emails import order_link

from .models import AfterSalesEmail, AfterSalesEvent, EventType

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_HORIZON = timedelta(days=14)
SWEEP_BATCH = 200

SUBJECTS = {
    "requested": ("已收到售后申请", "after-sales request received"),
    "approved": ("售后申请已同意", "after-sales request approved"),
    "refused": ("售后申请未通过", "after-sales request refused"),
    "refunded": ("售后退款已完成", "after-sales refund made"),
}


def _unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def aftersales_email_claim(*, email_id: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            AfterSalesEmail.objects.select_for_update(skip_locked=True)
            .filter(_unclaimed(now), pk=email_id, sent_at__isnull=True)
            .values_list("pk", flat=True)
        )
        AfterSalesEmail.objects.filter(pk__in=ids).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    return bool(ids)


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


def aftersales_email_send(*, email_id: int) -> bool:
    """Send one step's email unless sent or held by another sender; True if
    this call sent it. A failed send gives the claim back and raises."""
    if not aftersales_email_claim(email_id=email_id):
        return False
    email = AfterSalesEmail.objects.select_related("request__order").get(pk=email_id)
    try:
        _send(email)
    except BaseException:
        AfterSalesEmail.objects.filter(pk=email_id).update(claimed_until=None)
        raise
    with transaction.atomic():
        AfterSalesEmail.objects.filter(pk=email_id).update(
            sent_at=timezone.now(), claimed_until=None
        )
        AfterSalesEvent.objects.create(
            request=email.request,
            type=EventType.EMAIL_SENT,
            data={"step": email.step, "to": email.request.order.email},
        )
    return True


def aftersales_emails_send_unsent() -> int:
    """Mail every step whose task was lost or gave up, oldest first; the
    number sent. A failing mail server is logged and left for the next sweep."""
    now = timezone.now()
    ids = list(
        AfterSalesEmail.objects.filter(
            _unclaimed(now),
            sent_at__isnull=True,
            created_at__lt=now - SWEEP_GRACE,
            created_at__gte=now - SWEEP_HORIZON,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for email_id in ids:
        try:
            sent += aftersales_email_send(email_id=email_id)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("after-sales email %s not sent", email_id)
            break
    return sent
