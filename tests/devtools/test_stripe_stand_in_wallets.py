"""Alipay and WeChat Pay in the Stripe stand-in, as Stripe presents them:
Alipay (and WeChat Pay on a phone) as next_action.redirect_to_url to an
authorise page that returns to return_url with redirect_status; WeChat Pay on
a desktop as next_action.wechat_pay_display_qr_code, which expires.

localstripe runs in a subprocess; each test makes its own PaymentIntent."""

import base64
import time
import urllib.parse

import pytest
import stripe

from tests.payments_stand_in import TEST_SECRET_KEY, start_localstripe
from tests.wallets_stand_in import (
    RETURN_URL,
    confirm,
    expire_qr,
    open_page,
    press,
    retrieve_with_publishable_key,
)

ALL = ["card", "alipay", "wechat_pay"]


@pytest.fixture
def client(localstripe_server):
    return stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": localstripe_server.url}
    )


def new_intent(client, types=ALL, amount=4680):
    params = {"amount": amount, "currency": "cny", "payment_method_types": types}
    if "wechat_pay" in types:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    return client.v1.payment_intents.create(params=params)


def test_an_intent_keeps_its_payment_method_types(client):
    intent = new_intent(client)
    assert intent.payment_method_types == ALL
    assert intent.status == "requires_payment_method"


def test_unknown_payment_method_type_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError, match="paypal"):
        new_intent(client, types=["card", "paypal"])


def test_alipay_redirects_and_approving_pays_the_intent(client, localstripe_server):
    intent = new_intent(client)

    status, body = confirm(localstripe_server.url, intent.client_secret, "alipay")

    assert status == 200, body
    assert body["status"] == "requires_action"
    action = body["next_action"]
    assert action["type"] == "redirect_to_url"
    assert action["redirect_to_url"]["return_url"] == RETURN_URL
    url = action["redirect_to_url"]["url"]
    assert url.startswith(localstripe_server.url + "/_stand_in/authorize/")
    page_status, page = open_page(url)
    assert page_status == 200
    assert "支付宝 Alipay" in page and "¥46.80" in page and intent.id in page
    assert 'value="cancel"' in page

    pressed = press(url, "approve")

    assert pressed.status == 303
    assert pressed.location.startswith(RETURN_URL + "?")
    assert pressed.query == {
        "payment_intent": intent.id,
        "payment_intent_client_secret": intent.client_secret,
        "redirect_status": "succeeded",
    }
    paid = client.v1.payment_intents.retrieve(intent.id)
    assert (paid.status, paid.amount_received) == ("succeeded", 4680)
    method = client.v1.payment_methods.retrieve(paid.payment_method)
    assert method.type == "alipay"
    # The page is used up: pressing again, or another action, finds nothing.
    assert press(url, "approve").status == 404


def test_alipay_failure_returns_failed_and_the_intent_can_be_paid_again(
    client, localstripe_server
):
    intent = new_intent(client)
    _, body = confirm(localstripe_server.url, intent.client_secret, "alipay")

    pressed = press(body["next_action"]["redirect_to_url"]["url"], "fail")

    assert pressed.query["redirect_status"] == "failed"
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_payment_attempt_failed"

    _, again = confirm(localstripe_server.url, intent.client_secret, "alipay")
    assert again["last_payment_error"] is None
    press(again["next_action"]["redirect_to_url"]["url"], "approve")
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_alipay_cancel_returns_canceled_and_leaves_it_requiring_payment(
    client, localstripe_server
):
    intent = new_intent(client)
    _, body = confirm(localstripe_server.url, intent.client_secret, "alipay")

    pressed = press(body["next_action"]["redirect_to_url"]["url"], "cancel")

    assert pressed.query["redirect_status"] == "canceled"
    left = client.v1.payment_intents.retrieve(intent.id)
    assert left.status == "requires_payment_method"
    assert left.last_payment_error is None


def test_return_url_with_a_query_gets_the_parameters_appended(
    client, localstripe_server
):
    intent = new_intent(client)
    _, body = confirm(
        localstripe_server.url,
        intent.client_secret,
        "alipay",
        return_url=RETURN_URL + "?lang=zh",
    )
    pressed = press(body["next_action"]["redirect_to_url"]["url"], "approve")
    assert pressed.location.startswith(RETURN_URL + "?lang=zh&payment_intent=")


def test_wechat_pay_on_a_desktop_shows_a_qr_code_to_scan(client, localstripe_server):
    intent = new_intent(client)

    status, body = confirm(
        localstripe_server.url,
        intent.client_secret,
        "wechat_pay",
        client="web",
        return_url=None,
    )

    assert status == 200, body
    assert body["status"] == "requires_action"
    assert body["next_action"]["type"] == "wechat_pay_display_qr_code"
    qr = body["next_action"]["wechat_pay_display_qr_code"]
    assert qr["data"].startswith(localstripe_server.url + "/_stand_in/authorize/")
    header, _, png = qr["image_data_url"].partition(",")
    assert header == "data:image/png;base64"
    assert base64.b64decode(png).startswith(b"\x89PNG")
    assert qr["expires_at"] > intent.created
    page_status, page = open_page(qr["data"])
    assert page_status == 200 and "微信支付 WeChat Pay" in page
    # A scanned code has nothing to return to: approve or fail only.
    assert 'value="cancel"' not in page
    assert press(qr["data"], "cancel").status == 400
    # Stripe.js polls the intent with the publishable key while it waits.
    status, seen = retrieve_with_publishable_key(
        localstripe_server.url, intent.id, intent.client_secret
    )
    assert (status, seen["status"]) == (200, "requires_action")

    scanned = press(qr["data"], "approve")

    assert scanned.status == 200 and "已付款 Paid" in scanned.text
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_wechat_pay_scan_can_fail(client, localstripe_server):
    intent = new_intent(client)
    _, body = confirm(
        localstripe_server.url, intent.client_secret, "wechat_pay", client="web"
    )

    scanned = press(body["next_action"]["wechat_pay_display_qr_code"]["data"], "fail")

    assert "付款失败" in scanned.text
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_payment_attempt_failed"


def test_an_expired_qr_code_puts_the_intent_back_to_requires_payment_method(
    client, localstripe_server
):
    intent = new_intent(client)
    _, body = confirm(
        localstripe_server.url, intent.client_secret, "wechat_pay", client="web"
    )
    qr_url = body["next_action"]["wechat_pay_display_qr_code"]["data"]

    assert expire_qr(qr_url) == 200

    expired = client.v1.payment_intents.retrieve(intent.id)
    assert expired.status == "requires_payment_method"
    assert expired.next_action is None
    assert expired.last_payment_error.code == "payment_intent_payment_attempt_expired"
    # Scanning the old code now finds nothing to pay.
    assert open_page(qr_url)[0] == 404
    assert press(qr_url, "approve").status == 404
    # A new code can be asked for and paid.
    _, again = confirm(
        localstripe_server.url, intent.client_secret, "wechat_pay", client="web"
    )
    press(again["next_action"]["wechat_pay_display_qr_code"]["data"], "approve")
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_wechat_pay_client_is_one_of_stripes(client, localstripe_server):
    """Stripe takes web, ios or android; a phone's browser is `web` (QR)."""
    intent = new_intent(client)

    status, body = confirm(
        localstripe_server.url, intent.client_secret, "wechat_pay", client="mobile"
    )

    assert status == 400
    assert body["error"]["param"] == "client"
    assert client.v1.payment_intents.retrieve(intent.id).payment_method is None


# --- bad input -----------------------------------------------------------------


def test_a_wallet_the_intent_was_not_created_for_is_refused(client, localstripe_server):
    intent = new_intent(client, types=["card"])
    status, body = confirm(localstripe_server.url, intent.client_secret, "alipay")
    assert status == 400
    assert "not allowed for this PaymentIntent" in body["error"]["message"]
    assert client.v1.payment_intents.retrieve(intent.id).payment_method is None


@pytest.mark.parametrize("return_url", [None, "", "javascript:alert(1)", "/relative"])
def test_alipay_needs_an_http_return_url(client, localstripe_server, return_url):
    intent = new_intent(client)
    status, body = confirm(
        localstripe_server.url, intent.client_secret, "alipay", return_url=return_url
    )
    assert status == 400
    assert "return_url" in body["error"]["message"]


@pytest.mark.parametrize("wechat_client", ["", "desktop", "WEB"])
def test_wechat_pay_needs_a_known_client(client, localstripe_server, wechat_client):
    # Created without options, so the confirmation's client alone counts.
    intent = client.v1.payment_intents.create(
        params={
            "amount": 100,
            "currency": "cny",
            "payment_method_types": ["wechat_pay"],
        }
    )
    status, body = confirm(
        localstripe_server.url,
        intent.client_secret,
        "wechat_pay",
        client=wechat_client,
    )
    assert status == 400
    assert "client" in body["error"]["message"]


def test_confirming_with_another_intents_secret_is_refused(client, localstripe_server):
    mine, other = new_intent(client), new_intent(client)
    forged = mine.id + "_secret_" + other.client_secret.split("_secret_")[1]
    status, _ = confirm(localstripe_server.url, forged, "alipay")
    assert status == 401


def test_a_paid_intent_cannot_be_confirmed_again(client, localstripe_server):
    intent = new_intent(client)
    _, body = confirm(localstripe_server.url, intent.client_secret, "alipay")
    press(body["next_action"]["redirect_to_url"]["url"], "approve")

    status, again = confirm(localstripe_server.url, intent.client_secret, "alipay")

    assert status == 400
    assert again["error"]["code"] == "payment_intent_unexpected_state"


def test_reading_an_intent_needs_its_client_secret(client, localstripe_server):
    intent = new_intent(client)
    status, _ = retrieve_with_publishable_key(
        localstripe_server.url, intent.id, intent.id + "_secret_wrong"
    )
    assert status == 401


def test_unknown_action_and_unknown_page(client, localstripe_server):
    intent = new_intent(client)
    _, body = confirm(localstripe_server.url, intent.client_secret, "alipay")
    url = body["next_action"]["redirect_to_url"]["url"]
    assert press(url, "pay-twice").status == 400
    unknown = url.rsplit("/", 1)[0] + "/" + urllib.parse.quote("nope")
    assert open_page(unknown)[0] == 404
    # The real page still works after both.
    assert press(url, "approve").query["redirect_status"] == "succeeded"


def test_a_qr_code_expires_by_itself_after_its_time():
    """--wechat-qr-seconds: a code not scanned in time expires on the next
    look at the intent (a server of its own, with the shortest time)."""
    with start_localstripe(extra_args=["--wechat-qr-seconds", "1"]) as server:
        client = stripe.StripeClient(
            TEST_SECRET_KEY, base_addresses={"api": server.url}
        )
        intent = new_intent(client)
        _, body = confirm(server.url, intent.client_secret, "wechat_pay", client="web")
        assert body["status"] == "requires_action"
        deadline = body["next_action"]["wechat_pay_display_qr_code"]["expires_at"]
        while time.time() <= deadline:
            time.sleep(0.1)
        expired = client.v1.payment_intents.retrieve(intent.id)
        assert expired.status == "requires_payment_method"
        assert (
            expired.last_payment_error.code == "payment_intent_payment_attempt_expired"
        )
