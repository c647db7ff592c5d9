"""Share agreements: checking and writing a version, and finding the one in
force."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from brands.permissions import Action, user_can
from storefront.catalog.models import Category

from .errors import RevenueError, RevenueErrorCode
from .models import ShareAgreement
from .models.agreements import FULL_BP, RATE_FIELDS, RecipientKind

Scope = tuple[int | None, int | None, int | None]  # brand, workshop, category


def check_rates(rates: dict) -> None:
    """Each rate a whole number of basis points from 0 to 10,000, together
    exactly 10,000."""
    for field in RATE_FIELDS:
        value = rates.get(field, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RevenueError(RevenueErrorCode.RATE_OUT_OF_RANGE, field=field)
        if not 0 <= value <= FULL_BP:
            raise RevenueError(
                RevenueErrorCode.RATE_OUT_OF_RANGE, field=field, detail=str(value)
            )
    total = sum(rates.get(field, 0) for field in RATE_FIELDS)
    if total != FULL_BP:
        percent = f"{total / 100:g}%"
        raise RevenueError(
            RevenueErrorCode.RATES_NOT_100_PERCENT,
            field="rates",
            detail=(f"现在合计 {percent}", f"they add up to {percent}"),
        )


def _replaceable(agreement: ShareAgreement, *, lock: bool) -> ShareAgreement:
    """The version as stored now, if it may still be replaced."""
    agreements = ShareAgreement.objects.order_by("pk")
    if lock:
        agreements = agreements.select_for_update()
    current = agreements.filter(pk=agreement.pk).first()
    if current is None:  # replaced or deleted by someone else meanwhile
        raise RevenueError(RevenueErrorCode.NOT_FOUND)
    # It may have started since the page was opened.
    if not agreement_is_editable(current):
        raise RevenueError(RevenueErrorCode.AGREEMENT_IN_FORCE)
    return current


def agreement_check(
    *,
    user,
    effective_from: date,
    brand=None,
    workshop=None,
    category=None,
    note: str = "",
    unattributed_host_share_to: str = "village",
    fee_bearer: str = "platform",
    allow_past: bool = False,
    replacing: ShareAgreement | None = None,
    **rates: int,
) -> None:
    """Raise the RevenueError that `agreement_create` (or, with `replacing`,
    `agreement_replace`) would raise for these values; write nothing. A
    form shows it before anything is saved."""
    if replacing is not None:
        replacing = _replaceable(replacing, lock=False)
    _check(
        user=user,
        effective_from=effective_from,
        brand=brand,
        workshop=workshop,
        category=category,
        unattributed_host_share_to=unattributed_host_share_to,
        fee_bearer=fee_bearer,
        allow_past=allow_past,
        rates=rates,
    )
    same_day = ShareAgreement.objects.filter(
        brand=brand, workshop=workshop, category=category, effective_from=effective_from
    )
    if replacing is not None:
        same_day = same_day.exclude(pk=replacing.pk)
    if same_day.exists():
        raise _overlap(effective_from)


def _overlap(effective_from: date) -> RevenueError:
    return RevenueError(
        RevenueErrorCode.AGREEMENT_OVERLAP,
        field="effectiveFrom",
        detail=str(effective_from),
    )


def _check(
    *,
    user,
    effective_from,
    brand,
    workshop,
    category,
    unattributed_host_share_to,
    fee_bearer,
    allow_past,
    rates,
) -> None:
    if not user_can(user, Action.MANAGE_REVENUE):
        raise RevenueError(RevenueErrorCode.PERMISSION_DENIED)
    unknown = set(rates) - set(RATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rates: {sorted(unknown)}")
    check_rates(rates)
    for field, value in (
        ("unattributed_host_share_to", unattributed_host_share_to),
        ("fee_bearer", fee_bearer),
    ):
        # Saved unchecked, an unknown party would fail every later split.
        if value not in RecipientKind.values:
            raise RevenueError(
                RevenueErrorCode.INVALID_RECIPIENT, field=field, detail=str(value)
            )
    if brand is None and (workshop is not None or category is not None):
        raise RevenueError(RevenueErrorCode.AGREEMENT_SCOPE, field="brand")
    if workshop is not None and not workshop.brands.filter(pk=brand.pk).exists():
        raise RevenueError(
            RevenueErrorCode.AGREEMENT_SCOPE,
            field="workshop",
            detail=(f"{workshop} 不销售 {brand}", f"{workshop} does not sell {brand}"),
        )
    # Tomorrow at the earliest: a version starting today would reach back to
    # orders paid this morning whose split has not run yet.
    if not allow_past and effective_from <= timezone.localdate():
        raise RevenueError(RevenueErrorCode.AGREEMENT_BACKDATED, field="effectiveFrom")


def agreement_create(
    *,
    user,
    effective_from: date,
    brand=None,
    workshop=None,
    category=None,
    note: str = "",
    unattributed_host_share_to: str = "village",
    fee_bearer: str = "platform",
    allow_past: bool = False,
    **rates: int,
) -> ShareAgreement:
    """A new version for its scope, starting tomorrow or later (unless
    `allow_past`, for loading history): orders already paid keep theirs."""
    _check(
        user=user,
        effective_from=effective_from,
        brand=brand,
        workshop=workshop,
        category=category,
        unattributed_host_share_to=unattributed_host_share_to,
        fee_bearer=fee_bearer,
        allow_past=allow_past,
        rates=rates,
    )
    agreement = ShareAgreement(
        brand=brand,
        workshop=workshop,
        category=category,
        effective_from=effective_from,
        unattributed_host_share_to=unattributed_host_share_to,
        fee_bearer=fee_bearer,
        note=(note or "")[:200],
        created_by=user if user and user.is_authenticated else None,
        **rates,
    )
    same_day = ShareAgreement.objects.filter(
        brand=brand, workshop=workshop, category=category, effective_from=effective_from
    )
    try:
        # The check speaks for SQLite, whose unique index lets NULL scopes
        # repeat; PostgreSQL's constraint settles any race.
        if same_day.exists():
            raise IntegrityError
        with transaction.atomic():
            agreement.save()
    except IntegrityError as exc:
        raise _overlap(effective_from) from exc
    return agreement


@transaction.atomic
def agreement_replace(*, user, agreement: ShareAgreement, **values) -> ShareAgreement:
    """A version that has not started yet, changed: deleted and made anew
    with `values` (agreement_create's) in one transaction. Nothing can point
    at it yet; one that has started is history and stays."""
    _replaceable(agreement, lock=True).delete()
    return agreement_create(user=user, **values)


def agreement_is_editable(agreement: ShareAgreement) -> bool:
    """Only a version that has not started yet may change."""
    return agreement.pk is None or agreement.effective_from > timezone.localdate()


@dataclass(frozen=True)
class Terms:
    agreement_id: int
    rates: tuple[int, int, int, int, int]  # workshop, village, brand, host, platform
    unattributed_host_share_to: str
    fee_bearer: str


class AgreementBook:
    """Every agreement, loaded once, answering "which applies to this line on
    this day?" in memory. The most specific scope wins: workshop and category,
    then workshop, then category (nearest ancestor first), then the brand's
    default, then the platform default; within a scope, the latest version
    that had started by that day."""

    def __init__(self):
        self._versions: dict[Scope, list[tuple[date, Terms]]] = {}
        for a in ShareAgreement.objects.order_by("-effective_from"):
            terms = Terms(
                agreement_id=a.pk,
                rates=tuple(getattr(a, f) for f in RATE_FIELDS),
                unattributed_host_share_to=a.unattributed_host_share_to,
                fee_bearer=a.fee_bearer,
            )
            scope = (a.brand_id, a.workshop_id, a.category_id)
            self._versions.setdefault(scope, []).append((a.effective_from, terms))
        self._parents = dict(Category.objects.values_list("pk", "parent_id"))

    def _categories(self, category_id: int | None) -> list[int]:
        chain, seen = [], set()
        while category_id is not None and category_id not in seen:
            chain.append(category_id)
            seen.add(category_id)
            category_id = self._parents.get(category_id)
        return chain

    def _scopes(self, brand_id, workshop_id, category_id):
        categories = self._categories(category_id)
        for c in categories:
            yield (brand_id, workshop_id, c)
        yield (brand_id, workshop_id, None)
        for c in categories:
            yield (brand_id, None, c)
        yield (brand_id, None, None)
        yield (None, None, None)

    def terms_for(
        self, *, brand_id: int, workshop_id: int, category_id: int | None, day: date
    ) -> Terms:
        for scope in self._scopes(brand_id, workshop_id, category_id):
            for starts, terms in self._versions.get(scope, ()):
                if starts <= day:
                    return terms
        raise RevenueError(
            RevenueErrorCode.AGREEMENT_MISSING,
            field="agreement",
            detail=f"brand {brand_id}, {day}",
        )
