"""The address a request came from, as the login lockout and the unique
visitors of host links count it.

REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies of our own sit in
front and append the address they saw to X-Forwarded-For. Only those last
entries are trusted: everything left of them was written by the client and
could name any address, which would let a guesser pick a fresh one per try.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        chain = [
            hop
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        # The first proxy appended the client; each further one the proxy
        # before it, so the client is `proxies` entries from the right.
        if len(chain) >= proxies and (found := _valid(chain[-proxies])):
            return found
    return _valid(remote)
