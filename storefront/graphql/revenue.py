"""Revenue reads: a party's balance and monthly statement, its payout batches,
and the parties the viewer may see. Never cached (view.py caches public
catalogue fields only).

A refusal is the field's null plus a GraphQL error whose `extensions` carry
the `code` (a RevenueErrorCode name) and the input `field`; its message is
"中文 / English". Like `orderRefund`, only platform operators learn whether a
party exists: anyone else asking for a party they may not view, known or not,
is told PERMISSION_DENIED. A malformed ID is NOT_FOUND for everyone signed in.
"""

import functools

import graphene
from graphene import relay
from graphql import GraphQLError

from brands.permissions import Action, user_can
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import Party
from revenue.selectors import (
    parties_visible_to,
    party_balance,
    payout_batches_visible_to,
)
from revenue.statements import parse_month, party_statement

from .errors import choice_value, graphql_field
from .ids import decode_id
from .pagination import paginate
from .revenue_types import (
    LedgerBalanceType,
    PartyKindEnum,
    PartyType,
    PayoutBatchStatusEnum,
    PayoutBatchType,
    StatementType,
)


def query_error(exc: RevenueError) -> GraphQLError:
    return GraphQLError(
        exc.message,
        extensions={
            "code": RevenueErrorCode(exc.code).name,
            "field": graphql_field(exc.field),
        },
    )


def reports_revenue_errors(resolver):
    """The resolver's RevenueError becomes the field's GraphQL error."""

    @functools.wraps(resolver)
    def resolve(*args, **kwargs):
        try:
            return resolver(*args, **kwargs)
        except RevenueError as exc:
            raise query_error(exc) from exc

    return resolve


def _signed_in(user) -> None:
    if not (user and user.is_authenticated):
        raise RevenueError(RevenueErrorCode.PERMISSION_DENIED)


def party_for(user, global_id) -> Party:
    """The party behind `global_id`, if `user` may view its accounts."""
    _signed_in(user)
    pk = decode_id(global_id, "Party")
    if pk is None:
        raise RevenueError(RevenueErrorCode.NOT_FOUND, field="party")
    party = Party.objects.filter(pk=pk).first()
    if party is not None and user_can(user, Action.VIEW_PARTY_ACCOUNTS, party):
        return party
    if party is None and user_can(user, Action.MANAGE_REVENUE):
        raise RevenueError(RevenueErrorCode.NOT_FOUND, field="party")
    raise RevenueError(RevenueErrorCode.PERMISSION_DENIED, field="party")


def _page(kwargs) -> dict:
    return {k: kwargs.get(k) for k in ("first", "last", "after", "before")}


class RevenueQuery(graphene.ObjectType):
    my_parties = relay.ConnectionField(
        PartyType._meta.connection,
        kind=PartyKindEnum(),
        description="The parties whose accounts the viewer may see (all of "
        "them for platform operators); empty when signed out. 100 a page.",
    )
    ledger_balance = graphene.Field(
        LedgerBalanceType,
        party=graphene.ID(required=True, description="Global ID of a Party"),
        description="What a party is owed and has been paid, now.",
    )
    statements = graphene.Field(
        StatementType,
        party=graphene.ID(required=True, description="Global ID of a Party"),
        month=graphene.String(required=True, description="YYYY-MM, e.g. 2026-11"),
        description="A party's statement for one calendar month (Asia/Shanghai).",
    )
    payout_batches = relay.ConnectionField(
        PayoutBatchType._meta.connection,
        status=PayoutBatchStatusEnum(),
        description="Newest first; operators see every batch, a party's people "
        "only the batches paying it, and only those payouts. 100 a page.",
    )

    def resolve_my_parties(self, info, kind=None, **kwargs):
        parties = parties_visible_to(info.context.user)
        if kind is not None:
            parties = parties.filter(kind=choice_value(kind))
        return paginate(parties, PartyType._meta.connection, **_page(kwargs))

    @reports_revenue_errors
    def resolve_ledger_balance(self, info, party):
        return party_balance(party_for(info.context.user, party))

    @reports_revenue_errors
    def resolve_statements(self, info, party, month):
        target = party_for(info.context.user, party)
        return party_statement(party=target, month=parse_month(month))

    @reports_revenue_errors
    def resolve_payout_batches(self, info, status=None, **kwargs):
        user = info.context.user
        _signed_in(user)
        batches = payout_batches_visible_to(user)
        if status is not None:
            batches = batches.filter(status=choice_value(status))
        return paginate(batches, PayoutBatchType._meta.connection, **_page(kwargs))
