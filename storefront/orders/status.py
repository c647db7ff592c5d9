"""The order state machine: the one table of allowed moves."""

from .errors import OrderError, OrderErrorCode
from .models import OrderStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.UNPAID: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset(
        {S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}
    ),
    S.PARTIALLY_FULFILLED: frozenset({S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    # After part of the money went back, the rest can still ship or be refunded.
    S.PARTIALLY_REFUNDED: frozenset(
        {S.PARTIALLY_REFUNDED, S.PARTIALLY_FULFILLED, S.FULFILLED, S.REFUNDED}
    ),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

PAID_STATES = frozenset(
    {S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED}
)


def check_transition(current: str, new: str) -> None:
    if new not in ALLOWED[current]:
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            field="status",
            detail=f"{current} → {new}",
        )
