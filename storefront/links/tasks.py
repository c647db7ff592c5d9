from celery import shared_task

from . import emails
from .clicks import clicks_flush

# As storefront.accounts.tasks: a mail server that is down is tried again.
RETRIES = {
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task
def flush_clicks() -> int:
    """Move the taps counted in Redis into the database (every 30 s by beat).
    Safe to run twice at once or after a crash: see storefront.links.clicks."""
    return clicks_flush()


@shared_task(**RETRIES)
def send_application_decided(application_id: int) -> bool:
    """Tell the applicant the brand's decision (scheduled after commit)."""
    return emails.send_application_decided(application_id=application_id)
