"""How often the address paste (cpca, CPU heavy, open to guests at the
checkout) may run: per client address (storefront.core.client_ip, which
trusts only our own proxies) and, signed in, per user as well. Counted in
the cache (Redis) by django-ratelimit; settings ADDRESS_PASTE_RATE_PER_IP
and ADDRESS_PASTE_RATE_PER_USER. With Redis unreachable nothing is limited
(RATELIMIT_FAIL_OPEN): the shop keeps serving."""

import ipaddress

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from storefront.accounts.errors import AccountError, AccountErrorCode
from storefront.core.client_ip import client_ip

TOO_MANY_REQUESTS = 429


def _client(group, request) -> str:
    address = client_ip(request)
    if address is None:
        return "unknown"
    if ":" in address:
        # One IPv6 subscriber holds a whole /64: count it as one client.
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


def _user(group, request) -> str:
    return str(request.user.pk)


def paste_refusal(request) -> AccountError | None:
    """Count this paste; PASTE_TOO_OFTEN when the client or the user is over
    its rate, else None."""
    limited = is_ratelimited(
        request,
        group="address-paste:ip",
        key=_client,
        rate=settings.ADDRESS_PASTE_RATE_PER_IP,
        increment=True,
    )
    if request.user.is_authenticated:
        limited = (
            is_ratelimited(
                request,
                group="address-paste:user",
                key=_user,
                rate=settings.ADDRESS_PASTE_RATE_PER_USER,
                increment=True,
            )
            or limited
        )
    if limited:
        return AccountError(AccountErrorCode.PASTE_TOO_OFTEN, field="text")
    return None
