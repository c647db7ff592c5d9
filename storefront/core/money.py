"""Money is integer fen (1 yuan = 100 fen). This module is the only place that
formats fen for people, parses yuan strings, and splits an amount into parts."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY = "CNY"

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


class MoneyParseError(ValueError):
    """A yuan string that cannot be read as an exact amount."""


def format_fen(fen: int, *, symbol: str = "¥") -> str:
    """12800 -> '¥128.00'; negative amounts keep their sign before the symbol."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be an int number of fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def fen_to_yuan_string(fen: int) -> str:
    """12800 -> '128.00': the plain decimal that machine-read fields expect
    (Open Graph product:price:amount, bank files)."""
    return format_fen(fen, symbol="").replace(",", "")


def parse_yuan(text: str) -> int:
    """'12.8' / '１２.８０元' / '¥1,280' -> fen; more than 2 decimals is an error."""
    cleaned = str(text).translate(_FULLWIDTH).strip()
    for token in ("¥", "￥", "元", "RMB", "CNY", ",", " "):
        cleaned = cleaned.replace(token, "")
    if not cleaned:
        raise MoneyParseError("empty amount")
    if "e" in cleaned.lower():
        # 1.28E+3 is what a spreadsheet makes of a mangled cell, not a price.
        raise MoneyParseError(f"scientific notation is not an amount: {text!r}")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyParseError(f"not a number: {text!r}") from exc
    if not amount.is_finite():
        raise MoneyParseError(f"not a number: {text!r}")
    try:
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise MoneyParseError(f"more than 2 decimals: {text!r}")
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError as exc:
        # '1e27' and beyond overflow Decimal's 28-digit context.
        raise MoneyParseError(f"amount out of range: {text!r}") from exc


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen in proportion to integer `weights` by largest remainder.

    The parts always sum to `total`. Ties in remainder go to the earlier weight,
    so the result is deterministic.
    """
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    short = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        floors[i] += 1
    return [sign * part for part in floors]
