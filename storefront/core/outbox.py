"""Emails that must leave once each, written as rows (an "outbox") in the
transaction of the step that causes them and sent by a task after commit.

A row has `claimed_until` and `sent_at`. Sending claims the row in a short
transaction (skipping rows another sender holds), talks to the mail server
with no transaction open, then marks it sent. A lost task, or a sender that
died after claiming, leaves the row unsent: the sweep mails it once the claim
has expired."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_HORIZON = timedelta(days=14)
SWEEP_BATCH = 200


def unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def outbox_claim(model: type[models.Model], pk: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(unclaimed(now), pk=pk, sent_at__isnull=True)
            .values_list("pk", flat=True)
        )
        model.objects.filter(pk__in=ids).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    return bool(ids)


def outbox_send(
    model: type[models.Model],
    pk: int,
    *,
    send: Callable[[models.Model], None],
    sent: Callable[[models.Model], None] | None = None,
    related: tuple[str, ...] = (),
) -> bool:
    """Send one row unless sent or held by another sender; True if this call
    sent it. `sent` runs in the transaction that marks the row (an event).
    A failed send gives the claim back and raises."""
    if not outbox_claim(model, pk):
        return False
    row = model.objects.select_related(*related).get(pk=pk)
    try:
        send(row)
    except BaseException:
        model.objects.filter(pk=pk).update(claimed_until=None)
        raise
    with transaction.atomic():
        model.objects.filter(pk=pk).update(sent_at=timezone.now(), claimed_until=None)
        if sent is not None:
            sent(row)
    return True


def outbox_sweep(
    model: type[models.Model], send_one: Callable[[int], bool], label: str
) -> int:
    """Send every row whose task was lost or gave up, oldest first; the number
    sent. A failing mail server is logged and left for the next sweep."""
    now = timezone.now()
    ids = list(
        model.objects.filter(
            unclaimed(now),
            sent_at__isnull=True,
            created_at__lt=now - SWEEP_GRACE,
            created_at__gte=now - SWEEP_HORIZON,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count = 0
    for pk in ids:
        try:
            count += send_one(pk)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("%s %s not sent", label, pk)
            break
    return count
