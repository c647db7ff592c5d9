"""The operator admin for payout batches: read-only pages, and the buttons
that call the payout services (propose, approve, cancel, bank file, mark
paid, retry, cancel one payout). Non-operators are turned away."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Role
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import PartyKind, Payout, PayoutBatch, PayoutStatus
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_propose,
    payout_mark_paid,
    payout_send,
)
from revenue.selectors import party_balance
from tests.factories import make_user

from .payout_helpers import (
    assert_ledger_balanced,
    connected_account,
    make_party,
    owe,
    payout_entries,
    transfers_of,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _ledger_balances_after_each_test(db):
    yield
    assert_ledger_balanced()


P = PayoutStatus
BOM = b"\xef\xbb\xbf"


def url(name, *args) -> str:
    return reverse(f"admin:revenue_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def operator(db):
    return make_user(staff=True)


@pytest.fixture
def op(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def parties(db):
    """A bank-paid village, a Stripe-paid workshop, a brand with neither."""
    village = make_party(PartyKind.VILLAGE, bank=True, name="黄避岙村合作社")
    workshop = make_party(PartyKind.WORKSHOP, stripe=connected_account())
    brand = make_party(PartyKind.BRAND)
    owe(village, 25_000)
    owe(workshop, 18_000)
    owe(brand, 30_000)
    return village, workshop, brand


@pytest.fixture
def batch(operator, parties):
    return payout_batch_propose(user=operator)


def _approved(operator, batch):
    return payout_batch_approve(batch=batch, user=operator)


# Pages -------------------------------------------------------------------------


def test_the_batch_admin_is_registered():
    assert PayoutBatch in admin.site._registry


def test_changelist_shows_status_total_and_count(op, operator, batch):
    with CaptureQueriesContext(connection) as before:
        response = op.get(url("payoutbatch_changelist"))
    assert response.status_code == 200
    page = text(response)
    assert str(batch) in page
    assert "¥430.00" in page  # 250 + 180; the brand is skipped
    assert "立即提议批次 Propose now" in page
    assert response.context["cl"].result_count == 1

    owe(make_party(PartyKind.HOST, bank=True), 40_000)
    payout_batch_propose(user=operator)
    with CaptureQueriesContext(connection) as after:
        response = op.get(url("payoutbatch_changelist"))
    assert response.context["cl"].result_count == 2
    assert len(after) == len(before), [q["sql"] for q in after]


def test_detail_is_read_only_with_payouts_skipped_and_buttons(op, batch, parties):
    village, workshop, brand = parties
    response = op.get(url("payoutbatch_change", batch.pk))
    assert response.status_code == 200
    page = text(response)
    assert village.name in page and workshop.name in page
    assert "¥250.00" in page and "¥180.00" in page
    # The skipped brand, with how much and why.
    assert brand.name in page and "¥300.00" in page
    assert "没有收款方式" in page and "no payout method" in page
    assert url("payoutbatch_approve", batch.pk) in page
    assert url("payoutbatch_cancel", batch.pk) in page
    assert "bank-file" not in page  # not before approval
    assert 'name="_save"' not in page  # nothing to save


def test_nothing_is_added_changed_or_deleted_by_hand(op, batch):
    assert op.get(url("payoutbatch_add")).status_code == 403
    assert op.get(url("payoutbatch_delete", batch.pk)).status_code == 403
    response = op.post(
        url("payoutbatch_change", batch.pk), {"status": "completed", "threshold_fen": 1}
    )
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == "proposed"


def test_the_payout_list_finds_failed_payouts_across_batches(op, operator):
    broken = make_party(PartyKind.WORKSHOP, stripe="acct_doesnotexist")
    bank = make_party(PartyKind.VILLAGE, bank=True)
    owe(broken, 16_000)
    owe(bank, 12_000)
    batch = _approved(operator, payout_batch_propose(user=operator))
    failed = payout_send(payout=batch.payouts.get(party=broken))
    paid = batch.payouts.get(party=bank)
    payout_mark_paid(payout=paid, user=operator, bank_reference="NB-1")

    response = op.get(url("payout_changelist"), {"status__exact": "failed"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [failed.pk]
    page = text(op.get(url("payout_change", failed.pk)))
    assert "No such destination" in page
    assert url("payout_retry", failed.pk) in page
    assert op.get(url("payout_add")).status_code == 403
    assert op.get(url("payout_delete", paid.pk)).status_code == 403
    # The ledger's payout entry links to its payout.
    entry = payout_entries(paid).get()
    page = text(op.get(url("journalentry_change", entry.pk)))
    assert url("payout_change", paid.pk) in page


# Propose, approve, cancel ------------------------------------------------------


def test_propose_now(op, parties):
    assert op.get(url("payoutbatch_propose")).status_code == 302
    assert not PayoutBatch.objects.exists()

    response = op.post(url("payoutbatch_propose"))
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    assert response.url == url("payoutbatch_change", batch.pk)
    assert batch.payouts.count() == 2
    assert f"{batch}：已生成，待审批 proposed" in messages_of(response)

    # The others are in that batch now: only the brand is left, unpayable,
    # and the operator is told so instead of getting an empty batch.
    response = op.post(url("payoutbatch_propose"), follow=True)
    assert PayoutBatch.objects.get() == batch
    assert any(
        "没有收款方式" in m and parties[2].name in m for m in messages_of(response)
    )


def test_propose_now_with_nobody_due(op):
    response = op.post(url("payoutbatch_propose"), follow=True)
    assert not PayoutBatch.objects.exists()
    assert any("未生成批次" in m and "no batch" in m for m in messages_of(response))


def test_approve_asks_then_approves(
    op, operator, batch, parties, django_capture_on_commit_callbacks
):
    response = op.get(url("payoutbatch_approve", batch.pk))
    assert response.status_code == 200
    assert "确认批准 Approve" in text(response)
    assert parties[0].name in text(response)
    batch.refresh_from_db()
    assert batch.status == "proposed"

    with django_capture_on_commit_callbacks(execute=True):
        response = op.post(url("payoutbatch_approve", batch.pk))
    assert response.url == url("payoutbatch_change", batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == ("approved", operator)
    # The Stripe payout went out once the approval committed.
    sent = batch.payouts.get(party=parties[1])
    assert sent.status == P.PAID
    assert [t.amount for t in transfers_of(sent)] == [18_000]
    assert batch.payouts.get(party=parties[0]).status == P.PENDING

    # Approving again: the service's refusal, as an error message.
    response = op.post(url("payoutbatch_approve", batch.pk), follow=True)
    refused = RevenueError(RevenueErrorCode.INVALID_TRANSITION).message_zh
    assert any(refused in m for m in messages_of(response))
    page = text(op.get(url("payoutbatch_change", batch.pk)))
    assert "bank-file/utf-8/" in page and "bank-file/gbk/" in page
    assert url("payoutbatch_approve", batch.pk) not in page


def test_cancel_a_batch(op, batch, parties):
    assert op.get(url("payoutbatch_cancel", batch.pk)).status_code == 200
    op.post(url("payoutbatch_cancel", batch.pk))
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert set(batch.payouts.values_list("status", flat=True)) == {P.CANCELLED}
    assert party_balance(parties[0]).owed_fen == 25_000


def test_unknown_batch_is_404(op):
    assert op.get(url("payoutbatch_approve", 999_999)).status_code == 404
    assert op.post(url("payout_retry", 999_999)).status_code == 404


# Bank file ---------------------------------------------------------------------


def test_bank_file_downloads(op, operator, batch, parties):
    _approved(operator, batch)
    response = op.get(url("payoutbatch_bank_file", batch.pk, "utf-8"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{batch}-utf-8.csv"'
    )
    assert response.content.startswith(BOM)
    assert "黄避岙村合作社" in response.content.decode("utf-8-sig")

    response = op.get(url("payoutbatch_bank_file", batch.pk, "gbk"))
    assert response["Content-Type"] == "text/csv; charset=gbk"
    body = response.content.decode("gbk")
    assert "黄避岙村合作社" in body and "250.00" in body
    assert parties[1].name not in body  # paid by Stripe

    assert op.get(url("payoutbatch_bank_file", batch.pk, "latin-1")).status_code == 404


def test_bank_file_refusals_are_shown(op, operator, batch):
    response = op.get(url("payoutbatch_bank_file", batch.pk, "gbk"), follow=True)
    assert response.redirect_chain[-1][0] == url("payoutbatch_change", batch.pk)
    assert any("批次尚未批准" in m for m in messages_of(response))

    payout_batch_approve(batch=batch, user=operator)
    rare = make_party(PartyKind.VILLAGE, bank=True, name="𠮷野家")
    owe(rare, 20_000)
    other = payout_batch_approve(
        batch=payout_batch_propose(user=operator), user=operator
    )
    response = op.get(url("payoutbatch_bank_file", other.pk, "gbk"), follow=True)
    shown = messages_of(response)
    assert any(rare.name in m and "GBK" in m for m in shown), shown
    assert op.get(url("payoutbatch_bank_file", other.pk, "utf-8")).status_code == 200


# Payouts: mark paid, retry, cancel ---------------------------------------------


def test_mark_a_bank_payout_paid(op, operator, batch, parties):
    village = parties[0]
    _approved(operator, batch)
    payout = batch.payouts.get(party=village)
    page = text(op.get(url("payoutbatch_change", batch.pk)))
    assert url("payout_mark_paid", payout.pk) in page

    response = op.get(url("payout_mark_paid", payout.pk))
    assert response.status_code == 200
    assert "银行流水号 bank reference" in text(response)

    response = op.post(url("payout_mark_paid", payout.pk), {"bank_reference": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["bank_reference"]
    assert Payout.objects.get(pk=payout.pk).status == P.PENDING

    response = op.post(url("payout_mark_paid", payout.pk), {"bank_reference": "ABC-9"})
    assert response.url == url("payoutbatch_change", batch.pk)
    payout.refresh_from_db()
    assert (payout.status, payout.bank_reference) == (P.PAID, "ABC-9")
    assert payout_entries(payout).count() == 1
    assert party_balance(village).owed_fen == 0

    response = op.post(
        url("payout_mark_paid", payout.pk), {"bank_reference": "ABC-9"}, follow=True
    )
    refused = RevenueError(RevenueErrorCode.INVALID_TRANSITION).message_zh
    assert any(refused in m for m in messages_of(response))
    assert payout_entries(payout).count() == 1


def test_mark_paid_on_a_stripe_payout_is_refused(op, operator, batch, parties):
    _approved(operator, batch)
    payout = batch.payouts.get(party=parties[1])
    response = op.post(
        url("payout_mark_paid", payout.pk), {"bank_reference": "X"}, follow=True
    )
    not_bank = RevenueError(RevenueErrorCode.NOT_BANK_PAYOUT).message
    assert not_bank in messages_of(response)
    assert Payout.objects.get(pk=payout.pk).status == P.PENDING


def test_retry_a_failed_stripe_payout(op, operator):
    party = make_party(PartyKind.WORKSHOP, stripe="acct_doesnotexist")
    owe(party, 16_000)
    batch = _approved(operator, payout_batch_propose(user=operator))
    payout = payout_send(payout=batch.payouts.get())
    assert payout.status == P.FAILED
    page = text(op.get(url("payoutbatch_change", batch.pk)))
    assert url("payout_retry", payout.pk) in page
    assert "No such destination" in page

    assert op.get(url("payout_retry", payout.pk)).status_code == 200
    response = op.post(url("payout_retry", payout.pk), follow=True)
    assert any("No such destination" in m for m in messages_of(response))
    assert Payout.objects.get(pk=payout.pk).status == P.FAILED

    party.stripe_account_id = connected_account()
    party.save()
    response = op.post(url("payout_retry", payout.pk), follow=True)
    payout.refresh_from_db()
    assert payout.status == P.PAID
    assert f"{payout}：已付 paid" in messages_of(response)
    assert len(transfers_of(payout)) == 1
    assert payout_entries(payout).count() == 1

    response = op.post(url("payout_retry", payout.pk), follow=True)
    assert len(transfers_of(payout)) == 1
    assert payout_entries(payout).count() == 1


def test_cancel_one_payout(op, operator, batch, parties):
    _approved(operator, batch)
    payout = batch.payouts.get(party=parties[0])
    assert op.get(url("payout_cancel", payout.pk)).status_code == 200
    op.post(url("payout_cancel", payout.pk), {"reason": "账号有误 wrong account"})
    payout.refresh_from_db()
    assert payout.status == P.CANCELLED
    assert payout.events.get(type="payout_cancelled").data["reason"] == (
        "账号有误 wrong account"
    )
    # A Stripe payout the task may be sending cannot be cancelled.
    stripe = batch.payouts.get(party=parties[1])
    response = op.post(url("payout_cancel", stripe.pk), follow=True)
    assert Payout.objects.get(pk=stripe.pk).status == P.PENDING
    refused = RevenueError(RevenueErrorCode.INVALID_TRANSITION).message_zh
    assert any(refused in m for m in messages_of(response))


# Not for non-operators ---------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        "customer",
        Role.VILLAGE_TREASURER,
        Role.WORKSHOP_MANAGER,
        Role.BRAND_OPERATOR,
        "host",
        "anonymous",
    ],
)
def test_non_operators_are_turned_away(client, operator, batch, parties, who):
    village, workshop, _ = parties
    host = make_party(PartyKind.HOST, bank=True)
    owe(host, 20_000)
    user = {
        "customer": make_user,
        Role.VILLAGE_TREASURER: lambda: user_with_role(who, village),
        Role.WORKSHOP_MANAGER: lambda: user_with_role(who, workshop),
        Role.BRAND_OPERATOR: lambda: user_with_role(who, parties[2]),
        "host": lambda: user_with_role("host", host),
        "anonymous": lambda: None,
    }[who]()
    if user is not None:
        client.force_login(user)
    approved = _approved(operator, payout_batch_propose(user=operator, threshold_fen=1))
    bank = approved.payouts.get(party=host)
    pages = [
        ("get", url("payoutbatch_changelist")),
        ("get", url("payout_changelist")),
        ("get", url("payout_change", bank.pk)),
        ("get", url("payoutbatch_change", batch.pk)),
        ("post", url("payoutbatch_propose")),
        ("post", url("payoutbatch_approve", batch.pk)),
        ("post", url("payoutbatch_cancel", batch.pk)),
        ("get", url("payoutbatch_bank_file", approved.pk, "gbk")),
        ("post", url("payout_mark_paid", bank.pk)),
        ("post", url("payout_retry", bank.pk)),
        ("post", url("payout_cancel", bank.pk)),
    ]
    for method, page in pages:
        response = getattr(client, method)(page, {"bank_reference": "X"})
        assert response.status_code == 302, page
        assert response.url.startswith(reverse("admin:login")), page
    batch.refresh_from_db()
    assert batch.status == "proposed"
    assert PayoutBatch.objects.count() == 2
    assert Payout.objects.get(pk=bank.pk).status == P.PENDING
