from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import gateway
from .errors import PaymentError
from .models import Payment, PaymentStatus
from .services import payment_settle

# A payment younger than this is still being paid in the customer's browser.
RECONCILE_AFTER = timedelta(minutes=2)


@shared_task
def reconcile_pending_payments() -> dict:
    """Ask Stripe about every payment still pending, in case a webhook was
    lost; settle what Stripe says. Idempotent: run it as often as you like."""
    cutoff = timezone.now() - RECONCILE_AFTER
    ids = list(
        Payment.objects.filter(
            status=PaymentStatus.PENDING, created_at__lt=cutoff
        ).values_list("payment_intent_id", flat=True)[:500]
    )
    outcomes = {"checked": 0, "unreachable": 0}
    for intent_id in ids:
        try:
            intent = gateway.retrieve_payment_intent(intent_id)
        except PaymentError:
            outcomes["unreachable"] += 1
            continue
        payment_settle(intent=intent, source="reconciliation")
        outcomes["checked"] += 1
    return outcomes
