"""A refund takes the money back from the order's split in proportion to what
each share still holds, exactly to the fen; the processor's fee stays spent;
a refund after a payout leaves the party owing, netted from its next payout."""

import pytest
from django.db.models import Sum

from brands.models import Role
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Party,
    PayoutStatus,
    Share,
    ShareRole,
)
from revenue.order_split import order_split, refund_reverse
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_propose,
    payout_mark_paid,
)
from revenue.selectors import party_balance
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderStatus
from storefront.payments.models import Refund
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user
from tests.revenue.split_helpers import (
    assert_ledger_consistent,
    make_scene,
    owed,
    party_of,
    sale_entries,
    share_table,
    unsplit_paid_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _fee_at_sixty_basis_points(settings):
    settings.REVENUE_PROCESSOR_FEE_BP = 60
    settings.REVENUE_PROCESSOR_FEE_FIXED_FEN = 0


@pytest.fixture
def scene():
    return make_scene()


@pytest.fixture
def order(client, scene):
    """9.99 from W2 plus its 10.00 shipping: paid 19.99, split 699 / 150 /
    100 / 50 and 1000 shipping; the 12 fen fee is the platform's."""
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    order_split(order=order)
    return order


def balances(scene) -> dict:
    return {
        "w": owed(scene.w2),
        "v": owed(scene.v2),
        "b": owed(scene.brand),
        "p": owed(None),
    }


def refund_shares(order) -> dict:
    """{(order line id, role): fen} taken back by the order's refunds."""
    table = {}
    for (line, role, _party), fen in share_table(order, kind=EntryKind.REFUND).items():
        table[(line, role)] = fen
    return table


def remaining_by_role(order) -> dict:
    rows = (
        Share.objects.filter(order=order)
        .values_list("order_line_id", "role")
        .annotate(net=Sum("amount_fen"))
    )
    return {(line, role): net for line, role, net in rows}


def test_the_split_before_any_refund(scene, order):
    assert balances(scene) == {"w": 1699, "v": 150, "b": 100, "p": 38}
    assert Account.objects.get(kind=AccountKind.CLEARING).balance_fen == 1999 - 12
    assert_ledger_consistent()


def test_a_partial_refund_is_reversed_in_proportion_to_the_fen(scene, order):
    operator = scene.operator
    line = order.lines.get().pk

    refund = order_refund(order=order, user=operator, amount_fen=1000)

    # 1000 of 1999 over 50 / 699 / 150 / 100 / 1000: floors 25, 349, 75, 50,
    # 500 (999); the last fen goes to the largest remainder, 699's 1349/1999.
    assert refund_shares(order) == {
        (line, ShareRole.PLATFORM): -25,
        (line, ShareRole.WORKSHOP): -350,
        (line, ShareRole.VILLAGE): -75,
        (line, ShareRole.BRAND): -50,
        (None, ShareRole.SHIPPING): -500,
    }
    entry = JournalEntry.objects.get(kind=EntryKind.REFUND, refund=refund)
    assert entry.order_id == order.pk
    assert balances(scene) == {"w": 349 + 500, "v": 75, "b": 50, "p": 25 - 12}
    clearing = Account.objects.get(kind=AccountKind.CLEARING)
    assert clearing.balance_fen == 1999 - 12 - 1000
    assert_ledger_consistent()


def test_partial_refunds_then_the_rest_bring_every_share_to_zero(scene, order):
    operator = scene.operator
    line = order.lines.get().pk

    order_refund(order=order, user=operator, amount_fen=1000)
    order_refund(order=order, user=operator, amount_fen=333)
    # 333 of the 999 left is a third of each: 8.33 / 116.33 / 25 / 16.67 /
    # 166.67; the two fen left go to the tied .67s, the earlier (brand) first.
    second = Share.objects.filter(
        entry__refund__amount_fen=333, entry__kind=EntryKind.REFUND
    )
    assert dict(second.values_list("role", "amount_fen")) == {
        ShareRole.PLATFORM: -8,
        ShareRole.WORKSHOP: -116,
        ShareRole.VILLAGE: -25,
        ShareRole.BRAND: -17,
        ShareRole.SHIPPING: -167,
    }
    assert balances(scene) == {"w": 233 + 333, "v": 50, "b": 33, "p": 17 - 12}
    assert_ledger_consistent()

    order_refund(order=order, user=operator)  # all that remains: 6.66

    assert remaining_by_role(order) == {
        (line, ShareRole.WORKSHOP): 0,
        (line, ShareRole.VILLAGE): 0,
        (line, ShareRole.BRAND): 0,
        (line, ShareRole.PLATFORM): 0,
        (None, ShareRole.SHIPPING): 0,
        (None, ShareRole.FEE): -12,
    }
    # Only the fee is left: the platform bore it and Stripe keeps it.
    assert balances(scene) == {"w": 0, "v": 0, "b": 0, "p": -12}
    assert Account.objects.get(kind=AccountKind.CLEARING).balance_fen == -12
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 1999)
    assert JournalEntry.objects.filter(order=order, kind=EntryKind.REFUND).count() == 3
    assert_ledger_consistent()


def test_a_full_refund_at_once_reverses_every_share(scene, order):
    order_refund(order=order, user=scene.operator)

    assert balances(scene) == {"w": 0, "v": 0, "b": 0, "p": -12}
    assert set(remaining_by_role(order).values()) == {0, -12}
    assert_ledger_consistent()


def test_a_fee_borne_by_the_workshop_stays_with_it_after_a_full_refund(client):
    scene = make_scene(fee_bearer="workshop")
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    order_split(order=order)

    order_refund(order=order, user=scene.operator)

    assert balances(scene) == {"w": -12, "v": 0, "b": 0, "p": 0}
    assert_ledger_consistent()


def test_a_refund_larger_than_what_remains_is_refused_and_nothing_posted(scene, order):
    order_refund(order=order, user=scene.operator, amount_fen=1000)
    entries, shares = JournalEntry.objects.count(), Share.objects.count()
    before = balances(scene)

    with pytest.raises(OrderError) as raised:
        order_refund(order=order, user=scene.operator, amount_fen=1000)

    assert raised.value.code == OrderErrorCode.REFUND_EXCEEDS_PAID
    assert "¥9.99" in raised.value.message
    assert (JournalEntry.objects.count(), Share.objects.count()) == (entries, shares)
    assert balances(scene) == before
    assert Refund.objects.filter(order=order).count() == 1
    assert_ledger_consistent()


def test_the_ledger_itself_refuses_to_reverse_more_than_remains(scene, order):
    refund = Refund.objects.create(
        order=order,
        payment=order.payments.get(status="succeeded"),
        amount_fen=2000,
    )
    entries, shares = JournalEntry.objects.count(), Share.objects.count()

    with pytest.raises(RevenueError) as raised:
        refund_reverse(refund=refund)

    assert raised.value.code == RevenueErrorCode.REFUND_EXCEEDS_REMAINING
    assert raised.value.field == "amount"
    assert "2000 > 1999" in raised.value.message
    assert (JournalEntry.objects.count(), Share.objects.count()) == (entries, shares)
    assert_ledger_consistent()


def test_reversing_the_same_refund_twice_posts_once(scene, order):
    refund = order_refund(order=order, user=scene.operator, amount_fen=1000)
    first = JournalEntry.objects.get(kind=EntryKind.REFUND, refund=refund)
    after_first = balances(scene)

    again = refund_reverse(refund=refund)

    assert again == first
    assert (
        JournalEntry.objects.filter(kind=EntryKind.REFUND, refund=refund).count() == 1
    )
    assert Share.objects.filter(entry=first).count() == 5
    assert balances(scene) == after_first
    assert_ledger_consistent()


def test_a_refund_before_the_split_splits_first_then_reverses(client, scene):
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    assert sale_entries(order) == 0

    refund = order_refund(order=order, user=scene.operator, amount_fen=1000)

    sale = JournalEntry.objects.get(order=order, kind=EntryKind.SALE)
    reversal = JournalEntry.objects.get(refund=refund, kind=EntryKind.REFUND)
    assert sale.pk < reversal.pk
    assert balances(scene) == {"w": 349 + 500, "v": 75, "b": 50, "p": 25 - 12}
    # The split's own task, arriving late, finds nothing left to do.
    assert order_split(order=order) is False
    assert sale_entries(order) == 1
    assert_ledger_consistent()


def test_a_refund_of_an_order_with_a_host_takes_back_the_commission_too(client, scene):
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, scene.brand)
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    Order.objects.filter(pk=order.pk).update(host=host)
    order_split(order=order)
    assert owed(host) == 50

    order_refund(order=order, user=scene.operator, amount_fen=1999)

    assert owed(host) == 0
    assert balances(scene) == {"w": 0, "v": 0, "b": 0, "p": -12}
    assert_ledger_consistent()


def pay_out(party: Party, operator) -> None:
    """A bank payout of all the party is owed, approved and marked paid."""
    Party.objects.filter(pk=party.pk).update(
        bank_account_name="测试工坊",
        bank_name="象山农商银行",
        bank_account_number="6228480012345678",
    )
    batch = payout_batch_propose(user=operator, threshold_fen=1)
    payout = batch.payouts.get(party=party)
    payout_batch_approve(batch=batch, user=operator)
    payout_mark_paid(payout=payout, user=operator, bank_reference="HX-0001")
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID


def test_a_refund_after_a_payout_leaves_the_party_owing(scene, order):
    workshop = party_of(scene.w2)
    pay_out(workshop, scene.operator)
    assert party_balance(workshop).owed_fen == 0
    assert party_balance(workshop).paid_out_fen == 1699

    order_refund(order=order, user=scene.operator, amount_fen=1000)

    after = party_balance(workshop)
    assert (after.owed_fen, after.paid_out_fen, after.earned_fen) == (-850, 1699, 849)
    # The others, never paid, simply hold less.
    assert balances(scene) == {"w": -850, "v": 75, "b": 50, "p": 25 - 12}
    assert_ledger_consistent()

    order_refund(order=order, user=scene.operator)

    after = party_balance(workshop)
    assert (after.owed_fen, after.paid_out_fen, after.earned_fen) == (-1699, 1699, 0)
    assert_ledger_consistent()


def test_what_a_party_owes_is_netted_from_its_next_payout(client, scene, order):
    workshop = party_of(scene.w2)
    pay_out(workshop, scene.operator)
    order_refund(order=order, user=scene.operator, amount_fen=1000)  # owes 850
    assert party_balance(workshop).owed_fen == -850

    later = unsplit_paid_order(client, [(scene.variant(3333, scene.w2), 3)])
    order_split(order=later)  # earns 6999 (free shipping)

    assert party_balance(workshop).owed_fen == 6999 - 850
    batch = payout_batch_propose(user=scene.operator, threshold_fen=1)
    assert batch.payouts.get(party=workshop).amount_fen == 6149
    assert_ledger_consistent()
