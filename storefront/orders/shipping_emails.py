"""The "已发货 shipped" email to the customer, once per parcel shipment.

The same three steps as the confirmation email (storefront.orders.emails), on
`Fulfillment.shipping_email_sent_at`, with no transaction open while the mail
server is talked to:

1. claim: one conditional UPDATE sets `shipping_email_sent_at` if it is
   empty (two runs of the task: exactly one wins);
2. send, outside any transaction; a failed send empties it again, so the
   task's retry sends it;
3. mark: the SHIPPING_EMAIL_SENT event.

Claim and mark share the one column the parcel has for it, so a sender that
dies between claiming and sending loses this notice ("at most once"). Unlike
the confirmation, it carries nothing the customer cannot find elsewhere: the
order page, reached by the confirmation's link, shows carrier, number and the
tracking link.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .carriers import carrier_name, tracking_url
from .emails import order_link
from .models import Fulfillment, FulfillmentStatus, OrderEventType
from .services import order_event


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


def shipping_email_send(*, fulfillment_id: int) -> bool:
    """Mail the customer that the parcel shipped, unless it has been mailed or
    is being mailed. True if this call sent it; a failed send raises and
    leaves it for a retry."""
    claimed = Fulfillment.objects.filter(
        pk=fulfillment_id,
        status=FulfillmentStatus.SHIPPED,
        shipping_email_sent_at__isnull=True,
    ).update(shipping_email_sent_at=timezone.now())
    if not claimed:
        return False
    fulfillment = Fulfillment.objects.select_related("order", "workshop").get(
        pk=fulfillment_id
    )
    if not fulfillment.order.email:
        return False
    try:
        send_shipping_notice(fulfillment)
    except BaseException:
        Fulfillment.objects.filter(pk=fulfillment_id).update(
            shipping_email_sent_at=None
        )
        raise
    with transaction.atomic():
        order_event(
            order=fulfillment.order,
            type=OrderEventType.SHIPPING_EMAIL_SENT,
            to=fulfillment.order.email,
            workshop=fulfillment.workshop.name,
            tracking_number=fulfillment.tracking_number,
        )
    return True
