"""order_refund: operator-only refunds through Stripe Refunds (localstripe),
never more than was paid, optionally putting units back in stock."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from brands.models import Role
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    FulfillmentStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.shipping import fulfillment_ship
from storefront.payments import gateway
from storefront.payments.models import Refund, RefundStatus
from storefront.payments.refunds import _idempotency_key, order_refund
from tests.factories import grant, make_user
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    paid_order,
    place_order,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def stripe_refunds(order) -> list[int]:
    """Amounts refunded at localstripe for the order's PaymentIntent."""
    payment = order.payments.get(status="succeeded")
    listed = gateway.client().v1.refunds.list(
        params={"payment_intent": payment.payment_intent_id}
    )
    return sorted(refund.amount for refund in listed.data)


@pytest.fixture
def operator():
    return make_user(staff=True)


@pytest.fixture
def variant():
    return make_variant(1280, 10)  # shipping ¥10 below ¥99


@pytest.fixture
def order(client, variant):
    """Paid: 3 × ¥12.80 + ¥10 shipping = ¥48.40."""
    return paid_order(client, [(variant, 3)], user=make_user())


def test_a_partial_then_a_full_refund(order, operator):
    assert order.total_fen == order.paid_fen == 4840

    first = order_refund(order=order, user=operator, amount_fen=1000, reason="破损")

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert (order.refunded_fen, order.refundable_fen) == (1000, 3840)
    first.refresh_from_db()
    assert first.status == RefundStatus.SUCCEEDED
    assert first.stripe_refund_id.startswith("re_")
    assert (first.amount_fen, first.reason, first.created_by) == (
        1000,
        "破损",
        operator,
    )
    assert stripe_refunds(order) == [1000]

    rest = order_refund(order=order, user=operator)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert (order.refunded_fen, order.refundable_fen) == (4840, 0)
    assert rest.amount_fen == 3840
    assert stripe_refunds(order) == [1000, 3840]
    events = OrderEvent.objects.filter(order=order, type=OrderEventType.REFUNDED)
    assert [(e.data["amount_fen"], e.user) for e in events] == [
        (1000, operator),
        (3840, operator),
    ]


def test_a_refund_larger_than_what_remains_is_refused_before_stripe(order, operator):
    order_refund(order=order, user=operator, amount_fen=4000)

    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=841)

    assert (caught.value.code, caught.value.field) == (
        OrderErrorCode.REFUND_EXCEEDS_PAID,
        "amount",
    )
    assert "¥8.40" in caught.value.message
    order.refresh_from_db()
    assert order.refunded_fen == 4000
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert Refund.objects.filter(order=order).count() == 1
    assert stripe_refunds(order) == [4000]


def test_a_refunded_order_cannot_be_refunded_again(order, operator):
    order_refund(order=order, user=operator)
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=1)
    assert caught.value.code == OrderErrorCode.REFUND_EXCEEDS_PAID
    assert "¥0.00" in caught.value.message
    assert stripe_refunds(order) == [4840]


@pytest.mark.parametrize("amount", [0, -100, 2.5, 100.0, "100", True])
def test_amounts_that_are_not_positive_whole_fen_are_refused(order, operator, amount):
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=amount)
    assert caught.value.code == OrderErrorCode.INVALID_AMOUNT
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PAID, 0)
    assert not Refund.objects.exists()
    assert stripe_refunds(order) == []


def test_an_unpaid_order_cannot_be_refunded(operator, variant):
    order, _ = place_order([(variant, 1)])
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=100)
    assert caught.value.code == OrderErrorCode.NOT_PAID
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.UNPAID, 0)
    assert not Refund.objects.exists()


def _consumer(order):
    return order.user


def _brand_operator(order):
    user = make_user()
    grant(user, Role.BRAND_OPERATOR, order.lines.get().variant.product.brand)
    return user


def _workshop_manager(order):
    user = make_user()
    grant(user, Role.WORKSHOP_MANAGER, order.lines.get().workshop)
    return user


def _anonymous(order):
    return AnonymousUser()


def _inactive_staff(order):
    return make_user(staff=True, is_active=False)


@pytest.mark.parametrize(
    "who",
    [_consumer, _brand_operator, _workshop_manager, _anonymous, _inactive_staff],
)
def test_only_platform_operators_may_refund(order, who):
    user = who(order)
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=user, amount_fen=100)
    assert caught.value.code == OrderErrorCode.PERMISSION_DENIED
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PAID, 0)
    assert not Refund.objects.exists()
    assert stripe_refunds(order) == []


# --- restocking ------------------------------------------------------------


def test_restocking_before_shipping_releases_reserved_units(order, operator, variant):
    line = OrderLine.objects.get(order=order)
    assert stock_of(variant).quantity_reserved == 3

    order_refund(order=order, user=operator, amount_fen=2560, restock={line.pk: 2})

    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (10, 1)
    line.refresh_from_db()
    assert (line.quantity_reserved, line.quantity_restocked) == (1, 2)
    restocked = OrderEvent.objects.get(order=order, type=OrderEventType.RESTOCKED)
    assert restocked.data == {"lines": {str(line.pk): 2}}
    assert Refund.objects.get(order=order).restock == {str(line.pk): 2}

    # The one unit left still ships.
    fulfillment_ship(
        fulfillment=order.fulfillments.get(),
        carrier="顺丰",
        tracking_number="SF1000000001",
    )
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (9, 0)


def test_restocking_after_shipping_returns_units_to_the_shelf(order, operator, variant):
    fulfillment_ship(
        fulfillment=order.fulfillments.get(),
        carrier="中通",
        tracking_number="731234567890",
    )
    assert (stock_of(variant).quantity, stock_of(variant).quantity_reserved) == (
        7,
        0,
    )
    line = OrderLine.objects.get(order=order)

    order_refund(order=order, user=operator, amount_fen=1280, restock={line.pk: 1})

    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (8, 0)
    line.refresh_from_db()
    assert (line.quantity_fulfilled, line.quantity_restocked) == (3, 1)
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED


@pytest.mark.parametrize("units", [4, -1, 1.5, "1", True])
def test_restocking_more_than_the_line_or_nonsense_is_refused(
    order, operator, variant, units
):
    line = OrderLine.objects.get(order=order)
    with pytest.raises(OrderError) as caught:
        order_refund(
            order=order, user=operator, amount_fen=100, restock={line.pk: units}
        )
    assert caught.value.code == OrderErrorCode.INVALID_RESTOCK
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.PAID, 0)
    assert stock_of(variant).quantity_reserved == 3
    assert not Refund.objects.exists()
    assert stripe_refunds(order) == []


def test_restocking_counts_what_earlier_refunds_restocked(order, operator):
    line = OrderLine.objects.get(order=order)
    order_refund(order=order, user=operator, amount_fen=100, restock={line.pk: 2})
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=operator, amount_fen=100, restock={line.pk: 2})
    assert caught.value.code == OrderErrorCode.INVALID_RESTOCK
    assert stripe_refunds(order) == [100]


def test_restocking_a_line_of_another_order_is_refused(order, operator, client):
    other = paid_order(client)
    stranger = OrderLine.objects.get(order=other)
    with pytest.raises(OrderError) as caught:
        order_refund(
            order=order, user=operator, amount_fen=100, restock={stranger.pk: 1}
        )
    assert caught.value.code == OrderErrorCode.INVALID_RESTOCK
    assert stripe_refunds(order) == []


def test_a_full_refund_of_an_unshipped_order_releases_all_its_stock(
    order, operator, variant
):
    order_refund(order=order, user=operator)

    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (10, 0)
    assert OrderLine.objects.get(order=order).quantity_reserved == 0
    assert set(order.fulfillments.values_list("status", flat=True)) == {
        FulfillmentStatus.CANCELLED
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


@pytest.mark.django_db(transaction=True)
def test_two_operators_refunding_sixty_percent_at_once_refund_once(client):
    variant = make_variant(2000, 10)
    order = paid_order(client, [(variant, 4)])  # 80.00 + 10.00 = 90.00
    operators = [make_user(staff=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def refund(i):
        try:
            barrier.wait(timeout=10)
            results[i] = order_refund(order=order, user=operators[i], amount_fen=5400)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=refund, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    refunds = [r for r in results if isinstance(r, Refund)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(refunds) == 1, results
    assert len(errors) == 1
    assert isinstance(errors[0], OrderError)
    assert errors[0].code == OrderErrorCode.REFUND_EXCEEDS_PAID
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (
        5400,
        OrderStatus.PARTIALLY_REFUNDED,
    )
    assert Refund.objects.filter(order=order).count() == 1
    assert stripe_refunds(order) == [5400]


def test_a_refund_that_fails_later_is_marked_and_logged(client, order, operator):
    refund = order_refund(order=order, user=operator, amount_fen=1000)
    failed = {"id": refund.stripe_refund_id, "object": "refund", "status": "failed"}

    response = deliver_event(client, "refund.updated", failed)

    assert response.status_code == 200
    assert response.json()["outcome"] == "refund failed"
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    logged = order.events.get(type=OrderEventType.REFUND_FAILED)
    assert logged.data["amount_fen"] == 1000
    # A replay of the same news changes nothing more.
    again = deliver_event(client, "refund.updated", failed)
    assert again.json()["outcome"] == "refund unchanged"
    assert order.events.filter(type=OrderEventType.REFUND_FAILED).count() == 1


def test_an_event_about_an_unknown_refund_is_ignored(client, order):
    unknown = {"id": "re_unknown", "object": "refund", "status": "failed"}
    response = deliver_event(client, "refund.updated", unknown)
    assert response.json()["outcome"] == "ignored: unknown refund"
    assert not order.events.filter(type=OrderEventType.REFUND_FAILED).exists()


def test_refund_idempotency_key_repeats_for_a_retry_and_moves_on_after_a_decline(
    order, operator
):
    # localstripe ignores idempotency keys, so the key itself is checked: the
    # same after a lost response (nothing recorded), new once a refund is
    # booked or declined, so a retry after a decline is not Stripe's replay.
    first = _idempotency_key(order, 1000)
    assert _idempotency_key(order, 1000) == first
    refund = order_refund(order=order, user=operator, amount_fen=1000)
    order.refresh_from_db()
    booked = _idempotency_key(order, 1000)
    assert booked != first
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)
    assert _idempotency_key(order, 1000) not in {first, booked}
