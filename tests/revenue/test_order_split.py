"""Splitting a paid order (revenue.order_split.orders_split / order_split):
each line by its agreement, shipping to the workshop that ships it, the
processor's fee to the agreement's fee bearer, the host's commission only for
a host's sale; exactly to the fen, posted once however often it is asked."""

from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from brands.models import Role
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Party,
    PartyKind,
    Share,
    ShareRole,
)
from revenue.order_split import order_split, orders_split
from revenue.parties import platform_party
from storefront.orders.models import Order
from tests.factories import grant, make_user, make_workshop
from tests.revenue.split_helpers import (
    assert_ledger_consistent,
    brand_agreement,
    make_scene,
    owed,
    party_of,
    sale_entries,
    share_table,
    unsplit_paid_order,
)
from tests.shop_helpers import deliver_event, paid_order, pay_intent, place_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture(autouse=True)
def _fee_at_sixty_basis_points(settings):
    settings.REVENUE_PROCESSOR_FEE_BP = 60
    settings.REVENUE_PROCESSOR_FEE_FIXED_FEN = 0


# --- the hand-computed order ---------------------------------------------------


def three_line_order(client, scene, **kwargs):
    """1 fen and 9.99 from W1 (7.77 shipping), 3 × 33.33 from W2 (free
    shipping from 99.00): paid 117.76. Returns (order, line ids)."""
    one, cheap, dear = (
        scene.variant(1),
        scene.variant(999),
        scene.variant(3333, scene.w2),
    )
    order = unsplit_paid_order(client, [(one, 1), (cheap, 1), (dear, 3)], **kwargs)
    lines = {line.variant_id: line.pk for line in order.lines.all()}
    return order, (lines[one.pk], lines[cheap.pk], lines[dear.pk])


def test_a_three_line_order_over_two_villages_is_split_to_the_fen(client):
    scene = make_scene()
    order, (l1, l2, l3) = three_line_order(client, scene)
    assert (order.paid_fen, order.shipping_fen) == (11776, 777)

    assert order_split(order=order) is True

    w1, v1, w2, v2 = (party_of(t).pk for t in (scene.w1, scene.v1, scene.w2, scene.v2))
    b, p = party_of(scene.brand).pk, platform_party().pk
    # No host: the host's 5 % goes to the village (15 %). Largest remainder
    # per line: 999 → 699.3 / 149.85 / 99.9 / 49.95 gives 699, 150, 100, 50.
    # The fee, 0.6 % of 11776 = 70.656 → 71, is spread over 1 / 999 / 9999 /
    # 777 as 0 / 6 / 60 / 5, all borne by the platform: one fee share.
    assert share_table(order) == {
        (l1, "workshop", w1): 1,
        (l2, "workshop", w1): 699,
        (l2, "village", v1): 150,
        (l2, "brand", b): 100,
        (l2, "platform", p): 50,
        (l3, "workshop", w2): 6999,
        (l3, "village", v2): 1500,
        (l3, "brand", b): 1000,
        (l3, "platform", p): 500,
        (None, "shipping", w1): 777,
        (None, "fee", p): -71,
    }
    assert {
        "w1": owed(scene.w1),
        "v1": owed(scene.v1),
        "w2": owed(scene.w2),
        "v2": owed(scene.v2),
        "brand": owed(scene.brand),
        "platform": owed(None),
    } == {"w1": 1477, "v1": 150, "w2": 6999, "v2": 1500, "brand": 1100, "platform": 479}
    clearing = Account.objects.get(kind=AccountKind.CLEARING)
    assert clearing.balance_fen == 11776 - 71
    entry = JournalEntry.objects.get(order=order, kind=EntryKind.SALE)
    assert entry.lines.count() == 7  # six payables and the clearing account
    assert_ledger_consistent()


def test_each_share_names_the_agreement_it_was_split_by(client):
    scene = make_scene()
    order, _ = three_line_order(client, scene)
    order_split(order=order)

    agreement = scene.brand.share_agreements.get()
    assert set(
        Share.objects.filter(order=order).values_list("agreement", flat=True)
    ) == {agreement.pk}


def test_shipping_goes_whole_to_the_workshop_that_ships_it(client):
    scene = make_scene()
    w2_only = make_workshop(brands=[scene.brand], shipping_fee_fen=1234)
    order = unsplit_paid_order(
        client,
        [(scene.variant(500), 1), (scene.variant(700, w2_only), 2)],
    )
    order_split(order=order)

    shipping = Share.objects.filter(order=order, role=ShareRole.SHIPPING)
    assert sorted(shipping.values_list("party__workshop", "amount_fen")) == sorted(
        [(scene.w1.pk, 777), (w2_only.pk, 1234)]
    )
    assert all(s.order_line_id is None for s in shipping)
    assert_ledger_consistent()


def test_a_free_shipping_parcel_has_no_shipping_share(client):
    scene = make_scene()
    order = unsplit_paid_order(client, [(scene.variant(9900, scene.w2), 1)])
    assert order.shipping_fen == 0
    order_split(order=order)

    assert not Share.objects.filter(order=order, role=ShareRole.SHIPPING).exists()
    assert_ledger_consistent()


# --- the processor's fee ------------------------------------------------------


@pytest.mark.parametrize(
    ("bearer", "expected"),
    [
        # Fee parts 0 / 6 / 60 on the lines, 5 on W1's parcel.
        (
            "platform",
            {"w1": 1477, "v1": 150, "w2": 6999, "v2": 1500, "b": 1100, "p": 479},
        ),
        (
            "workshop",
            {"w1": 1466, "v1": 150, "w2": 6939, "v2": 1500, "b": 1100, "p": 550},
        ),
        (
            "village",
            {"w1": 1477, "v1": 139, "w2": 6999, "v2": 1440, "b": 1100, "p": 550},
        ),
        # A brand bears its lines' fee; a parcel's stays with its workshop.
        ("brand", {"w1": 1472, "v1": 150, "w2": 6999, "v2": 1500, "b": 1034, "p": 550}),
    ],
)
def test_the_fee_is_charged_to_the_agreements_fee_bearer(client, bearer, expected):
    scene = make_scene(fee_bearer=bearer)
    order, _ = three_line_order(client, scene)
    order_split(order=order)

    assert {
        "w1": owed(scene.w1),
        "v1": owed(scene.v1),
        "w2": owed(scene.w2),
        "v2": owed(scene.v2),
        "b": owed(scene.brand),
        "p": owed(None),
    } == expected
    fees = Share.objects.filter(order=order, role=ShareRole.FEE)
    assert fees.aggregate(s=Sum("amount_fen"))["s"] == -71
    assert_ledger_consistent()


def test_the_fee_follows_the_settings(client, settings):
    settings.REVENUE_PROCESSOR_FEE_BP = 100
    settings.REVENUE_PROCESSOR_FEE_FIXED_FEN = 30
    scene = make_scene()
    order, _ = three_line_order(client, scene)
    order_split(order=order)

    fees = Share.objects.filter(order=order, role=ShareRole.FEE)
    # 1 % of 11776 = 117.76 → 118, plus 30 fixed.
    assert fees.aggregate(s=Sum("amount_fen"))["s"] == -148
    assert Account.objects.get(kind=AccountKind.CLEARING).balance_fen == 11776 - 148
    assert_ledger_consistent()


def test_no_fee_no_fee_shares(client, settings):
    settings.REVENUE_PROCESSOR_FEE_BP = 0
    scene = make_scene()
    order, _ = three_line_order(client, scene)
    order_split(order=order)

    assert not Share.objects.filter(order=order, role=ShareRole.FEE).exists()
    assert owed(None) == 550
    assert_ledger_consistent()


# --- the host's commission ------------------------------------------------------


def test_a_hosts_sale_pays_the_host_commission(client):
    scene = make_scene()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, scene.brand)
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    Order.objects.filter(pk=order.pk).update(host=host)
    order_split(order=order)

    host_party = Party.objects.get(host=host)
    assert host_party.kind == PartyKind.HOST
    line = order.lines.get().pk
    # 999 with a host: 699 / 100 / 100 / 50 / 50; the 12 fen fee (0.6 % of
    # 1999), spread 6 / 6 over the line and W2's 10.00 parcel, is one share.
    assert share_table(order) == {
        (line, "workshop", party_of(scene.w2).pk): 699,
        (line, "village", party_of(scene.v2).pk): 100,
        (line, "brand", party_of(scene.brand).pk): 100,
        (line, "host", host_party.pk): 50,
        (line, "platform", platform_party().pk): 50,
        (None, "shipping", party_of(scene.w2).pk): 1000,
        (None, "fee", platform_party().pk): -12,
    }
    assert owed(host) == 50
    assert owed(None) == 38
    assert_ledger_consistent()


def test_a_host_buying_for_themself_earns_no_commission(client):
    scene = make_scene()
    host = make_user()
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)], user=host)
    Order.objects.filter(pk=order.pk).update(host=host)
    order_split(order=order)

    assert not Party.objects.filter(host=host).exists()
    assert not Share.objects.filter(order=order, role=ShareRole.HOST).exists()
    assert owed(scene.v2) == 150  # its 10 % and the unattributed 5 %
    assert_ledger_consistent()


def test_without_a_host_the_commission_goes_where_the_agreement_says(client):
    scene = make_scene(unattributed_host_share_to="platform")
    order = unsplit_paid_order(client, [(scene.variant(10000, scene.w2), 1)])
    order_split(order=order)

    assert owed(scene.v2) == 1000
    fee = 60  # 0.6 % of 10000, free shipping
    assert owed(None) == 1000 - fee
    assert_ledger_consistent()


# --- once, and only once ------------------------------------------------------


def test_splitting_the_same_order_again_is_a_no_op(client):
    scene = make_scene()
    order, _ = three_line_order(client, scene)

    assert order_split(order=order) is True
    before = share_table(order)
    assert order_split(order=order) is False
    assert orders_split(order_ids=[order.pk, order.pk]) == 0

    assert sale_entries(order) == 1
    assert share_table(order) == before
    assert owed(scene.w1) == 1477
    assert_ledger_consistent()


def test_many_orders_in_one_call_and_only_the_paid_ones(client):
    scene = make_scene()
    first, _ = three_line_order(client, scene)
    second = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    unpaid, _payment = place_order([(scene.variant(500), 1)])
    order_split(order=first)

    assert orders_split(order_ids=[unpaid.pk, second.pk, first.pk]) == 1
    assert (sale_entries(first), sale_entries(second), sale_entries(unpaid)) == (
        1,
        1,
        0,
    )
    assert orders_split(order_ids=[]) == 0
    assert_ledger_consistent()


def test_the_same_webhook_event_twice_splits_once(
    client, django_capture_on_commit_callbacks
):
    scene = make_scene()
    order, payment = place_order([(scene.variant(999), 2)])
    intent = pay_intent(payment)

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver_event(
                client, "payment_intent.succeeded", intent, event_id="evt_split_once"
            )
        assert response.status_code == 200

    assert sale_entries(order) == 1
    order.refresh_from_db()
    assert owed(scene.w1) == 1398 + 777
    assert_ledger_consistent()


def test_a_second_succeeded_event_for_the_same_payment_splits_once(
    client, django_capture_on_commit_callbacks
):
    scene = make_scene()
    order, payment = place_order([(scene.variant(999), 1)])
    intent = pay_intent(payment)

    for event_id in ("evt_first_delivery", "evt_second_delivery"):
        with django_capture_on_commit_callbacks(execute=True):
            deliver_event(client, "payment_intent.succeeded", intent, event_id=event_id)

    assert sale_entries(order) == 1
    assert_ledger_consistent()


def test_paying_through_the_webhook_splits_the_order_through_celery(
    client, django_capture_on_commit_callbacks
):
    scene = make_scene()
    with django_capture_on_commit_callbacks() as callbacks:
        order = paid_order(client, [(scene.variant(999), 1)])
    assert sale_entries(order) == 0

    for callback in callbacks:  # what the commit runs: eager Celery tasks
        callback()

    assert sale_entries(order) == 1
    assert owed(scene.w1) == 699 + 777
    assert_ledger_consistent()


def test_a_committed_webhook_payment_is_split(
    client, django_capture_on_commit_callbacks
):
    scene = make_scene()
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(client, [(scene.variant(3333, scene.w2), 3)])

    assert sale_entries(order) == 1
    assert owed(scene.w2) == 6999
    assert_ledger_consistent()


def test_nothing_is_split_until_the_payment_commits(client):
    scene = make_scene()
    order = unsplit_paid_order(client, [(scene.variant(999), 1)])

    assert sale_entries(order) == 0
    assert not Share.objects.exists()


# --- no agreement ----------------------------------------------------------------


def test_an_order_without_an_agreement_in_force_is_refused_and_nothing_written(
    client,
):
    scene = make_scene(agreement=False)
    order = unsplit_paid_order(client, [(scene.variant(999), 1)])
    # Paid before the platform default (2026-01-01) and any brand agreement.
    Order.objects.filter(pk=order.pk).update(
        paid_at=timezone.make_aware(timezone.datetime(2025, 6, 1, 12))
    )
    parties, accounts = Party.objects.count(), Account.objects.count()

    with pytest.raises(RevenueError) as raised:
        order_split(order=order)

    assert raised.value.code == RevenueErrorCode.AGREEMENT_MISSING
    assert "没有适用的分账协议" in raised.value.message
    assert sale_entries(order) == 0
    assert not Share.objects.exists()
    assert (Party.objects.count(), Account.objects.count()) == (parties, accounts)

    brand_agreement(scene.operator, scene.brand, effective_from=date(2025, 1, 1))
    assert order_split(order=order) is True
    assert owed(scene.w1) == 699 + 777
    assert_ledger_consistent()


def test_an_order_paid_before_its_brands_agreement_falls_back_to_the_default(
    client,
):
    scene = make_scene(effective_from=timezone.localdate())
    order = unsplit_paid_order(client, [(scene.variant(999), 1)])
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=1))
    order_split(order=order)

    default = Share.objects.filter(order=order).values_list(
        "agreement__brand", flat=True
    )
    assert set(default) == {None}
    assert_ledger_consistent()
