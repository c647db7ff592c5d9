"""Shared by the revenue split, agreement, refund and task tests: a
brand sold by two workshops in two villages, its agreement, and the checks
every scenario ends with (the ledger balances, to the fen)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.db.models.functions import Coalesce

from brands.models import Brand, Village, Workshop
from revenue.agreements import agreement_create
from revenue.models import (
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    Party,
    Share,
    ShareRole,
)
from revenue.parties import platform_party
from revenue.selectors import party_balance
from storefront.orders.models import Order
from tests.factories import make_brand, make_user, make_village, make_workshop
from tests.shop_helpers import make_variant, paid_order

RATES = {
    "workshop_bp": 7000,
    "village_bp": 1000,
    "brand_bp": 1000,
    "host_bp": 500,
    "platform_bp": 500,
}
SINCE = date(2026, 1, 1)


def brand_agreement(user, brand, *, effective_from=SINCE, rates=None, **fields):
    """A brand's default agreement (or an override, given workshop/category),
    loaded as history when it starts in the past."""
    return agreement_create(
        user=user,
        brand=brand,
        effective_from=effective_from,
        allow_past=True,
        **fields,
        **(rates or RATES),
    )


@dataclass
class Scene:
    """One brand sold by two workshops in two villages. W1 charges 7.77
    shipping on any parcel; W2 the default 10.00, free from 99.00."""

    brand: Brand
    v1: Village
    v2: Village
    w1: Workshop
    w2: Workshop
    operator: object

    def variant(self, price_fen, workshop=None, quantity=10, **product_fields):
        return make_variant(
            price_fen,
            quantity,
            workshop=workshop or self.w1,
            brand=self.brand,
            **product_fields,
        )


def make_scene(*, agreement=True, **agreement_fields) -> Scene:
    operator = make_user(staff=True)
    brand = make_brand()
    v1, v2 = make_village(), make_village()
    scene = Scene(
        brand=brand,
        v1=v1,
        v2=v2,
        w1=make_workshop(
            brands=[brand],
            village=v1,
            shipping_fee_fen=777,
            free_shipping_threshold_fen=None,
        ),
        w2=make_workshop(brands=[brand], village=v2),
        operator=operator,
    )
    if agreement:
        brand_agreement(operator, brand, **agreement_fields)
    return scene


def party_of(target) -> Party:
    if target is None:
        return platform_party()
    field = {Workshop: "workshop", Village: "village", Brand: "brand"}.get(
        type(target), "host"
    )
    return Party.objects.get(**{field: target})


def owed(target) -> int:
    """What the platform owes the party of `target` (None: the platform)."""
    return party_balance(party_of(target)).owed_fen


def share_table(order, *, kind=EntryKind.SALE) -> Counter:
    """{(order line id, role, party id): fen} of the order's entries of `kind`."""
    table = Counter()
    rows = Share.objects.filter(order=order, entry__kind=kind).values_list(
        "order_line_id", "role", "party_id", "amount_fen"
    )
    for line_id, role, party_id, fen in rows:
        table[(line_id, role, party_id)] += fen
    return table


def assert_ledger_consistent() -> None:
    """Every entry balances, all lines sum to zero, each account's balance is
    the sum of its lines, each entry's lines are its shares summed per
    party, and each split order's shares (fee aside) hold paid − refunded."""
    assert (JournalLine.objects.aggregate(s=Sum("amount_fen"))["s"] or 0) == 0
    unbalanced = (
        JournalLine.objects.values("entry").annotate(s=Sum("amount_fen")).exclude(s=0)
    )
    assert not unbalanced.exists()
    accounts = Account.objects.annotate(
        lines_fen=Coalesce(Sum("lines__amount_fen"), 0)
    ).values_list("pk", "balance_fen", "lines_fen")
    for pk, balance, lines in accounts:
        assert balance == lines, f"account {pk}: {balance} ≠ {lines}"
    clearing = Account.objects.filter(kind=AccountKind.CLEARING).first()
    for entry in JournalEntry.objects.filter(kind__in=["sale", "refund"]):
        by_party = Counter()
        for party_id, fen in entry.shares.values_list("party_id", "amount_fen"):
            by_party[party_id] -= fen
        lines = dict(entry.lines.values_list("account_id", "amount_fen"))
        payables = dict(
            Account.objects.filter(
                party_id__in=by_party, kind=AccountKind.PAYABLE
            ).values_list("party_id", "pk")
        )
        expected = {payables[p]: fen for p, fen in by_party.items() if fen}
        total = -sum(by_party.values())
        if total:
            expected[clearing.pk] = total
        assert lines == expected, entry
    for order in Order.objects.filter(journal_entries__kind=EntryKind.SALE):
        held = (
            Share.objects.filter(order=order)
            .exclude(role=ShareRole.FEE)
            .aggregate(s=Sum("amount_fen"))["s"]
        )
        assert held == order.paid_fen - order.refunded_fen, order


def sale_entries(order) -> int:
    return JournalEntry.objects.filter(order=order, kind=EntryKind.SALE).count()


def unsplit_paid_order(client, items, **kwargs):
    """Paid through the webhook; its split task (queued on commit) has
    not run, as inside a test transaction nothing commits."""
    return paid_order(client, items, **kwargs)
