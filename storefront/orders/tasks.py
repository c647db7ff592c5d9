from celery import shared_task

from .emails import order_confirmation_send, order_confirmations_send_unsent
from .notices import (
    workshop_notices_send,
    workshop_notices_send_unsent,
    workshop_wecom_post,
)
from .shipping_emails import shipping_emails_send, shipping_emails_send_unsent


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_order_confirmation(self, order_id: int) -> bool:
    """Once per order (storefront.orders.emails): a repeat, or a sweep that
    got there first, sends nothing. Past its retries, the sweep takes over."""
    try:
        return order_confirmation_send(order_id=order_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_unsent_confirmations() -> int:
    """Mail every paid order's confirmation that was never sent (a lost task,
    a mail server that was down); every few minutes by beat."""
    return order_confirmations_send_unsent()


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_shipping_emails(self, fulfillment_ids: list[int]) -> int:
    """Once per shipment (storefront.orders.shipping_emails): a repeat sends
    nothing; when the mail server is down, the parcels not mailed yet are
    tried again. The number sent by this run."""
    try:
        return shipping_emails_send(fulfillment_ids=fulfillment_ids)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_unsent_shipping_emails() -> int:
    """Mail every shipment whose email is due and was never sent (a lost
    task, a mail server that was down); every few minutes by beat."""
    return shipping_emails_send_unsent()


# New-order notices (storefront.orders.notices). Retried with backoff (60 s,
# 120 s, … up to 10 min); past its retries, the sweep below takes over.
@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def notify_workshops(order_id: int) -> int:
    """Tell each workshop of a paid order of its own parcel, once: a repeat,
    or a sweep that got there first, sends nothing."""
    return workshop_notices_send(order_id=order_id)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def post_workshop_wecom(fulfillment_id: int) -> bool:
    """Post a parcel's WeCom message again after the robot failed it (the
    email went out already and is not repeated)."""
    return workshop_wecom_post(fulfillment_id=fulfillment_id)


@shared_task
def send_unsent_workshop_notices() -> int:
    """Notify the workshop of every paid parcel whose notice was never sent
    (a lost task, a mail server that was down); every few minutes by beat."""
    return workshop_notices_send_unsent()
