import graphene

from storefront.core.money import CURRENCY, format_fen


class Money(graphene.ObjectType):
    amount = graphene.Int(required=True, description="Amount in fen (分).")
    currency = graphene.String(required=True)
    formatted = graphene.String(required=True, description="e.g. ¥12.80")

    @staticmethod
    def from_fen(fen: int | None) -> "Money | None":
        if fen is None:
            return None
        return Money(amount=fen, currency=CURRENCY, formatted=format_fen(fen))
