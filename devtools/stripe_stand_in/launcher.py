"""Run localstripe, the Stripe stand-in from PyPI, as the shop's private server.

`make run` and the test suite start it instead of localstripe's own CLI, which
listens on every interface and pickles its state to /tmp/localstripe.pickle on
every write. This launcher:

- keeps the state in this process's memory only and listens on one host;
- registers the shop's webhook endpoint at start, so signed ``payment_intent.*``
  events reach it as they would from Stripe;
- patches localstripe 1.15 where it differs from Stripe in ways the shop's
  payment code would notice, so that code stays identical for both:
  ``POST /v1/payment_intents/{id}/confirm`` with ``payment_method``, the
  publishable key (plus the intent's client secret) on the two calls Stripe.js
  makes from the browser, card numbers Stripe declines being declined when
  charged, ``latest_charge`` exported as an id, ``amount_received`` exported
  as Stripe does, and a fake Stripe.js whose ``confirmCardPayment`` creates
  the PaymentMethod from the card element;
- adds the Stripe Connect routes localstripe lacks (connected accounts and
  transfers, honouring idempotency keys), from connect.py;
- adds Alipay and WeChat Pay (redirect, QR code, authorise pages, expiry),
  from wallets.py, with their Stripe.js calls in confirm.js.

Run it with ``python -m devtools.stripe_stand_in --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import re
import signal
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import PaymentIntent, PaymentMethod, store
from localstripe.webhooks import register_webhook

from devtools.stripe_stand_in import connect, wallets

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8420
WEBHOOK_ID = "storefront"
# Stripe's payment_intent.* event types; localstripe itself only ever sends
# payment_intent.succeeded and payment_intent.payment_failed.
PAYMENT_INTENT_EVENTS = [
    "payment_intent.amount_capturable_updated",
    "payment_intent.canceled",
    "payment_intent.created",
    "payment_intent.partially_funded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
]

STRIPE_JS_PATH = "/js.stripe.com/v3/"
CONFIRM_PATH = "/v1/payment_intents/{id}/confirm"
CONFIRM_OVERRIDE_JS = Path(__file__).with_name("confirm.js")
LOCALSTRIPE_JS = Path(server.__file__).with_name("localstripe-v3.js")

# Statuses from which Stripe lets a PaymentIntent be confirmed with a new
# payment method.
CONFIRMABLE_STATUSES = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
)

# Calls Stripe.js makes with the publishable key; "intent" is set for the one
# that must also carry the PaymentIntent's client secret.
PUBLISHABLE_KEY_CALLS = re.compile(
    r"^/v1/payment_methods$|^/v1/payment_intents/(?P<intent>\w+)/confirm$"
)
# Stripe.js retrieves a PaymentIntent with the publishable key and its client
# secret (while it shows a WeChat Pay QR code, until the code is paid).
PUBLISHABLE_KEY_READS = re.compile(r"^/v1/payment_intents/(?P<intent>\w+)$")

# localstripe's own behaviour, kept before the patches below replace it.
_LOCALSTRIPE_CONFIRM = PaymentIntent._api_confirm
_LOCALSTRIPE_INTENT_EXPORT = PaymentIntent._export
_LOCALSTRIPE_CHARGING_IS_DECLINED = PaymentMethod._charging_is_declined


def make_store_private() -> None:
    """Keep localstripe's state in memory: never read or write its pickle."""
    store.try_load_from_disk = lambda: None
    store.dump_to_disk = lambda: None


# --- patches to localstripe's resources ------------------------------------


def _check_client_secret(intent: PaymentIntent, client_secret: object) -> None:
    if not isinstance(client_secret, str) or not hmac.compare_digest(
        client_secret, intent.client_secret
    ):
        raise UserError(401, "Unauthorized")


def confirm_payment_intent(
    cls,
    id,
    payment_method=None,
    client_secret=None,
    return_url=None,
    use_stripe_sdk=None,
    payment_method_data=None,
    payment_method_options=None,
    **kwargs,
):
    """``POST /v1/payment_intents/{id}/confirm``, with ``payment_method`` too.

    Stripe attaches the given payment method to the intent and confirms it;
    localstripe 1.15 answers 500 "Not implemented". Without a payment method
    localstripe's own confirmation runs unchanged. ``return_url`` and
    ``use_stripe_sdk`` are accepted and ignored, as Stripe does for cards.
    ``payment_method_data`` of type alipay or wechat_pay starts that wallet's
    flow (wallets.py).
    """
    if kwargs:
        raise UserError(400, "Unexpected " + ", ".join(kwargs))
    if not isinstance(id, str) or not id.startswith("pi_"):
        raise UserError(400, "Bad request")
    intent = cls._api_retrieve(id)
    if client_secret is not None:
        _check_client_secret(intent, client_secret)
    if payment_method_data is not None:
        if payment_method is not None or not isinstance(payment_method_data, dict):
            raise UserError(400, "Bad request")
        if payment_method_data.get("type") not in wallets.WALLET_TYPES:
            raise UserError(400, "Unsupported payment_method_data[type]")
        _require_confirmable(intent)
        return wallets.confirm_wallet(
            intent, payment_method_data, payment_method_options, return_url
        )
    if payment_method is None:
        return _LOCALSTRIPE_CONFIRM(id)

    if not isinstance(payment_method, str) or not payment_method.startswith(
        ("pm_", "card_", "src_")
    ):
        raise UserError(400, "Bad request")
    _require_confirmable(intent)
    # 404 for an unknown id; Stripe's test ids (pm_card_visa) become objects.
    method = PaymentMethod._api_retrieve(payment_method)

    intent.payment_method = method.id
    intent.next_action = None
    intent._wallet_error = None
    # localstripe derives the status from the latest charge: a failed earlier
    # attempt would keep the intent in requires_payment_method for good.
    intent.latest_charge = None
    try:
        intent._confirm(on_failure_now=intent._report_failure)
    except UserError as error:
        if error.code == 402:
            # Stripe answers a declined confirmation with a card_error that
            # carries the intent (now requires_payment_method).
            error.body["error"]["type"] = "card_error"
            error.body["error"]["payment_intent"] = intent._export()
        raise
    return intent


def _require_confirmable(intent: PaymentIntent) -> None:
    if intent.status not in CONFIRMABLE_STATUSES:
        raise UserError(
            400,
            "You cannot confirm this PaymentIntent because it has a status of "
            f"{intent.status}.",
            {"code": "payment_intent_unexpected_state"},
        )


def export_payment_intent(self, expand=None):
    """Export ``latest_charge`` as an id, as Stripe does unless expanded, and
    ``amount_received`` (which localstripe leaves out): the amount once the
    intent succeeded, else 0."""
    data = _LOCALSTRIPE_INTENT_EXPORT(self, expand=expand)
    data["amount_received"] = data.get("amount") if data["status"] == "succeeded" else 0
    expanded = any(
        path == "latest_charge" or path.startswith("latest_charge.")
        for path in expand or ()
    )
    charge = data.get("latest_charge")
    if isinstance(charge, dict) and not expanded:
        data["latest_charge"] = charge["id"]
    return data


def charging_is_declined(self):
    """Decline a charge on the cards Stripe declines (4000000000000002, …).

    localstripe only refuses those when they are attached to a customer, and
    charges them happily when a PaymentIntent is paid with them directly.
    """
    return _LOCALSTRIPE_CHARGING_IS_DECLINED(self) or (
        getattr(self, "type", None) == "card"
        and PaymentMethod._attaching_is_declined(self)
    )


def patch_resources() -> None:
    """Apply the patches above to localstripe's classes (idempotent)."""
    PaymentIntent._api_confirm = classmethod(confirm_payment_intent)
    PaymentIntent._export = export_payment_intent
    PaymentMethod._charging_is_declined = charging_is_declined
    wallets.patch_resources()


# --- the aiohttp application -------------------------------------------------


def _publishable_key_allowed(data: object, intent_id: str | None) -> bool:
    if not isinstance(data, Mapping):
        return False
    key = data.get("key")
    if not isinstance(key, str) or not key.startswith("pk_") or len(key) <= 3:
        return False
    if intent_id is not None:
        intent = store.get("payment_intent:" + intent_id)
        if intent is None:
            raise UserError(401, "Unauthorized")
        _check_client_secret(intent, data.get("client_secret"))
    return True


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """localstripe's authentication, plus the publishable key where Stripe.js
    uses it: creating a PaymentMethod, and confirming a PaymentIntent when the
    body also carries that intent's client secret (else 401)."""
    # A QR code past its time expires before anyone looks at its intent.
    wallets.WALLETS.expire_due()
    if request.path.startswith(wallets.PAGE_PREFIX + "/"):
        return await handler(request)  # the customer's pages: no API key
    match = PUBLISHABLE_KEY_CALLS.match(request.path)
    if request.method == "POST" and match and server.get_api_key(request) is None:
        data = await server.get_post_data(request, remove_auth=False)
        if _publishable_key_allowed(data, match["intent"]):
            return await handler(request)
    read = PUBLISHABLE_KEY_READS.match(request.path)
    if request.method == "GET" and read and server.get_api_key(request) is None:
        data = server.unflatten_data(request.query)
        if _publishable_key_allowed(data, read["intent"]):
            return await handler(request)
    return await server.auth_middleware(request, handler)


def stripe_js_text() -> str:
    """localstripe's fake Stripe.js with the shop's confirmCardPayment."""
    return (
        LOCALSTRIPE_JS.read_text(encoding="utf-8")
        + "\n\n// ---- devtools/stripe_stand_in/confirm.js ----\n"
        + CONFIRM_OVERRIDE_JS.read_text(encoding="utf-8")
    )


def build_app(
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    qr_seconds: int = wallets.DEFAULT_QR_SECONDS,
) -> web.Application:
    """localstripe's routes in a fresh application with our middleware.

    localstripe's module-level app saves the store on every write and binds
    its handlers at import time, so the routes are copied into a new app,
    with the confirm and Stripe.js handlers replaced, and the Connect routes
    added.
    """
    make_store_private()
    patch_resources()
    if webhook_url and webhook_secret:
        register_webhook(WEBHOOK_ID, webhook_url, webhook_secret, PAYMENT_INTENT_EVENTS)

    js = stripe_js_text()

    async def serve_stripe_js(request: web.Request) -> web.Response:
        return web.Response(text=js, content_type="application/javascript")

    confirm = server.api_extra(PaymentIntent._api_confirm, CONFIRM_PATH)
    replaced = {
        ("POST", CONFIRM_PATH): confirm,
        ("GET", STRIPE_JS_PATH): serve_stripe_js,
        ("HEAD", STRIPE_JS_PATH): serve_stripe_js,
    }
    app = web.Application(middlewares=[server.error_middleware, auth_middleware])
    app.on_response_prepare.append(server.add_cors_headers)
    for route in server.app.router.routes():
        path = route.resource.canonical
        handler = replaced.get((route.method, path), route.handler)
        app.router.add_route(route.method, path, handler)
    connect.add_routes(app)
    wallets.add_routes(app, qr_seconds=qr_seconds)
    return app


# --- command line ------------------------------------------------------------


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(app: web.Application, host: str, port: int) -> None:
    """Listen on host:port, print the ready line, run until SIGINT/SIGTERM."""
    runner = web.AppRunner(app, access_log=logging.getLogger("aiohttp.access"))
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        # Where the browser is sent to authorise Alipay / WeChat Pay payments.
        wallets.WALLETS.base_url = _base_url(host, bound_port)
        print(f"localstripe ready on {_base_url(host, bound_port)}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.stripe_stand_in",
        description=(
            "Serve localstripe (a Stripe stand-in) for tests and the demo shop. "
            "State lives in memory only; it listens on HOST alone; any sk_... "
            "secret key is accepted. Stripe.js stand-in: "
            f"http://HOST:PORT{STRIPE_JS_PATH} ; test card 4242 4242 4242 4242 "
            "succeeds, 4000 0000 0000 0002 is declined, 4000 0025 0000 3155 "
            "asks for 3D Secure. Alipay and WeChat Pay open stand-in pages "
            "to authorise, fail or cancel the payment."
        ),
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on, and only there (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to listen on; 0 picks a free one, shown in the ready line "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--webhook-url",
        metavar="URL",
        help="the shop's Stripe webhook endpoint; payment_intent.* events are "
        "POSTed there, signed like Stripe's (needs --webhook-secret)",
    )
    parser.add_argument(
        "--webhook-secret",
        metavar="WHSEC",
        help="signing secret for those events, e.g. whsec_... (needs --webhook-url)",
    )
    parser.add_argument(
        "--wechat-qr-seconds",
        type=int,
        default=wallets.DEFAULT_QR_SECONDS,
        help="how long a WeChat Pay QR code can be scanned before the payment "
        "attempt expires (default: %(default)s)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every request and webhook delivery (default: warnings only)",
    )
    args = parser.parse_args(argv)
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")
    if args.webhook_url and not args.webhook_url.startswith(("http://", "https://")):
        parser.error("--webhook-url must be an http(s) URL")
    if args.wechat_qr_seconds < 1:
        parser.error("--wechat-qr-seconds must be at least 1")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(format="localstripe: %(message)s", level=logging.WARNING)
    # localstripe reports webhook deliveries on the access logger, at INFO.
    logging.getLogger("aiohttp.access").setLevel(
        logging.INFO if args.verbose else logging.WARNING
    )
    app = build_app(
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        qr_seconds=args.wechat_qr_seconds,
    )
    asyncio.run(serve(app, args.host, args.port))


if __name__ == "__main__":
    main()
