"""Saleor's Money shapes over integer fen. `amount` is the Float in yuan that
Saleor's clients show; `fractionalAmount` (fen) with `fractionDigits` (2) is
the exact figure, as newer Saleor has it, and what our own clients read."""

from decimal import Decimal

import graphene

from storefront.core.money import CURRENCY, format_fen

FRACTION_DIGITS = 2


class Money(graphene.ObjectType):
    currency = graphene.String(required=True)
    amount = graphene.Float(required=True, description="Amount in yuan (元).")
    fractional_amount = graphene.Int(
        required=True, description="Amount in the smallest unit: fen (分)."
    )
    fraction_digits = graphene.Int(required=True)
    formatted = graphene.String(required=True, description="e.g. ¥12.80")

    @staticmethod
    def from_fen(fen: int | None) -> "Money | None":
        if fen is None:
            return None
        return Money(
            currency=CURRENCY,
            amount=float(Decimal(fen) / 100),
            fractional_amount=fen,
            fraction_digits=FRACTION_DIGITS,
            formatted=format_fen(fen),
        )


class TaxedMoney(graphene.ObjectType):
    """Prices in this shop include any tax: gross = net and tax 0 (no VAT is
    configured for the shop's goods)."""

    currency = graphene.String(required=True)
    gross = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True)
    tax = graphene.Field(Money, required=True)

    @staticmethod
    def from_fen(fen: int | None) -> "TaxedMoney | None":
        if fen is None:
            return None
        money = Money.from_fen(fen)
        return TaxedMoney(
            currency=CURRENCY, gross=money, net=money, tax=Money.from_fen(0)
        )


class TaxedMoneyRange(graphene.ObjectType):
    start = graphene.Field(TaxedMoney)
    stop = graphene.Field(TaxedMoney)

    @staticmethod
    def from_fen(low: int | None, high: int | None) -> "TaxedMoneyRange | None":
        if low is None or high is None:
            return None
        return TaxedMoneyRange(
            start=TaxedMoney.from_fen(low), stop=TaxedMoney.from_fen(high)
        )
