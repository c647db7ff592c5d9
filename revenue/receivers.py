"""What revenue does when orders and payments announce a step
(storefront.core.hooks); registered in RevenueConfig.ready()."""

from django.db import transaction

from .order_split import orders_split, refund_reverse
from .tasks import split_order


def schedule_split(*, order) -> None:
    """order_paid: the split follows in its own task, once the payment has
    committed; a lost task is found by the beat sweep."""
    transaction.on_commit(lambda: split_order.delay(order.pk), robust=True)


def split_before_refund(*, order) -> None:
    """order_refunding: split the order now if its task has not yet, so that
    whatever would stop the split stops the refund first."""
    orders_split(order_ids=[order.pk])


def reverse_refunded_split(*, refund) -> None:
    """refund_booked: the refunded money leaves the order's split in
    proportion, in the transaction that books it."""
    refund_reverse(refund=refund)
