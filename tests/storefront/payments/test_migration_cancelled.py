"""payments 0002: stored "canceled" payments read "cancelled" (our spelling,
as the order's), and late payments refunded before it are not owed again."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("payments", "0001_initial"), ("orders", "0005_order_confirmation_sent_at")]
AFTER = [("payments", "0002_cancelled_late_refund_refund_key")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_latest")
def test_stored_canceled_payments_are_respelled_and_old_late_refunds_settled():
    old = migrate(BEFORE)
    Order = old.get_model("orders", "Order")
    Payment = old.get_model("payments", "Payment")
    fields = dict(subtotal_fen=1000, shipping_fen=0, total_fen=1000, email="a@b.c")
    unpaid = Order.objects.create(
        status="unpaid", checkout_token=uuid.uuid4(), **fields
    )
    cancelled = Order.objects.create(
        status="cancelled", checkout_token=uuid.uuid4(), **fields
    )
    common = dict(client_secret="s", amount_fen=1000, currency="cny")
    Payment.objects.create(
        order=unpaid, payment_intent_id="pi_a", status="canceled", **common
    )
    Payment.objects.create(
        order=unpaid, payment_intent_id="pi_b", status="pending", **common
    )
    Payment.objects.create(
        order=cancelled, payment_intent_id="pi_c", status="succeeded", **common
    )

    new = migrate(AFTER)

    Payment = new.get_model("payments", "Payment")
    rows = dict(Payment.objects.values_list("payment_intent_id", "status"))
    assert rows == {"pi_a": "cancelled", "pi_b": "pending", "pi_c": "succeeded"}
    assert Payment.objects.get(payment_intent_id="pi_c").late_refund_id
    assert Payment.objects.get(payment_intent_id="pi_b").late_refund_id == ""
