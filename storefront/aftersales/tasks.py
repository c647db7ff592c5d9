from celery import shared_task

from .emails import aftersales_email_send, aftersales_emails_send_unsent


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_aftersales_email(self, email_id: int) -> bool:
    """One step's email to the shopper, once (storefront.aftersales.emails);
    past its retries, the sweep takes over."""
    try:
        return aftersales_email_send(email_id=email_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_unsent_aftersales_emails() -> int:
    """Mail every after-sales step whose email is due and was never sent."""
    return aftersales_emails_send_unsent()
