"""How many account emails of one kind an address may receive: a stranger
can type anyone's address into the reset or sign-up form, and the shop must
not become a way to flood a mailbox. Over the rate (ACCOUNT_MAIL_RATE per
address and kind, counted in the cache by django-ratelimit) nothing is sent
and the caller answers exactly as it would have, so the limit tells nothing
about the address. With the cache unreachable nothing is limited
(RATELIMIT_FAIL_OPEN), as for the address paste."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def mail_allowed(kind: str, address: str) -> bool:
    """Count one `kind` email to `address`; False when it is over the rate."""
    recipient = (address or "").strip().lower()
    return not is_ratelimited(
        None,
        group=f"account-mail:{kind}",
        key=lambda group, request: recipient,
        rate=settings.ACCOUNT_MAIL_RATE,
        increment=True,
    )
