"""Reads of the ledger that others reuse."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from brands.permissions import visible_party_filter

from .models import Account, AccountKind, Party, Payout, PayoutBatch


@dataclass(frozen=True)
class Balance:
    """A party's standing, in fen: `owed_fen` is what the platform owes it now
    (negative after a refund that followed a payout: netted from the next
    one); `paid_out_fen` is all it has been sent."""

    party: Party
    owed_fen: int
    paid_out_fen: int

    @property
    def earned_fen(self) -> int:
        return self.owed_fen + self.paid_out_fen


def party_balance(party: Party) -> Balance:
    """One indexed read of the party's two accounts."""
    rows = dict(Account.objects.filter(party=party).values_list("kind", "balance_fen"))
    return Balance(
        party=party,
        owed_fen=-rows.get(AccountKind.PAYABLE, 0),
        paid_out_fen=-rows.get(AccountKind.PAID_OUT, 0),
    )


def owed_by_party(*, min_fen: int | None = None, party_ids=None) -> dict[int, int]:
    """{party id: fen owed}, for the parties asked for or those owed at least
    `min_fen`."""
    accounts = Account.objects.filter(kind=AccountKind.PAYABLE)
    if party_ids is not None:
        accounts = accounts.filter(party_id__in=party_ids)
    if min_fen is not None:
        accounts = accounts.filter(balance_fen__lte=-min_fen)
    return {p: -b for p, b in accounts.values_list("party_id", "balance_fen")}


def parties_visible_to(user) -> QuerySet[Party]:
    parties = Party.objects.order_by("kind", "name", "pk")
    condition = visible_party_filter(user)
    return parties if condition is None else parties.filter(condition)


def payout_batches_visible_to(user) -> QuerySet[PayoutBatch]:
    """Newest first. Each batch carries `visible_payouts`: all of them for an
    operator, else only those to parties the user may view; a batch with none
    of those is left out."""
    payouts = Payout.objects.select_related("party").order_by("pk")
    batches = PayoutBatch.objects.order_by("-pk")
    condition = visible_party_filter(user)
    if condition is not None:
        payouts = payouts.filter(
            party_id__in=Party.objects.filter(condition).values("pk")
        )
        batches = batches.filter(pk__in=payouts.values("batch_id"))
    return batches.prefetch_related(
        Prefetch("payouts", queryset=payouts, to_attr="visible_payouts")
    )
