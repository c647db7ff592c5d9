"""The batched ship (shipping.fulfillments_ship), the one home of the shipping
rule: many parcels per transaction, each checked under its locks, an item
that cannot ship reported with nothing of it written while the others ship,
stock moved once per chunk to the unit, and one email task per chunk after
commit."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from storefront.orders.errors import OrderErrorCode
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.services import lock_order, order_record_refund
from storefront.orders.shipping import ShipItem, fulfillment_ship, fulfillments_ship
from tests.factories import make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order, place_order, stock_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def goods():
    brand = make_brand()
    island = make_workshop(brands=[brand], name="贻贝工坊")
    hill = make_workshop(brands=[brand], name="紫菜工坊")
    return {
        "mussels": make_variant(1280, 40, workshop=island, brand=brand),
        "shrimp": make_variant(2480, 40, workshop=island, brand=brand),
        "seaweed": make_variant(990, 40, workshop=hill, brand=brand),
        "made_to_order": make_variant(
            5800, 0, workshop=island, brand=brand, track_inventory=False
        ),
    }


def parcel(order, variant) -> Fulfillment:
    return Fulfillment.objects.get(order=order, workshop_id=variant.workshop_id)


def counts(variant) -> tuple[int, int]:
    stock = stock_of(variant)
    return stock.quantity, stock.quantity_reserved


def test_stock_moves_exactly_the_units_shipped_across_chunks(client, goods):
    mussels, shrimp, seaweed = goods["mussels"], goods["shrimp"], goods["seaweed"]
    orders = [
        paid_order(client, [(mussels, 2), (shrimp, 1)]),
        paid_order(client, [(mussels, 3), (seaweed, 4)]),
        paid_order(client, [(shrimp, 5), (goods["made_to_order"], 1)]),
        paid_order(client, [(mussels, 1), (shrimp, 2), (seaweed, 1)]),
        paid_order(client, [(mussels, 7)]),  # not shipped
    ]
    assert counts(mussels) == (40, 13)
    assert counts(shrimp) == (40, 8)
    assert counts(seaweed) == (40, 5)
    island = [parcel(order, mussels) for order in orders[:4]]
    items = [
        ShipItem(p, "sf", f"SF12345678901{n:02d}") for n, p in enumerate(island)
    ] + [ShipItem(parcel(orders[1], seaweed), "zto", "731234567890")]

    outcomes = fulfillments_ship(items=items, chunk_size=2)

    assert [outcome.shipped for outcome in outcomes] == [True] * 5
    # Only the units of the parcels shipped leave, from both counts.
    assert counts(mussels) == (40 - 6, 7)
    assert counts(shrimp) == (40 - 8, 0)
    assert counts(seaweed) == (40 - 4, 1)
    shipped_lines = (
        OrderLine.objects.filter(order__in=orders[:4])
        .exclude(order=orders[3], workshop=seaweed.workshop)
        .exclude(variant=goods["made_to_order"])
    )
    assert all(
        (line.quantity_fulfilled, line.quantity_reserved) == (line.quantity, 0)
        for line in shipped_lines
    )
    waiting = OrderLine.objects.get(order=orders[3], variant=seaweed)
    assert (waiting.quantity_fulfilled, waiting.quantity_reserved) == (0, 1)
    statuses = []
    for order in orders:
        order.refresh_from_db()
        statuses.append(order.status)
    assert statuses == [
        OrderStatus.FULFILLED,
        OrderStatus.FULFILLED,
        OrderStatus.FULFILLED,
        OrderStatus.PARTIALLY_FULFILLED,
        OrderStatus.PAID,
    ]


def test_an_item_that_cannot_ship_changes_nothing_and_the_others_ship(client, goods):
    mussels = goods["mussels"]
    good = paid_order(client, [(mussels, 1)])
    also_good = paid_order(client, [(mussels, 2)])
    unpaid, _ = place_order([(mussels, 4)])
    manager = make_user()
    items = [
        ShipItem(parcel(good, mussels), "sf", "SF1234567890123"),
        ShipItem(parcel(unpaid, mussels), "sf", "SF1234567890124"),
        ShipItem(parcel(also_good, mussels), "DHL", "SF1234567890125"),
        ShipItem(parcel(also_good, mussels), "sf", "YT1234567890125"),
        ShipItem(parcel(also_good, mussels), "sf", "SF1234567890126"),
        # The same parcel twice: the second finds it shipped by the first.
        ShipItem(parcel(good, mussels), "sf", "SF1234567890127"),
    ]

    outcomes = fulfillments_ship(items=items, user=manager)

    assert [o.error.code if o.error else None for o in outcomes] == [
        None,
        OrderErrorCode.NOT_PAID,
        OrderErrorCode.UNKNOWN_CARRIER,
        OrderErrorCode.TRACKING_FORMAT,
        None,
        OrderErrorCode.ALREADY_SHIPPED,
    ]
    assert outcomes[0].fulfillment.tracking_number == "SF1234567890123"
    assert parcel(good, mussels).tracking_number == "SF1234567890123"
    assert parcel(also_good, mussels).tracking_number == "SF1234567890126"
    assert parcel(unpaid, mussels).status == FulfillmentStatus.PENDING
    # 40 on the shelf; 1 + 2 shipped; the unpaid order's 4 still held.
    assert counts(mussels) == (37, 4)
    assert [
        (e.order_id, e.user, e.data["tracking_number"])
        for e in OrderEvent.objects.filter(type=OrderEventType.SHIPPED)
    ] == [
        (good.pk, manager, "SF1234567890123"),
        (also_good.pk, manager, "SF1234567890126"),
    ]


def test_an_empty_batch_ships_nothing():
    assert fulfillments_ship(items=[]) == []


def test_the_customers_are_mailed_by_one_task_per_chunk_after_commit(
    client, goods, mailoutbox, django_capture_on_commit_callbacks
):
    mussels = goods["mussels"]
    orders = [
        paid_order(client, [(mussels, 1)], email=f"buyer{n}@example.com")
        for n in range(5)
    ]
    mailoutbox.clear()  # the confirmations
    items = [
        ShipItem(parcel(order, mussels), "sf", f"SF12345678901{n:02d}")
        for n, order in enumerate(orders)
    ]

    with django_capture_on_commit_callbacks() as callbacks:
        fulfillments_ship(items=items, chunk_size=2)
    assert mailoutbox == []  # nothing while the chunks' transactions are open
    assert len(callbacks) == 3
    for callback in callbacks:
        callback()

    assert sorted(m.to[0] for m in mailoutbox) == [
        f"buyer{n}@example.com" for n in range(5)
    ]
    assert Fulfillment.objects.filter(shipping_email_sent_at__isnull=False).count() == 5


def test_no_task_when_no_customer_is_to_be_notified(
    client, goods, django_capture_on_commit_callbacks
):
    order = paid_order(client, [(goods["mussels"], 1)])
    with django_capture_on_commit_callbacks() as callbacks:
        [outcome] = fulfillments_ship(
            items=[(parcel(order, goods["mussels"]), "sf", "SF1234567890123")],
            notify_customer=False,
        )
    assert outcome.shipped and callbacks == []


def test_the_single_ship_raises_the_error_of_its_one_item(client, goods):
    order = paid_order(client, [(goods["mussels"], 1)])
    fulfillment_ship(
        fulfillment=parcel(order, goods["mussels"]),
        carrier="sf",
        tracking_number="SF1234567890123",
    )
    with pytest.raises(Exception) as caught:
        fulfillment_ship(
            fulfillment=parcel(order, goods["mussels"]),
            carrier="sf",
            tracking_number="SF1234567890124",
        )
    assert caught.value.code == OrderErrorCode.ALREADY_SHIPPED
    assert counts(goods["mussels"]) == (39, 0)


def someone_waits_for_a_row_lock(timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics views are a snapshot per transaction unless cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                "'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.requires_postgres(
    "a second connection holds an order's row lock while the batch ships"
)
@pytest.mark.django_db(transaction=True)
def test_a_refund_holding_an_order_lock_is_waited_for_then_its_parcel_refused(
    client, goods
):
    mussels = goods["mussels"]
    first, refunded, last = (paid_order(client, [(mussels, n)]) for n in (1, 2, 3))
    items = [
        ShipItem(parcel(order, mussels), "sf", f"SF12345678901{n:02d}")
        for n, order in enumerate((first, refunded, last))
    ]
    holding = threading.Event()
    waited = []

    def refund_meanwhile():
        # What payments.refunds books under the order's lock: a full refund
        # cancels the parcel and gives its units back.
        try:
            with transaction.atomic():
                order = lock_order(refunded)
                order_record_refund(order=order, amount_fen=order.paid_fen, restock={})
                holding.set()
                waited.append(someone_waits_for_a_row_lock())
        finally:
            holding.set()
            connections.close_all()

    thread = threading.Thread(target=refund_meanwhile)
    thread.start()
    assert holding.wait(timeout=30)

    outcomes = fulfillments_ship(items=items)
    thread.join(timeout=60)

    assert waited == [True]  # the batch waited for the refund's lock
    assert [o.error.code if o.error else None for o in outcomes] == [
        None,
        OrderErrorCode.INVALID_TRANSITION,
        None,
    ]
    assert "包裹已取消" in outcomes[1].error.message_zh
    assert parcel(refunded, mussels).status == FulfillmentStatus.CANCELLED
    assert counts(mussels) == (40 - 1 - 3, 0)


def test_made_to_order_lines_count_as_fulfilled_when_they_ship(client):
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    stocked = make_variant(1280, 10, workshop=workshop, brand=brand)
    made = make_variant(3000, 0, workshop=workshop, brand=brand, track_inventory=False)
    order = paid_order(client, [(stocked, 2), (made, 3)])
    fulfillment_ship(
        fulfillment=order.fulfillments.get(),
        carrier="sf",
        tracking_number="SF1234567890123",
    )
    lines = {line.variant_id: line for line in order.lines.all()}
    assert (
        lines[stocked.pk].quantity_fulfilled,
        lines[stocked.pk].quantity_reserved,
    ) == (2, 0)
    assert (lines[made.pk].quantity_fulfilled, lines[made.pk].quantity_reserved) == (
        3,
        0,
    )
    assert (stock_of(stocked).quantity, stock_of(stocked).quantity_reserved) == (8, 0)
