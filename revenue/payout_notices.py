"""Telling a party's people that its money moved, once each.

Two notices, each written in the transaction of the payout's move:

- 付款已发出 "sent": a bank payout still to pay when its batch is approved
  (it is then in the bank file the operator uploads). A Stripe payout has no
  such step: its transfer is made and recorded paid in one go, and a payout
  that is only *sending* may still fail, so it gets the "landed" notice alone.
- 款项已到账 "landed": a payout recorded paid (`_record_paid`: the Stripe
  transfer made, or the bank payout marked paid). A failed or cancelled
  payout never gets one.

The people are those the party names for its accounts (`users_named_by`,
VIEW_PARTY_ACCOUNTS): a village's treasurers, a workshop's managers, a
brand's operators, the host — exactly who may open the statement the mail
links to. Each has their own row (unique per payout, kind and person), sent
through storefront.core.outbox: one task per row after commit, the mail
server called with no transaction open, and the beat sweep mails what a lost
task left. Someone without an email address gets no row; someone who lost
the role or the address before the mail left is skipped, not mailed."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from brands.permissions import Action, users_named_by
from storefront.core.money import format_fen
from storefront.core.outbox import outbox_send, outbox_sweep
from storefront.core.urls import absolute_url

from .bank_file import bank_memo
from .models import (
    Payout,
    PayoutEvent,
    PayoutMethod,
    PayoutNotice,
    PayoutNoticeKind,
    PayoutStatus,
)
from .selectors import party_balance
from .statements import TIMEZONE

SUBJECTS = {
    PayoutNoticeKind.SENT: ("付款已发出", "Payout sent"),
    PayoutNoticeKind.LANDED: ("款项已到账", "Payout received"),
}


def _people(party):
    return users_named_by(party, Action.VIEW_PARTY_ACCOUNTS).exclude(email="")


def payout_notices_schedule(*, payout: Payout, kind: str) -> int:
    """Called in the transaction that moves `payout` (after its ledger entry,
    for "landed"): a row per person with an email address, each mailed by a
    task after commit. Repeating it adds nothing. The number of new rows."""
    party = payout.party
    people = list(_people(party).order_by("pk").values_list("pk", flat=True))
    if not people:
        return 0
    owed = party_balance(party).owed_fen
    pending = owed if payout.status == PayoutStatus.PAID else owed - payout.amount_fen
    created = []
    for user_id in people:
        notice, new = PayoutNotice.objects.get_or_create(
            payout=payout, kind=kind, user_id=user_id, defaults={"pending_fen": pending}
        )
        if new:
            created.append(notice.pk)

    def queue():
        from .tasks import send_payout_notice

        for pk in created:
            send_payout_notice.delay(pk)

    if created:
        transaction.on_commit(queue, robust=True)
    return len(created)


def _moved_at(notice: PayoutNotice):
    payout = notice.payout
    when = payout.paid_at if notice.kind == PayoutNoticeKind.LANDED else None
    return timezone.localtime(when or payout.batch.approved_at, TIMEZONE)


def _reference(notice: PayoutNotice) -> tuple[str, str]:
    """(label, value) the party can find the money by in its own records:
    the bank's reference (or, until there is one, the memo the bank shows),
    or for a Stripe transfer its id — the only name the party's Stripe
    account gives that money."""
    payout = notice.payout
    if payout.method == PayoutMethod.STRIPE:
        return "Stripe 转账编号 Stripe transfer", payout.stripe_transfer_id or ""
    if notice.kind == PayoutNoticeKind.LANDED and payout.bank_reference:
        return "银行流水号 Bank reference", payout.bank_reference
    return "转账附言 Bank memo", bank_memo(payout.batch)


def notice_context(notice: PayoutNotice) -> dict:
    payout = notice.payout
    moved_at = _moved_at(notice)
    month = f"{moved_at.year:04d}-{moved_at.month:02d}"
    path = reverse(
        "revenue:statement", kwargs={"party_id": payout.party_id, "month": month}
    )
    label, reference = _reference(notice)
    return {
        "notice": notice,
        "landed": notice.kind == PayoutNoticeKind.LANDED,
        "payout": payout,
        "party": payout.party,
        "bank": payout.method == PayoutMethod.BANK,
        "account_tail": payout.bank_account_number[-4:],
        "amount": format_fen(payout.amount_fen),
        "pending": format_fen(notice.pending_fen),
        "moved_at": moved_at.strftime("%Y-%m-%d %H:%M"),
        "reference_label": label,
        "reference": reference,
        "statement_link": absolute_url(path),
    }


def _still_theirs(notice: PayoutNotice) -> str:
    """The address to mail, or "" when the person has lost it, been
    deactivated or no longer holds the role since the payout moved."""
    user = notice.user
    people = _people(notice.payout.party).filter(pk=user.pk)
    return user.email.strip() if people.exists() else ""


def _send(notice: PayoutNotice) -> None:
    notice.to = _still_theirs(notice)
    if not notice.to:
        return
    context = notice_context(notice)
    zh, en = SUBJECTS[notice.kind]
    name, amount = context["party"].name, context["amount"]
    send_mail(
        subject=f"【共富工坊】{zh} {amount} · {name} / {en}: {amount}",
        message=render_to_string("revenue/email/payout_notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notice.to],
    )


def _mark_sent(notice: PayoutNotice) -> None:
    PayoutEvent.objects.create(
        batch_id=notice.payout.batch_id,
        payout=notice.payout,
        type="notice_sent" if notice.to else "notice_skipped",
        data={"notice": notice.kind, "user": notice.user_id, "to": notice.to},
    )


def payout_notice_send(*, notice_id: int) -> bool:
    """Mail one notice unless sent or held by another sender; True if this
    call took it (mailed, or skipped for someone no longer the party's). A
    failed send gives the claim back and raises."""
    return outbox_send(
        PayoutNotice,
        notice_id,
        send=_send,
        sent=_mark_sent,
        related=("payout__party", "payout__batch", "user"),
    )


def payout_notices_send_unsent() -> int:
    """Mail every notice whose task was lost or gave up, oldest first."""
    return outbox_sweep(
        PayoutNotice,
        lambda pk: payout_notice_send(notice_id=pk),
        "payout notice",
    )
