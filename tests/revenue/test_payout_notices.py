"""The party's people hear when its money moves, once each: "付款已发出" when a
bank payout's batch is approved (it is in the bank file), "款项已到账" when a
payout is paid (bank payout marked paid, Stripe transfer made). Mails are
Django's locmem outbox; Stripe transfers are made at the session's
localstripe; nothing of ours is mocked."""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from brands.models import Membership, Role
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import (
    PartyKind,
    PayoutEvent,
    PayoutNotice,
    PayoutNoticeKind,
    PayoutStatus,
)
from revenue.payout_notices import payout_notices_schedule, payout_notices_send_unsent
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_cancel,
    payout_batch_propose,
    payout_cancel,
    payout_mark_paid,
    payout_send,
)
from revenue.tasks import send_batch_transfers, send_payout_notice
from storefront.core.outbox import SWEEP_GRACE
from storefront.core.urls import absolute_url
from tests.factories import grant, make_user, make_workshop

from .payout_helpers import connected_account, make_party, owe, user_with_role

pytestmark = pytest.mark.django_db

SENT, LANDED = "付款已发出", "款项已到账"
# 20:30 on 30 November in UTC is 04:30 on 1 December in Beijing.
EVENING_UTC = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)


@pytest.fixture
def operator(db):
    return make_user(staff=True, email="ops@example.cn")


def person(role, party, email):
    user = user_with_role(role, party)
    user.email = email
    user.save(update_fields=["email"])
    return user


def mails(word):
    return sorted((m for m in mail.outbox if word in m.subject), key=lambda m: m.to)


def to_of(messages):
    return [m.to for m in messages]


def propose_and_approve(operator, capture):
    batch = payout_batch_propose(user=operator)
    with capture(execute=True):
        payout_batch_approve(batch=batch, user=operator)
    return batch


@pytest.fixture
def village(operator):
    """高泥村 paid by bank (account ending 8901), owed ¥150.00, with two
    treasurers with an address and one without."""
    party = make_party(PartyKind.VILLAGE, bank=True, number="6228480012345678901")
    party.name = "高泥村股份经济合作社"
    party.save(update_fields=["name"])
    owe(party, 15_000)
    party.treasurers = [
        person(Role.VILLAGE_TREASURER, party, "chen@gaoni.cn"),
        person(Role.VILLAGE_TREASURER, party, "wang@gaoni.cn"),
    ]
    person(Role.VILLAGE_TREASURER, party, "")
    return party


def test_a_bank_payout_mails_sent_then_landed_to_the_village_treasurers_only(
    operator, village, django_capture_on_commit_callbacks, time_machine
):
    # Others who must hear nothing of this village's money: a treasurer of
    # another village (paid in the same batch), the manager of a workshop in
    # this village, a staff operator.
    other = make_party(PartyKind.VILLAGE, bank=True)
    owe(other, 20_000)
    person(Role.VILLAGE_TREASURER, other, "li@other.cn")
    neighbour = make_user(email="maker@gaoni.cn")
    grant(neighbour, Role.WORKSHOP_MANAGER, make_workshop(village=village.village))
    time_machine.move_to(EVENING_UTC, tick=False)

    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)

    sent = mails(SENT)
    assert to_of(sent) == [["chen@gaoni.cn"], ["li@other.cn"], ["wang@gaoni.cn"]]
    message, theirs = sent[0], sent[1]
    assert "¥150.00" in message.subject and "高泥村股份经济合作社" in message.subject
    assert "Payout sent" in message.subject
    body = message.body
    assert body.index("已发出") < body.index("has been sent")  # Chinese first
    assert f"转账附言 Bank memo：共富工坊分账 {batch}" in body
    assert "2026-12-01 04:30（北京时间 Beijing time）" in body
    assert "尚待结算 Still pending：¥0.00（本笔以外 beyond this payout）" in body
    link = absolute_url(f"/revenue/statements/{village.pk}/2026-12/")
    assert f"对账单 Statement：{link}\n" in body and link.startswith("http")
    assert "高泥村" not in theirs.body and "¥200.00" in theirs.subject
    assert not mails(LANDED)

    # More sales before the bank confirms: ¥38.52 is still pending after it.
    owe(village, 3_852)
    payout = batch.payouts.get(party=village)
    with django_capture_on_commit_callbacks(execute=True):
        payout_mark_paid(payout=payout, user=operator, bank_reference=" HX20261201 ")

    [first, second] = mails(LANDED)
    assert to_of([first, second]) == [["chen@gaoni.cn"], ["wang@gaoni.cn"]]
    assert "¥150.00" in first.subject and "Payout received" in first.subject
    assert "已转入尾号 8901 的银行账户" in first.body
    assert "银行流水号 Bank reference：HX20261201" in first.body
    assert "尚待结算 Still pending：¥38.52" in first.body
    assert "到账时间 Paid：2026-12-01 04:30" in first.body
    assert "acct_" not in first.body and "tr_" not in first.body
    every = [m.to[0] for m in mail.outbox]
    assert "maker@gaoni.cn" not in every and "ops@example.cn" not in every
    assert len(mail.outbox) == 5

    # Marked paid again: refused, and nobody hears twice.
    with pytest.raises(RevenueError) as refused:
        payout_mark_paid(payout=payout, user=operator, bank_reference="again")
    assert refused.value.code == RevenueErrorCode.INVALID_TRANSITION
    notice = PayoutNotice.objects.filter(payout=payout).first()
    assert send_payout_notice.delay(notice.pk).get() is False
    assert payout_notices_schedule(payout=payout, kind=PayoutNoticeKind.LANDED) == 0
    time_machine.move_to(EVENING_UTC + timedelta(hours=1), tick=False)
    assert payout_notices_send_unsent() == 0
    assert len(mail.outbox) == 5
    assert PayoutEvent.objects.filter(payout=payout, type="notice_sent").count() == 4


def test_a_stripe_payout_mails_its_workshop_managers_once_when_paid(
    operator, django_capture_on_commit_callbacks, stripe_settings
):
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    owe(party, 12_345)
    manager = person(Role.WORKSHOP_MANAGER, party, "huangyu@example.cn")
    treasurer = make_user(email="treasurer@example.cn")
    grant(treasurer, Role.VILLAGE_TREASURER, party.workshop.village)

    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)

    payout = batch.payouts.get()
    assert payout.status == PayoutStatus.PAID
    # Transfer made and paid in one step: "landed" alone, never "sent".
    assert not mails(SENT)
    [message] = mails(LANDED)
    assert message.to == [manager.email]
    assert "¥123.45" in message.subject
    assert "已转入其 Stripe 收款账户" in message.body
    assert (
        f"Stripe 转账编号 Stripe transfer：{payout.stripe_transfer_id}" in message.body
    )
    assert payout.stripe_account_id not in message.body

    # The task and the send again (a redelivery, the beat job): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        send_batch_transfers.delay(batch.pk).get()
        payout_send(payout=payout)
    assert len(mail.outbox) == 1


def test_a_refused_transfer_mails_nothing_nor_does_its_cancellation(
    operator, django_capture_on_commit_callbacks, stripe_settings
):
    party = make_party(PartyKind.WORKSHOP, stripe=connected_account(transfers=False))
    owe(party, 12_345)
    person(Role.WORKSHOP_MANAGER, party, "huangyu@example.cn")

    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)
    payout = batch.payouts.get()
    assert payout.status == PayoutStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        payout_cancel(payout=payout, user=operator)

    assert mail.outbox == []
    assert not PayoutNotice.objects.exists()


def test_a_cancelled_bank_payout_never_lands(
    operator, village, django_capture_on_commit_callbacks
):
    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)
    assert len(mails(SENT)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        payout_cancel(payout=batch.payouts.get(), user=operator)

    assert not mails(LANDED)
    assert not PayoutNotice.objects.filter(kind=PayoutNoticeKind.LANDED).exists()


def test_a_batch_cancelled_before_approval_mails_nothing(
    operator, village, django_capture_on_commit_callbacks
):
    batch = payout_batch_propose(user=operator)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_cancel(batch=batch, user=operator)
    assert mail.outbox == []


def test_a_party_without_people_with_an_address_is_paid_without_a_notice(
    operator, django_capture_on_commit_callbacks
):
    nobody = make_party(PartyKind.VILLAGE, bank=True)
    owe(nobody, 10_000)
    addressless = make_party(PartyKind.WORKSHOP, bank=True)
    owe(addressless, 10_000)
    person(Role.WORKSHOP_MANAGER, addressless, "")
    inactive = person(Role.WORKSHOP_MANAGER, addressless, "gone@example.cn")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        for payout in batch.payouts.all():
            payout_mark_paid(payout=payout, user=operator, bank_reference="R1")

    assert batch.payouts.filter(status=PayoutStatus.PAID).count() == 2
    assert mail.outbox == []
    assert not PayoutNotice.objects.exists()


def test_a_host_and_a_brand_hear_of_their_own_payouts(
    operator, django_capture_on_commit_callbacks
):
    """The rule is the statement's: whoever may read the party's accounts."""
    host = make_party(PartyKind.HOST, bank=True)
    host.host.email = "xiaomei@example.cn"
    host.host.save(update_fields=["email"])
    brand = make_party(PartyKind.BRAND, bank=True)
    operator_of_brand = person(Role.BRAND_OPERATOR, brand, "banlan@example.cn")
    for party in (host, brand):
        owe(party, 10_000)

    propose_and_approve(operator, django_capture_on_commit_callbacks)

    assert to_of(mails(SENT)) == [[operator_of_brand.email], ["xiaomei@example.cn"]]


def test_someone_who_lost_the_role_before_the_mail_left_is_not_mailed(
    operator, village
):
    batch = payout_batch_propose(user=operator)
    payout_batch_approve(batch=batch, user=operator)  # tasks not run: no commit
    leaver = village.treasurers[0]
    Membership.objects.filter(user=leaver).delete()
    notices = PayoutNotice.objects.order_by("user_id")
    assert [n.user_id for n in notices] == sorted(u.pk for u in village.treasurers)

    for notice in notices:
        assert send_payout_notice.delay(notice.pk).get() is True

    assert to_of(mail.outbox) == [["wang@gaoni.cn"]]
    skipped = PayoutEvent.objects.get(type="notice_skipped")
    assert skipped.data == {"notice": "sent", "user": leaver.pk, "to": ""}
    assert not PayoutNotice.objects.filter(sent_at__isnull=True).exists()


def test_a_mail_server_that_is_down_leaves_the_notice_to_the_sweep(
    operator, village, django_capture_on_commit_callbacks, monkeypatch
):
    # SMTP leaves the machine and has no local stand-in here: the mail
    # backend's send fails as a disconnected server would.
    def refuse(self, messages):
        raise SMTPServerDisconnected("down")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )
    batch = propose_and_approve(operator, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    unsent = PayoutNotice.objects.filter(sent_at__isnull=True)
    assert unsent.count() == 2 and not unsent.exclude(claimed_until=None).exists()
    assert mail.outbox == []

    assert payout_notices_send_unsent() == 0  # too fresh: its task may still run
    unsent.update(created_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=5))
    assert payout_notices_send_unsent() == 2
    assert payout_notices_send_unsent() == 0
    assert to_of(mails(SENT)) == [["chen@gaoni.cn"], ["wang@gaoni.cn"]]
    assert str(batch) in mail.outbox[0].body


def test_a_large_payout_is_written_with_thousands_separators(
    operator, django_capture_on_commit_callbacks
):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 123_456_789)
    person(Role.VILLAGE_TREASURER, party, "big@example.cn")

    propose_and_approve(operator, django_capture_on_commit_callbacks)

    [message] = mails(SENT)
    assert "付款已发出 ¥1,234,567.89" in message.subject
    assert "金额 Amount：¥1,234,567.89\n" in message.body
