"""Stripe Connect for the local Stripe stand-in: connected accounts, transfers.

localstripe 1.15 has neither, so the launcher adds these routes to its app:

- ``POST /v1/accounts``, ``GET /v1/accounts/{id}``, ``GET /v1/accounts``;
- ``POST /v1/transfers``, ``GET /v1/transfers/{id}``, ``GET /v1/transfers``
  (filters ``transfer_group``, ``destination``; newest first).

Every account is treated as onboarded: charges and payouts are enabled, and
its ``transfers`` capability is active unless it was created with
``capabilities[transfers][requested]=false``. The platform's balance is not
checked before a transfer.

localstripe ignores the ``Idempotency-Key`` header everywhere (stripe-python
sends one with every POST, its own random one when the caller gives none).
The two POST routes here honour it as Stripe does: the same key with the same
parameters replays the first response with ``Idempotent-Replayed: true`` and
creates nothing; with other parameters (or on the other route) it is a 400
``idempotency_error``. Keys are scoped per secret key, as Stripe scopes them
per account. Only successful responses are kept, so a request that failed
(unknown destination, say) may be retried with the same key once fixed.
Everything lives in localstripe's in-memory ``store``.
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import StripeObject, store, try_convert_to_bool

ACCOUNTS_URL = "/v1/accounts"
TRANSFERS_URL = "/v1/transfers"
ACCOUNT_TYPES = ("custom", "express", "standard")
DEFAULT_COUNTRY = "CN"
NO_TRANSFERS_CAPABILITY = (
    "Your destination account needs to have at least one of the following "
    "capabilities enabled: transfers, crypto_transfers, legacy_payments"
)
IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters "
    "they were first used with. Try using a key other than '{key}' if you meant "
    "to execute a different request."
)


def _bad_param(param: str, message: str, code: str = "parameter_invalid") -> UserError:
    return UserError(400, message, {"code": code, "param": param})


def _optional(param: str, value, kind: type):
    if value is not None and not isinstance(value, kind):
        raise _bad_param(param, f"Invalid {param}.")
    return value


def _retrieve(cls, id):
    """Stripe's 404 for an unknown id, rather than localstripe's bare one."""
    obj = store.get(f"{cls.object}:{id}")
    if obj is None:
        raise UserError(
            404,
            f"No such {cls.object}: '{id}'",
            {"code": "resource_missing", "param": "id"},
        )
    return obj


def _newest_first(page, keep=lambda obj: True):
    # The store keeps insertion order, which is creation order; `created`
    # alone ties within a second.
    page._list = [obj for obj in reversed(page._list) if keep(obj)]
    return page


def _positive_integer(param: str, value) -> int:
    if value is None:
        raise _bad_param(
            param, f"Missing required param: {param}.", "parameter_missing"
        )
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad_param(
            param, f"Invalid integer: {value}", "parameter_invalid_integer"
        )
    if value < 1:
        raise _bad_param(
            param,
            "This value must be greater than or equal to 1.",
            "parameter_invalid_integer",
        )
    return value


def _transfers_requested(capabilities) -> bool:
    """``capabilities[transfers][requested]``, true unless given as false."""
    transfers = (_optional("capabilities", capabilities, dict) or {}).get("transfers")
    requested = _optional("capabilities[transfers]", transfers, dict) or {}
    requested = try_convert_to_bool(requested.get("requested", True))
    if not isinstance(requested, bool):
        raise _bad_param(
            "capabilities[transfers][requested]", f"Invalid boolean: {requested}"
        )
    return requested


class Account(StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self,
        type=None,
        country=None,
        email=None,
        business_profile=None,
        metadata=None,
        capabilities=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        if type is None:
            raise _bad_param(
                "type", "Missing required param: type.", "parameter_missing"
            )
        if type not in ACCOUNT_TYPES:
            raise _bad_param("type", f"Invalid type: must be one of {ACCOUNT_TYPES}")
        country = _optional("country", country, str) or DEFAULT_COUNTRY
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            raise _bad_param("country", f"Invalid country: {country}")
        requested = _transfers_requested(capabilities)
        _optional("email", email, str)
        _optional("business_profile", business_profile, dict)
        _optional("metadata", metadata, dict)

        # All exceptions must be raised before this point.
        super().__init__()

        self.type = type
        self.country = country.upper()
        self.email = email
        self.business_profile = business_profile
        self.metadata = metadata or {}
        self.capabilities = {"transfers": "active" if requested else "inactive"}
        self.charges_enabled = True
        self.payouts_enabled = True

    _api_retrieve = classmethod(_retrieve)

    @classmethod
    def _api_list_all(cls, url, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        return _newest_first(super()._api_list_all(url, limit, starting_after))


class Transfer(StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount=None,
        currency=None,
        destination=None,
        transfer_group=None,
        description=None,
        metadata=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        amount = _positive_integer("amount", amount)
        if currency is None:
            raise _bad_param(
                "currency", "Missing required param: currency.", "parameter_missing"
            )
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise _bad_param("currency", f"Invalid currency: {currency}")
        if destination is None:
            raise _bad_param(
                "destination",
                "Missing required param: destination.",
                "parameter_missing",
            )
        account = store.get(f"account:{destination}")
        if account is None:
            raise _bad_param(
                "destination",
                f"No such destination: '{destination}'",
                "resource_missing",
            )
        if account.capabilities["transfers"] != "active":
            raise _bad_param(
                "destination",
                NO_TRANSFERS_CAPABILITY,
                "insufficient_capabilities_for_transfer",
            )
        _optional("transfer_group", transfer_group, str)
        _optional("description", description, str)
        _optional("metadata", metadata, dict)

        # All exceptions must be raised before this point.
        super().__init__()

        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency.lower()
        self.destination = destination
        self.transfer_group = transfer_group
        self.description = description
        self.metadata = metadata or {}
        self.reversed = False

    _api_retrieve = classmethod(_retrieve)

    @classmethod
    def _api_list_all(
        cls,
        url,
        transfer_group=None,
        destination=None,
        limit=None,
        starting_after=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        return _newest_first(
            super()._api_list_all(url, limit, starting_after),
            lambda transfer: (
                transfer_group in (None, transfer.transfer_group)
                and destination in (None, transfer.destination)
            ),
        )


# --- idempotency keys ----------------------------------------------------------

# Held from the key's check until its response is kept, so that a retry
# arriving meanwhile waits and is then replayed instead of creating twice.
_IDEMPOTENCY_LOCK = asyncio.Lock()


def idempotent(handler):
    """Honour ``Idempotency-Key`` on a POST route, as the module docstring says."""

    async def handle(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return await handler(request)
        sent = (request.path, await server.get_post_data(request) or {})
        store_key = f"idempotency_key:{server.get_api_key(request)}:{key}"
        async with _IDEMPOTENCY_LOCK:
            kept = store.get(store_key)
            if kept is not None:
                first, body = kept
                if first != sent:
                    error = UserError(400, IDEMPOTENCY_MISMATCH.format(key=key))
                    error.body["error"]["type"] = "idempotency_error"
                    raise error
                return web.Response(
                    body=body,
                    content_type="application/json",
                    charset="utf-8",
                    headers={"Idempotent-Replayed": "true"},
                )
            response = await handler(request)
            if response.status == 200:
                store[store_key] = (sent, response.body)
            return response

    return handle


def add_routes(app: web.Application) -> None:
    """Add the Connect routes to the launcher's application."""
    for cls, url in ((Account, ACCOUNTS_URL), (Transfer, TRANSFERS_URL)):
        app.router.add_post(url, idempotent(server.api_create(cls, url)))
        app.router.add_get(url + "/{id}", server.api_retrieve(cls, url))
        app.router.add_get(url, server.api_list_all(cls, url))
