"""No oversell and no double order under real concurrency (PostgreSQL row
locks, one database connection per thread, the real localstripe)."""

import threading

import pytest
from django.db import connection

from storefront.catalog.models import Stock
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.models import Payment, PaymentStatus
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    pay_intent,
    ready_checkout,
    stock_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("stripe_settings"),
]


def run_at_once(count, work):
    """Call work(i) from `count` threads released together; returns each
    thread's result or the exception it raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        try:
            barrier.wait(timeout=15)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_twenty_buyers_racing_for_five_units_make_exactly_five_paid_orders(client):
    variant = make_variant(1280, 5)
    checkouts = [ready_checkout([(variant, 1)]) for _ in range(20)]

    results = run_at_once(
        20, lambda i: checkout_complete(checkout_token=checkouts[i].token)
    )

    placed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(placed) == 5, refused
    assert len(refused) == 15
    assert all(
        isinstance(e, CheckoutError) and e.code == CheckoutErrorCode.INSUFFICIENT_STOCK
        for e in refused
    ), refused
    assert Order.objects.count() == 5
    assert OrderLine.objects.filter(variant=variant).count() == 5
    assert Payment.objects.count() == 5
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (5, 5)
    assert stock.quantity_available == 0

    for completed in placed:
        intent = pay_intent(completed.payment)
        assert intent.status == "succeeded"
        response = deliver_event(client, "payment_intent.succeeded", intent)
        assert response.status_code == 200, response.content

    assert Order.objects.filter(status=OrderStatus.PAID).count() == 5
    assert set(Order.objects.values_list("paid_fen", flat=True)) == {1280 + 1000}
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 5
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_reserved) == (5, 5)
    assert stock.quantity_available == 0
    assert (
        not Stock.objects.filter(quantity_reserved__gt=0)
        .exclude(variant=variant)
        .exists()
    )


def test_one_checkout_completed_from_five_threads_makes_one_order():
    variant = make_variant(1280, 10)
    checkout = ready_checkout([(variant, 2)])

    results = run_at_once(5, lambda i: checkout_complete(checkout_token=checkout.token))

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert len({r.order.pk for r in results}) == 1
    assert len({r.payment.payment_intent_id for r in results}) == 1
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert stock_of(variant).quantity_reserved == 2
