import random
from decimal import Decimal

import pytest

from storefront.core.money import (
    MoneyParseError,
    fen_to_yuan_string,
    format_fen,
    parse_yuan,
    split_largest_remainder,
)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (1280, "¥12.80"),
        (12800, "¥128.00"),
        (100000000, "¥1,000,000.00"),
        (-1, "-¥0.01"),
        (-1280, "-¥12.80"),
        (-123456789, "-¥1,234,567.89"),
    ],
)
def test_format_fen_writes_yuan_with_two_decimals_and_thousands(fen, text):
    assert format_fen(fen) == text


def test_format_fen_takes_another_symbol():
    assert format_fen(1280, symbol="") == "12.80"


@pytest.mark.parametrize(
    "bad", [12.8, 1.0, True, False, Decimal("12.80"), "1280", None]
)
def test_format_fen_refuses_anything_but_int(bad):
    with pytest.raises(TypeError):
        format_fen(bad)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.8", 1280),
        ("12.80", 1280),
        ("12", 1200),
        ("0.01", 1),
        ("0", 0),
        ("12.80元", 1280),
        ("１２.８０", 1280),
        ("１２．８０元", 1280),
        ("¥1,280", 128000),
        ("￥1,280.5", 128050),
        (" 12.80 ", 1280),
        ("RMB 99", 9900),
        ("-3.5", -350),
    ],
)
def test_parse_yuan_reads_exact_amounts(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "12.345",
        "0.001",
        "",
        "   ",
        "元",
        "abc",
        "12.8.0",
        "NaN",
        "nan",
        "sNaN",
        "inf",
        "-Infinity",
        "1e999999999",
        "1e27",
        "1e2",
        "6.9E+12",
    ],
)
def test_parse_yuan_refuses_inexact_or_non_numbers(text):
    with pytest.raises(MoneyParseError):
        parse_yuan(text)


def test_parse_yuan_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_yuan("abc")


def test_split_largest_remainder_largest_remainder_known_examples():
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert split_largest_remainder(101, [1, 1, 1]) == [34, 34, 33]
    assert split_largest_remainder(10, [1, 2, 3, 4]) == [1, 2, 3, 4]
    # 1000 * (70, 20, 7, 3) / 100: exact, no remainder to hand out.
    assert split_largest_remainder(1000, [70, 20, 7, 3]) == [700, 200, 70, 30]
    # 5 fen split 1:1: remainders tie, the earlier weight gets the extra fen.
    assert split_largest_remainder(5, [1, 1]) == [3, 2]
    # Largest remainder, not first: 7 * (1, 2) / 3 = 2.33, 4.67.
    assert split_largest_remainder(7, [1, 2]) == [2, 5]


def test_split_largest_remainder_zero_weight_parts_get_nothing():
    assert split_largest_remainder(100, [0, 1, 0, 1]) == [0, 50, 0, 50]


def test_split_largest_remainder_negative_total_mirrors_positive():
    assert split_largest_remainder(-100, [1, 1, 1]) == [-34, -33, -33]
    assert split_largest_remainder(-7, [1, 2]) == [-2, -5]


def test_split_largest_remainder_zero_total():
    assert split_largest_remainder(0, [3, 1]) == [0, 0]


@pytest.mark.parametrize("weights", [[], [0], [0, 0, 0]])
def test_split_largest_remainder_refuses_all_zero_weights(weights):
    with pytest.raises(ValueError):
        split_largest_remainder(100, weights)


def test_split_largest_remainder_refuses_negative_weights():
    with pytest.raises(ValueError):
        split_largest_remainder(100, [3, -1])


def test_split_largest_remainder_parts_always_sum_to_total():
    rng = random.Random(20240601)
    for _ in range(2000):
        total = rng.randint(-10_000_000, 10_000_000)
        weights = [rng.randint(0, 10_000) for _ in range(rng.randint(1, 8))]
        if not any(weights):
            weights[0] = 1
        parts = split_largest_remainder(total, weights)
        assert sum(parts) == total
        assert len(parts) == len(weights)
        for part, weight in zip(parts, weights, strict=True):
            exact = Decimal(total) * weight / sum(weights)
            # Each part is its exact share rounded down or up by one fen.
            assert abs(Decimal(part) - exact) < 1
            if weight == 0:
                assert part == 0


@pytest.mark.parametrize(
    "fen, text",
    [(0, "0.00"), (5, "0.05"), (12800, "128.00"), (123456789, "1234567.89")],
)
def test_fen_to_yuan_string_is_a_plain_decimal(fen, text):
    assert fen_to_yuan_string(fen) == text
