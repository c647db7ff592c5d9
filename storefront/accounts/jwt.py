"""JWTs for API clients, shaped like Saleor's (saleor/core/jwt.py): an access
token that lives JWT_ACCESS_TTL seconds (5 minutes) and a refresh token that
lives JWT_REFRESH_TTL (30 days), both signed RS256 with the private key in
JWT_PRIVATE_KEY (PEM), both carrying `type`, `user_id` (the User's global
ID), `email`, `iat`, `exp`, `iss` and `token`: a fingerprint of the
account's per-user key (Profile.jwt_token_key) and of its password hash.
Changing the password, tokens_deactivate_all() or deleting the account
changes the fingerprint (or deactivates the account), so every token issued
before fails. The public key is published as a JWKS (jwks(), served at
/.well-known/jwks.json) with its RFC 7638 thumbprint as `kid`.

Without JWT_PRIVATE_KEY: with DEBUG off, the first use raises
ImproperlyConfigured (and `manage.py check` reports accounts.E001); with
DEBUG on, a key is generated in memory for this process, with a warning
(its tokens die with the process). `make run` generates one once into
var/jwt_private_key.pem."""

import base64
import hashlib
import json
import logging
import secrets
import threading
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from jwt.algorithms import RSAAlgorithm

from .errors import AccountError, AccountErrorCode
from .models import Profile

logger = logging.getLogger(__name__)

ACCESS = "access"
REFRESH = "refresh"
ALGORITHM = "RS256"
ISSUER = "gongfu-shop"
MIN_KEY_BITS = 2048
_FINGERPRINT_SALT = "storefront.accounts.jwt.user-fingerprint"

_lock = threading.Lock()
_loaded: dict = {}


def generate_private_key_pem() -> str:
    """A new 2048-bit RSA private key, PKCS#8 PEM (what JWT_PRIVATE_KEY holds)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _load(pem: str):
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "JWT_PRIVATE_KEY is not an unencrypted PEM private key"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(
            f"JWT_PRIVATE_KEY must be an RSA key of at least {MIN_KEY_BITS} bits"
        )
    return key


def private_key():
    """The signing key (see the module for what happens without one)."""
    pem = (getattr(settings, "JWT_PRIVATE_KEY", "") or "").strip()
    with _lock:
        if pem:
            if _loaded.get("pem") != pem:
                _loaded.update(pem=pem, key=_load(pem))
            return _loaded["key"]
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "JWT_PRIVATE_KEY is not set: API sign-in (tokenCreate) needs an "
                "RSA private key in PEM (see README, Configuration)."
            )
        if "generated" not in _loaded:
            logger.warning(
                "JWT_PRIVATE_KEY is not set: signing JWTs with a key generated "
                "in memory (DEBUG only; tokens die with this process)."
            )
            _loaded["generated"] = _load(generate_private_key_pem())
        return _loaded["generated"]


def public_jwk() -> dict:
    """The public half of the signing key as a JWK, `kid` its RFC 7638
    thumbprint."""
    key = private_key()
    cached = _loaded.get("jwk")
    if cached is not None and cached[0] is key:
        return cached[1]
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    canonical = json.dumps(
        {name: jwk[name] for name in ("e", "kty", "n")},
        separators=(",", ":"),
        sort_keys=True,
    )
    thumbprint = hashlib.sha256(canonical.encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    jwk = {**jwk, "use": "sig", "alg": ALGORITHM, "kid": kid}
    _loaded["jwk"] = (key, jwk)
    return jwk


def jwks() -> dict:
    """What /.well-known/jwks.json serves."""
    return {"keys": [public_jwk()]}


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


def _encode(user, token_type: str, ttl: int, audience=None, **extra) -> str:
    if audience:
        extra["aud"] = f"custom:{audience}"
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
    return jwt.encode(
        payload,
        private_key(),
        algorithm=ALGORITHM,
        headers={"kid": public_jwk()["kid"]},
    )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def create_access_token(user, *, audience: str | None = None) -> str:
    return _encode(user, ACCESS, settings.JWT_ACCESS_TTL, audience=audience)


def create_refresh_token(user, *, csrf_token: str, audience: str | None = None) -> str:
    return _encode(
        user,
        REFRESH,
        settings.JWT_REFRESH_TTL,
        audience=audience,
        csrf_token=csrf_token,
    )


def decode(token: str) -> dict:
    """The payload of a token this shop signed (RS256 with its key, nothing
    else) and that has not expired; AccountError JWT_SIGNATURE_EXPIRED or
    JWT_INVALID_TOKEN otherwise. The `aud` a client asked for is carried,
    not checked (Saleor's apps check it)."""
    key = private_key().public_key()
    try:
        return jwt.decode(
            token or "",
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["exp", "iat", "iss", "type", "user_id", "token"],
                "verify_aud": False,
            },
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
