"""The only module that talks to Stripe. Amounts are fen, currency `cny`.

Settings decide where Stripe is: real Stripe with real keys, or the local
stand-in (localstripe) through STRIPE_API_BASE. The calls are the same."""

import time
from functools import lru_cache

import stripe
from django.conf import settings

from .errors import PaymentError, PaymentErrorCode

CURRENCY = "cny"


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=base, max_network_retries=2)


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentError(PaymentErrorCode.NOT_CONFIGURED)
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


PAYMENT_METHOD_TYPES = ("card", "alipay", "wechat_pay")


def payment_method_types() -> list[str]:
    """The types PAYMENT_METHODS enables, in a fixed order; cards always."""
    enabled = set(settings.PAYMENT_METHODS) | {"card"}
    return [m for m in PAYMENT_METHOD_TYPES if m in enabled]


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        raise PaymentError(
            PaymentErrorCode.PROVIDER_ERROR, detail=str(exc.user_message or exc)[:200]
        ) from exc


def create_payment_intent(*, amount_fen: int, metadata: dict, idempotency_key: str):
    params = {
        "amount": amount_fen,
        "currency": CURRENCY,
        "payment_method_types": payment_method_types(),
        "metadata": metadata,
    }
    if "wechat_pay" in params["payment_method_types"]:
        # The desktop QR code; a phone's browser asks for its own client when
        # it confirms (storefront/web/static/web/pay.js).
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    return _call(
        client().v1.payment_intents.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )


def retrieve_payment_intent(payment_intent_id: str):
    return _call(client().v1.payment_intents.retrieve, payment_intent_id)


def cancel_payment_intent(payment_intent_id: str):
    return _call(client().v1.payment_intents.cancel, payment_intent_id)


def create_refund(
    *, payment_intent_id: str, amount_fen: int, metadata: dict, idempotency_key: str
):
    return _call(
        client().v1.refunds.create,
        params={
            "payment_intent": payment_intent_id,
            "amount": amount_fen,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )


def create_connected_account(
    *, email: str, country: str = "CN", metadata: dict, idempotency_key: str
):
    """A Custom connected account that can receive transfers."""
    return _call(
        client().v1.accounts.create,
        params={
            "type": "custom",
            "country": country,
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )


def retrieve_account(account_id: str):
    return _call(client().v1.accounts.retrieve, account_id)


def create_transfer(
    *,
    amount_fen: int,
    destination: str,
    transfer_group: str,
    metadata: dict,
    idempotency_key: str,
):
    """Move amount_fen of the platform's balance to a connected account."""
    return _call(
        client().v1.transfers.create,
        params={
            "amount": amount_fen,
            "currency": CURRENCY,
            "destination": destination,
            "transfer_group": transfer_group,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )


def find_transfers(*, transfer_group: str) -> list:
    """Every transfer in the group, newest first (all pages)."""

    def fetch():
        page = client().v1.transfers.list(
            params={"transfer_group": transfer_group, "limit": 100}
        )
        return list(page.auto_paging_iter())

    return _call(fetch)


# How far a signature's timestamp may be from now, either way (Stripe's
# default; its library checks only the past).
SIGNATURE_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


def construct_event(payload: bytes, signature: str | None):
    """The verified event, or INVALID_SIGNATURE for anything unsigned,
    wrongly signed, stale, dated in the future or malformed."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise PaymentError(PaymentErrorCode.NOT_CONFIGURED)
    try:
        event = stripe.Webhook.construct_event(
            payload, signature or "", secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except (
        ValueError,
        TypeError,
        AttributeError,  # JSON that is not an object: [], "x", null
        stripe.SignatureVerificationError,
    ) as exc:
        raise PaymentError(PaymentErrorCode.INVALID_SIGNATURE) from exc
    if _signed_at(signature) > time.time() + SIGNATURE_TOLERANCE_SECONDS:
        raise PaymentError(PaymentErrorCode.INVALID_SIGNATURE)
    if not _well_formed(event.to_dict()):
        raise PaymentError(PaymentErrorCode.INVALID_SIGNATURE)
    return event


def _signed_at(header: str) -> int:
    """The `t=` of a header that has passed verification: the first one,
    read as Stripe's library reads it, is the one the signature covers."""
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value)
    raise PaymentError(PaymentErrorCode.INVALID_SIGNATURE)


def _well_formed(data: dict) -> bool:
    """Stripe's envelope: a string id and type, and an object in data."""
    body = data.get("data")
    return (
        isinstance(data.get("id"), str)
        and bool(data["id"])
        and isinstance(data.get("type"), str)
        and isinstance(body, dict)
        and isinstance(body.get("object"), dict)
    )
