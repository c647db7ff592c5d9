"""Payout batches: proposed (weekly, or by an operator), approved by an
operator, then paid — by Stripe Transfer to a connected account, or by bank
transfer from a file that an operator marks paid. Statuses change only
through `_batch_move` and `_payout_move`, which log a PayoutEvent."""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from brands.permissions import Action, user_can
from storefront.payments import gateway
from storefront.payments.errors import PaymentError

from .errors import RevenueError, RevenueErrorCode
from .ledger import Posting, ledger_post
from .models import (
    AccountKind,
    EntryKind,
    Party,
    PartyKind,
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutEvent,
    PayoutMethod,
    PayoutNoticeKind,
    PayoutStatus,
)
from .parties import accounts_for
from .payout_notices import payout_notices_schedule
from .selectors import owed_by_party

log = logging.getLogger(__name__)

B, P = PayoutBatchStatus, PayoutStatus
BATCH_MOVES = {
    B.PROPOSED: {B.APPROVED, B.CANCELLED},
    B.APPROVED: {B.COMPLETED},
    B.COMPLETED: set(),
    B.CANCELLED: set(),
}
PAYOUT_MOVES = {
    P.PENDING: {P.SENDING, P.PAID, P.CANCELLED},
    P.SENDING: {P.PAID, P.FAILED},
    P.FAILED: {P.SENDING, P.CANCELLED},
    P.PAID: set(),
    P.CANCELLED: set(),
}
OPEN_PAYOUT = (P.PENDING, P.SENDING, P.FAILED)
PROPOSE_LOCK = 0x6F6E6675  # any constant shared by every proposer


def _event(batch, type_, *, payout=None, user=None, **data) -> None:
    actor = user if user is not None and user.is_authenticated else None
    PayoutEvent.objects.create(
        batch=batch, payout=payout, type=type_, user=actor, data=data
    )


def _batch_move(batch: PayoutBatch, status: str, *, user=None, **data) -> None:
    if status not in BATCH_MOVES[batch.status]:
        raise RevenueError(
            RevenueErrorCode.INVALID_TRANSITION, detail=f"{batch.status} → {status}"
        )
    previous, batch.status = batch.status, status
    now = timezone.now()
    if status == B.APPROVED:
        batch.approved_by = user if user and user.is_authenticated else None
        batch.approved_at = now
    if status == B.COMPLETED:
        batch.completed_at = now
    batch.save()
    _event(batch, f"batch_{status}", user=user, previous=previous, **data)


def _payout_move(payout: Payout, status: str, *, user=None, **data) -> None:
    if status not in PAYOUT_MOVES[payout.status]:
        raise RevenueError(
            RevenueErrorCode.INVALID_TRANSITION, detail=f"{payout.status} → {status}"
        )
    previous, payout.status = payout.status, status
    payout.save()
    _event(
        payout.batch,
        f"payout_{status}",
        payout=payout,
        user=user,
        previous=previous,
        **data,
    )


def _check_operator(user) -> None:
    if not user_can(user, Action.MANAGE_REVENUE):
        raise RevenueError(RevenueErrorCode.PERMISSION_DENIED)


def _method_fields(party: Party) -> dict:
    method = party.payout_method
    if method is None:
        raise RevenueError(
            RevenueErrorCode.NO_PAYOUT_METHOD, field="party", detail=party.name
        )
    if method == PayoutMethod.STRIPE:
        return {"method": method, "stripe_account_id": party.stripe_account_id}
    return {
        "method": method,
        "bank_account_name": party.bank_account_name,
        "bank_name": party.bank_name,
        "bank_account_number": party.bank_account_number,
    }


def _in_open_payouts() -> set[int]:
    return set(
        Payout.objects.filter(
            status__in=OPEN_PAYOUT,
            batch__status__in=(B.PROPOSED, B.APPROVED),
        ).values_list("party_id", flat=True)
    )


@transaction.atomic
def payout_batch_propose(
    *, user, threshold_fen: int | None = None
) -> PayoutBatch | None:
    """A batch paying every party (the platform aside) owed at least the
    threshold and not already in an open batch. Parties without a payout
    method are listed in `skipped` with the reason. None if nobody can be
    paid; an operator asking is told which parties lack a payout method."""
    if user is not None:
        _check_operator(user)
    threshold = (
        settings.REVENUE_PAYOUT_THRESHOLD_FEN
        if threshold_fen is None
        else threshold_fen
    )
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise RevenueError(RevenueErrorCode.INVALID_THRESHOLD, field="threshold")
    # The beat job and an operator proposing at once would both see the same
    # parties as free: one proposal at a time.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PROPOSE_LOCK])
    busy = _in_open_payouts()
    owed = owed_by_party(min_fen=threshold)
    parties = Party.objects.in_bulk([p for p in owed if p not in busy])
    payouts, skipped = [], []
    for party_id in sorted(parties):
        party = parties[party_id]
        if party.kind == PartyKind.PLATFORM:
            continue
        try:
            fields = _method_fields(party)
        except RevenueError as exc:
            skipped.append(
                {
                    "party": party.pk,
                    "name": party.name,
                    "owed_fen": owed[party_id],
                    "reason": exc.message,
                }
            )
            continue
        payouts.append(Payout(party=party, amount_fen=owed[party_id], **fields))
    if not payouts:
        if skipped and user is not None:
            names = "、".join(item["name"] for item in skipped)
            raise RevenueError(
                RevenueErrorCode.NO_PAYOUT_METHOD, field="party", detail=names
            )
        if skipped:
            log.warning("payout proposal: owed but unpayable: %s", skipped)
        return None
    batch = PayoutBatch.objects.create(threshold_fen=threshold, skipped=skipped)
    for payout in payouts:
        payout.batch = batch
    Payout.objects.bulk_create(payouts)
    _event(
        batch, "batch_proposed", user=user, payouts=len(payouts), skipped=len(skipped)
    )
    return batch


def payout_batch_propose_scheduled() -> PayoutBatch | None:
    """The weekly beat job: the same proposal, made by the system."""
    return payout_batch_propose(user=None)


def payout_batch_approve(*, batch: PayoutBatch, user) -> PayoutBatch:
    """An operator's go-ahead. Each amount is checked against what the party
    is owed now (a refund since the proposal may have lowered it): lowered to
    it, or cancelled when nothing is owed. Stripe payouts are then sent by a
    task after commit; bank payouts wait in the bank file, and their
    people are told the money is sent."""
    _check_operator(user)
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        _batch_move(batch, B.APPROVED, user=user)
        payouts = list(
            batch.payouts.select_for_update(of=("self",)).select_related("party")
        )
        owed = owed_by_party(party_ids=[p.party_id for p in payouts])
        for payout in payouts:
            now_owed = owed.get(payout.party_id, 0)
            if now_owed <= 0:
                _payout_move(payout, P.CANCELLED, user=user, reason="nothing owed")
            elif now_owed < payout.amount_fen:
                _event(
                    batch,
                    "payout_lowered",
                    payout=payout,
                    user=user,
                    proposed=payout.amount_fen,
                    owed=now_owed,
                )
                payout.amount_fen = now_owed
                payout.save(update_fields=["amount_fen"])
            if payout.method == PayoutMethod.BANK and payout.status == P.PENDING:
                # In the bank file from now on: its people hear it is sent.
                payout_notices_schedule(payout=payout, kind=PayoutNoticeKind.SENT)
        _complete_if_done(batch)
        from .tasks import send_batch_transfers

        transaction.on_commit(lambda: send_batch_transfers.delay(batch.pk))
    return batch


def payout_batch_cancel(*, batch: PayoutBatch, user) -> PayoutBatch:
    """Drop a proposed batch; what it would have paid stays owed."""
    _check_operator(user)
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        _batch_move(batch, B.CANCELLED, user=user)
        for payout in batch.payouts.select_for_update():
            _payout_move(payout, P.CANCELLED, user=user)
    return batch


def _locked(payout: Payout) -> Payout:
    """The payout, its batch locked first and then itself: the order every
    writer takes, so that two payouts finishing at once cannot both miss
    that the batch is done, nor deadlock."""
    batch = PayoutBatch.objects.select_for_update().get(pk=payout.batch_id)
    payout = (
        Payout.objects.select_for_update(of=("self",))
        .select_related("party")
        .get(pk=payout.pk)
    )
    payout.batch = batch
    return payout


def _complete_if_done(batch: PayoutBatch) -> None:
    if (
        batch.status == B.APPROVED
        and not batch.payouts.filter(status__in=OPEN_PAYOUT).exists()
    ):
        _batch_move(batch, B.COMPLETED)


def _post_payout(payout: Payout) -> None:
    """Money left for the party: its payable goes down, its paid-out up."""
    payable = accounts_for([payout.party_id], AccountKind.PAYABLE)[payout.party_id]
    paid_out = accounts_for([payout.party_id], AccountKind.PAID_OUT)[payout.party_id]
    posting = Posting(
        kind=EntryKind.PAYOUT, payout_id=payout.pk, memo=f"{payout.batch} 付款 payout"
    )
    posting.add(payable, payout.amount_fen)
    posting.add(paid_out, -payout.amount_fen)
    ledger_post(posting)


def _record_paid(payout: Payout, *, user=None, **fields) -> None:
    for name, value in fields.items():
        setattr(payout, name, value)
    payout.paid_at = timezone.now()
    payout.last_error = ""
    _payout_move(payout, P.PAID, user=user, **fields)
    _post_payout(payout)
    payout_notices_schedule(payout=payout, kind=PayoutNoticeKind.LANDED)
    _complete_if_done(payout.batch)


def transfer_group(payout: Payout) -> str:
    """The payout's group at Stripe: found again after a crash. Built from
    the payout's UUID, not its id, so a database restored or reset next to
    the same Stripe account never mistakes an old transfer for a new one."""
    return f"gongfu-payout-{payout.idempotency_key}"


def idempotency_key(payout: Payout) -> str:
    """The first attempt's key is the payout's own; each retry after a
    failure gets a fresh one, as Stripe may keep answering a key with the
    error it first gave. A transfer that did go through is found by its
    group before any new attempt, so a new key never pays twice."""
    failures = payout.events.filter(type=f"payout_{P.FAILED}").count()
    key = f"gongfu-payout-{payout.idempotency_key}"
    return f"{key}-retry-{failures}" if failures else key


def _transfer_error(exc: PaymentError) -> str:
    """For the operator: Stripe's own words, not the buyer-facing text of a
    payment error."""
    cause = exc.__cause__
    detail = str(getattr(cause, "user_message", None) or cause or exc.message_en)
    return RevenueError(RevenueErrorCode.TRANSFER_FAILED, detail=("", detail)).message[
        :300
    ]


def payout_send(*, payout: Payout) -> Payout:
    """Pay one approved Stripe payout. Safe to run again at any point, even
    after a crash between Stripe's answer and our commit: an existing
    transfer for this payout is looked up first, and the create call carries
    an idempotency key, so the party is paid once."""
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status == P.PAID:
            return payout
        if payout.method != PayoutMethod.STRIPE or payout.batch.status != B.APPROVED:
            raise RevenueError(RevenueErrorCode.INVALID_TRANSITION, field="payout")
        if payout.status != P.SENDING:
            _payout_move(payout, P.SENDING)
        key = idempotency_key(payout)
    group = transfer_group(payout)
    try:
        existing = gateway.find_transfers(transfer_group=group)
        transfer = (
            existing[-1]  # newest first: the oldest is the one that paid
            if existing
            else gateway.create_transfer(
                amount_fen=payout.amount_fen,
                destination=payout.stripe_account_id,
                transfer_group=group,
                metadata={"payout": str(payout.pk), "batch": str(payout.batch_id)},
                idempotency_key=key,
            )
        )
    except PaymentError as exc:
        error = _transfer_error(exc)
        with transaction.atomic():
            payout = _locked(payout)
            if payout.status == P.SENDING:
                payout.last_error = error
                _payout_move(payout, P.FAILED, error=error)
        log.warning("payout %s failed: %s", payout.pk, error)
        return payout
    if len(existing) > 1 or (existing and transfer.amount != payout.amount_fen):
        log.error("payout %s: unexpected transfers in %s", payout.pk, group)
    with transaction.atomic():
        payout = _locked(payout)
        if payout.status == P.SENDING:
            _record_paid(payout, stripe_transfer_id=transfer.id)
    return payout


def payout_retry(*, payout: Payout, user) -> Payout:
    """An operator sends a Stripe payout again: a failed one (to the party's
    Stripe account as it is now, so a corrected account id is used), one
    stuck sending after a crash, or one whose task has not run yet."""
    _check_operator(user)
    with transaction.atomic():
        payout = _locked(payout)
        if payout.method != PayoutMethod.STRIPE or payout.status not in OPEN_PAYOUT:
            raise RevenueError(
                RevenueErrorCode.INVALID_TRANSITION,
                field="payout",
                detail=payout.get_status_display(),
            )
        account = payout.party.stripe_account_id
        if payout.status == P.FAILED and account != payout.stripe_account_id:
            if not account:
                raise RevenueError(
                    RevenueErrorCode.NO_PAYOUT_METHOD,
                    field="party",
                    detail=payout.party.name,
                )
            _event(
                payout.batch,
                "payout_destination_changed",
                payout=payout,
                user=user,
                previous=payout.stripe_account_id,
                now=account,
            )
            payout.stripe_account_id = account
            payout.save(update_fields=["stripe_account_id"])
    return payout_send(payout=payout)


def payout_cancel(*, payout: Payout, user, reason: str = "") -> Payout:
    """An operator drops one payout; what it would have paid stays owed and
    is proposed again. Any pending payout of a proposed batch; once approved,
    a failed Stripe payout or a bank payout not yet marked paid (never one
    that may be on its way: a Stripe payout pending or sending)."""
    _check_operator(user)
    with transaction.atomic():
        payout = _locked(payout)
        batch = payout.batch
        allowed = (batch.status == B.PROPOSED and payout.status == P.PENDING) or (
            batch.status == B.APPROVED
            and (
                payout.status == P.FAILED
                or (payout.status == P.PENDING and payout.method == PayoutMethod.BANK)
            )
        )
        if not allowed:
            raise RevenueError(
                RevenueErrorCode.INVALID_TRANSITION,
                field="payout",
                detail=f"{batch.status}/{payout.status} → {P.CANCELLED}",
            )
        _payout_move(payout, P.CANCELLED, user=user, reason=(reason or "")[:200])
        _complete_if_done(batch)
    return payout


def payout_mark_paid(*, payout: Payout, user, bank_reference: str = "") -> Payout:
    """An operator confirms a bank transfer went out."""
    _check_operator(user)
    with transaction.atomic():
        payout = _locked(payout)
        if payout.method != PayoutMethod.BANK:
            raise RevenueError(RevenueErrorCode.NOT_BANK_PAYOUT, field="payout")
        if payout.batch.status != B.APPROVED:
            raise RevenueError(RevenueErrorCode.INVALID_TRANSITION, field="batch")
        _record_paid(
            payout, user=user, bank_reference=(bank_reference or "").strip()[:64]
        )
    return payout
