"""System checks of the accounts app. The JWT key is a deploy check
(`manage.py check --deploy`): the shop's other commands (imports, the
ledger check) must run without it; API sign-in refuses at its first token."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register(deploy=True)
def jwt_private_key_check(app_configs=None, **kwargs):
    """accounts.E001: with DEBUG off, JWT_PRIVATE_KEY must hold an RSA key."""
    if settings.DEBUG and not settings.JWT_PRIVATE_KEY:
        return []
    from .jwt import private_key

    try:
        private_key()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set JWT_PRIVATE_KEY to an RSA private key in PEM "
                "(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048).",
                id="accounts.E001",
            )
        ]
    return []
