import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from storefront.orders.models import Order

from .errors import RevenueError
from .models import EntryKind, Payout, PayoutBatchStatus, PayoutMethod, PayoutStatus
from .order_split import orders_split
from .payout_notices import payout_notice_send, payout_notices_send_unsent
from .payouts import payout_batch_propose_scheduled, payout_send

log = logging.getLogger(__name__)

# Orders paid this recently are left to their own task before the sweep.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_BATCH = 500


@shared_task
def split_order(order_id: int) -> int:
    """Split one paid order (a no-op if it already is)."""
    return orders_split(order_ids=[order_id])


@shared_task
def split_unsplit_orders() -> int:
    """Split paid orders whose own task never ran (a broker outage, a crash):
    each order is still split exactly once. Walks forward by id, so orders
    that cannot be split yet never hold back the ones after them."""
    cutoff = timezone.now() - SWEEP_GRACE
    unsplit = (
        Order.objects.filter(paid_fen__gt=0, paid_at__lt=cutoff)
        .exclude(journal_entries__kind=EntryKind.SALE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    split, after = 0, 0
    while ids := list(unsplit.filter(pk__gt=after)[:SWEEP_BATCH]):
        after = ids[-1]
        split += _split_batch(ids)
    return split


def _split_batch(ids: list[int]) -> int:
    try:
        return orders_split(order_ids=ids)
    except RevenueError:
        pass
    # One order that cannot be split (no agreement in force on its day) must
    # not hold back the others: split them one by one, and leave it for a
    # later sweep, once an operator has added the agreement.
    split = 0
    for order_id in ids:
        try:
            split += orders_split(order_ids=[order_id])
        except RevenueError as exc:
            log.error("order %s not split: %s", order_id, exc)
    return split


@shared_task
def propose_payout_batch() -> int | None:
    batch = payout_batch_propose_scheduled()
    return batch.pk if batch else None


def _unsent(**filters):
    return Payout.objects.filter(
        batch__status=PayoutBatchStatus.APPROVED,
        method=PayoutMethod.STRIPE,
        status__in=(PayoutStatus.PENDING, PayoutStatus.SENDING),
        **filters,
    ).order_by("pk")


@shared_task
def send_batch_transfers(batch_id: int) -> int:
    """Send every approved Stripe payout of a batch that is not paid yet."""
    sent = 0
    for payout in _unsent(batch_id=batch_id):
        if payout_send(payout=payout).status == PayoutStatus.PAID:
            sent += 1
    return sent


@shared_task
def finish_unsent_transfers() -> int:
    """Approved Stripe payouts still pending or sending after a while (the
    task was lost, or a worker died mid-send) are sent again: payout_send
    finds a transfer Stripe already made, so nobody is paid twice. Failed
    ones wait for an operator."""
    cutoff = timezone.now() - SWEEP_GRACE
    sent = 0
    for payout in _unsent(batch__approved_at__lt=cutoff):
        if payout_send(payout=payout).status == PayoutStatus.PAID:
            sent += 1
    return sent


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_payout_notice(self, notice_id: int) -> bool:
    """One person's "sent" or "landed" email for a payout, once
    (revenue.payout_notices); past its retries, the sweep takes over."""
    try:
        return payout_notice_send(notice_id=notice_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_unsent_payout_notices() -> int:
    """Mail every payout notice that is due and was never sent."""
    return payout_notices_send_unsent()
