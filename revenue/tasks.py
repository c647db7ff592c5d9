from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from storefront.orders.models import Order

from .models import EntryKind
from .payouts import payout_batch_propose_scheduled
from .services import orders_allocate

# Orders paid this recently are left to their own task before the sweep.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_BATCH = 500


@shared_task
def allocate_order(order_id: int) -> int:
    """Split one paid order (a no-op if it already is)."""
    return orders_allocate(order_ids=[order_id])


@shared_task
def allocate_unsplit_orders() -> int:
    """Split paid orders whose own task never ran (a broker outage, a crash):
    each order is still split exactly once."""
    cutoff = timezone.now() - SWEEP_GRACE
    ids = list(
        Order.objects.filter(paid_fen__gt=0, paid_at__lt=cutoff)
        .exclude(journal_entries__kind=EntryKind.SALE)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return orders_allocate(order_ids=ids)


@shared_task
def propose_payout_batch() -> int | None:
    batch = payout_batch_propose_scheduled()
    return batch.pk if batch else None


@shared_task
def send_batch_transfers(batch_id: int) -> int:
    """Send every approved Stripe payout of a batch that is not paid yet."""
    from .models import Payout, PayoutMethod, PayoutStatus
    from .payouts import payout_send

    sent = 0
    pending = Payout.objects.filter(
        batch_id=batch_id,
        method=PayoutMethod.STRIPE,
        status__in=(PayoutStatus.PENDING, PayoutStatus.SENDING),
    ).order_by("pk")
    for payout in pending:
        if payout_send(payout=payout).status == PayoutStatus.PAID:
            sent += 1
    return sent
