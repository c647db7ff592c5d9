"""The local Stripe stand-in, driven by the real stripe library over HTTP.

localstripe runs in a subprocess (tests/payments_stand_in.py); nothing here is
mocked. Each object is created fresh, since the session's server is shared.
"""

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path

import pytest
import stripe

from tests import payments_stand_in
from tests.payments_stand_in import (
    PROJECT_ROOT,
    TEST_PUBLISHABLE_KEY,
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    sign_stripe_payload,
    start_localstripe,
)

PICKLE = Path("/tmp/localstripe.pickle")
LOCALSTRIPE_JS = Path(find_spec("localstripe").origin).with_name("localstripe-v3.js")
CONFIRM_OVERRIDE_JS = PROJECT_ROOT / "devtools" / "stripe_stand_in" / "confirm.js"
CHROMIUM = "/usr/bin/chromium"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3D_SECURE = "4000002500003155"


def client_for(server):
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": server.url})


def new_intent(client, amount=12800):
    return client.v1.payment_intents.create(
        params={"amount": amount, "currency": "cny", "payment_method_types": ["card"]}
    )


def new_card(client, number):
    return client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )


def post_form(url, fields):
    """POST form fields without an Authorization header, as Stripe.js does.
    Returns (status, decoded JSON body)."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_card_4242_pays_a_cny_intent_confirmed_with_a_payment_method(
    localstripe_server,
):
    client = client_for(localstripe_server)
    intent = new_intent(client)
    assert (intent.amount, intent.currency) == (12800, "cny")
    assert intent.status == "requires_payment_method"
    card = new_card(client, CARD_OK)
    assert card.id.startswith("pm_")
    assert card.card.last4 == "4242"

    paid = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": card.id}
    )

    assert paid.status == "succeeded"
    assert paid.payment_method == card.id
    # As on Stripe: an id, not the expanded charge.
    assert isinstance(paid.latest_charge, str)
    assert paid.latest_charge.startswith("ch_")
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_declined_card_fails_the_confirmation_and_a_new_card_can_pay(
    localstripe_server,
):
    client = client_for(localstripe_server)
    intent = new_intent(client)
    declined = new_card(client, CARD_DECLINED)

    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": declined.id}
        )

    assert raised.value.code == "card_declined"
    assert raised.value.error.payment_intent.id == intent.id
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "card_declined"

    retried = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": new_card(client, CARD_OK).id}
    )
    assert retried.status == "succeeded"


def test_3d_secure_card_leaves_the_intent_requiring_action(localstripe_server):
    client = client_for(localstripe_server)
    intent = new_intent(client)

    confirmed = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": new_card(client, CARD_3D_SECURE).id}
    )

    assert confirmed.status == "requires_action"
    assert confirmed.next_action.type == "use_stripe_sdk"


def test_publishable_key_confirms_only_with_the_intents_client_secret(
    localstripe_server,
):
    client = client_for(localstripe_server)
    intent = new_intent(client)
    base = localstripe_server.url
    key = {"key": TEST_PUBLISHABLE_KEY}
    card_fields = {
        "type": "card",
        "card[number]": CARD_OK,
        "card[exp_month]": "12",
        "card[exp_year]": "2030",
        "card[cvc]": "123",
    }
    status, card = post_form(f"{base}/v1/payment_methods", {**key, **card_fields})
    assert status == 200, card
    confirm_url = f"{base}/v1/payment_intents/{intent.id}/confirm"
    pay = {**key, "payment_method": card["id"]}

    wrong_secret, _ = post_form(
        confirm_url, {**pay, "client_secret": intent.id + "_secret_wrong"}
    )
    no_secret, _ = post_form(confirm_url, pay)
    other_secret, _ = post_form(
        confirm_url, {**pay, "client_secret": new_intent(client).client_secret}
    )
    assert (wrong_secret, no_secret, other_secret) == (401, 401, 401)
    assert client.v1.payment_intents.retrieve(intent.id).status == (
        "requires_payment_method"
    )
    # The publishable key is no secret key: it cannot create intents.
    status, _ = post_form(f"{base}/v1/payment_intents", {**key, "amount": 100})
    assert status == 401

    status, paid = post_form(
        confirm_url, {**pay, "client_secret": intent.client_secret}
    )
    assert status == 200, paid
    assert paid["status"] == "succeeded"


def test_stripe_js_is_localstripes_with_the_confirm_override(localstripe_server):
    with urllib.request.urlopen(localstripe_server.js_url, timeout=10) as response:
        content_type = response.headers["Content-Type"]
        js = response.read().decode()

    assert content_type.startswith("application/javascript")
    assert LOCALSTRIPE_JS.read_text() in js
    assert CONFIRM_OVERRIDE_JS.read_text() in js
    assert js.index("const LOCALSTRIPE_BASE_API") < js.index("window.Stripe = ")


def test_state_is_never_written_to_localstripes_pickle(localstripe_server):
    def pickle_state():
        try:
            stat = PICKLE.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    before = pickle_state()
    client = client_for(localstripe_server)
    intent = new_intent(client)
    client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": new_card(client, CARD_OK).id}
    )

    assert pickle_state() == before


def test_listens_on_127_0_0_1_only(localstripe_server):
    port = urllib.parse.urlsplit(localstripe_server.url).port

    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    # Every 127.x address reaches a server bound to all interfaces.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()
    if socket.has_ipv6:
        with pytest.raises(OSError):
            socket.create_connection(("::1", port), timeout=5).close()


@contextmanager
def webhook_receiver():
    """A loopback HTTP server that queues (path, Stripe-Signature, body)."""
    received = queue.Queue()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((self.path, self.headers["Stripe-Signature"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", received
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_registered_webhook_receives_a_signed_payment_intent_succeeded():
    with webhook_receiver() as (receiver_url, received):
        endpoint = receiver_url + "/payments/stripe/webhook/"
        with start_localstripe(endpoint, TEST_WEBHOOK_SECRET) as server:
            client = client_for(server)
            intent = new_intent(client)
            client.v1.payment_intents.confirm(
                intent.id, params={"payment_method": new_card(client, CARD_OK).id}
            )
            # localstripe waits a second before delivering.
            path, signature, body = received.get(timeout=15)

    assert path == "/payments/stripe/webhook/"
    event = stripe.Webhook.construct_event(body, signature, TEST_WEBHOOK_SECRET)
    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == intent.id
    assert event.data.object.status == "succeeded"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_someone_else")
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert sign_stripe_payload(body, TEST_WEBHOOK_SECRET, timestamp) == signature


def test_sign_stripe_payload_is_accepted_by_stripe():
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "x"}).encode()

    header = sign_stripe_payload(payload, TEST_WEBHOOK_SECRET)

    event = stripe.Webhook.construct_event(payload, header, TEST_WEBHOOK_SECRET)
    assert event.id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload + b" ", header, TEST_WEBHOOK_SECRET)
    too_old = sign_stripe_payload(payload, TEST_WEBHOOK_SECRET, timestamp=1)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, too_old, TEST_WEBHOOK_SECRET)


def test_launcher_help_and_flag_checks():
    def launcher(*args):
        return subprocess.run(
            [sys.executable, "-m", "devtools.stripe_stand_in", *args],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )

    shown = launcher("--help")
    assert shown.returncode == 0
    for text in ("--host", "--port", "--webhook-url", "--webhook-secret", "4242"):
        assert text in shown.stdout

    half = launcher("--webhook-url", "http://127.0.0.1:1/hook/")
    assert half.returncode == 2
    assert "go together" in half.stderr


def test_start_localstripe_reports_the_launchers_output_when_it_fails(monkeypatch):
    monkeypatch.setattr(
        payments_stand_in, "LAUNCHER_MODULE", "devtools.no_such_stand_in"
    )

    with pytest.raises(payments_stand_in.LocalStripeError) as raised:
        start_localstripe()

    assert "exited with status 1" in str(raised.value)
    assert "No module named devtools.no_such_stand_in" in str(raised.value)


CHECKOUT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><script src="%(js_url)s"></script></head>
<body><div id="card"></div><script>
  const stripe = Stripe("%(key)s");
  const card = stripe.elements().create("card");
  card.mount("#card");
  window.pay = (clientSecret) => {
    window.result = null;
    stripe.confirmCardPayment(clientSecret, {
      payment_method: {card: card, billing_details: {name: "王小明"}},
    }).then((result) => { window.result = result; });
  };
</script></body></html>
"""


@contextmanager
def page_server(html):
    """Serve html at / from a loopback port, like the shop's checkout page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chromium_page():
    """A headless page in Debian's chromium (as tests/browser uses)."""
    if not Path(CHROMIUM).exists():
        message = f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            headless=True,
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.browser
def test_confirm_card_payment_in_chromium_pays_with_the_card_element(
    localstripe_server,
):
    client = client_for(localstripe_server)
    html = CHECKOUT_PAGE % {
        "js_url": localstripe_server.js_url,
        "key": TEST_PUBLISHABLE_KEY,
    }

    def pay(page, number, *, authenticate=None):
        intent = new_intent(client)
        page.fill("input[placeholder=number]", number)
        page.fill("input[placeholder=exp_month]", "12")
        page.fill("input[placeholder=exp_year]", "30")
        page.fill("input[placeholder=cvc]", "123")
        page.evaluate("(secret) => window.pay(secret)", intent.client_secret)
        if authenticate:
            page.get_by_role("button", name=authenticate).click()
        page.wait_for_function("() => window.result !== null", timeout=10_000)
        return intent, page.evaluate("() => window.result")

    with page_server(html) as url, chromium_page() as page:
        page.goto(url)
        paid_intent, paid = pay(page, "4242 4242 4242 4242")
        declined_intent, declined = pay(page, CARD_DECLINED)
        secure_intent, secure = pay(
            page, CARD_3D_SECURE, authenticate="Complete authentication"
        )
        refused_intent, refused = pay(
            page, CARD_3D_SECURE, authenticate="Fail authentication"
        )
        incomplete_intent, incomplete = pay(page, "4242")

    assert paid["paymentIntent"]["id"] == paid_intent.id
    assert paid["paymentIntent"]["status"] == "succeeded"
    method = client.v1.payment_methods.retrieve(paid["paymentIntent"]["payment_method"])
    assert method.card.last4 == "4242"
    assert method.billing_details.name == "王小明"

    assert declined["error"]["code"] == "card_declined"
    assert declined["error"]["payment_intent"]["id"] == declined_intent.id

    assert secure["paymentIntent"]["status"] == "succeeded"
    assert client.v1.payment_intents.retrieve(secure_intent.id).status == "succeeded"

    assert refused["error"]["code"] == "payment_intent_authentication_failure"
    assert refused["error"]["payment_intent"]["status"] == "requires_payment_method"

    assert incomplete["error"]["code"] == "incomplete_number"
    assert client.v1.payment_intents.retrieve(incomplete_intent.id).status == (
        "requires_payment_method"
    )
