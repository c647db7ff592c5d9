"""Splitting paid orders and reversing refunds, posted to the ledger.

Each paid order is split once: the sale entry's unique constraint on the
order makes a second attempt (a repeated task, a second worker) a no-op."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from brands.models import Membership, Role
from storefront.orders.models import Fulfillment, Order, OrderLine

from .agreements import AgreementBook, Terms
from .errors import RevenueError, RevenueErrorCode
from .impact import impact_post
from .ledger import Posting, copy_rows, ledger_post, ledger_post_many
from .models import AccountKind, EntryKind, JournalEntry, PartyKind, Share, ShareRole
from .parties import (
    PartyBook,
    accounts_for,
    clearing_account_id,
    payable_and_clearing,
)
from .split import processor_fee, reverse_parts, split_line

# Which party a role's money goes to, given a line's workshop, village, brand.
_ROLE_PARTY = {
    ShareRole.WORKSHOP: PartyKind.WORKSHOP,
    ShareRole.SHIPPING: PartyKind.WORKSHOP,
    ShareRole.VILLAGE: PartyKind.VILLAGE,
    ShareRole.BRAND: PartyKind.BRAND,
    ShareRole.HOST: PartyKind.HOST,
    ShareRole.PLATFORM: PartyKind.PLATFORM,
}

_LINE_FIELDS = (
    "pk",
    "order_id",
    "total_fen",
    "workshop_id",
    "workshop__village_id",
    "brand_id",
    "product__category_id",
    "variant__product__brand_id",
    "variant__product__category_id",
)


def _day_paid(order: Order):
    return timezone.localdate(order.paid_at or timezone.now())


@dataclass(slots=True)
class _Part:
    """A share before it is written (a model instance costs ten times more)."""

    order_line_id: int | None
    party_id: int
    role: str
    agreement_id: int | None
    amount_fen: int


class _Draft:
    """One order's shares before they are written."""

    def __init__(self, order: Order, book: PartyBook, hosting: frozenset = frozenset()):
        self.order = order
        self.book = book
        self.shares: list[_Part] = []
        self.has_host = bool(order.host_id) and order.host_id != order.user_id
        self.hosting = hosting

    def hosted(self, line: dict) -> bool:
        """Whether the line earns the host commission: a host's sale (not
        their own purchase) of a brand the host is approved to sell."""
        return self.has_host and (self.order.host_id, line["brand"]) in self.hosting

    def party(self, role: str, line: dict) -> int:
        kind = _ROLE_PARTY.get(role, role)
        if kind == PartyKind.WORKSHOP:
            target = line["workshop_id"]
        elif kind == PartyKind.VILLAGE:
            target = line["workshop__village_id"]
        elif kind == PartyKind.BRAND:
            target = line["brand"]
        elif kind == PartyKind.HOST:
            target = self.order.host_id
        elif kind == PartyKind.PLATFORM:
            target = None
        else:
            raise KeyError(kind)
        return self.book.id_for(kind, target)

    def add(self, *, line: dict | None, role: str, party_id: int, fen: int, terms):
        self.shares.append(
            _Part(
                order_line_id=line["pk"] if line and "pk" in line else None,
                party_id=party_id,
                role=role,
                agreement_id=terms.agreement_id if terms else None,
                amount_fen=fen,
            )
        )


def _split_order(order, lines, parcels, agreements, book, hosting) -> _Draft:
    draft = _Draft(order, book, hosting)
    day = _day_paid(order)
    charged: list[tuple[dict, Terms, int]] = []  # what the fee is spread over
    first_terms: dict[int, Terms] = {}
    for line in lines:
        terms = agreements.terms_for(
            brand_id=line["brand"],
            workshop_id=line["workshop_id"],
            category_id=line["category"],
            day=day,
        )
        first_terms.setdefault(line["workshop_id"], terms)
        hosted = draft.hosted(line)
        for role, fen in split_line(line["total_fen"], terms, has_host=hosted):
            draft.add(
                line=line,
                role=role,
                party_id=draft.party(role, line),
                fen=fen,
                terms=terms,
            )
        charged.append((line, terms, line["total_fen"]))
    for parcel in parcels:
        terms = first_terms.get(parcel["workshop_id"])
        party_id = book.id_for(PartyKind.WORKSHOP, parcel["workshop_id"])
        draft.add(
            line=None,
            role=ShareRole.SHIPPING,
            party_id=party_id,
            fen=parcel["shipping_fen"],
            terms=terms,
        )
        if terms is not None:
            charged.append(({**parcel, "brand": None}, terms, parcel["shipping_fen"]))
    fee = processor_fee(
        order.paid_fen,
        rate_bp=settings.REVENUE_PROCESSOR_FEE_BP,
        fixed_fen=settings.REVENUE_PROCESSOR_FEE_FIXED_FEN,
    )
    if fee and charged:
        # Spread over the lines, then one fee share per bearer of the order.
        parts = reverse_parts(fee, [amount for _, _, amount in charged])
        borne: dict[int, list] = {}
        for (line, terms, _), fen in zip(charged, parts, strict=True):
            if not fen:
                continue
            bearer = terms.fee_bearer
            if bearer == PartyKind.BRAND and line.get("brand") is None:
                bearer = PartyKind.WORKSHOP  # a parcel's fee stays with its sender
            party_id = draft.party(bearer, line)
            borne.setdefault(party_id, [0, terms])[0] += fen
        for party_id, (fen, terms) in borne.items():
            draft.add(
                line=None,
                role=ShareRole.FEE,
                party_id=party_id,
                fen=-fen,
                terms=terms,
            )
    return draft


def _line_inputs(orders) -> tuple[dict, dict]:
    lines: dict[int, list[dict]] = defaultdict(list)
    for row in OrderLine.objects.filter(order__in=orders).values(*_LINE_FIELDS):
        row["brand"] = row["brand_id"] or row["variant__product__brand_id"]
        row["category"] = (
            row["product__category_id"] or row["variant__product__category_id"]
        )
        lines[row["order_id"]].append(row)
    parcels: dict[int, list[dict]] = defaultdict(list)
    rows = Fulfillment.objects.filter(order__in=orders, shipping_fen__gt=0).values(
        "order_id", "workshop_id", "workshop__village_id", "shipping_fen"
    )
    for row in rows:
        parcels[row["order_id"]].append(row)
    return lines, parcels


def _hosting(orders) -> frozenset:
    """(host id, brand id) for every brand the orders' hosts are approved
    to sell, in one query for the batch."""
    hosts = {o.host_id for o in orders if o.host_id and o.host_id != o.user_id}
    if not hosts:
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user_id__in=hosts, role=Role.LIVESTREAM_HOST, brand__isnull=False
        ).values_list("user_id", "brand_id")
    )


def _postings_for(drafts: list[_Draft]) -> list[Posting]:
    payable, clearing = payable_and_clearing(
        {s.party_id for d in drafts for s in d.shares}
    )
    postings = []
    for draft in drafts:
        posting = Posting(
            kind=EntryKind.SALE,
            order_id=draft.order.pk,
            memo=f"{draft.order.number} 分账 split",
        )
        for share in draft.shares:
            posting.add(payable[share.party_id], -share.amount_fen)
            posting.add(clearing, share.amount_fen)
        postings.append(posting)
    return postings


_SHARE_COLUMNS = (
    "entry_id",
    "order_id",
    "order_line_id",
    "party_id",
    "role",
    "agreement_id",
    "amount_fen",
    "posted_at",
)


def _write_shares(rows: list[tuple]) -> None:
    """A sale makes about six shares per order line: on PostgreSQL they go
    in with COPY, at a third of bulk_create's cost. Rows are in _SHARE_COLUMNS
    order."""
    copy_rows(Share, _SHARE_COLUMNS, rows)


def orders_split(*, order_ids: Iterable[int]) -> int:
    """Split every paid, not yet split order among `order_ids` and post the
    sale entries, all in one transaction. Returns how many were split now.

    The orders are locked in primary-key order first, so two workers given
    the same order serialise and the second finds it split."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(pk__in=ids, paid_fen__gt=0)
            .order_by("pk")
        )
        done = set(
            JournalEntry.objects.filter(
                kind=EntryKind.SALE, order_id__in=ids
            ).values_list("order_id", flat=True)
        )
        orders = [o for o in orders if o.pk not in done]
        if not orders:
            return 0
        lines, parcels = _line_inputs(orders)
        book = PartyBook()
        all_lines = [line for rows in lines.values() for line in rows]
        book.preload(
            workshops={line["workshop_id"] for line in all_lines},
            villages={line["workshop__village_id"] for line in all_lines},
            brands={line["brand"] for line in all_lines},
            hosts={o.host_id for o in orders},
        )
        agreements = AgreementBook()
        hosting = _hosting(orders)
        drafts = [
            _split_order(o, lines[o.pk], parcels[o.pk], agreements, book, hosting)
            for o in orders
        ]
        for draft in drafts:
            sold = sum(s.amount_fen for s in draft.shares if s.role != ShareRole.FEE)
            if sold != draft.order.paid_fen:
                raise RevenueError(
                    RevenueErrorCode.UNBALANCED_ENTRY,
                    detail=f"{draft.order.number}: {sold} ≠ {draft.order.paid_fen}",
                )
        entries = ledger_post_many(_postings_for(drafts))
        _write_shares(
            [
                (
                    entry.pk,
                    draft.order.pk,
                    part.order_line_id,
                    part.party_id,
                    part.role,
                    part.agreement_id,
                    part.amount_fen,
                    entry.posted_at,
                )
                for entry, draft in zip(entries, drafts, strict=True)
                for part in draft.shares
            ]
        )
        impact_post(entry_ids=[entry.pk for entry in entries], sales=True)
    return len(drafts)


def order_split(*, order: Order) -> bool:
    return orders_split(order_ids=[order.pk]) == 1


def refund_reverse(*, refund) -> JournalEntry:
    """Take a refund back from the order's split, in proportion to what each
    share still holds, exactly to the fen. Called under the order's lock in
    the transaction that books the refund; splits the order first if its
    task has not run yet. A second call for the same refund returns the
    first entry."""
    with transaction.atomic():
        orders_split(order_ids=[refund.order_id])
        existing = JournalEntry.objects.filter(
            kind=EntryKind.REFUND, refund=refund
        ).first()
        if existing is not None:
            return existing
        held = (
            Share.objects.filter(order_id=refund.order_id)
            .exclude(role=ShareRole.FEE)
            .values("order_line_id", "party_id", "role", "agreement_id")
            .annotate(net=Sum("amount_fen"))
            .filter(net__gt=0)
            .order_by("order_line_id", "party_id", "role")
        )
        held = list(held)
        remaining = sum(row["net"] for row in held)
        if refund.amount_fen > remaining:
            raise RevenueError(
                RevenueErrorCode.REFUND_EXCEEDS_REMAINING,
                field="amount",
                detail=f"{refund.amount_fen} > {remaining}",
            )
        parts = reverse_parts(refund.amount_fen, [row["net"] for row in held])
        payable = accounts_for({row["party_id"] for row in held}, AccountKind.PAYABLE)
        posting = Posting(
            kind=EntryKind.REFUND,
            order_id=refund.order_id,
            refund_id=refund.pk,
            memo=f"退款冲回 refund {refund.pk}",
        )
        clearing = clearing_account_id()
        for row, fen in zip(held, parts, strict=True):
            if fen:
                posting.add(payable[row["party_id"]], fen)
                posting.add(clearing, -fen)
        entry = ledger_post(posting)
        Share.objects.bulk_create(
            Share(
                entry=entry,
                order_id=refund.order_id,
                order_line_id=row["order_line_id"],
                party_id=row["party_id"],
                role=row["role"],
                agreement_id=row["agreement_id"],
                amount_fen=-fen,
                posted_at=entry.posted_at,
            )
            for row, fen in zip(held, parts, strict=True)
            if fen
        )
        impact_post(entry_ids=[entry.pk])
    return entry
