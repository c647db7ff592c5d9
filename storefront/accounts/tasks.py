"""The account emails leave through these tasks, scheduled after commit:
the request that asked for one never waits on the mail server (so its
answer takes as long whether or not an account exists), and a mail server
that is down is tried again with backoff."""

from celery import shared_task

from . import emails

RETRIES = {
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(**RETRIES)
def send_verification(user_id: int, link_base: str = "") -> None:
    emails.send_verification(user_id=user_id, link_base=link_base)


@shared_task(**RETRIES)
def send_signup_attempt(user_id: int) -> None:
    emails.send_signup_attempt(user_id=user_id)


@shared_task(**RETRIES)
def send_password_reset(email: str, link_base: str = "") -> int:
    return emails.send_password_reset(email=email, link_base=link_base)


@shared_task(**RETRIES)
def send_deletion_link(user_id: int, link_base: str) -> None:
    emails.send_deletion_link(user_id=user_id, link_base=link_base)
