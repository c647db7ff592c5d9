"""Alipay and WeChat Pay in the stand-in, as Stripe presents them.

Confirming a PaymentIntent with ``payment_method_data[type]=alipay`` (or a
WeChat Pay confirmation from an app, ``client: 'ios'`` or ``'android'``)
leaves it in
``requires_action`` with ``next_action.redirect_to_url``: a stand-in authorise
page with approve / fail / cancel buttons that sends the browser back to the
``return_url`` with ``payment_intent``, ``payment_intent_client_secret`` and
``redirect_status``, as Stripe does. A WeChat Pay confirmation with
``client: 'web'`` gets ``next_action.wechat_pay_display_qr_code`` instead: a QR
code whose ``data`` is a stand-in "scan" page (approve / fail) and which
expires; an expired code puts the intent back to ``requires_payment_method``.

Approving charges the intent as a card would be, so the signed
``payment_intent.succeeded`` webhook goes out exactly as for cards; failing
sends ``payment_intent.payment_failed``; cancelling only leaves the intent
requiring a payment method.
"""

from __future__ import annotations

import html
import io
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import segno
from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import Event, PaymentIntent, PaymentMethod, StripeObject
from localstripe.webhooks import schedule_webhook

WALLET_TYPES = ("alipay", "wechat_pay")
# As Stripe's API: web (a QR code) or an app (sent to WeChat and back).
WECHAT_CLIENTS = ("web", "android", "ios")
# How long a WeChat Pay QR code can be scanned (Stripe's test mode lets it
# live for hours; the stand-in is shorter so the demo shows expiry).
DEFAULT_QR_SECONDS = 600
PAGE_PREFIX = "/_stand_in"
AUTHORIZE_PATH = PAGE_PREFIX + "/authorize/{nonce}"
QR_PNG_PATH = PAGE_PREFIX + "/qr/{nonce}.png"
EXPIRE_PATH = PAGE_PREFIX + "/expire/{nonce}"

FAILED = {
    "code": "payment_intent_payment_attempt_failed",
    "type": "invalid_request_error",
    "message": "The payment was declined. 付款未成功。",
}
EXPIRED = {
    "code": "payment_intent_payment_attempt_expired",
    "type": "invalid_request_error",
    "message": "The QR code expired before it was scanned. 二维码已过期。",
}


@dataclass
class Attempt:
    """One wallet authorisation waiting for the customer."""

    nonce: str
    intent_id: str
    kind: str  # alipay | wechat_pay
    return_url: str | None  # None: a desktop QR code, nothing to return to
    expires_at: float | None


class Wallets:
    """The open attempts, by nonce, and the base URL the pages are served at."""

    def __init__(self, qr_seconds: int = DEFAULT_QR_SECONDS):
        self.qr_seconds = qr_seconds
        self.attempts: dict[str, Attempt] = {}
        self.base_url = ""

    def open(self, intent, kind, return_url, expires_at=None) -> Attempt:
        for nonce in [n for n, a in self.attempts.items() if a.intent_id == intent.id]:
            del self.attempts[nonce]
        attempt = Attempt(
            secrets.token_urlsafe(16), intent.id, kind, return_url, expires_at
        )
        self.attempts[attempt.nonce] = attempt
        return attempt

    def url(self, path: str, nonce: str) -> str:
        return self.base_url + path.format(nonce=nonce)

    def expire_due(self, now: float | None = None) -> None:
        """Expire every QR code past its time (checked on each request)."""
        now = time.time() if now is None else now
        for attempt in list(self.attempts.values()):
            if attempt.expires_at is not None and attempt.expires_at <= now:
                self.expire(attempt)

    def expire(self, attempt: Attempt) -> None:
        self.attempts.pop(attempt.nonce, None)
        intent = PaymentIntent._api_retrieve(attempt.intent_id)
        if intent.status == "requires_action":
            _fail(intent, EXPIRED)


WALLETS = Wallets()


# --- resources ---------------------------------------------------------------

_LOCALSTRIPE_METHOD_INIT = PaymentMethod.__init__
_LOCALSTRIPE_INTENT_INIT = PaymentIntent.__init__
_LOCALSTRIPE_LAST_ERROR = PaymentIntent.last_payment_error


def payment_method_init(self, type=None, billing_details=None, **kwargs):
    """localstripe's PaymentMethod, plus the two wallet types (no details)."""
    if type not in WALLET_TYPES:
        _LOCALSTRIPE_METHOD_INIT(
            self, type=type, billing_details=billing_details, **kwargs
        )
        return
    if kwargs.keys() - {"metadata", type}:
        raise UserError(400, "Unexpected " + ", ".join(kwargs))
    if billing_details is not None and not isinstance(billing_details, dict):
        raise UserError(400, "Bad request")
    StripeObject.__init__(self)
    self.type = type
    setattr(self, type, {})
    self.billing_details = billing_details or {}
    self.customer = None
    self.metadata = kwargs.get("metadata") or {}


def payment_intent_init(
    self, payment_method_types=None, payment_method_options=None, **kwargs
):
    """Keep the types and options localstripe drops: a wallet confirmation
    is refused on an intent not created for that wallet, as by Stripe."""
    types = payment_method_types or ["card"]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise UserError(400, "Bad request")
    unknown = set(types) - {"card", *WALLET_TYPES}
    if unknown:
        raise UserError(400, "Invalid payment_method_types: " + ", ".join(unknown))
    if payment_method_options is not None and not isinstance(
        payment_method_options, dict
    ):
        raise UserError(400, "Bad request")
    _LOCALSTRIPE_INTENT_INIT(self, **kwargs)
    self.payment_method_types = types
    self.payment_method_options = payment_method_options or {}
    self._wallet_error = None


def last_payment_error(self):
    return getattr(self, "_wallet_error", None) or _LOCALSTRIPE_LAST_ERROR.fget(self)


def patch_resources() -> None:
    PaymentMethod.__init__ = payment_method_init
    PaymentIntent.__init__ = payment_intent_init
    PaymentIntent.last_payment_error = property(last_payment_error)


# --- confirming --------------------------------------------------------------


def _valid_return_url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def confirm_wallet(intent, data: dict, options, return_url):
    """Attach a new wallet PaymentMethod and set the next action."""
    kind = data.get("type")
    if kind not in intent.payment_method_types:
        raise UserError(
            400,
            f"The payment method type {kind!r} is not allowed for this "
            "PaymentIntent: add it to payment_method_types.",
            {"code": "payment_intent_invalid_parameter"},
        )
    wechat = {**intent.payment_method_options.get("wechat_pay", {})}
    if options is not None:
        if not isinstance(options, dict):
            raise UserError(400, "Bad request")
        wechat.update(options.get("wechat_pay") or {})
    client = wechat.get("client")
    if kind == "wechat_pay" and client not in WECHAT_CLIENTS:
        raise UserError(
            400,
            "payment_method_options[wechat_pay][client] must be one of "
            + ", ".join(WECHAT_CLIENTS),
            {"code": "parameter_invalid_empty", "param": "client"},
        )
    redirect = kind == "alipay" or client != "web"
    if redirect and not _valid_return_url(return_url):
        raise UserError(
            400,
            "A return_url (http or https) is required to confirm this PaymentIntent.",
            {"code": "parameter_missing", "param": "return_url"},
        )
    method = PaymentMethod(
        type=kind, billing_details=data.get("billing_details") or None
    )
    intent.payment_method = method.id
    intent.latest_charge = None
    intent._wallet_error = None
    if redirect:
        attempt = WALLETS.open(intent, kind, return_url)
        intent.next_action = {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "url": WALLETS.url(AUTHORIZE_PATH, attempt.nonce),
                "return_url": return_url,
            },
        }
        return intent
    expires_at = int(time.time()) + WALLETS.qr_seconds
    attempt = WALLETS.open(intent, kind, None, expires_at)
    scan_url = WALLETS.url(AUTHORIZE_PATH, attempt.nonce)
    qr = segno.make(scan_url, error="m")
    intent.next_action = {
        "type": "wechat_pay_display_qr_code",
        "wechat_pay_display_qr_code": {
            "data": scan_url,
            "hosted_instructions_url": scan_url,
            "image_data_url": qr.png_data_uri(scale=5, border=2),
            "image_url_png": WALLETS.url(QR_PNG_PATH, attempt.nonce),
            "expires_at": expires_at,
        },
    }
    return intent


def _fail(intent, error: dict) -> None:
    intent.next_action = None
    intent.payment_method = None
    intent._wallet_error = dict(error)
    schedule_webhook(Event("payment_intent.payment_failed", intent))


def _approve(intent) -> None:
    intent.next_action = None
    # The charge sends payment_intent.succeeded, as for a card.
    intent._create_charge(on_failure_now=intent._report_failure)


def _cancel(intent) -> None:
    intent.next_action = None
    intent.payment_method = None


# --- pages -------------------------------------------------------------------

_TITLES = {"alipay": "支付宝 Alipay", "wechat_pay": "微信支付 WeChat Pay"}


def _page(title: str, body: str) -> web.Response:
    return web.Response(
        text=(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>"
            '<body style="font-family:sans-serif;max-width:26rem;margin:1rem auto;'
            f'padding:0 1rem">{body}</body></html>'
        ),
        content_type="text/html",
    )


def _attempt_for(request) -> tuple[Attempt, PaymentIntent]:
    WALLETS.expire_due()
    attempt = WALLETS.attempts.get(request.match_info["nonce"])
    if attempt is None:
        raise web.HTTPNotFound(
            text="This payment page has expired or was used. 此支付页面已失效。"
        )
    return attempt, PaymentIntent._api_retrieve(attempt.intent_id)


async def authorize_page(request: web.Request) -> web.Response:
    attempt, intent = _attempt_for(request)
    buttons = [
        ("approve", "授权付款 Authorize test payment"),
        ("fail", "付款失败 Fail test payment"),
    ]
    if attempt.return_url:
        buttons.append(("cancel", "取消 Cancel"))
    forms = "".join(
        f'<form method="post"><button name="action" value="{value}" '
        f'style="display:block;width:100%;padding:.8rem;margin:.5rem 0">'
        f"{label}</button></form>"
        for value, label in buttons
    )
    amount = f"¥{intent.amount // 100}.{intent.amount % 100:02d}"
    return _page(
        _TITLES[attempt.kind],
        f"<h1>{_TITLES[attempt.kind]}</h1><p>测试付款 Test payment · "
        f"<strong>{amount}</strong> · {html.escape(intent.id)}</p>{forms}",
    )


async def authorize_action(request: web.Request) -> web.Response:
    attempt, intent = _attempt_for(request)
    action = (await request.post()).get("action")
    if action not in ("approve", "fail", "cancel") or (
        action == "cancel" and not attempt.return_url
    ):
        raise web.HTTPBadRequest(text="Unknown action")
    del WALLETS.attempts[attempt.nonce]
    if intent.status != "requires_action":
        raise web.HTTPConflict(text=f"The PaymentIntent is {intent.status}.")
    if action == "approve":
        _approve(intent)
    elif action == "fail":
        _fail(intent, FAILED)
    else:
        _cancel(intent)
    if attempt.return_url:
        status = {"approve": "succeeded", "fail": "failed", "cancel": "canceled"}
        query = urlencode(
            {
                "payment_intent": intent.id,
                "payment_intent_client_secret": intent.client_secret,
                "redirect_status": status[action],
            }
        )
        separator = "&" if "?" in attempt.return_url else "?"
        raise web.HTTPSeeOther(attempt.return_url + separator + query)
    done = "已付款 Paid" if action == "approve" else "付款失败 Payment failed"
    return _page(
        done,
        f'<h1 id="scan-result">{done}</h1><p>请回到电脑上的页面。'
        "Go back to the page on your computer.</p>",
    )


async def qr_png(request: web.Request) -> web.Response:
    attempt, _ = _attempt_for(request)
    image = io.BytesIO()
    segno.make(WALLETS.url(AUTHORIZE_PATH, attempt.nonce), error="m").save(
        image, kind="png", scale=5, border=2
    )
    return web.Response(body=image.getvalue(), content_type="image/png")


async def expire_now(request: web.Request) -> web.Response:
    """For tests and the demo: let this QR code expire now."""
    attempt, intent = _attempt_for(request)
    WALLETS.expire(attempt)
    return web.json_response(intent._export())


def add_routes(app: web.Application, qr_seconds: int = DEFAULT_QR_SECONDS) -> None:
    WALLETS.qr_seconds = qr_seconds
    app.router.add_get(AUTHORIZE_PATH, authorize_page)
    app.router.add_post(AUTHORIZE_PATH, authorize_action)
    app.router.add_get(QR_PNG_PATH, qr_png)
    app.router.add_post(EXPIRE_PATH, expire_now)
