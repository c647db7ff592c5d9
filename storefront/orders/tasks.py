from celery import shared_task

from .emails import order_confirmation_send, order_confirmations_send_unsent


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
