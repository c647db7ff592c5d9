"""Shipping many parcels from a CSV: the dry run (plan) checks every row and
writes nothing; apply ships the valid rows in chunks, each checked again
under its locks (shipping.fulfillments_ship). Every bad input of issue 13 has
a test here: unknown order numbers, another workshop's parcel, duplicate
rows, parcels that cannot ship, bad carriers and formats, GBK and other
encodings, formula cells; and rows whose parcel changed between plan and
apply."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Role
from storefront.catalog.models import Stock
from storefront.orders import bulk_ship
from storefront.orders.bulk_ship import bulk_ship_apply, bulk_ship_plan
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.orders.shipping import fulfillment_ship
from storefront.payments.refunds import order_refund
from storefront.payments.services import order_cancel_unpaid
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order, place_order, stock_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

HEADER = "订单号,快递公司,运单号\n"


@pytest.fixture
def shop():
    brand = make_brand()
    island = make_workshop(brands=[brand], name="贻贝工坊")
    hill = make_workshop(brands=[brand], name="紫菜工坊")
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, island)
    return {
        "island": island,
        "hill": hill,
        "manager": manager,
        "operator": make_user(staff=True),
        "mussels": make_variant(1280, 50, workshop=island, brand=brand),
        "seaweed": make_variant(990, 50, workshop=hill, brand=brand),
    }


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def row_errors(plan) -> dict[int, str]:
    return {row.row: " ".join(row.errors) for row in plan.rows if row.errors}


def test_a_clean_file_is_planned_then_shipped(client, shop):
    first = paid_order(client, [(shop["mussels"], 2)])
    second = paid_order(client, [(shop["mussels"], 1)])
    data = csv(
        f"{first.number},顺丰速运,SF1234567890123",
        "",  # blank rows are skipped, numbering goes on
        f"{second.number.lower()}, zto , 7312 3456 7890",
    )

    plan = bulk_ship_plan(user=shop["manager"], data=data, workshop=shop["island"])

    assert plan.errors == []
    assert [
        (r.row, r.order_number, r.carrier, r.tracking_number) for r in plan.rows
    ] == [
        (2, first.number, "sf", "SF1234567890123"),
        (4, second.number, "zto", "731234567890"),
    ]
    assert Fulfillment.objects.filter(status=FulfillmentStatus.SHIPPED).count() == 0

    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 2

    parcel = first.fulfillments.get()
    assert (parcel.status, parcel.carrier, parcel.tracking_number) == (
        FulfillmentStatus.SHIPPED,
        "sf",
        "SF1234567890123",
    )
    assert second.fulfillments.get().tracking_number == "731234567890"
    assert stock_of(shop["mussels"]).quantity == 47
    assert all(row.shipped and not row.apply_error for row in plan.rows)
    event = first.events.get(type="shipped")
    assert event.user == shop["manager"]


def test_english_headers_in_any_order_with_a_bom_and_extra_columns(client, shop):
    order = paid_order(client, [(shop["mussels"], 1)])
    data = "\ufeffTracking Number,note,Order_Number,Carrier\r\n".encode() + (
        f"JT1234567890123,易碎,{order.number},J&T Express\r\n".encode()
    )
    plan = bulk_ship_plan(user=shop["operator"], data=data)
    assert plan.errors == []
    assert (plan.rows[0].carrier, plan.rows[0].tracking_number) == (
        "jt",
        "JT1234567890123",
    )


def test_a_gbk_file_from_excel_is_read(client, shop):
    order = paid_order(client, [(shop["mussels"], 1)])
    data = f"订单号,快递公司,运单号\r\n{order.number},韵达快递,4312345678901\r\n"
    plan = bulk_ship_plan(user=shop["operator"], data=data.encode("gbk"))
    assert plan.errors == []
    assert plan.rows[0].carrier == "yunda"
    assert bulk_ship_apply(user=shop["operator"], plan=plan) == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空"),
        (b"  \n \n", "空"),
        (HEADER.encode("utf-16"), "编码"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel"),
        (b"\x81\x30\xff\xfe\x80", "编码"),
        (b"order,carrier\nGF-1,sf\n", "表头"),
        (b"GF-2026-000001,sf,SF1234567890123\n", "表头"),
        (b"x" * (bulk_ship.MAX_BYTES + 1), "KB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(shop, data, words):
    with pytest.raises(OrderError) as caught:
        bulk_ship_plan(user=shop["operator"], data=data)
    assert caught.value.code == OrderErrorCode.BULK_FILE
    assert caught.value.field == "file"
    assert words in caught.value.message
    assert caught.value.message.startswith("无法读取发货文件：")


def test_too_many_rows_are_refused(shop):
    rows = [
        f"GF-2026-{i:06d},sf,SF1234567890123" for i in range(bulk_ship.MAX_ROWS + 1)
    ]
    with pytest.raises(OrderError) as caught:
        bulk_ship_plan(user=shop["operator"], data=csv(*rows))
    assert caught.value.code == OrderErrorCode.BULK_FILE
    assert str(bulk_ship.MAX_ROWS) in caught.value.message


def test_unknown_order_numbers_are_row_errors(client, shop):
    order = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["operator"],
        data=csv(
            "GF-1999-999999,sf,SF1234567890123",
            f"{order.number},sf,SF1234567890124",
            ",sf,SF1234567890125",
        ),
    )
    errors = row_errors(plan)
    assert errors[2] == (
        "第 2 行：找不到订单号 GF-1999-999999 / "
        "Row 2: unknown order number GF-1999-999999"
    )
    assert "缺少订单号" in errors[4]
    assert [r.row for r in plan.valid_rows] == [3]
    assert bulk_ship_apply(user=shop["operator"], plan=plan) == 1


def test_another_workshops_parcel_is_refused(client, shop):
    theirs = paid_order(client, [(shop["seaweed"], 1)])
    mixed = paid_order(client, [(shop["mussels"], 1), (shop["seaweed"], 1)])
    data = csv(
        f"{theirs.number},sf,SF1234567890123", f"{mixed.number},sf,SF1234567890124"
    )

    portal = bulk_ship_plan(user=shop["manager"], data=data, workshop=shop["island"])
    # Answered as a number that does not exist: no hint that it is real.
    assert row_errors(portal)[2] == row_errors(
        bulk_ship_plan(
            user=shop["manager"],
            data=csv("GF-1999-999999,sf,SF1234567890123"),
            workshop=shop["island"],
        )
    )[2].replace("GF-1999-999999", theirs.number)
    # Of the mixed order, only the island's parcel is taken.
    assert portal.rows[1].ok and portal.rows[1].workshop_name == "贻贝工坊"

    # Without the portal's workshop, the permission module still says no.
    plain = bulk_ship_plan(user=shop["manager"], data=data)
    assert "没有权限" in row_errors(plain)[2]
    assert plain.rows[1].ok and plain.rows[1].workshop_name == "贻贝工坊"

    assert bulk_ship_apply(user=shop["manager"], plan=portal) == 1
    assert theirs.fulfillments.get().status == FulfillmentStatus.PENDING
    statuses = dict(mixed.fulfillments.values_list("workshop__name", "status"))
    assert statuses == {"贻贝工坊": "shipped", "紫菜工坊": "pending"}


def test_a_stranger_ships_nothing(client, shop):
    order = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=make_user(), data=csv(f"{order.number},sf,SF1234567890123")
    )
    assert "没有权限" in row_errors(plan)[2]
    assert bulk_ship_apply(user=make_user(), plan=plan) == 0


def test_an_operator_names_the_workshop_of_an_order_with_several_parcels(client, shop):
    mixed = paid_order(client, [(shop["mussels"], 1), (shop["seaweed"], 1)])
    ambiguous = bulk_ship_plan(
        user=shop["operator"], data=csv(f"{mixed.number},sf,SF1234567890123")
    )
    assert "多个工坊" in row_errors(ambiguous)[2]

    named = bulk_ship_plan(
        user=shop["operator"],
        data=csv(
            f"{mixed.number},sf,SF1234567890123,紫菜工坊",
            f"{mixed.number},sf,SF1234567890124,海带工坊",
            header="订单号,快递公司,运单号,工坊\n",
        ),
    )
    assert named.rows[0].ok and named.rows[0].workshop_name == "紫菜工坊"
    assert "海带工坊" in row_errors(named)[3]


def test_duplicate_rows_for_the_same_parcel_are_refused(client, shop):
    order = paid_order(client, [(shop["mussels"], 1)])
    other = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{order.number},sf,SF1234567890123",
            f"{other.number},sf,SF1234567890125",
            f"{order.number},zto,731234567890",
        ),
    )
    errors = row_errors(plan)
    assert set(errors) == {2, 4}
    assert "同一包裹出现在多行（第 2、4 行）" in errors[2]
    assert "several rows (2, 4)" in errors[4]
    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 1
    assert order.fulfillments.get().status == FulfillmentStatus.PENDING


def test_parcels_that_cannot_ship_are_row_errors(client, shop):
    unpaid, _ = place_order([(shop["mussels"], 1)])
    cancelled, _ = place_order([(shop["mussels"], 1)])
    order_cancel_unpaid(order=cancelled)
    refunded = paid_order(client, [(shop["mussels"], 1)])
    order_refund(order=refunded, user=shop["operator"], amount_fen=refunded.total_fen)
    shipped = paid_order(client, [(shop["mussels"], 1)])
    fulfillment_ship(
        fulfillment=shipped.fulfillments.get(),
        carrier="sf",
        tracking_number="SF1234567890100",
    )
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{unpaid.number},sf,SF1234567890123",
            f"{cancelled.number},sf,SF1234567890124",
            f"{refunded.number},sf,SF1234567890125",
            f"{shipped.number},sf,SF1234567890126",
        ),
    )
    errors = row_errors(plan)
    assert "订单尚未支付" in errors[2] and "not been paid" in errors[2]
    assert "订单已取消" in errors[3]
    assert "包裹已取消" in errors[4]
    assert "该包裹已发货" in errors[5]
    assert plan.valid_rows == []
    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 0
    assert shipped.fulfillments.get().tracking_number == "SF1234567890100"


def test_bad_carriers_and_formats_are_row_errors(client, shop):
    orders = [paid_order(client, [(shop["mussels"], 1)]) for _ in range(4)]
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{orders[0].number},DHL,SF1234567890123",
            f"{orders[1].number},顺丰,YT1234567890123",
            f"{orders[2].number},中通,7.31235E+11",
            f"{orders[3].number},sf,",
        ),
    )
    errors = row_errors(plan)
    assert "快递公司不在列表中" in errors[2] and "DHL" in errors[2]
    assert "运单号格式不符" in errors[3] and "顺丰速运运单号应为" in errors[3]
    assert "科学计数法" in errors[4]
    assert "请填写快递公司和运单号" in errors[5]
    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 0


@pytest.mark.parametrize(
    "row",
    [
        '=HYPERLINK("http://evil.example","{n}"),sf,SF1234567890123',
        "{n},=1+1,SF1234567890123",
        "{n},sf,+8613800138000",
        "{n},sf,-SF1234567890123",
        "{n},sf,@SUM(A1)",
        '{n},sf,"=""SF1234567890123"""',
    ],
)
def test_formula_cells_are_refused_not_interpreted(client, shop, row):
    order = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(row.format(n=order.number)),
    )
    [refused] = plan.rows
    assert refused.refused and refused.fulfillment_id is None
    assert refused.errors == [
        "第 2 行：单元格以 =、+、-、@ 开头，疑似公式，不予处理 / Row 2: a cell "
        "starts with =, +, - or @ and looks like a formula; refused"
    ]
    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 0


def test_a_row_that_fails_at_apply_time_is_reported_and_the_others_go_on(client, shop):
    first = paid_order(client, [(shop["mussels"], 1)])
    second = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{first.number},sf,SF1234567890123", f"{second.number},sf,SF1234567890124"
        ),
    )
    assert plan.errors == []
    # Meanwhile someone else ships the first parcel.
    fulfillment_ship(
        fulfillment=first.fulfillments.get(),
        carrier="ems",
        tracking_number="EA123456789CN",
    )

    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 1
    assert plan.rows[0].apply_error == (
        "第 2 行：该包裹已发货 / Row 2: This parcel has already shipped"
    )
    assert not plan.rows[0].shipped and plan.rows[1].shipped
    assert first.fulfillments.get().tracking_number == "EA123456789CN"
    assert second.fulfillments.get().tracking_number == "SF1234567890124"


def fabricated_paid_orders(variant, count: int) -> list[Order]:
    """Paid orders of one unit each, written straight to the tables (paying
    hundreds through localstripe would only slow the test down)."""
    now = timezone.now()
    tag = uuid.uuid4().hex[:6].upper()
    orders = Order.objects.bulk_create(
        Order(
            checkout_token=uuid.uuid4(),
            number=f"GF-{tag}-{i:05d}",
            email="buyer@example.com",
            status=OrderStatus.PAID,
            subtotal_fen=variant.price_fen,
            shipping_fen=0,
            total_fen=variant.price_fen,
            paid_fen=variant.price_fen,
            paid_at=now,
        )
        for i in range(count)
    )
    product = variant.product
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            workshop_id=variant.workshop_id,
            product=product,
            brand_id=product.brand_id,
            product_name=product.name,
            sku=variant.sku,
            brand_name="b",
            workshop_name="w",
            village_name="v",
            unit_price_fen=variant.price_fen,
            quantity=1,
            total_fen=variant.price_fen,
            quantity_reserved=1,
        )
        for order in orders
    )
    Fulfillment.objects.bulk_create(
        Fulfillment(
            order=order,
            workshop_id=variant.workshop_id,
            subtotal_fen=variant.price_fen,
            shipping_fen=0,
        )
        for order in orders
    )
    Stock.objects.filter(variant=variant).update(
        quantity=count, quantity_reserved=count
    )
    return orders


def test_the_plan_looks_orders_up_by_set_not_by_row(shop):
    orders = fabricated_paid_orders(shop["mussels"], 40)

    def queries(n: int) -> int:
        rows = [f"{o.number},sf,SF12345678{i:05d}" for i, o in enumerate(orders[:n])]
        user = make_user()
        grant(user, Role.WORKSHOP_MANAGER, shop["island"])
        with CaptureQueriesContext(connection) as captured:
            plan = bulk_ship_plan(user=user, data=csv(*rows), workshop=shop["island"])
        assert len(plan.valid_rows) == n
        return len(captured)

    assert queries(3) == queries(40) <= 4


def test_five_hundred_rows_ship(shop):
    orders = fabricated_paid_orders(shop["mussels"], 500)
    rows = [f"{o.number},中通快递,73{i:010d}" for i, o in enumerate(orders)]
    plan = bulk_ship_plan(user=shop["operator"], data=csv(*rows))
    assert plan.errors == []

    assert (
        bulk_ship_apply(user=shop["operator"], plan=plan, notify_customer=False) == 500
    )

    assert (
        Fulfillment.objects.filter(
            workshop=shop["island"], status=FulfillmentStatus.SHIPPED
        ).count()
        == 500
    )
    assert (
        stock_of(shop["mussels"]).quantity,
        stock_of(shop["mussels"]).quantity_reserved,
    ) == (0, 0)
    assert Order.objects.filter(status=OrderStatus.FULFILLED).count() == 500


@pytest.mark.django_db(transaction=True)
def test_applied_rows_commit_then_their_customers_are_mailed(client, shop, mailoutbox):
    first = paid_order(client, [(shop["mussels"], 1)], email="a@example.com")
    second = paid_order(client, [(shop["mussels"], 1)], email="b@example.com")
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{first.number},sf,SF1234567890123", f"{second.number},sf,SF1234567890124"
        ),
    )
    mailoutbox.clear()  # the confirmations

    # The network guard fails any email sent with a transaction open.
    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 2

    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]
    assert all("已发货" in m.subject for m in mailoutbox)
    assert Fulfillment.objects.filter(shipping_email_sent_at__isnull=False).count() == 2


def shipped_events(order) -> list[OrderEvent]:
    return list(
        OrderEvent.objects.filter(order=order, type=OrderEventType.SHIPPED).order_by(
            "pk"
        )
    )


def test_a_parcel_refunded_between_plan_and_apply_is_reported_the_others_ship(
    client, shop
):
    first = paid_order(client, [(shop["mussels"], 2)])
    refunded = paid_order(client, [(shop["mussels"], 3)])
    last = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["manager"],
        workshop=shop["island"],
        data=csv(
            f"{first.number},sf,SF1234567890123",
            f"{refunded.number},sf,SF1234567890124",
            f"{last.number},sf,SF1234567890125",
        ),
    )
    assert plan.errors == []
    # Meanwhile an operator refunds the second order in full: its parcel is
    # cancelled and its units go back on sale.
    order_refund(order=refunded, user=shop["operator"], amount_fen=refunded.total_fen)

    assert bulk_ship_apply(user=shop["manager"], plan=plan) == 2

    assert [row.shipped for row in plan.rows] == [True, False, True]
    assert plan.rows[1].apply_error == (
        "第 3 行：订单当前状态不允许此操作：包裹已取消（订单已全额退款） / "
        "Row 3: The order's current status does not allow this: "
        "the parcel is cancelled (refunded)"
    )
    assert refunded.fulfillments.get().status == FulfillmentStatus.CANCELLED
    assert shipped_events(refunded) == []
    refunded.refresh_from_db()
    assert refunded.status == OrderStatus.REFUNDED
    for order in (first, last):
        order.refresh_from_db()
        assert order.status == OrderStatus.FULFILLED
    stock = stock_of(shop["mussels"])
    assert (stock.quantity, stock.quantity_reserved) == (47, 0)


def test_an_operator_ships_both_parcels_of_an_order_in_one_file(client, shop):
    mixed = paid_order(client, [(shop["mussels"], 2), (shop["seaweed"], 3)])
    alone = paid_order(client, [(shop["mussels"], 1)])
    plan = bulk_ship_plan(
        user=shop["operator"],
        data=csv(
            f"{mixed.number},sf,SF1234567890123,贻贝工坊",
            f"{alone.number},sf,SF1234567890124,贻贝工坊",
            f"{mixed.number},zto,731234567890,紫菜工坊",
            header="订单号,快递公司,运单号,工坊\n",
        ),
    )
    assert plan.errors == []

    assert bulk_ship_apply(user=shop["operator"], plan=plan) == 3

    mixed.refresh_from_db()
    assert mixed.status == OrderStatus.FULFILLED
    # As two single ships would log it: partly, then fully fulfilled, once.
    assert [(e.user, e.data) for e in shipped_events(mixed)] == [
        (
            shop["operator"],
            {
                "previous": OrderStatus.PAID,
                "status": OrderStatus.PARTIALLY_FULFILLED,
                "workshop": "贻贝工坊",
                "carrier": "sf",
                "tracking_number": "SF1234567890123",
            },
        ),
        (
            shop["operator"],
            {
                "previous": OrderStatus.PARTIALLY_FULFILLED,
                "status": OrderStatus.FULFILLED,
                "workshop": "紫菜工坊",
                "carrier": "zto",
                "tracking_number": "731234567890",
            },
        ),
    ]
    assert set(mixed.fulfillments.values_list("status", flat=True)) == {"shipped"}
    for variant, left in ((shop["mussels"], 47), (shop["seaweed"], 47)):
        stock = stock_of(variant)
        assert (stock.quantity, stock.quantity_reserved) == (left, 0)
    lines = OrderLine.objects.filter(order=mixed)
    assert {(line.quantity_fulfilled, line.quantity_reserved) for line in lines} == {
        (2, 0),
        (3, 0),
    }


def test_of_three_parcels_two_shipped_together_leave_the_order_partly_fulfilled(
    client, shop
):
    third = make_workshop(brands=[shop["mussels"].product.brand], name="海带工坊")
    kelp = make_variant(500, 50, workshop=third, brand=shop["mussels"].product.brand)
    order = paid_order(client, [(shop["mussels"], 1), (shop["seaweed"], 1), (kelp, 1)])
    plan = bulk_ship_plan(
        user=shop["operator"],
        data=csv(
            f"{order.number},sf,SF1234567890123,贻贝工坊",
            f"{order.number},sf,SF1234567890124,紫菜工坊",
            header="订单号,快递公司,运单号,工坊\n",
        ),
    )

    assert bulk_ship_apply(user=shop["operator"], plan=plan) == 2

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    # The second shipment changes no status: logged without a transition.
    assert [
        (e.data.get("previous"), e.data.get("status"), e.data["workshop"])
        for e in shipped_events(order)
    ] == [
        (OrderStatus.PAID, OrderStatus.PARTIALLY_FULFILLED, "贻贝工坊"),
        (None, None, "紫菜工坊"),
    ]
    assert stock_of(kelp).quantity_reserved == 1


def test_applying_costs_queries_per_chunk_not_per_row(shop):
    orders = fabricated_paid_orders(shop["mussels"], 50)

    def queries(batch: list[Order]) -> int:
        rows = [f"{o.number},中通快递,73{o.pk:010d}" for o in batch]
        plan = bulk_ship_plan(user=shop["operator"], data=csv(*rows))
        assert plan.errors == []
        with CaptureQueriesContext(connection) as captured:
            assert bulk_ship_apply(user=shop["operator"], plan=plan) == len(batch)
        return len(captured)

    ten = queries(orders[:10])
    forty = queries(orders[10:])

    assert forty < 2 * ten
    assert Order.objects.filter(status=OrderStatus.FULFILLED).count() == 50
    stock = stock_of(shop["mussels"])
    assert (stock.quantity, stock.quantity_reserved) == (0, 0)
