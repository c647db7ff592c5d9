"""System checks of the accounts app (`manage.py check`, runserver, deploy)."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
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
