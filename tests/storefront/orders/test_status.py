"""The order state machine: every (from, to) pair of the ALLOWED table."""

import itertools
import uuid

import pytest

from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from storefront.orders.services import order_transition
from storefront.orders.status import ALLOWED, PAID_STATES, check_transition
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(OrderStatus.values, repeat=2))

# The issue's states and moves, written out independently of ALLOWED.
EXPECTED_MOVES = {
    ("unpaid", "paid"),
    ("unpaid", "cancelled"),
    ("paid", "partially_fulfilled"),
    ("paid", "fulfilled"),
    ("paid", "partially_refunded"),
    ("paid", "refunded"),
    ("partially_fulfilled", "fulfilled"),
    ("partially_fulfilled", "partially_refunded"),
    ("partially_fulfilled", "refunded"),
    ("fulfilled", "partially_refunded"),
    ("fulfilled", "refunded"),
    ("partially_refunded", "partially_refunded"),
    ("partially_refunded", "partially_fulfilled"),
    ("partially_refunded", "fulfilled"),
    ("partially_refunded", "refunded"),
}


def bare_order(status: str) -> Order:
    return Order.objects.create(
        checkout_token=uuid.uuid4(),
        email="buyer@example.com",
        status=status,
        subtotal_fen=1000,
        shipping_fen=500,
        total_fen=1500,
    )


def test_the_table_covers_every_status_and_matches_the_issue():
    assert set(ALLOWED) == set(OrderStatus.values)
    allowed = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert allowed == EXPECTED_MOVES
    assert not ALLOWED[OrderStatus.CANCELLED]
    assert not ALLOWED[OrderStatus.REFUNDED]
    assert OrderStatus.UNPAID not in {b for _, b in allowed}
    assert PAID_STATES == {
        "paid",
        "partially_fulfilled",
        "fulfilled",
        "partially_refunded",
    }


@pytest.mark.parametrize(("current", "new"), PAIRS)
def test_order_transition_allows_exactly_the_table(current, new):
    operator = make_user(staff=True)
    order = bare_order(current)

    if (current, new) in EXPECTED_MOVES:
        order_transition(
            order=order,
            status=new,
            event=OrderEventType.CANCELLED,
            user=operator,
            note="x",
        )
        order.refresh_from_db()
        assert order.status == new
        event = OrderEvent.objects.get(order=order)
        assert event.user == operator
        assert event.data == {"previous": current, "status": new, "note": "x"}
        assert event.created_at is not None
    else:
        with pytest.raises(OrderError) as caught:
            order_transition(
                order=order, status=new, event=OrderEventType.CANCELLED, user=operator
            )
        assert (caught.value.code, caught.value.field) == (
            OrderErrorCode.INVALID_TRANSITION,
            "status",
        )
        assert f"{current} → {new}" in caught.value.message
        order.refresh_from_db()
        assert order.status == current
        assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize(("current", "new"), PAIRS)
def test_check_transition_agrees(current, new):
    if (current, new) in EXPECTED_MOVES:
        check_transition(current, new)
    else:
        with pytest.raises(OrderError):
            check_transition(current, new)
