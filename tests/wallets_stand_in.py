"""Alipay and WeChat Pay through the Stripe stand-in, driven over HTTP as the
browser drives them: Stripe.js confirms with the publishable key and the
client secret, then the customer presses a button on the stand-in's authorise
(or QR "scan") page. Nothing is mocked."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from tests.payments_stand_in import TEST_PUBLISHABLE_KEY

RETURN_URL = "https://shop.example.cn/orders/back/"


def _open(request: urllib.request.Request):
    """(status, headers, body) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_json(url: str, body: dict) -> tuple[int, dict]:
    """A POST as the stand-in's Stripe.js makes it (no Authorization)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    status, _, raw = _open(request)
    return status, json.loads(raw)


def confirm(
    server_url: str,
    client_secret: str,
    kind: str,
    *,
    client: str | None = None,
    return_url: str | None = RETURN_URL,
    key: str = TEST_PUBLISHABLE_KEY,
) -> tuple[int, dict]:
    """stripe.confirmAlipayPayment / confirmWechatPayPayment's API call."""
    intent_id = client_secret.split("_secret_")[0]
    body = {
        "key": key,
        "client_secret": client_secret,
        "payment_method_data": {"type": kind},
    }
    if return_url is not None:
        body["return_url"] = return_url
    if client is not None:
        body["payment_method_options"] = {"wechat_pay": {"client": client}}
    return post_json(f"{server_url}/v1/payment_intents/{intent_id}/confirm", body)


def retrieve_with_publishable_key(
    server_url: str, intent_id: str, client_secret: str
) -> tuple[int, dict]:
    query = urllib.parse.urlencode(
        {"key": TEST_PUBLISHABLE_KEY, "client_secret": client_secret}
    )
    request = urllib.request.Request(
        f"{server_url}/v1/payment_intents/{intent_id}?{query}"
    )
    status, _, raw = _open(request)
    return status, json.loads(raw)


@dataclass
class Pressed:
    status: int
    location: str
    text: str

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.location).query))


def open_page(url: str) -> tuple[int, str]:
    status, _, raw = _open(urllib.request.Request(url))
    return status, raw.decode()


def press(url: str, action: str) -> Pressed:
    """Press approve / fail / cancel on the stand-in's authorise page."""
    data = urllib.parse.urlencode({"action": action}).encode()
    status, headers, raw = _open(urllib.request.Request(url, data=data))
    return Pressed(status, headers.get("Location", ""), raw.decode())


def expire_qr(qr_url: str) -> int:
    """Let a WeChat Pay QR code expire now (the stand-in's test route)."""
    url = qr_url.replace("/_stand_in/authorize/", "/_stand_in/expire/")
    status, _, _ = _open(urllib.request.Request(url, data=b""))
    return status


def wait_for(predicate, *, timeout: float = 15.0, what: str = "condition"):
    """Poll until predicate() is truthy (a webhook travelling between two
    processes); fails after timeout. Not a timing assertion."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
