"""Money is integer fen (1 yuan = 100 fen). This module is the only place that
formats fen for people, parses yuan strings, and splits an amount into parts."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY = "CNY"

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


# A comma is read only as a thousands separator: "0,50" could be fifty fen
# (a decimal comma) or fifty yuan, and a refund of the wrong one is real money.
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?$")


class MoneyParseError(ValueError):
    """A yuan string that cannot be read as an exact amount. Its text is the
    message to show: Chinese, then English."""

    def __init__(self, zh: str, en: str, text: object = ""):
        shown = f"：{text!r}" if text != "" else ""
        self.message = f"{zh}{shown} / {en}{shown.replace('：', ': ')}"
        super().__init__(self.message)


# U+2212, for pages where a negative amount must not be mistaken for a dash
# (a statement month in which refunds exceeded sales).
MINUS_SIGN = "\u2212"


def format_fen(fen: int, *, symbol: str = "¥", minus: str = "-") -> str:
    """12800 -> '¥128.00', 123456789 -> '¥1,234,567.89'; negative amounts keep
    their sign (`minus`) before the symbol: '-¥12.30', or '−¥12.30'."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be an int number of fen")
    sign = minus if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def fen_to_yuan_string(fen: int) -> str:
    """12800 -> '128.00': the plain decimal that machine-read fields expect
    (Open Graph product:price:amount, bank files)."""
    return format_fen(fen, symbol="").replace(",", "")


def fen_to_yuan(fen: int) -> Decimal:
    """12800 -> Decimal('128.00'): the same amount as a number, for files a
    spreadsheet reads (storefront.core.csv_safe writes it as 128.00)."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be an int number of fen")
    return Decimal(fen).scaleb(-2)


def parse_yuan(text: str) -> int:
    """'12.8' / '１２.８０元' / '¥1,280' -> fen; more than 2 decimals is an error,
    and so is any comma that is not a thousands separator ('0,50', '1,23')."""
    cleaned = str(text).translate(_FULLWIDTH).strip()
    for token in ("¥", "￥", "元", "RMB", "CNY", " "):
        cleaned = cleaned.replace(token, "")
    if not cleaned:
        raise MoneyParseError("金额为空", "empty amount")
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise MoneyParseError(
                "逗号只能用作千位分隔符（如 1,234.50），小数请用小数点（如 0.50）",
                "a comma may only separate thousands (as in 1,234.50); "
                "write decimals with a point (as in 0.50)",
                text,
            )
        cleaned = cleaned.replace(",", "")
    if "e" in cleaned.lower():
        # 1.28E+3 is what a spreadsheet makes of a mangled cell, not a price.
        raise MoneyParseError(
            "不接受科学计数法", "scientific notation is not an amount", text
        )
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyParseError("不是数字", "not a number", text) from exc
    if not amount.is_finite():
        raise MoneyParseError("不是数字", "not a number", text)
    try:
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise MoneyParseError(
                "最多两位小数（精确到分）", "more than 2 decimals", text
            )
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError as exc:
        # '1e27' and beyond overflow Decimal's 28-digit context.
        raise MoneyParseError("金额超出范围", "amount out of range", text) from exc


def split_largest_remainder(total: int, weights: list[int]) -> list[int]:
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
