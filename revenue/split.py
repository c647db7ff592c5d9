"""The arithmetic of a split, free of the database: who gets what of an
amount under an agreement's terms, always summing exactly to the amount."""

from storefront.core.money import split_largest_remainder

from .agreements import Terms
from .models import ShareRole

# The order of Terms.rates.
RATE_ROLES = (
    ShareRole.WORKSHOP,
    ShareRole.VILLAGE,
    ShareRole.BRAND,
    ShareRole.HOST,
    ShareRole.PLATFORM,
)


def split_line(
    total_fen: int, terms: Terms, *, has_host: bool
) -> list[tuple[str, int]]:
    """[(role, fen)] for one order line, largest remainder, zero parts left
    out. Without a host the host's rate goes to the agreement's named party."""
    weights = dict(zip(RATE_ROLES, terms.rates, strict=True))
    if not has_host:
        weights[terms.unattributed_host_share_to] += weights.pop(ShareRole.HOST)
    roles = list(weights)
    parts = split_largest_remainder(total_fen, [weights[r] for r in roles])
    return [(role, fen) for role, fen in zip(roles, parts, strict=True) if fen]


def processor_fee(paid_fen: int, *, rate_bp: int, fixed_fen: int) -> int:
    """The processor's fee on a payment, rounded half up to the fen, never
    more than the payment."""
    if paid_fen <= 0:
        return 0
    variable = (paid_fen * rate_bp * 2 + 10_000) // 20_000
    return min(paid_fen, variable + fixed_fen)


def village_share_of(price_fen: int, terms: Terms, *, has_host: bool = False) -> int:
    """What the village collective receives when one unit sells: the figure
    the product page shows, for a sale with or without a host."""
    return dict(split_line(price_fen, terms, has_host=has_host)).get(
        ShareRole.VILLAGE, 0
    )


def reverse_parts(refund_fen: int, net_parts: list[int]) -> list[int]:
    """How much of each remaining part a refund takes back: in proportion to
    what remains, never more than a part holds, summing to the refund."""
    return split_largest_remainder(refund_fen, net_parts)
