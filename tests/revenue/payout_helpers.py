"""Builders for the payout tests: parties with a payout method, balances owed
to them, connected accounts at the Stripe stand-in, and the ledger checks
every scenario ends with. Nothing here is mocked: balances are posted through
revenue.ledger (or come from really paid orders in the tests), accounts and
transfers live in the session's localstripe with its Connect routes."""

import uuid

from django.db.models import Sum
from django.utils import timezone

from brands.models import Role
from revenue.ledger import Posting, ledger_post
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    PartyKind,
)
from revenue.parties import accounts_for, clearing_account_id, party_get_or_create
from revenue.payouts import transfer_group
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from tests.factories import grant, make_brand, make_user, make_village, make_workshop


def connected_account(*, transfers: bool = True) -> str:
    """A new connected account at the stand-in; with `transfers=False` its
    transfers capability is inactive, so a transfer to it is refused."""
    key = f"test-account-{uuid.uuid4()}"
    if transfers:
        account = gateway.create_connected_account(
            email="party@example.com", metadata={}, idempotency_key=key
        )
    else:
        account = gateway.client().v1.accounts.create(
            params={
                "type": "custom",
                "country": "CN",
                "email": "party@example.com",
                "capabilities": {"transfers": {"requested": False}},
            },
            options={"idempotency_key": key},
        )
    return account.id


def make_party(kind: str, *, stripe: str = "", bank: bool = False, **bank_fields):
    """The party of a new workshop / village / brand / host (or the
    platform), paid by Stripe to `stripe`, by bank with `bank`, or neither."""
    target = {
        PartyKind.WORKSHOP: make_workshop,
        PartyKind.VILLAGE: make_village,
        PartyKind.BRAND: make_brand,
        PartyKind.HOST: make_user,
        PartyKind.PLATFORM: lambda: None,
    }[kind]()
    party = party_get_or_create(kind=kind, target=target)
    party.stripe_account_id = stripe
    if bank:
        party.bank_account_name = bank_fields.get("name", f"{party.name}")
        party.bank_name = bank_fields.get("bank_name", "中国农业银行象山支行")
        party.bank_account_number = bank_fields.get("number", "6228480012345678901")
    party.save()
    return party


def user_with_role(role: str, party):
    """A user holding `role` on the party's target (or the host themself)."""
    if role == "host":
        return party.host
    user = make_user()
    target = {
        Role.VILLAGE_TREASURER: party.village,
        Role.WORKSHOP_MANAGER: party.workshop,
        Role.BRAND_OPERATOR: party.brand,
    }[role]
    grant(user, role, target)
    return user


def _bookkeeping_order(fen: int) -> Order:
    """A paid order row for a sale entry to cite (the ledger wants a cause)."""
    return Order.objects.create(
        checkout_token=uuid.uuid4(),
        email="buyer@example.com",
        status=OrderStatus.PAID,
        subtotal_fen=fen,
        shipping_fen=0,
        total_fen=fen,
        paid_fen=fen,
        paid_at=timezone.now(),
    )


def owe(party, fen: int) -> None:
    """Post a sale that leaves the platform owing `party` `fen` more."""
    payable = accounts_for([party.pk], AccountKind.PAYABLE)[party.pk]
    posting = Posting(
        kind=EntryKind.SALE, order_id=_bookkeeping_order(fen).pk, memo="test"
    )
    posting.add(payable, -fen)
    posting.add(clearing_account_id(), fen)
    ledger_post(posting)


def payout_entries(payout):
    return JournalEntry.objects.filter(kind=EntryKind.PAYOUT, payout=payout)


def payout_lines(payout) -> dict[str, int]:
    """{account kind: fen} of the payout's entry lines."""
    rows = JournalLine.objects.filter(
        entry__payout=payout, entry__kind=EntryKind.PAYOUT
    ).values_list("account__kind", "account__party_id", "amount_fen")
    assert {party for _, party, _ in rows} <= {payout.party_id}
    return {kind: fen for kind, _, fen in rows}


def transfers_of(payout) -> list:
    return gateway.find_transfers(transfer_group=transfer_group(payout))


def assert_ledger_balanced() -> None:
    """All lines sum to zero and every balance equals its lines."""
    assert (JournalLine.objects.aggregate(s=Sum("amount_fen"))["s"] or 0) == 0
    sums = dict(
        JournalLine.objects.values("account_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("account_id", "s")
    )
    for account_id, balance in Account.objects.values_list("pk", "balance_fen"):
        assert balance == sums.get(account_id, 0), account_id
