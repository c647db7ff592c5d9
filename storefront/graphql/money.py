"""Saleor's Money shapes over integer fen. `amount` is the Float in yuan that
Saleor's clients show; `fractionalAmount` (fen) with `fractionDigits` (2) is
the exact figure, as newer Saleor has it, and what our own clients read."""

from decimal import Decimal

import graphene

from storefront.core.money import CURRENCY, format_fen

FRACTION_DIGITS = 2


class Fen:
    """The value behind Money: an amount in fen, its other shapes worked out
    only for the fields a query selects (a listing has hundreds)."""

    __slots__ = ("fractional_amount",)
    currency = CURRENCY
    fraction_digits = FRACTION_DIGITS

    def __init__(self, fen: int):
        self.fractional_amount = fen

    @property
    def amount(self) -> float:
        return float(Decimal(self.fractional_amount) / 100)

    @property
    def formatted(self) -> str:
        return format_fen(self.fractional_amount)


class TaxedFen:
    """The value behind TaxedMoney: gross = net, tax 0 (see TaxedMoney)."""

    __slots__ = ("gross",)
    currency = CURRENCY

    def __init__(self, fen: int):
        self.gross = Fen(fen)

    @property
    def net(self) -> Fen:
        return self.gross

    @property
    def tax(self) -> Fen:
        return Fen(0)


class FenRange:
    __slots__ = ("start", "stop")

    def __init__(self, start: TaxedFen, stop: TaxedFen):
        self.start, self.stop = start, stop


class Money(graphene.ObjectType):
    currency = graphene.String(required=True)
    amount = graphene.Float(required=True, description="Amount in yuan (元).")
    fractional_amount = graphene.Int(
        required=True, description="Amount in the smallest unit: fen (分)."
    )
    fraction_digits = graphene.Int(required=True)
    formatted = graphene.String(required=True, description="e.g. ¥12.80")

    @staticmethod
    def from_fen(fen: int | None) -> Fen | None:
        return None if fen is None else Fen(fen)


class TaxedMoney(graphene.ObjectType):
    """Prices in this shop include any tax: gross = net and tax 0 (no VAT is
    configured for the shop's goods)."""

    currency = graphene.String(required=True)
    gross = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True)
    tax = graphene.Field(Money, required=True)

    @staticmethod
    def from_fen(fen: int | None) -> TaxedFen | None:
        return None if fen is None else TaxedFen(fen)


class TaxedMoneyRange(graphene.ObjectType):
    start = graphene.Field(TaxedMoney)
    stop = graphene.Field(TaxedMoney)

    @staticmethod
    def from_fen(low: int | None, high: int | None) -> FenRange | None:
        if low is None or high is None:
            return None
        return FenRange(TaxedFen(low), TaxedFen(high))
