"""Payout batches: who is proposed, who may approve, how approval follows
refunds, bank payouts marked paid, cancelling, and every refused move.

Balances are posted through revenue.ledger (payout_helpers.owe) where exact
figures matter, or come from orders really paid at localstripe and split by
revenue.order_split; nothing is mocked. Stripe payouts: test_payout_stripe.py."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from brands.models import Role
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import (
    EntryKind,
    JournalEntry,
    PartyKind,
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutEvent,
    PayoutStatus,
)
from revenue.order_split import order_split
from revenue.parties import party_get_or_create, platform_party
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_cancel,
    payout_batch_propose,
    payout_cancel,
    payout_mark_paid,
    payout_retry,
    payout_send,
)
from revenue.selectors import party_balance
from revenue.tasks import propose_payout_batch
from storefront.payments.refunds import order_refund
from tests.factories import make_user
from tests.shop_helpers import make_variant, paid_order

from .payout_helpers import (
    assert_ledger_balanced,
    connected_account,
    make_party,
    owe,
    payout_entries,
    payout_lines,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _ledger_balances_after_each_test(db):
    yield
    assert_ledger_balanced()


B, P = PayoutBatchStatus, PayoutStatus
THRESHOLD = 10_000


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.REVENUE_PAYOUT_THRESHOLD_FEN = THRESHOLD


@pytest.fixture
def operator(db):
    return make_user(staff=True)


@pytest.fixture
def bank_party(db):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 25_000)
    return party


def _codes(excinfo) -> str:
    return excinfo.value.code


def _payouts(batch) -> dict[int, Payout]:
    return {p.party_id: p for p in batch.payouts.all()}


# Proposing ---------------------------------------------------------------------


def test_proposal_pays_everyone_owed_the_threshold_but_the_platform(operator):
    workshop = make_party(PartyKind.WORKSHOP, stripe="acct_proposal1")
    village = make_party(PartyKind.VILLAGE, bank=True)
    host = make_party(PartyKind.HOST, bank=True)
    brand = make_party(PartyKind.BRAND)  # no payout method
    below = make_party(PartyKind.WORKSHOP, stripe="acct_proposal2")
    owe(workshop, 12_345)
    owe(village, THRESHOLD)  # exactly the threshold is enough
    owe(host, 30_000)
    owe(brand, 40_001)
    owe(below, THRESHOLD - 1)
    owe(platform_party(), 90_000)
    before = JournalEntry.objects.count()

    batch = payout_batch_propose(user=operator)

    assert batch.status == B.PROPOSED
    assert batch.threshold_fen == THRESHOLD
    payouts = _payouts(batch)
    assert {pid: p.amount_fen for pid, p in payouts.items()} == {
        workshop.pk: 12_345,
        village.pk: THRESHOLD,
        host.pk: 30_000,
    }
    assert payouts[workshop.pk].method == "stripe"
    assert payouts[workshop.pk].stripe_account_id == "acct_proposal1"
    assert payouts[village.pk].method == "bank"
    assert payouts[village.pk].bank_account_number == village.bank_account_number
    assert payouts[village.pk].bank_account_name == village.bank_account_name
    assert all(p.status == P.PENDING for p in payouts.values())
    # The party without a payout method is listed with the reason, unpaid.
    assert batch.skipped == [
        {
            "party": brand.pk,
            "name": brand.name,
            "owed_fen": 40_001,
            "reason": RevenueError(
                RevenueErrorCode.NO_PAYOUT_METHOD, detail=brand.name
            ).message,
        }
    ]
    assert "没有收款方式" in batch.skipped[0]["reason"]
    assert "no payout method" in batch.skipped[0]["reason"]
    assert not Payout.objects.filter(party=brand).exists()
    # Proposing moves no money.
    assert JournalEntry.objects.count() == before
    assert party_balance(brand).owed_fen == 40_001
    event = PayoutEvent.objects.get(batch=batch)
    assert (event.type, event.user, event.data) == (
        "batch_proposed",
        operator,
        {"payouts": 3, "skipped": 1},
    )


def test_parties_in_an_open_batch_are_not_proposed_again(operator):
    first = make_party(PartyKind.WORKSHOP, stripe="acct_busy1")
    owe(first, 20_000)
    batch = payout_batch_propose(user=operator)
    assert set(_payouts(batch)) == {first.pk}

    later = make_party(PartyKind.VILLAGE, bank=True)
    owe(later, 20_000)
    owe(first, 5_000)  # earned more meanwhile: still waits for its batch
    second = payout_batch_propose(user=operator)
    assert set(_payouts(second)) == {later.pk}

    payout_batch_approve(batch=batch, user=operator)
    payout_batch_approve(batch=second, user=operator)
    # Approved and not yet paid is still open.
    assert payout_batch_propose(user=operator) is None


def test_nothing_due_proposes_nothing(operator):
    owe(make_party(PartyKind.WORKSHOP, stripe="acct_small"), THRESHOLD - 1)
    owe(platform_party(), 1_000_000)
    assert payout_batch_propose(user=operator) is None
    assert payout_batch_propose(user=operator, threshold_fen=THRESHOLD - 1)
    assert PayoutBatch.objects.count() == 1


def test_only_parties_without_a_method_tells_the_operator_and_makes_no_batch(
    operator,
):
    brand = make_party(PartyKind.BRAND)
    owe(brand, 50_000)
    with pytest.raises(RevenueError) as excinfo:
        payout_batch_propose(user=operator)
    assert excinfo.value.code == RevenueErrorCode.NO_PAYOUT_METHOD
    assert brand.name in excinfo.value.message
    # The weekly job says nothing to anyone: no empty batch piles up each week.
    assert payout_batch_propose(user=None) is None
    assert not PayoutBatch.objects.exists()
    assert party_balance(brand).owed_fen == 50_000


@pytest.mark.django_db(transaction=True)
def test_two_proposals_at_once_never_put_a_party_in_both(operator):
    """The weekly job and an operator's "propose now" at the same moment."""
    parties = [make_party(PartyKind.VILLAGE, bank=True) for _ in range(5)]
    for party in parties:
        owe(party, 20_000)
    start = threading.Barrier(2)
    made, errors = [], []

    def propose():
        try:
            start.wait(timeout=10)
            made.append(payout_batch_propose(user=operator))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=propose) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert sorted(made, key=lambda b: b is None)[1] is None  # one batch, one None
    assert sorted(Payout.objects.values_list("party_id", flat=True)) == [
        p.pk for p in parties
    ]


@pytest.mark.parametrize("threshold", [0, -1, True, "100", 1.5])
def test_a_bad_threshold_is_refused(operator, threshold):
    owe(make_party(PartyKind.WORKSHOP, stripe="acct_t"), 50_000)
    with pytest.raises(RevenueError) as excinfo:
        payout_batch_propose(user=operator, threshold_fen=threshold)
    assert excinfo.value.field == "threshold"
    assert excinfo.value.code == RevenueErrorCode.INVALID_THRESHOLD
    assert not PayoutBatch.objects.exists()


def test_the_weekly_task_proposes_as_the_system():
    party = make_party(PartyKind.WORKSHOP, stripe="acct_weekly")
    owe(party, 10_500)
    batch = PayoutBatch.objects.get(pk=propose_payout_batch())
    assert [(p.party_id, p.amount_fen) for p in batch.payouts.all()] == [
        (party.pk, 10_500)
    ]
    assert PayoutEvent.objects.get(batch=batch).user is None
    assert propose_payout_batch() is None


# Permissions -------------------------------------------------------------------

ROLES = [
    Role.VILLAGE_TREASURER,
    Role.WORKSHOP_MANAGER,
    Role.BRAND_OPERATOR,
    "host",
    "anonymous",
    "inactive staff",
]


@pytest.fixture
def everyone(db):
    """Parties of each kind, each owed money; and the people of each."""
    parties = {
        Role.VILLAGE_TREASURER: make_party(PartyKind.VILLAGE, bank=True),
        Role.WORKSHOP_MANAGER: make_party(PartyKind.WORKSHOP, bank=True),
        Role.BRAND_OPERATOR: make_party(PartyKind.BRAND, bank=True),
        "host": make_party(PartyKind.HOST, bank=True),
    }
    for party in parties.values():
        owe(party, 20_000)
    return parties


def _user(role, everyone):
    if role == "anonymous":
        return AnonymousUser()
    if role == "inactive staff":
        return make_user(staff=True, is_active=False)
    return user_with_role(role, everyone[role])


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_propose_approve_or_cancel(operator, everyone, role):
    user = _user(role, everyone)
    with pytest.raises(RevenueError) as excinfo:
        payout_batch_propose(user=user)
    assert _codes(excinfo) == RevenueErrorCode.PERMISSION_DENIED
    assert not PayoutBatch.objects.exists()

    batch = payout_batch_propose(user=operator)
    for service in (payout_batch_approve, payout_batch_cancel):
        with pytest.raises(RevenueError) as excinfo:
            service(batch=batch, user=user)
        assert _codes(excinfo) == RevenueErrorCode.PERMISSION_DENIED
    batch.refresh_from_db()
    assert batch.status == B.PROPOSED
    assert batch.approved_by is None
    assert batch.events.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_mark_paid_retry_or_cancel_a_payout(operator, everyone, role):
    user = _user(role, everyone)
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    payout = batch.payouts.first()
    for call in (
        lambda: payout_mark_paid(payout=payout, user=user, bank_reference="X1"),
        lambda: payout_retry(payout=payout, user=user),
        lambda: payout_cancel(payout=payout, user=user),
    ):
        with pytest.raises(RevenueError) as excinfo:
            call()
        assert _codes(excinfo) == RevenueErrorCode.PERMISSION_DENIED
    payout.refresh_from_db()
    assert payout.status == P.PENDING
    assert not payout_entries(payout).exists()


# Approving ---------------------------------------------------------------------


def test_approval_records_who_and_leaves_the_amounts(operator, bank_party):
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    batch.refresh_from_db()
    assert batch.status == B.APPROVED
    assert batch.approved_by == operator
    assert batch.approved_at is not None
    payout = batch.payouts.get()
    assert (payout.amount_fen, payout.status) == (25_000, P.PENDING)
    assert [e.type for e in batch.events.all()] == ["batch_proposed", "batch_approved"]


@pytest.fixture
def sold(client):
    """A real order paid at localstripe and split; its workshop is paid by
    bank. Returns (order, workshop party)."""
    variant = make_variant(30_000, 5)
    order = paid_order(client, [(variant, 1)], user=make_user())
    assert order_split(order=order)
    party = party_get_or_create(
        kind=PartyKind.WORKSHOP, target=variant.product.workshop
    )
    party.bank_account_name = "测试工坊"
    party.bank_name = "中国银行"
    party.bank_account_number = "62170000111122223333"
    party.save()
    return order, party


def test_approval_lowers_a_payout_after_a_refund(operator, sold):
    order, party = sold
    proposed = party_balance(party).owed_fen
    batch = payout_batch_propose(user=operator)
    payout = _payouts(batch)[party.pk]
    assert payout.amount_fen == proposed

    order_refund(order=order, user=operator, amount_fen=10_000)
    owed_now = party_balance(party).owed_fen
    assert 0 < owed_now < proposed

    payout_batch_approve(batch=batch, user=operator)
    payout.refresh_from_db()
    assert (payout.amount_fen, payout.status) == (owed_now, P.PENDING)
    lowered = batch.events.get(type="payout_lowered")
    assert lowered.data == {"proposed": proposed, "owed": owed_now}
    payout_mark_paid(payout=payout, user=operator, bank_reference="BOC-1")
    assert party_balance(party).owed_fen == 0
    assert party_balance(party).paid_out_fen == owed_now


def test_approval_cancels_a_payout_when_nothing_is_owed(operator, sold):
    order, party = sold
    batch = payout_batch_propose(user=operator)
    order_refund(order=order, user=operator)  # all of it
    assert party_balance(party).owed_fen == 0

    payout_batch_approve(batch=batch, user=operator)
    batch.refresh_from_db()
    payout = _payouts(batch)[party.pk]
    assert payout.status == P.CANCELLED
    assert not payout_entries(payout).exists()
    assert batch.status == B.COMPLETED  # nothing left open in it


# Bank payouts ------------------------------------------------------------------


def test_a_bank_payout_marked_paid_posts_once(operator, bank_party):
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    payout = batch.payouts.get()

    payout_mark_paid(payout=payout, user=operator, bank_reference="  ABC123  ")
    payout.refresh_from_db()
    assert payout.status == P.PAID
    assert payout.bank_reference == "ABC123"
    assert payout.paid_at is not None
    assert payout_entries(payout).count() == 1
    assert payout_lines(payout) == {"payable": 25_000, "paid_out": -25_000}
    balance = party_balance(bank_party)
    assert (balance.owed_fen, balance.paid_out_fen, balance.earned_fen) == (
        0,
        25_000,
        25_000,
    )
    batch.refresh_from_db()
    assert batch.status == B.COMPLETED
    assert batch.completed_at is not None

    with pytest.raises(RevenueError) as excinfo:
        payout_mark_paid(payout=payout, user=operator, bank_reference="ABC123")
    assert _codes(excinfo) == RevenueErrorCode.INVALID_TRANSITION
    assert payout_entries(payout).count() == 1
    assert party_balance(bank_party).paid_out_fen == 25_000


def test_a_stripe_payout_cannot_be_marked_paid(operator):
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    owe(party, 15_000)
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    payout = batch.payouts.get()
    with pytest.raises(RevenueError) as excinfo:
        payout_mark_paid(payout=payout, user=operator, bank_reference="X")
    assert _codes(excinfo) == RevenueErrorCode.NOT_BANK_PAYOUT
    payout.refresh_from_db()
    assert payout.status == P.PENDING
    assert not payout_entries(payout).exists()


def test_the_batch_completes_only_when_every_payout_is_done(operator):
    parties = [make_party(PartyKind.VILLAGE, bank=True) for _ in range(3)]
    for party in parties:
        owe(party, 11_000)
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    first, second, third = batch.payouts.order_by("pk")
    payout_mark_paid(payout=first, user=operator, bank_reference="R1")
    payout_cancel(payout=second, user=operator, reason="账号有误 wrong account")
    batch.refresh_from_db()
    assert batch.status == B.APPROVED
    payout_mark_paid(payout=third, user=operator, bank_reference="R3")
    batch.refresh_from_db()
    assert batch.status == B.COMPLETED
    # The cancelled one's money is still owed, and proposed again.
    assert party_balance(parties[1]).owed_fen == 11_000
    again = payout_batch_propose(user=operator)
    assert [(p.party_id, p.amount_fen) for p in again.payouts.all()] == [
        (parties[1].pk, 11_000)
    ]


# Refund after a payout ---------------------------------------------------------


def test_a_refund_after_a_payout_is_netted_from_the_next(operator, sold):
    order, party = sold
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)
    paid = _payouts(batch)[party.pk]
    payout_mark_paid(payout=paid, user=operator, bank_reference="R1")
    assert party_balance(party).owed_fen == 0

    order_refund(order=order, user=operator)
    clawed = party_balance(party).owed_fen
    assert clawed == -paid.amount_fen  # the whole share came back
    assert party_balance(party).paid_out_fen == paid.amount_fen
    assert payout_batch_propose(user=operator) is None

    # Earnings first make up for the negative balance, then the threshold.
    owe(party, -clawed + THRESHOLD - 1)
    assert payout_batch_propose(user=operator) is None
    owe(party, 1)
    batch = payout_batch_propose(user=operator)
    assert [(p.party_id, p.amount_fen) for p in batch.payouts.all()] == [
        (party.pk, THRESHOLD)
    ]


# Cancelling and refused moves --------------------------------------------------


def test_a_cancelled_batch_pays_nothing_and_frees_its_parties(operator, bank_party):
    batch = payout_batch_propose(user=operator)
    payout_batch_cancel(batch=batch, user=operator)
    batch.refresh_from_db()
    assert batch.status == B.CANCELLED
    assert set(batch.payouts.values_list("status", flat=True)) == {P.CANCELLED}
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYOUT).exists()
    assert party_balance(bank_party).owed_fen == 25_000
    assert payout_batch_propose(user=operator).payouts.get().party == bank_party


def _refused(call, code=RevenueErrorCode.INVALID_TRANSITION):
    with pytest.raises(RevenueError) as excinfo:
        call()
    assert _codes(excinfo) == code


def test_invalid_batch_transitions_are_refused(operator, bank_party):
    batch = payout_batch_propose(user=operator)
    payout = batch.payouts.get()
    # Nothing is paid before approval.
    _refused(lambda: payout_mark_paid(payout=payout, user=operator))
    _refused(lambda: payout_send(payout=payout))
    payout_batch_approve(batch=batch, user=operator)
    _refused(lambda: payout_batch_approve(batch=batch, user=operator))
    _refused(lambda: payout_batch_cancel(batch=batch, user=operator))
    # A bank payout is never sent through Stripe, nor retried there.
    _refused(lambda: payout_send(payout=payout))
    _refused(lambda: payout_retry(payout=payout, user=operator))
    payout_mark_paid(payout=payout, user=operator, bank_reference="R")
    _refused(lambda: payout_cancel(payout=payout, user=operator))

    assert payout_batch_propose(user=operator, threshold_fen=1) is None
    owe(bank_party, 20_000)
    other = payout_batch_propose(user=operator)
    payout_batch_cancel(batch=other, user=operator)
    _refused(lambda: payout_batch_approve(batch=other, user=operator))
    _refused(lambda: payout_batch_cancel(batch=other, user=operator))
    _refused(lambda: payout_cancel(payout=other.payouts.get(), user=operator))
    batch.refresh_from_db()
    other.refresh_from_db()
    assert (batch.status, other.status) == (B.COMPLETED, B.CANCELLED)
    assert payout_entries(payout).count() == 1


def test_a_stripe_payout_on_its_way_cannot_be_cancelled(operator):
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    owe(party, 15_000)
    batch = payout_batch_propose(user=operator)
    # Before approval any payout may be dropped; after it, not one that the
    # task may be sending.
    payout_batch_approve(batch=batch, user=operator)
    payout = batch.payouts.get()
    _refused(lambda: payout_cancel(payout=payout, user=operator))
    Payout.objects.filter(pk=payout.pk).update(status=P.SENDING)
    _refused(lambda: payout_cancel(payout=payout, user=operator))
    assert Payout.objects.get(pk=payout.pk).status == P.SENDING


def test_a_payout_of_a_proposed_batch_can_be_dropped(operator, bank_party):
    other = make_party(PartyKind.WORKSHOP, bank=True)
    owe(other, 12_000)
    batch = payout_batch_propose(user=operator)
    dropped = _payouts(batch)[bank_party.pk]
    payout_cancel(payout=dropped, user=operator, reason="核对中 checking")
    dropped.refresh_from_db()
    assert dropped.status == P.CANCELLED
    event = dropped.events.get(type="payout_cancelled")
    assert event.data == {"previous": "pending", "reason": "核对中 checking"}
    payout_batch_approve(batch=batch, user=operator)
    assert _payouts(batch)[other.pk].status == P.PENDING
