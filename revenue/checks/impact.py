"""The public impact figures (ImpactMonth) are the ledger's shares summed:
each month's row for a brand, village and workshop holds exactly what its
shares and sale entries make (revenue.impact)."""

from brands.models import Brand, Village, Workshop

from ..impact import FIELDS, impact_expected, impact_stored
from .base import Violation, ViolationCode, fen, violation

_MONEY = {"village_fen", "workshop_fen", "host_fen"}


def _differences(expected: dict, stored: dict) -> str:
    parts = []
    for name in FIELDS:
        want, have = expected.get(name, 0), stored.get(name, 0)
        if want != have:
            if name in _MONEY:
                want, have = fen(want), fen(have)
            parts.append(f"{name} {have} ≠ {want}")
    return ", ".join(parts)


def monthly_sums(limit: int) -> list[Violation]:
    """(i) Every monthly impact row equals the sums of its shares, orders and
    units; none is missing and none is left over."""
    expected, stored = impact_expected(), impact_stored()
    keys = sorted(
        (
            k
            for k in expected.keys() | stored.keys()
            if expected.get(k) != stored.get(k)
        ),
        key=lambda k: (k[0], k[1] or 0, k[2], k[3]),
    )[: limit + 1]
    names = {
        "brand": dict(
            Brand.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "name")
        ),
        "village": dict(
            Village.objects.filter(pk__in={k[2] for k in keys}).values_list(
                "pk", "name"
            )
        ),
        "workshop": dict(
            Workshop.objects.filter(pk__in={k[3] for k in keys}).values_list(
                "pk", "name"
            )
        ),
    }
    found = []
    for month, brand, village, workshop in keys:
        key = (month, brand, village, workshop)
        where = (
            f"{month:%Y-%m} {names['brand'].get(brand, '—')} · "
            f"{names['village'].get(village, village)} · "
            f"{names['workshop'].get(workshop, workshop)}"
        )
        diff = _differences(expected.get(key, {}), stored.get(key, {}))
        found.append(
            violation(
                ViolationCode.IMPACT_MISMATCH,
                f"月度回流汇总 {where} 与分账不符（汇总 ≠ 分账）：{diff}；"
                "请运行 manage.py impact_rebuild",
                f"The monthly impact sums for {where} differ from the shares "
                f"(stored ≠ ledger): {diff}; run manage.py impact_rebuild",
                month=f"{month:%Y-%m}",
                brand=brand,
                village=village,
                workshop=workshop,
            )
        )
    return found
