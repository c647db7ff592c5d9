"""Revenue types: parties, balances, monthly statements and payout batches.

Only the people a party stands for (`Action.VIEW_PARTY_ACCOUNTS`) and platform
operators see any of it. Lists are narrowed in the database by
`visible_party_filter`, which agrees with `user_can` (a test proves it for
every role); bank account numbers appear masked, and to operators only.
"""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from brands.permissions import Action, user_can
from revenue import selectors
from revenue.models import (
    Party,
    PartyKind,
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutMethod,
    PayoutStatus,
)

from .errors import choice_value, mirror_enum
from .money import Money
from .pagination import paginate
from .types import CountedConnection

PartyKindEnum = mirror_enum(PartyKind, "PartyKind")
PayoutMethodEnum = mirror_enum(PayoutMethod, "PayoutMethod")
PayoutStatusEnum = mirror_enum(PayoutStatus, "PayoutStatus")
PayoutBatchStatusEnum = mirror_enum(PayoutBatchStatus, "PayoutBatchStatus")
StatementLineKindEnum = graphene.Enum(
    "StatementLineKind",
    [(kind.upper(), kind) for kind in ("sale", "refund", "fee", "shipping", "payout")],
    description="What moved the party's balance.",
)


# --- who sees what --------------------------------------------------------------


def _masked(number: str, info) -> str | None:
    if not number or not user_can(info.context.user, Action.MANAGE_REVENUE):
        return None
    return f"****{number[-4:]}"


# --- types ----------------------------------------------------------------------


class PartyType(DjangoObjectType):
    """Someone who receives a share of sales: a workshop, a village collective,
    a brand operator, a livestream host or the platform."""

    class Meta:
        model = Party
        name = "Party"
        interfaces = (relay.Node,)
        fields = ("name",)
        connection_class = CountedConnection

    kind = graphene.Field(PartyKindEnum, required=True)
    payout_method = graphene.Field(
        PayoutMethodEnum, description="How money reaches it; null: none set up yet"
    )
    bank_account_masked = graphene.String(
        description="Last four digits of the bank account (****1234); "
        "platform operators only, else null"
    )

    def resolve_kind(self, info):
        return choice_value(self.kind)

    def resolve_payout_method(self, info):
        return self.payout_method

    def resolve_bank_account_masked(self, info):
        return _masked(self.bank_account_number, info)

    @classmethod
    def get_queryset(cls, queryset, info):
        return selectors.parties_visible_to(info.context.user)


class LedgerBalanceType(graphene.ObjectType):
    """A party's standing now, in fen."""

    class Meta:
        name = "LedgerBalance"

    party = graphene.Field(PartyType, required=True)
    owed_fen = graphene.Int(
        required=True,
        description="What the platform owes the party now; negative after a "
        "refund that followed a payout (netted from the next payout)",
    )
    paid_out_fen = graphene.Int(required=True, description="All it has been sent")
    earned_fen = graphene.Int(required=True, description="owedFen + paidOutFen")
    owed = graphene.Field(Money, required=True)
    paid_out = graphene.Field(Money, required=True)
    earned = graphene.Field(Money, required=True)

    # The value behind this type is a revenue.selectors.Balance.
    def resolve_owed(self, info):
        return Money.from_fen(self.owed_fen)

    def resolve_paid_out(self, info):
        return Money.from_fen(self.paid_out_fen)

    def resolve_earned(self, info):
        return Money.from_fen(self.earned_fen)


class StatementLineType(graphene.ObjectType):
    """One movement of the party's balance; `amountFen` is signed (a refund,
    a fee or a payout lowers what is owed)."""

    class Meta:
        name = "StatementLine"

    posted_at = graphene.DateTime(required=True)
    kind = graphene.Field(StatementLineKindEnum, required=True)
    order_number = graphene.String(required=True)
    product_name = graphene.String(required=True)
    quantity = graphene.Int()
    line_total_fen = graphene.Int(description="The order line's total, when any")
    amount_fen = graphene.Int(required=True)
    amount = graphene.Field(Money, required=True)
    reference = graphene.String(required=True)

    # The value behind this type is a revenue.statements.StatementLine.
    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)


class StatementLineConnection(CountedConnection):
    class Meta:
        node = StatementLineType


class _Items(list):
    """A list that pages like a queryset (see pagination.paginate)."""

    def count(self):  # noqa: D102 - the queryset method, not list.count
        return len(self)


class StatementType(graphene.ObjectType):
    """A party's month: what it was owed at the start, what moved, and what it
    is owed at the end. Totals are signed (refunds, fees and payouts are
    negative): closingOwedFen = openingOwedFen + salesFen + refundsFen +
    feesFen + payoutsFen."""

    class Meta:
        name = "Statement"

    party = graphene.Field(PartyType, required=True)
    month = graphene.String(required=True, description="YYYY-MM")
    opening_owed_fen = graphene.Int(required=True)
    sales_fen = graphene.Int(required=True)
    refunds_fen = graphene.Int(required=True)
    fees_fen = graphene.Int(required=True)
    payouts_fen = graphene.Int(required=True)
    closing_owed_fen = graphene.Int(required=True)
    opening_owed = graphene.Field(Money, required=True)
    closing_owed = graphene.Field(Money, required=True)
    lines = graphene.Field(
        graphene.NonNull(StatementLineConnection),
        first=graphene.Int(),
        last=graphene.Int(),
        after=graphene.String(),
        before=graphene.String(),
        description="Oldest first; 100 a page.",
    )

    # The value behind this type is a revenue.statements.Statement.
    def resolve_month(self, info):
        return self.month.strftime("%Y-%m")

    def resolve_opening_owed(self, info):
        return Money.from_fen(self.opening_owed_fen)

    def resolve_closing_owed(self, info):
        return Money.from_fen(self.closing_owed_fen)

    def resolve_lines(self, info, **page):
        return paginate(_Items(self.lines), StatementLineConnection, **page)


class PayoutType(DjangoObjectType):
    """Money sent (or to be sent) to one party in a batch."""

    class Meta:
        model = Payout
        name = "Payout"
        fields = ("amount_fen", "paid_at", "stripe_transfer_id", "bank_reference")

    party = graphene.Field(PartyType, required=True)
    method = graphene.Field(PayoutMethodEnum, required=True)
    status = graphene.Field(PayoutStatusEnum, required=True)
    amount = graphene.Field(Money, required=True)
    bank_account_masked = graphene.String(
        description="The account paid (****1234); platform operators only"
    )

    def resolve_party(self, info):
        return self.party

    def resolve_method(self, info):
        return choice_value(self.method)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)

    def resolve_bank_account_masked(self, info):
        return _masked(self.bank_account_number, info)


class PayoutBatchType(DjangoObjectType):
    """Payouts proposed together and approved by a platform operator before
    any money moves. A party's people see only the payouts to that party."""

    class Meta:
        model = PayoutBatch
        name = "PayoutBatch"
        interfaces = (relay.Node,)
        fields = ("threshold_fen", "proposed_at", "approved_at", "completed_at")
        connection_class = CountedConnection

    number = graphene.String(required=True, description="e.g. PB-00012")
    status = graphene.Field(PayoutBatchStatusEnum, required=True)
    payouts = graphene.List(graphene.NonNull(PayoutType), required=True)
    total_fen = graphene.Int(
        required=True, description="Sum of the payouts shown, cancelled ones aside"
    )
    total = graphene.Field(Money, required=True)

    # Batches come from payout_batches_visible_to, with `visible_payouts`.
    def resolve_number(self, info):
        return str(self)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_payouts(self, info):
        return self.visible_payouts

    def resolve_total_fen(self, info):
        return sum(
            p.amount_fen
            for p in self.visible_payouts
            if p.status != PayoutStatus.CANCELLED
        )

    def resolve_total(self, info):
        return Money.from_fen(PayoutBatchType.resolve_total_fen(self, info))

    @classmethod
    def get_queryset(cls, queryset, info):
        return selectors.payout_batches_visible_to(info.context.user)
