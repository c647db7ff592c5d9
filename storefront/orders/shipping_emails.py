"""The "已发货 shipped" email to the customer, once per shipment (and once
more per corrected tracking number).

Shipping marks the parcel `shipping_email_due` in its own transaction
(services._schedule_shipping_email) and queues one task for the parcels it
shipped. Each parcel is then mailed in three steps, as the confirmation
email is (storefront.orders.emails), with no transaction open while the mail
server is talked to:

1. claim: in one short transaction, the due parcels no other sender holds
   (rows locked by another claim or a correction are skipped) are taken for
   CLAIM_SECONDS: two runs never take the same parcel;
2. send, outside any transaction, over one mail-server connection for the
   whole batch; a failed send gives back the claims of the parcels not sent
   yet and raises, so the task retries them;
3. mark: `shipping_email_sent_at`, not due any more, and the
   SHIPPING_EMAIL_SENT events, in one transaction, each parcel only if its
   tracking number is still the one that was mailed. A number corrected
   during the send leaves the parcel due, and the same sender mails it
   again.

A lost task (a broker restart, retries used up) or a sender that died after
claiming leaves the parcel due: the sweep `shipping_emails_send_unsent`
mails it once its claim has expired. A sender that died between sending and
marking is the one case mailed twice ("at least once", as for the
confirmation).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .carriers import carrier_name, tracking_url
from .emails import order_link
from .models import Fulfillment, FulfillmentStatus, OrderEvent, OrderEventType

log = logging.getLogger(__name__)

# Longer than any send can take (EMAIL_TIMEOUT bounds one SMTP call).
CLAIM_SECONDS = 600
# The shipment's own task gets this long before the sweep steps in.
SWEEP_GRACE = timedelta(minutes=5)
# Shipments older than this are not announced any more.
SWEEP_HORIZON = timedelta(days=7)
SWEEP_BATCH = 200


def _message_context(fulfillment: Fulfillment) -> dict:
    order = fulfillment.order
    return {
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


def send_shipping_notice(fulfillment: Fulfillment, connection=None) -> None:
    order = fulfillment.order
    send_mail(
        subject=(
            f"【共富工坊】订单 {order.number} 已发货 / Order {order.number} has shipped"
        ),
        message=render_to_string(
            "orders/shipping_email.txt", _message_context(fulfillment)
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
        connection=connection,
    )


def _unclaimed(now) -> Q:
    return Q(shipping_email_claimed_until__isnull=True) | Q(
        shipping_email_claimed_until__lt=now
    )


def _due() -> Q:
    return Q(status=FulfillmentStatus.SHIPPED, shipping_email_due=True)


def shipping_emails_claim(*, fulfillment_ids: list[int]) -> list[int]:
    """Take, for this sender, those of the parcels whose shipping email is due
    and that no other sender holds; their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Fulfillment.objects.select_for_update(skip_locked=True)
            .filter(_due(), _unclaimed(now), pk__in=fulfillment_ids)
            .values_list("pk", flat=True)
        )
        Fulfillment.objects.filter(pk__in=ids).update(
            shipping_email_claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    return ids


def shipping_email_claim(*, fulfillment_id: int) -> bool:
    return bool(shipping_emails_claim(fulfillment_ids=[fulfillment_id]))


def _mark_sent(sent: list[Fulfillment]) -> list[int]:
    """Mark the parcels mailed; the ids whose number was corrected meanwhile
    (still due, their claim given back)."""
    sent = sorted(sent, key=lambda parcel: (parcel.order_id, parcel.pk))
    corrected = []
    now = timezone.now()
    with transaction.atomic():
        # The events first: their orders' rows are share-locked in pk order,
        # before any parcel, as shipping and corrections lock orders, then
        # parcels.
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order=parcel.order,
                type=OrderEventType.SHIPPING_EMAIL_SENT,
                data={
                    "to": parcel.order.email,
                    "workshop": parcel.workshop.name,
                    "carrier": parcel.carrier,
                    "tracking_number": parcel.tracking_number,
                },
            )
            for parcel in sent
        )
        for parcel in sent:
            if not Fulfillment.objects.filter(
                pk=parcel.pk,
                carrier=parcel.carrier,
                tracking_number=parcel.tracking_number,
            ).update(
                shipping_email_due=False,
                shipping_email_claimed_until=None,
                shipping_email_sent_at=now,
            ):
                corrected.append(parcel.pk)
        Fulfillment.objects.filter(pk__in=corrected).update(
            shipping_email_claimed_until=None
        )
    return corrected


def shipping_emails_send(*, fulfillment_ids: list[int]) -> int:
    """Mail the customers of these parcels whose shipping email is due and
    not being mailed by another sender; the number sent. A failed send
    raises, after marking those sent and giving back the others."""
    claimed = shipping_emails_claim(fulfillment_ids=fulfillment_ids)
    if not claimed:
        return 0
    parcels = list(
        Fulfillment.objects.filter(pk__in=claimed)
        .select_related("order", "workshop")
        .prefetch_related("order__lines")
        .order_by("pk")
    )
    no_email = [parcel.pk for parcel in parcels if not parcel.order.email]
    Fulfillment.objects.filter(pk__in=no_email).update(
        shipping_email_due=False, shipping_email_claimed_until=None
    )
    sent: list[Fulfillment] = []
    try:
        with get_connection() as connection:
            for parcel in parcels:
                if parcel.order.email:
                    send_shipping_notice(parcel, connection)
                    sent.append(parcel)
    except BaseException:
        unsent = set(claimed) - {p.pk for p in sent} - set(no_email)
        Fulfillment.objects.filter(pk__in=unsent).update(
            shipping_email_claimed_until=None
        )
        raise
    finally:
        corrected = _mark_sent(sent) if sent else []
    if corrected:
        # The correction's own task found these claimed by this sender.
        shipping_emails_send(fulfillment_ids=corrected)
    return len(sent)


def shipping_email_send(*, fulfillment_id: int) -> bool:
    """`shipping_emails_send` for one parcel: True if this call mailed it."""
    return bool(shipping_emails_send(fulfillment_ids=[fulfillment_id]))


def shipping_emails_send_unsent() -> int:
    """Mail every due shipping email whose task was lost or gave up, oldest
    first; the number sent. A mail server that fails is logged and the rest
    left for the next sweep."""
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
    if not ids:
        return 0
    try:
        return shipping_emails_send(fulfillment_ids=ids)
    except Exception:  # noqa: BLE001 - the next sweep tries them again
        log.exception("shipping emails of %d parcels not all sent", len(ids))
        return 0
