"""JWTs for API clients, shaped like Saleor's (saleor/core/jwt.py): an access
token that lives JWT_ACCESS_TTL seconds (5 minutes) and a refresh token that
lives JWT_REFRESH_TTL (30 days), both HS256 with a key derived from
SECRET_KEY (never a literal), both carrying `type`, `user_id` (the User's
global ID), `email`, `iat`, `exp`, `iss` and `token`: a fingerprint of the
account's per-user key (Profile.jwt_token_key) and of its password hash.
Changing the password or tokens_deactivate_all() changes the fingerprint, so
every token issued before fails."""

import base64
import secrets
import time

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from .errors import AccountError, AccountErrorCode
from .models import Profile

ACCESS = "access"
REFRESH = "refresh"
ALGORITHM = "HS256"
ISSUER = "gongfu-shop"
_KEY_SALT = "storefront.accounts.jwt.signing-key"
_FINGERPRINT_SALT = "storefront.accounts.jwt.user-fingerprint"


def _signing_key() -> str:
    return salted_hmac(_KEY_SALT, "HS256", algorithm="sha256").hexdigest()


def user_global_id(user) -> str:
    """Relay's global ID ("User:<pk>", base64), as the API shows the user."""
    return base64.b64encode(f"User:{user.pk}".encode()).decode()


def _user_pk(global_id) -> int | None:
    try:
        type_name, pk = base64.b64decode(str(global_id)).decode().split(":", 1)
        return int(pk) if type_name == "User" and pk.isdigit() else None
    except (ValueError, UnicodeDecodeError):
        return None


def _profile(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _fingerprint(user, key: str) -> str:
    return salted_hmac(
        _FINGERPRINT_SALT, f"{key}:{user.password}", algorithm="sha256"
    ).hexdigest()[:32]


def _encode(user, token_type: str, ttl: int, **extra) -> str:
    now = int(time.time())
    payload = {
        "iat": now,
        "exp": now + ttl,
        "iss": ISSUER,
        "type": token_type,
        "user_id": user_global_id(user),
        "email": user.email,
        "is_staff": user.is_staff,
        "token": _fingerprint(user, _profile(user).jwt_token_key),
        **extra,
    }
    return jwt.encode(payload, _signing_key(), algorithm=ALGORITHM)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def create_access_token(user) -> str:
    return _encode(user, ACCESS, settings.JWT_ACCESS_TTL)


def create_refresh_token(user, *, csrf_token: str) -> str:
    return _encode(user, REFRESH, settings.JWT_REFRESH_TTL, csrf_token=csrf_token)


def decode(token: str) -> dict:
    """The payload of a token this shop signed and that has not expired;
    AccountError JWT_SIGNATURE_EXPIRED or JWT_INVALID_TOKEN otherwise."""
    try:
        return jwt.decode(
            token or "",
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "type", "user_id", "token"]},
        )
    except jwt.ExpiredSignatureError:
        raise AccountError(
            AccountErrorCode.JWT_SIGNATURE_EXPIRED, field="token"
        ) from None
    except jwt.PyJWTError:
        raise AccountError(AccountErrorCode.JWT_INVALID_TOKEN, field="token") from None


def user_of(token: str, *, token_type: str = ACCESS, field: str = "token"):
    """The active user a valid token of `token_type` names, as long as its
    fingerprint still matches (no password change, no deactivation since);
    AccountError otherwise."""
    try:
        payload = decode(token)
    except AccountError as error:
        error.field = field
        raise
    pk = _user_pk(payload.get("user_id"))
    user = None
    if payload.get("type") == token_type and pk is not None:
        user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not constant_time_compare(
        str(payload.get("token")), _fingerprint(user, _profile(user).jwt_token_key)
    ):
        raise AccountError(AccountErrorCode.JWT_INVALID_TOKEN, field=field)
    return user


def payload_of(token: str, *, token_type: str = ACCESS) -> tuple:
    """(user, payload) of a still valid token (tokenVerify)."""
    user = user_of(token, token_type=token_type)
    return user, decode(token)


def refresh_csrf_matches(token: str, csrf_token: str) -> bool:
    return constant_time_compare(str(decode(token).get("csrf_token", "")), csrf_token)


def tokens_deactivate_all(*, user) -> None:
    """A new per-user key: every token issued to the account stops working."""
    with transaction.atomic():
        profile = _profile(user)
        profile.jwt_token_key = secrets.token_hex(16)
        profile.save(update_fields=["jwt_token_key", "updated_at"])
