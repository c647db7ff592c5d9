"""Hypothesis: whatever the agreements (any rates summing to 100 %, any fee
bearer, any recipient of an unclaimed host share), carts, hosts, partial and
full refunds and payouts, the ledger stays whole after every step
(`ledger_violations() == []`) and every party's figures agree to the fen:
its balance with its shares and payouts, each line's split within one fen of
the exact rate, fees exactly the processor's. The split arithmetic is checked
on its own too, and two workers splitting at once split each order once."""

import threading
from fractions import Fraction
from math import floor

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from brands.models import Role
from revenue.agreements import Terms
from revenue.checks import ledger_violations
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Party,
    PartyKind,
    Payout,
    PayoutStatus,
    Share,
    ShareRole,
)
from revenue.models.agreements import FULL_BP, RecipientKind
from revenue.order_split import orders_split
from revenue.selectors import party_balance
from revenue.split import RATE_ROLES, processor_fee, reverse_parts, split_line
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.revenue.ledger_builders import (
    book_refund,
    build_paid_order,
    give_bank_accounts,
    make_agreement,
    pay_out,
)

RECIPIENTS = [choice.value for choice in RecipientKind]


def _rates_from_cuts(cuts: list[int]) -> tuple[int, ...]:
    edges = [0, *sorted(cuts), FULL_BP]
    return tuple(b - a for a, b in zip(edges, edges[1:], strict=False))


rates = st.one_of(
    st.lists(st.integers(0, FULL_BP), min_size=4, max_size=4).map(_rates_from_cuts),
    st.sampled_from(
        [(7000, 1000, 1000, 500, 500), (FULL_BP, 0, 0, 0, 0), (0, 0, 0, FULL_BP, 0)]
    ),
)
terms = st.builds(
    Terms,
    agreement_id=st.just(1),
    rates=rates,
    unattributed_host_share_to=st.sampled_from(RECIPIENTS),
    fee_bearer=st.sampled_from(RECIPIENTS),
)


def _weights(rates_, has_host: bool, recipient: str) -> dict:
    weights = dict(zip(RATE_ROLES, rates_, strict=True))
    if not has_host:
        weights[recipient] += weights.pop(ShareRole.HOST)
    return weights


# ---- the arithmetic, free of the database ---------------------------------


@given(total=st.integers(0, 10**10), terms=terms, has_host=st.booleans())
def test_a_line_splits_into_positive_parts_summing_to_its_total(total, terms, has_host):
    parts = split_line(total, terms, has_host=has_host)
    assert sum(fen for _, fen in parts) == total
    assert all(fen > 0 for _, fen in parts)
    roles = [role for role, _ in parts]
    assert len(roles) == len(set(roles))
    if not has_host:
        assert ShareRole.HOST not in roles
    weights = _weights(terms.rates, has_host, terms.unattributed_host_share_to)
    for role, fen in parts:
        # Largest remainder: each part within one fen of its exact share.
        assert abs(fen * FULL_BP - total * weights[role]) < FULL_BP


@given(
    paid=st.integers(-100, 10**10),
    rate_bp=st.integers(0, FULL_BP),
    fixed=st.integers(0, 10_000),
)
def test_the_processor_fee_is_the_rounded_rate_plus_fixed_within_the_payment(
    paid, rate_bp, fixed
):
    fee = processor_fee(paid, rate_bp=rate_bp, fixed_fen=fixed)
    if paid <= 0:
        assert fee == 0
        return
    assert 0 <= fee <= paid
    half_up = floor(Fraction(paid * rate_bp, FULL_BP) + Fraction(1, 2))
    assert fee == min(paid, half_up + fixed)
    assert processor_fee(paid + 1, rate_bp=rate_bp, fixed_fen=fixed) >= fee


@given(
    nets=st.lists(st.integers(0, 10**8), min_size=1, max_size=12).filter(sum),
    data=st.data(),
)
def test_a_refund_takes_back_no_part_beyond_what_it_holds(nets, data):
    refund = data.draw(st.integers(0, sum(nets)), label="refund")
    parts = reverse_parts(refund, nets)
    assert sum(parts) == refund
    assert all(0 <= part <= net for part, net in zip(parts, nets, strict=True))
    assert reverse_parts(sum(nets), nets) == nets


# ---- the ledger, through the services -------------------------------------

line = st.tuples(
    st.integers(0, 2),  # workshop
    st.integers(0, 1),  # brand
    st.one_of(st.integers(1, 50_000), st.sampled_from([1, 3, 99_999])),  # price
    st.integers(1, 5),  # quantity
)
order = st.fixed_dictionaries(
    {
        "lines": st.lists(line, min_size=1, max_size=4),
        "shipping": st.lists(st.integers(0, 2_000), min_size=3, max_size=3),
        "host": st.sampled_from(["host", "none", "self"]),
    }
)
agreement = st.fixed_dictionaries(
    {
        "rates": rates,
        "fee_bearer": st.sampled_from(RECIPIENTS),
        "unattributed_host_share_to": st.sampled_from(RECIPIENTS),
    }
)
# Simplest first (Hypothesis leans to it): a payout paying everyone due.
step = st.one_of(
    st.tuples(
        st.just("payout"),
        st.one_of(st.just(1), st.integers(1, 20_000)),  # threshold
        st.lists(st.booleans(), min_size=8, max_size=8),  # which to leave unpaid
    ),
    st.tuples(st.just("refund"), st.integers(0, 2), st.integers(1, 60_000)),
    st.tuples(st.just("refund_all"), st.integers(0, 2)),
)


@pytest.fixture
def operator():
    return make_user(staff=True)


def check_whole(orders, hosted: dict) -> None:
    """Every invariant, and every party's figures to the fen."""
    assert ledger_violations() == []
    for party in Party.objects.all():
        balance = party_balance(party)
        shares = Share.objects.filter(party=party).aggregate(s=Sum("amount_fen"))
        assert balance.earned_fen == (shares["s"] or 0), party
        paid = Payout.objects.filter(party=party, status=PayoutStatus.PAID)
        assert balance.paid_out_fen == (paid.aggregate(s=Sum("amount_fen"))["s"] or 0)
    for o in orders:
        o.refresh_from_db()
        kept = Share.objects.filter(order=o).exclude(role=ShareRole.FEE)
        assert kept.aggregate(s=Sum("amount_fen"))["s"] == o.paid_fen - o.refunded_fen
        fee = Share.objects.filter(order=o, role=ShareRole.FEE)
        expected_fee = processor_fee(
            o.paid_fen,
            rate_bp=django_settings.REVENUE_PROCESSOR_FEE_BP,
            fixed_fen=django_settings.REVENUE_PROCESSOR_FEE_FIXED_FEN,
        )
        assert -(fee.aggregate(s=Sum("amount_fen"))["s"] or 0) == expected_fee
        if not hosted[o.pk]:
            assert not kept.filter(role=ShareRole.HOST).exists()
    # A refund never takes back more than a part held.
    overdrawn = (
        Share.objects.exclude(role=ShareRole.FEE)
        .values("order_line", "party", "role")
        .annotate(net=Sum("amount_fen"))
        .filter(net__lt=0)
    )
    assert not overdrawn.exists()


def check_sale_split(orders, hosted: dict) -> None:
    """Each line's part per role within one fen of its exact rate; fees on
    the agreement's bearer (a parcel's stays with its workshop)."""
    sold = Share.objects.filter(order__in=orders, entry__kind=EntryKind.SALE)
    for share in sold.select_related("agreement", "order_line", "party"):
        a = share.agreement
        if share.role == ShareRole.FEE:
            # One fee share per bearer and order; a parcel's part of a brand's
            # fee stays with the workshop that ships it.
            allowed = {a.fee_bearer}
            if a.fee_bearer == PartyKind.BRAND:
                allowed.add(PartyKind.WORKSHOP)
            assert share.order_line_id is None and share.party.kind in allowed
            continue
        if share.role == ShareRole.SHIPPING:
            assert share.party.kind == PartyKind.WORKSHOP
            continue
        weights = _weights(
            (a.workshop_bp, a.village_bp, a.brand_bp, a.host_bp, a.platform_bp),
            hosted[share.order_id],
            a.unattributed_host_share_to,
        )
        total = share.order_line.total_fen
        assert abs(share.amount_fen * FULL_BP - total * weights[share.role]) < (FULL_BP)


def run_scenario(operator, agreements, carts, steps) -> None:
    brands = [make_brand() for _ in agreements]
    for brand, terms_ in zip(brands, agreements, strict=True):
        make_agreement(
            operator,
            brand=brand,
            rates=terms_["rates"],
            fee_bearer=terms_["fee_bearer"],
            unattributed_host_share_to=terms_["unattributed_host_share_to"],
        )
    workshops = [make_workshop(brands=brands) for _ in range(2)]
    # A third workshop in the first one's village: the village sums both.
    workshops.append(make_workshop(brands=brands, village=workshops[0].village))
    host, buyer = make_user(), make_user()
    for brand in brands:
        grant(host, Role.LIVESTREAM_HOST, brand)
    orders, hosted = [], {}
    for cart in carts:
        o = build_paid_order(
            [
                (workshops[w], brands[b % len(brands)], price, qty)
                for w, b, price, qty in cart["lines"]
            ],
            shipping=dict(zip(workshops, cart["shipping"], strict=True)),
            host={"none": None, "host": host, "self": buyer}[cart["host"]],
            user=buyer,
        )
        orders.append(o)
        hosted[o.pk] = cart["host"] == "host"
    assert orders_split(order_ids=[o.pk for o in orders]) == len(orders)
    check_sale_split(orders, hosted)
    check_whole(orders, hosted)
    give_bank_accounts(Party.objects.exclude(kind=PartyKind.PLATFORM))
    for action, *args in steps:
        if action == "payout":
            threshold, unpaid = args
            skips = iter(unpaid * 10)
            pay_out(
                operator, threshold_fen=threshold, pay=lambda _, s=skips: not next(s)
            )
        else:
            o = orders[args[0] % len(orders)]
            o.refresh_from_db()
            left = o.paid_fen - o.refunded_fen
            if left == 0:
                continue
            book_refund(o, left if action == "refund_all" else min(args[1], left))
        check_whole(orders, hosted)
    event(f"payouts paid: {Payout.objects.filter(status=PayoutStatus.PAID).exists()}")
    event(
        f"orders refunded in full: {sum(o.refunded_fen == o.paid_fen for o in orders)}"
    )
    event(f"hosted orders: {sum(hosted.values())}")


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    agreements=st.lists(agreement, min_size=1, max_size=2),
    carts=st.lists(order, min_size=1, max_size=3),
    steps=st.lists(step, min_size=1, max_size=6),
)
def test_any_sales_refunds_and_payouts_keep_the_ledger_whole(
    operator, agreements, carts, steps
):
    # Each example in a savepoint of its own, rolled back after it.
    with transaction.atomic():
        run_scenario(operator, agreements, carts, steps)
        transaction.set_rollback(True)


# ---- two workers at once ---------------------------------------------------


def _at_once(work, args_list):
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(*args_list[i])
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _shop():
    """A brand with its own agreement: `transaction=True` flushes the
    platform default the migration made."""
    operator = make_user(staff=True)
    brand = make_brand()
    make_agreement(operator, brand=brand)
    return brand, make_workshop(brands=[brand])


@pytest.mark.django_db(transaction=True)
def test_two_workers_splitting_the_same_order_at_once_split_it_once():
    brand, workshop = _shop()
    o = build_paid_order(
        [(workshop, brand, 3333, 3)], shipping={workshop: 700}, host=make_user()
    )

    results = _at_once(lambda: orders_split(order_ids=[o.pk]), [(), ()])

    assert sorted(results, key=repr) == [0, 1], results
    assert JournalEntry.objects.filter(order=o, kind=EntryKind.SALE).count() == 1
    kept = Share.objects.filter(order=o).exclude(role=ShareRole.FEE)
    assert kept.aggregate(s=Sum("amount_fen"))["s"] == o.paid_fen == 10_699
    fee = processor_fee(o.paid_fen, rate_bp=60, fixed_fen=0)
    clearing = Account.objects.get(kind=AccountKind.CLEARING)
    assert clearing.balance_fen == o.paid_fen - fee
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_splitting_orders_of_one_workshop_at_once_both_count():
    """Both create the same parties and accounts for the first time and move
    the same balances: each is created once, and the balances hold both."""
    brand, workshop = _shop()
    orders = [
        build_paid_order([(workshop, brand, price, 1)]) for price in (10_000, 20_000)
    ]

    results = _at_once(lambda o: orders_split(order_ids=[o.pk]), [(o,) for o in orders])

    assert results == [1, 1], results
    assert Party.objects.filter(workshop=workshop).count() == 1
    owed = party_balance(Party.objects.get(workshop=workshop)).owed_fen
    assert owed == 7_000 + 14_000
    assert ledger_violations() == []
