"""Finding (and creating on first use) the party for a workshop, village,
brand, host or the platform, and their ledger accounts."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from .models import Account, AccountKind, Party, PartyKind

_TARGET_FIELD = {
    PartyKind.WORKSHOP: "workshop",
    PartyKind.VILLAGE: "village",
    PartyKind.BRAND: "brand",
    PartyKind.HOST: "host",
}


def _name_of(kind: str, target) -> str:
    if kind == PartyKind.PLATFORM:
        return "共富工坊平台 platform"
    if kind == PartyKind.VILLAGE:
        return target.collective_organisation or str(target)
    if kind == PartyKind.HOST:
        return target.get_full_name() or target.get_username()
    return str(target)


def party_get_or_create(*, kind: str, target=None) -> Party:
    """The party for `target` (None for the platform). Safe to race: the
    unique constraints decide, and the loser reads the winner's row."""
    lookup = {_TARGET_FIELD[kind]: target} if kind != PartyKind.PLATFORM else {}
    party = Party.objects.filter(kind=kind, **lookup).first()
    if party is not None:
        return party
    try:
        with transaction.atomic():
            return Party.objects.create(
                kind=kind, name=_name_of(kind, target)[:150], **lookup
            )
    except IntegrityError:
        return Party.objects.get(kind=kind, **lookup)


def platform_party() -> Party:
    return party_get_or_create(kind=PartyKind.PLATFORM)


def accounts_for(party_ids, kind: str) -> dict[int, int]:
    """{party id: account id} for each party's account of `kind`, created as
    needed."""
    party_ids = set(party_ids)
    found = dict(
        Account.objects.filter(party_id__in=party_ids, kind=kind).values_list(
            "party_id", "pk"
        )
    )
    missing = party_ids - found.keys()
    if missing:
        Account.objects.bulk_create(
            [Account(party_id=p, kind=kind) for p in missing], ignore_conflicts=True
        )
        found.update(
            Account.objects.filter(party_id__in=missing, kind=kind).values_list(
                "party_id", "pk"
            )
        )
    return found


def payable_and_clearing(party_ids) -> tuple[dict[int, int], int]:
    """accounts_for(party_ids, PAYABLE) and clearing_account_id(), in one
    query when every account exists already (the usual case)."""
    party_ids = set(party_ids)
    payable, clearing = {}, None
    rows = Account.objects.filter(
        Q(party_id__in=party_ids, kind=AccountKind.PAYABLE)
        | Q(kind=AccountKind.CLEARING)
    ).order_by("pk")
    for pk, kind, party_id in rows.values_list("pk", "kind", "party_id"):
        if kind == AccountKind.CLEARING:
            clearing = pk if clearing is None else clearing
        else:
            payable[party_id] = pk
    if payable.keys() != party_ids:
        payable = accounts_for(party_ids, AccountKind.PAYABLE)
    return payable, clearing if clearing is not None else clearing_account_id()


def clearing_account_id() -> int:
    account = Account.objects.filter(kind=AccountKind.CLEARING).first()
    if account is not None:
        return account.pk
    Account.objects.bulk_create(
        [Account(kind=AccountKind.CLEARING)], ignore_conflicts=True
    )
    return Account.objects.get(kind=AccountKind.CLEARING).pk


class PartyBook:
    """Party ids for many orders at once: a handful of queries per batch, not
    per line."""

    def __init__(self):
        self._ids: dict[tuple[str, int | None], int] = {}

    def preload(self, *, workshops=(), villages=(), brands=(), hosts=()) -> None:
        wanted = {
            PartyKind.WORKSHOP: set(workshops),
            PartyKind.VILLAGE: set(villages),
            PartyKind.BRAND: set(brands),
            PartyKind.HOST: set(hosts),
        }
        # One query for every kind (the platform included), not one a kind.
        where = Q(pk__in=[])
        for kind, ids in wanted.items():
            ids -= {t for k, t in self._ids if k == kind}
            ids.discard(None)
            if ids:
                where |= Q(kind=kind, **{f"{_TARGET_FIELD[kind]}_id__in": ids})
        if (PartyKind.PLATFORM, None) not in self._ids:
            where |= Q(kind=PartyKind.PLATFORM)
        fields = [f"{name}_id" for name in _TARGET_FIELD.values()]
        for party_id, kind, *targets in Party.objects.filter(where).values_list(
            "pk", "kind", *fields
        ):
            target = None
            if kind != PartyKind.PLATFORM:
                target = targets[fields.index(f"{_TARGET_FIELD[kind]}_id")]
            self._ids[(kind, target)] = party_id
        if (PartyKind.PLATFORM, None) not in self._ids:
            self._ids[(PartyKind.PLATFORM, None)] = platform_party().pk

    def id_for(self, kind: str, target_id: int | None) -> int:
        key = (kind, None if kind == PartyKind.PLATFORM else target_id)
        if key not in self._ids:
            target = None
            if kind != PartyKind.PLATFORM:
                model = Party._meta.get_field(_TARGET_FIELD[kind]).related_model
                target = model.objects.get(pk=target_id)
            self._ids[key] = party_get_or_create(kind=kind, target=target).pk
        return self._ids[key]
