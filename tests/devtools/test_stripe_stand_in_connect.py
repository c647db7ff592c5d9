"""Stripe Connect on the local Stripe stand-in, through the shop's gateway.

localstripe runs in a subprocess (tests/payments_stand_in.py) with the routes
of devtools/stripe_stand_in/connect.py; nothing here is mocked. The
server is shared by the session, so each test makes its own account and uses
fresh idempotency keys and transfer groups.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from storefront.payments import gateway
from storefront.payments.errors import PaymentError, PaymentErrorCode
from tests.payments_stand_in import TEST_SECRET_KEY

pytestmark = pytest.mark.usefixtures("stripe_settings")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


@pytest.fixture
def account():
    return gateway.create_connected_account(
        email="party@example.com",
        metadata={"party": "7"},
        idempotency_key=unique("account"),
    )


def transfer(account, *, amount_fen=1500, group=None, key=None):
    return gateway.create_transfer(
        amount_fen=amount_fen,
        destination=account.id,
        transfer_group=group or unique("group"),
        metadata={"payout": "42"},
        idempotency_key=key or unique("transfer"),
    )


def post(url, fields, *, idempotency_key, api_key=TEST_SECRET_KEY):
    """POST form fields with a secret key and an Idempotency-Key.
    Returns (status, headers, decoded JSON body)."""
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {api_key}",
            "Idempotency-Key": idempotency_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.load(error)


def test_a_connected_account_is_created_and_retrieved(account):
    assert account.id.startswith("acct_")
    assert account.object == "account"
    assert account.type == "custom"
    assert account.country == "CN"
    assert account.email == "party@example.com"
    assert account.metadata.to_dict() == {"party": "7"}
    assert account.capabilities.to_dict() == {"transfers": "active"}
    assert account.charges_enabled is True
    assert account.payouts_enabled is True
    assert isinstance(account.created, int)

    again = gateway.retrieve_account(account.id)
    assert again.to_dict() == account.to_dict()


def test_an_unknown_account_is_a_provider_error():
    with pytest.raises(PaymentError) as raised:
        gateway.retrieve_account("acct_doesnotexist")
    assert raised.value.code == PaymentErrorCode.PROVIDER_ERROR
    assert "No such account: 'acct_doesnotexist'" in raised.value.message_en


def test_a_transfer_is_created_retrieved_and_listed_by_its_group(account):
    group = unique("group")
    made = transfer(account, amount_fen=2345, group=group)
    assert made.id.startswith("tr_")
    assert made.object == "transfer"
    assert made.amount == 2345
    assert made.amount_reversed == 0
    assert made.currency == "cny"
    assert made.destination == account.id
    assert made.transfer_group == group
    assert made.metadata.to_dict() == {"payout": "42"}
    assert made.reversed is False
    assert made.livemode is False

    client = gateway.client()
    assert client.v1.transfers.retrieve(made.id).to_dict() == made.to_dict()
    later = transfer(account, amount_fen=100, group=group)
    transfer(account)  # another group
    assert [t.id for t in gateway.find_transfers(transfer_group=group)] == [
        later.id,
        made.id,
    ]


def test_find_transfers_reads_every_page(account):
    group = unique("group")
    made = [transfer(account, group=group) for _ in range(3)]
    page = gateway.client().v1.transfers.list(
        params={"transfer_group": group, "limit": 2}
    )
    assert page.has_more is True
    newest_first = [t.id for t in reversed(made)]
    assert [t.id for t in page.auto_paging_iter()] == newest_first
    assert [t.id for t in gateway.find_transfers(transfer_group=group)] == (
        newest_first
    )


def test_the_same_key_and_parameters_replay_the_first_transfer(account):
    group, key = unique("group"), unique("transfer")
    first = transfer(account, group=group, key=key)
    again = transfer(account, group=group, key=key)
    assert again.id == first.id
    assert [t.id for t in gateway.find_transfers(transfer_group=group)] == [first.id]


def test_the_same_key_with_another_amount_is_refused(account):
    group, key = unique("group"), unique("transfer")
    first = transfer(account, amount_fen=1500, group=group, key=key)
    with pytest.raises(PaymentError) as raised:
        transfer(account, amount_fen=1600, group=group, key=key)
    assert raised.value.code == PaymentErrorCode.PROVIDER_ERROR
    assert "Keys for idempotent requests can only be used with the same parameters" in (
        raised.value.message_en
    )
    assert [t.id for t in gateway.find_transfers(transfer_group=group)] == [first.id]


def test_the_same_key_creates_one_account():
    key = unique("account")
    made = {
        gateway.create_connected_account(
            email="twice@example.com", metadata={}, idempotency_key=key
        ).id
        for _ in range(2)
    }
    assert len(made) == 1


def test_a_transfer_to_an_unknown_account_is_refused():
    group = unique("group")
    with pytest.raises(PaymentError) as raised:
        gateway.create_transfer(
            amount_fen=1500,
            destination="acct_doesnotexist",
            transfer_group=group,
            metadata={},
            idempotency_key=unique("transfer"),
        )
    assert raised.value.code == PaymentErrorCode.PROVIDER_ERROR
    assert "No such destination: 'acct_doesnotexist'" in raised.value.message_en
    assert gateway.find_transfers(transfer_group=group) == []


def test_a_transfer_to_an_account_without_the_transfers_capability_is_refused():
    inactive = gateway.client().v1.accounts.create(
        params={
            "type": "custom",
            "email": "inactive@example.com",
            "capabilities": {"transfers": {"requested": False}},
        },
        options={"idempotency_key": unique("account")},
    )
    assert inactive.capabilities.to_dict() == {"transfers": "inactive"}
    with pytest.raises(PaymentError) as raised:
        transfer(inactive)
    assert (
        "Your destination account needs to have at least one of the following "
        "capabilities enabled: transfers"
    ) in raised.value.message_en


@pytest.mark.parametrize("amount_fen", [0, -100])
def test_a_transfer_of_no_money_is_refused(account, amount_fen):
    group = unique("group")
    with pytest.raises(PaymentError) as raised:
        transfer(account, amount_fen=amount_fen, group=group)
    assert "greater than or equal to 1" in raised.value.message_en
    assert gateway.find_transfers(transfer_group=group) == []


def test_a_failed_request_is_not_kept_for_its_key(account):
    key = unique("transfer")
    with pytest.raises(PaymentError):
        transfer(account, amount_fen=0, key=key)
    # The corrected request runs under the same key.
    assert transfer(account, amount_fen=10, key=key).amount == 10


def test_the_raw_route_marks_a_replay_and_explains_a_mismatch(stripe_settings, account):
    url = f"{stripe_settings.url}/v1/transfers"
    key = unique("transfer")
    fields = {
        "amount": "700",
        "currency": "cny",
        "destination": account.id,
        "transfer_group": unique("group"),
        "metadata[payout]": "9",
    }

    status, headers, first = post(url, fields, idempotency_key=key)
    assert status == 200
    assert headers.get("Idempotent-Replayed") is None
    assert first["object"] == "transfer"

    status, headers, again = post(url, fields, idempotency_key=key)
    assert status == 200
    assert headers.get("Idempotent-Replayed") == "true"
    assert again == first

    status, _, refused = post(url, {**fields, "amount": "701"}, idempotency_key=key)
    assert status == 400
    assert refused == {
        "error": {
            "type": "idempotency_error",
            "message": (
                "Keys for idempotent requests can only be used with the same "
                f"parameters they were first used with. Try using a key other "
                f"than '{key}' if you meant to execute a different request."
            ),
        }
    }

    # Keys belong to the secret key that sent them.
    status, headers, other = post(
        url, fields, idempotency_key=key, api_key=TEST_SECRET_KEY + "_other"
    )
    assert status == 200
    assert headers.get("Idempotent-Replayed") is None
    assert other["id"] != first["id"]
