"""The arithmetic of a split (revenue/split.py), without the database: every
split sums exactly to its amount, ties go the same way every time, and the
processor's fee rounds half up and never exceeds the payment."""

import pytest

from revenue.agreements import Terms
from revenue.models import ShareRole
from revenue.split import (
    RATE_ROLES,
    processor_fee,
    reverse_parts,
    split_line,
    village_share_of,
)

W, V, B, H, P = (
    ShareRole.WORKSHOP,
    ShareRole.VILLAGE,
    ShareRole.BRAND,
    ShareRole.HOST,
    ShareRole.PLATFORM,
)


def terms(rates=(7000, 1000, 1000, 500, 500), *, to="village", fee="platform"):
    return Terms(
        agreement_id=1,
        rates=rates,
        unattributed_host_share_to=to,
        fee_bearer=fee,
    )


def test_rates_are_read_in_the_order_of_the_agreement_fields():
    assert RATE_ROLES == (W, V, B, H, P)


@pytest.mark.parametrize("total", [1, 2, 3, 7, 99, 999, 1001, 12345, 9_999_999])
@pytest.mark.parametrize("has_host", [True, False])
@pytest.mark.parametrize(
    "rates",
    [
        (7000, 1000, 1000, 500, 500),
        (3333, 3333, 3334, 0, 0),
        (1, 1, 1, 1, 9996),
        (10000, 0, 0, 0, 0),
        (0, 0, 0, 10000, 0),
    ],
)
def test_a_line_splits_to_exactly_its_total(total, has_host, rates):
    parts = split_line(total, terms(rates), has_host=has_host)

    assert sum(fen for _, fen in parts) == total
    assert all(fen > 0 for _, fen in parts)
    assert len({role for role, _ in parts}) == len(parts)


def test_a_hand_computed_line_with_a_host():
    # 999 fen at 70/10/10/5/5 %: floors 699, 99, 99, 49, 49 (995); the four
    # fen left go to the largest remainders, 0.95 (host, platform) before
    # 0.9 (village, brand); the workshop's 0.3 gets none.
    assert split_line(999, terms(), has_host=True) == [
        (W, 699),
        (V, 100),
        (B, 100),
        (H, 50),
        (P, 50),
    ]


def test_without_a_host_the_host_share_goes_to_the_named_party():
    assert split_line(10000, terms(to="village"), has_host=False) == [
        (W, 7000),
        (V, 1500),
        (B, 1000),
        (P, 500),
    ]
    assert split_line(10000, terms(to="platform"), has_host=False) == [
        (W, 7000),
        (V, 1000),
        (B, 1000),
        (P, 1000),
    ]
    assert split_line(10000, terms(to="workshop"), has_host=False) == [
        (W, 7500),
        (V, 1000),
        (B, 1000),
        (P, 500),
    ]
    assert dict(split_line(10000, terms(to="brand"), has_host=False))[B] == 1500


def test_without_a_host_no_part_is_a_host_part():
    for total in (1, 19, 999, 10001):
        roles = {role for role, _ in split_line(total, terms(), has_host=False)}
        assert H not in roles


def test_one_fen_goes_to_the_largest_share():
    assert split_line(1, terms(), has_host=True) == [(W, 1)]
    assert split_line(1, terms((0, 6000, 4000, 0, 0)), has_host=False) == [(V, 1)]


def test_ties_go_to_the_earlier_role_every_time():
    equal = terms((2000, 2000, 2000, 2000, 2000))
    first = split_line(3, equal, has_host=True)

    assert first == [(W, 1), (V, 1), (B, 1)]
    assert all(split_line(3, equal, has_host=True) == first for _ in range(20))
    assert split_line(1, equal, has_host=True) == [(W, 1)]
    # Without a host, the village holds 2 × 20 %: the largest remainder.
    assert split_line(1, equal, has_host=False) == [(V, 1)]


def test_a_zero_rate_never_receives_a_fen():
    parts = dict(split_line(9_999, terms((9999, 0, 0, 0, 1)), has_host=True))
    assert parts == {W: 9998, P: 1}


# --- processor fee --------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "rate_bp", "fixed", "fee"),
    [
        (11776, 60, 0, 71),  # 70.656 → 71
        (1999, 60, 0, 12),  # 11.994 → 12
        (25, 200, 0, 1),  # 0.5 exactly → up
        (24, 200, 0, 0),  # 0.48 → 0
        (75, 200, 0, 2),  # 1.5 → 2
        (125, 200, 0, 3),  # 2.5 → 3 (half up, not to even)
        (10000, 60, 30, 90),
        (1, 60, 0, 0),
        (10000, 0, 0, 0),
    ],
)
def test_processor_fee_rounds_half_up(paid, rate_bp, fixed, fee):
    assert processor_fee(paid, rate_bp=rate_bp, fixed_fen=fixed) == fee


def test_processor_fee_is_never_more_than_the_payment():
    assert processor_fee(1, rate_bp=60, fixed_fen=30) == 1
    assert processor_fee(29, rate_bp=60, fixed_fen=30) == 29
    assert processor_fee(100, rate_bp=10000, fixed_fen=30) == 100


def test_no_payment_no_fee():
    assert processor_fee(0, rate_bp=60, fixed_fen=30) == 0
    assert processor_fee(-100, rate_bp=60, fixed_fen=30) == 0


# --- village share shown on the product page ------------------------------


def test_village_share_of_a_direct_sale_includes_the_unattributed_host_share():
    # Without a host the village also takes the host's 5 %; with one, only
    # its own 10 %.
    assert village_share_of(12800, terms()) == 1920
    assert village_share_of(12800, terms(), has_host=True) == 1280
    assert village_share_of(999, terms()) == 150
    assert village_share_of(999, terms(), has_host=True) == 100


def test_village_share_of_is_zero_when_the_village_gets_nothing():
    assert village_share_of(1, terms()) == 0
    assert village_share_of(12800, terms((9000, 0, 1000, 0, 0))) == 0


def test_village_share_of_follows_where_the_host_share_goes():
    assert village_share_of(10000, terms(to="village")) == 1500
    assert village_share_of(10000, terms(to="platform")) == 1000


# --- refund parts -----------------------------------------------------------


def test_reverse_parts_take_back_in_proportion_to_what_remains():
    # 1000 of 1999: floors 25, 349, 75, 50, 500 (999); the last fen goes to
    # the largest remainder, 699's 1349/1999.
    assert reverse_parts(1000, [50, 699, 150, 100, 1000]) == [25, 350, 75, 50, 500]


def test_reverse_parts_of_everything_left_is_everything_left():
    held = [8, 233, 50, 33, 333]
    assert reverse_parts(sum(held), held) == held
