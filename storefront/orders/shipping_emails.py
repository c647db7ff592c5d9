"""The "已发货 shipped" email to the customer, once per shipment (and once
more per corrected tracking number).

Shipping marks the parcel `shipping_email_due` in its own transaction
(services._schedule_shipping_email) and queues one task for the parcels it
shipped. Each parcel is then mailed in three steps, as the confirmation
email is (storefront.orders.emails), with no transaction open while the mail
server is talked to:

1. claim: one conditional UPDATE takes the parcel for CLAIM_SECONDS, only if
   it is due and not claimed by another sender (two runs: exactly one wins);
2. send, outside any transaction; a failed send gives the claim back at
   once and raises, so the task retries;
3. mark: `shipping_email_sent_at`, not due any more, and the
   SHIPPING_EMAIL_SENT event, in one transaction, only if the tracking
   number is still the one that was mailed. A number corrected during the
   send leaves the parcel due, and the same sender mails it again.

A lost task (a broker restart, retries used up) or a sender that died after
claiming leaves the parcel due: the sweep `shipping_emails_send_unsent`
mails it once its claim has expired. A sender that died between sending and
marking is the one case mailed twice ("at least once", as for the
confirmation).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .carriers import carrier_name, tracking_url
from .emails import order_link
from .models import Fulfillment, FulfillmentStatus, OrderEventType
from .services import order_event

log = logging.getLogger(__name__)

# Longer than any send can take (EMAIL_TIMEOUT bounds one SMTP call).
CLAIM_SECONDS = 600
# The shipment's own task gets this long before the sweep steps in.
SWEEP_GRACE = timedelta(minutes=5)
# Shipments older than this are not announced any more.
SWEEP_HORIZON = timedelta(days=7)
SWEEP_BATCH = 200


def send_shipping_notice(fulfillment: Fulfillment) -> None:
    order = fulfillment.order
    context = {
        "order": order,
        "fulfillment": fulfillment,
        "lines": [
            line
            for line in order.lines.all()
            if line.workshop_id == fulfillment.workshop_id
        ],
        "carrier": carrier_name(fulfillment.carrier),
        "tracking_url": tracking_url(fulfillment.carrier, fulfillment.tracking_number),
        "link": order_link(order),
    }
    send_mail(
        subject=(
            f"【共富工坊】订单 {order.number} 已发货 / Order {order.number} has shipped"
        ),
        message=render_to_string("orders/shipping_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )


def _unclaimed(now) -> Q:
    return Q(shipping_email_claimed_until__isnull=True) | Q(
        shipping_email_claimed_until__lt=now
    )


def _due() -> Q:
    return Q(status=FulfillmentStatus.SHIPPED, shipping_email_due=True)


def shipping_email_claim(*, fulfillment_id: int) -> bool:
    """Take the parcel's due shipping email for this sender; False when it is
    not due (sent, never asked for) or another sender holds it."""
    now = timezone.now()
    return bool(
        Fulfillment.objects.filter(_due(), _unclaimed(now), pk=fulfillment_id).update(
            shipping_email_claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    )


def shipping_email_send(*, fulfillment_id: int) -> bool:
    """Mail the customer that the parcel shipped, unless it is not due or is
    being mailed. True if this call sent it; a failed send raises and leaves
    it for a retry."""
    if not shipping_email_claim(fulfillment_id=fulfillment_id):
        return False
    fulfillment = Fulfillment.objects.select_related("order", "workshop").get(
        pk=fulfillment_id
    )
    if not fulfillment.order.email:
        Fulfillment.objects.filter(pk=fulfillment_id).update(
            shipping_email_due=False, shipping_email_claimed_until=None
        )
        return False
    try:
        send_shipping_notice(fulfillment)
    except BaseException:
        Fulfillment.objects.filter(pk=fulfillment_id).update(
            shipping_email_claimed_until=None
        )
        raise
    with transaction.atomic():
        marked = Fulfillment.objects.filter(
            pk=fulfillment_id,
            carrier=fulfillment.carrier,
            tracking_number=fulfillment.tracking_number,
        ).update(
            shipping_email_due=False,
            shipping_email_claimed_until=None,
            shipping_email_sent_at=timezone.now(),
        )
        order_event(
            order=fulfillment.order,
            type=OrderEventType.SHIPPING_EMAIL_SENT,
            to=fulfillment.order.email,
            workshop=fulfillment.workshop.name,
            carrier=fulfillment.carrier,
            tracking_number=fulfillment.tracking_number,
        )
    if not marked:
        # Corrected while this was sent: the correction's own task found the
        # claim taken, so the corrected number is mailed here.
        Fulfillment.objects.filter(pk=fulfillment_id).update(
            shipping_email_claimed_until=None
        )
        shipping_email_send(fulfillment_id=fulfillment_id)
    return True


def shipping_emails_send(*, fulfillment_ids: list[int]) -> int:
    """Mail each of these parcels' due shipping email; the number sent. The
    first failure raises (the task retries; those sent are not sent again)."""
    return sum(shipping_email_send(fulfillment_id=pk) for pk in fulfillment_ids)


def shipping_emails_send_unsent() -> int:
    """Mail every due shipping email whose task was lost or gave up, oldest
    first; the number sent. One that fails is logged and left for the next
    sweep."""
    now = timezone.now()
    ids = list(
        Fulfillment.objects.filter(
            _due(),
            _unclaimed(now),
            shipped_at__lt=now - SWEEP_GRACE,
            shipped_at__gte=now - SWEEP_HORIZON,
        )
        .order_by("shipped_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for fulfillment_id in ids:
        try:
            sent += shipping_email_send(fulfillment_id=fulfillment_id)
        except Exception:  # noqa: BLE001 - the next sweep tries it again
            log.exception("parcel %s: shipping email not sent", fulfillment_id)
    return sent
