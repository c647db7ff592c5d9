"""The order confirmation email, sent through Django's email backend, once.

It is the only carrier of the secret order link, so a paid order whose email
was lost (a broker restart, a mail server down) is found by the sweep
`order_confirmations_send_unsent` and mailed then. Each send goes through
three steps, and no row lock is held while the mail server is talked to:

1. claim: one conditional UPDATE takes the order for CLAIM_SECONDS, only if
   it is unsent and not claimed by another sender (two sweeps, a sweep and
   the order's own task: exactly one wins);
2. send, outside any transaction;
3. mark: `confirmation_sent_at` and the EMAIL_SENT event in one transaction.

A failed send gives the claim back at once, so the next sweep tries again. A
sender that dies between sending and marking leaves its claim to expire: the
email is then sent a second time, the only case in which it is (the choice of
"at least once" over "maybe never" for the order link).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from storefront.core.urls import absolute_url

from .models import Order, OrderEventType
from .services import order_event

log = logging.getLogger(__name__)

# Longer than any send can take (EMAIL_TIMEOUT bounds one SMTP call).
CLAIM_SECONDS = 600
# A paid order's own task gets this long before the sweep steps in.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 200


def order_link(order: Order) -> str:
    return absolute_url(reverse("web:order", args=[order.token]))


def send_confirmation(order: Order) -> None:
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "link": order_link(order),
    }
    send_mail(
        subject=(
            f"【共富工坊】订单 {order.number} 已支付 / Order {order.number} is paid"
        ),
        message=render_to_string("orders/confirmation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


def _unclaimed(now) -> Q:
    return Q(confirmation_claimed_until__isnull=True) | Q(
        confirmation_claimed_until__lt=now
    )


def order_confirmation_claim(*, order_id: int) -> bool:
    """Take the order's unsent confirmation for this sender; False when it is
    sent, unpaid, or claimed by another sender."""
    now = timezone.now()
    return bool(
        Order.objects.filter(
            _unclaimed(now),
            pk=order_id,
            paid_at__isnull=False,
            confirmation_sent_at__isnull=True,
        ).update(confirmation_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def order_confirmation_send(*, order_id: int) -> bool:
    """Send a paid order's confirmation unless it is sent or being sent. True
    if this call sent it. A failed send raises, and leaves it for a retry."""
    if not order_confirmation_claim(order_id=order_id):
        return False
    order = Order.objects.get(pk=order_id)
    try:
        send_confirmation(order)
    except BaseException:
        Order.objects.filter(pk=order_id, confirmation_sent_at__isnull=True).update(
            confirmation_claimed_until=None
        )
        raise
    with transaction.atomic():
        Order.objects.filter(pk=order_id).update(
            confirmation_sent_at=timezone.now(), confirmation_claimed_until=None
        )
        order_event(order=order, type=OrderEventType.EMAIL_SENT, to=order.email)
    return True


def order_confirmations_send_unsent() -> int:
    """Send every paid order's confirmation that was never sent (its task
    lost or out of retries), oldest first; the number sent. One that fails
    is logged and left for the next sweep."""
    now = timezone.now()
    ids = list(
        Order.objects.filter(
            _unclaimed(now),
            paid_at__lt=now - SWEEP_GRACE,
            confirmation_sent_at__isnull=True,
        )
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for order_id in ids:
        try:
            sent += order_confirmation_send(order_id=order_id)
        except Exception:  # noqa: BLE001 - the next sweep tries it again
            log.exception("order %s: confirmation email not sent", order_id)
    return sent
