"""Stripe payouts: one Transfer to the party's connected account, whatever
is retried — the task run twice, a send after a crash between Stripe's answer
and our commit, a retry after a refused transfer.

Transfers are made at the session's localstripe with its Connect routes
(devtools/stripe_stand_in/connect.py) and checked there through
gateway.find_transfers; nothing is mocked."""

import threading

import pytest
from django.db import connection

from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import (
    PartyKind,
    Payout,
    PayoutBatchStatus,
    PayoutStatus,
)
from revenue.order_split import order_split
from revenue.parties import party_get_or_create
from revenue.payouts import (
    idempotency_key,
    payout_batch_approve,
    payout_batch_propose,
    payout_cancel,
    payout_mark_paid,
    payout_retry,
    payout_send,
    transfer_group,
)
from revenue.selectors import party_balance
from revenue.tasks import send_batch_transfers
from storefront.payments import gateway
from tests.factories import make_user
from tests.shop_helpers import make_variant, paid_order

from .payout_helpers import (
    assert_ledger_balanced,
    connected_account,
    make_party,
    owe,
    payout_entries,
    payout_lines,
    transfers_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _ledger_balances_after_each_test(db):
    yield
    assert_ledger_balanced()


B, P = PayoutBatchStatus, PayoutStatus
NO_SUCH_ACCOUNT = "acct_doesnotexist"


@pytest.fixture
def operator(db):
    return make_user(staff=True)


def _approved_payout(operator, party, fen=15_000):
    owe(party, fen)
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    return batch.payouts.get(party=party)


def _assert_paid_once(payout, party, amount):
    payout.refresh_from_db()
    transfers = transfers_of(payout)
    assert len(transfers) == 1
    transfer = transfers[0]
    assert (transfer.amount, transfer.currency) == (amount, "cny")
    assert transfer.destination == party.stripe_account_id
    assert transfer.metadata["payout"] == str(payout.pk)
    assert payout.status == P.PAID
    assert payout.stripe_transfer_id == transfer.id
    assert payout.last_error == ""
    assert payout.paid_at is not None
    assert payout_entries(payout).count() == 1
    assert payout_lines(payout) == {"payable": amount, "paid_out": -amount}
    balance = party_balance(party)
    assert (balance.owed_fen, balance.paid_out_fen) == (0, amount)


def test_approval_sends_one_transfer_for_a_really_paid_order(
    client, operator, django_capture_on_commit_callbacks
):
    variant = make_variant(40_000, 5)
    order = paid_order(client, [(variant, 1)], user=make_user())
    assert order_split(order=order)
    workshop = party_get_or_create(
        kind=PartyKind.WORKSHOP, target=variant.product.workshop
    )
    workshop.stripe_account_id = connected_account()
    workshop.save()
    owed = party_balance(workshop).owed_fen
    assert owed > 0

    batch = payout_batch_propose(user=operator)
    payout = batch.payouts.get(party=workshop)
    assert payout.amount_fen == owed
    # The transfer task runs once the approval is committed.
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(batch=batch, user=operator)

    _assert_paid_once(payout, workshop, owed)
    batch.refresh_from_db()
    assert batch.status == B.COMPLETED
    assert [e.type for e in payout.events.all()] == ["payout_sending", "payout_paid"]


def test_sending_twice_or_running_the_task_twice_pays_once(operator):
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    payout = _approved_payout(operator, party)
    assert send_batch_transfers(payout.batch_id) == 1
    assert send_batch_transfers(payout.batch_id) == 0
    assert payout_send(payout=payout).status == P.PAID
    assert payout_send(payout=payout).status == P.PAID
    _assert_paid_once(payout, party, 15_000)


@pytest.mark.parametrize("same_key", [True, False], ids=["same key", "earlier key"])
def test_a_payout_retried_after_a_crash_pays_once(operator, same_key):
    """Our process moved the payout to sending, Stripe made the transfer, and
    we died before recording it: the payout is left sending. The transfer is
    found by its group even when it was made under another attempt's key."""
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    payout = _approved_payout(operator, party)
    Payout.objects.filter(pk=payout.pk).update(status=P.SENDING)
    key = idempotency_key(payout)
    crashed = gateway.create_transfer(
        amount_fen=payout.amount_fen,
        destination=payout.stripe_account_id,
        transfer_group=transfer_group(payout),
        metadata={"payout": str(payout.pk), "batch": str(payout.batch_id)},
        idempotency_key=key if same_key else f"{key}-earlier-attempt",
    )
    assert party_balance(party).owed_fen == 15_000  # not recorded yet

    assert payout_send(payout=payout).status == P.PAID
    _assert_paid_once(payout, party, 15_000)
    payout.refresh_from_db()
    assert payout.stripe_transfer_id == crashed.id
    # And the task picking it up afterwards changes nothing.
    assert send_batch_transfers(payout.batch_id) == 0
    _assert_paid_once(payout, party, 15_000)


def test_the_idempotency_key_alone_keeps_a_crashed_create_from_paying_twice(
    operator,
):
    """The same create sent again with the payout's key is replayed by
    Stripe, not made again."""
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    payout = _approved_payout(operator, party)
    params = dict(
        amount_fen=payout.amount_fen,
        destination=payout.stripe_account_id,
        transfer_group=transfer_group(payout),
        metadata={"payout": str(payout.pk), "batch": str(payout.batch_id)},
        idempotency_key=idempotency_key(payout),
    )
    first = gateway.create_transfer(**params)
    again = gateway.create_transfer(**params)
    assert again.id == first.id
    assert len(transfers_of(payout)) == 1


@pytest.mark.parametrize(
    "destination, message",
    [
        ("inactive", "capabilities enabled: transfers"),
        (NO_SUCH_ACCOUNT, f"No such destination: '{NO_SUCH_ACCOUNT}'"),
    ],
)
def test_a_refused_transfer_fails_the_payout_and_a_retry_pays_once(
    operator, destination, message
):
    if destination == "inactive":
        destination = connected_account(transfers=False)
    party = make_party(PartyKind.WORKSHOP, stripe=destination)
    payout = _approved_payout(operator, party)

    assert send_batch_transfers(payout.batch_id) == 0
    payout.refresh_from_db()
    assert payout.status == P.FAILED
    assert message in payout.last_error
    assert payout.last_error.startswith(
        "Stripe 转账失败 / The Stripe transfer failed: "
    )
    failed = payout.events.get(type="payout_failed")
    assert failed.data["error"] == payout.last_error
    assert transfers_of(payout) == []
    assert not payout_entries(payout).exists()
    assert party_balance(party).owed_fen == 15_000
    assert party_balance(party).paid_out_fen == 0
    batch = payout.batch
    batch.refresh_from_db()
    assert batch.status == B.APPROVED
    # The task leaves failed payouts to an operator.
    assert send_batch_transfers(payout.batch_id) == 0
    assert Payout.objects.get(pk=payout.pk).status == P.FAILED

    # Retried unchanged, it fails again, still without money moving.
    assert payout_retry(payout=payout, user=operator).status == P.FAILED
    assert payout.events.filter(type="payout_failed").count() == 2
    assert not payout_entries(payout).exists()

    # The operator fixes the party's account; the retry pays there, once.
    party.stripe_account_id = connected_account()
    party.save()
    assert payout_retry(payout=payout, user=operator).status == P.PAID
    payout.refresh_from_db()
    assert payout.stripe_account_id == party.stripe_account_id
    changed = payout.events.get(type="payout_destination_changed")
    assert changed.data == {"previous": destination, "now": party.stripe_account_id}
    _assert_paid_once(payout, party, 15_000)
    batch.refresh_from_db()
    assert batch.status == B.COMPLETED


def test_each_retry_after_a_failure_uses_a_fresh_key(operator):
    party = make_party(PartyKind.WORKSHOP, stripe=NO_SUCH_ACCOUNT)
    payout = _approved_payout(operator, party)
    first = idempotency_key(payout)
    assert first == f"gongfu-payout-{payout.idempotency_key}"
    payout_send(payout=payout)
    second = idempotency_key(payout)
    payout_retry(payout=payout, user=operator)
    third = idempotency_key(payout)
    assert len({first, second, third}) == 3
    assert transfer_group(payout) == f"gongfu-payout-{payout.idempotency_key}"


def test_a_failed_payout_for_a_party_without_stripe_is_cancelled_and_reproposed(
    operator,
):
    party = make_party(PartyKind.WORKSHOP, stripe=NO_SUCH_ACCOUNT)
    payout = _approved_payout(operator, party)
    payout_send(payout=payout)
    party.stripe_account_id = ""
    party.bank_account_name = "测试工坊"
    party.bank_name = "中国工商银行"
    party.bank_account_number = "6222020000000000001"
    party.save()

    with pytest.raises(RevenueError) as excinfo:
        payout_retry(payout=payout, user=operator)
    assert excinfo.value.code == RevenueErrorCode.NO_PAYOUT_METHOD
    assert Payout.objects.get(pk=payout.pk).status == P.FAILED

    payout_cancel(payout=payout, user=operator, reason="改用银行 bank instead")
    payout.refresh_from_db()
    assert payout.status == P.CANCELLED
    payout.batch.refresh_from_db()
    assert payout.batch.status == B.COMPLETED
    batch = payout_batch_propose(user=operator)
    again = batch.payouts.get()
    assert (again.party, again.method, again.amount_fen) == (party, "bank", 15_000)
    payout_batch_approve(batch=batch, user=operator)
    payout_mark_paid(payout=again, user=operator, bank_reference="ICBC-9")
    assert party_balance(party).paid_out_fen == 15_000


def test_stripe_and_bank_payouts_of_one_batch(operator):
    stripe_party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    bank_party = make_party(PartyKind.VILLAGE, bank=True)
    owe(stripe_party, 21_000)
    owe(bank_party, 13_000)
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    assert send_batch_transfers(batch.pk) == 1  # bank payouts are not sent
    batch.refresh_from_db()
    assert batch.status == B.APPROVED
    bank = batch.payouts.get(party=bank_party)
    assert bank.status == P.PENDING
    assert transfers_of(bank) == []
    payout_mark_paid(payout=bank, user=operator, bank_reference="R")
    batch.refresh_from_db()
    assert batch.status == B.COMPLETED
    _assert_paid_once(batch.payouts.get(party=stripe_party), stripe_party, 21_000)


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_payout_pay_once(operator):
    """The task and an operator's retry at the same moment, on PostgreSQL."""
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    payout = _approved_payout(operator, party)
    start = threading.Barrier(2)
    statuses, errors = [], []

    def send():
        try:
            start.wait(timeout=10)
            statuses.append(payout_send(payout=payout).status)
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=send) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert statuses == [P.PAID, P.PAID]
    _assert_paid_once(payout, party, 15_000)


def test_the_beat_sweep_finishes_a_payout_left_sending_by_a_dead_worker(operator):
    """A crash after Stripe's answer, and no one retries by hand: the sweep
    (every 10 minutes) records the transfer Stripe made, once; a payout
    approved moments ago is left to its own task."""
    from datetime import timedelta

    from django.utils import timezone

    from revenue.models import PayoutBatch
    from revenue.tasks import finish_unsent_transfers

    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    payout = _approved_payout(operator, party)
    Payout.objects.filter(pk=payout.pk).update(status=P.SENDING)
    gateway.create_transfer(
        amount_fen=payout.amount_fen,
        destination=payout.stripe_account_id,
        transfer_group=transfer_group(payout),
        metadata={"payout": str(payout.pk)},
        idempotency_key=idempotency_key(payout),
    )
    assert finish_unsent_transfers() == 0  # approved just now: not yet
    PayoutBatch.objects.filter(pk=payout.batch_id).update(
        approved_at=timezone.now() - timedelta(minutes=30)
    )
    assert finish_unsent_transfers() == 1
    assert finish_unsent_transfers() == 0
    _assert_paid_once(payout, party, 15_000)
