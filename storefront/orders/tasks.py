from celery import shared_task
from django.db import transaction

from .emails import send_confirmation
from .models import Order, OrderEvent, OrderEventType
from .services import order_event


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_order_confirmation(self, order_id: int) -> None:
    """Once per order: the EMAIL_SENT event is the receipt."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if OrderEvent.objects.filter(
            order=order, type=OrderEventType.EMAIL_SENT
        ).exists():
            return
        try:
            send_confirmation(order)
        except OSError as exc:
            raise self.retry(exc=exc) from exc
        order_event(order=order, type=OrderEventType.EMAIL_SENT, to=order.email)
