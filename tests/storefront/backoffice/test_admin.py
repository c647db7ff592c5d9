"""The operator admin for orders, payments and carts.

Operators look orders up, correct a delivery address, ship parcels and refund
through the services; money, status and bought lines are never edited by hand.
Payments are real: localstripe and signed webhooks (tests/shop_helpers.py)."""

import socket

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Role, Workshop
from storefront.checkout.models import Checkout
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from storefront.payments import gateway
from storefront.payments.models import Payment, Refund, RefundStatus, StripeEvent
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user
from tests.shop_helpers import (
    make_variant,
    paid_order,
    place_order,
    ready_checkout,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

OUR_MODELS = [Order, Payment, StripeEvent, Refund, Checkout]
TOO_MUCH = "退款金额超过可退金额"
MALFORMED = "金额格式不正确"


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def operator(db):
    # A plain staff user: no superuser flag, no Django model permissions.
    return make_user(staff=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def order(client):
    """A paid order of two units at ¥12.80 from one workshop (¥25.60 + ¥10.00
    shipping)."""
    variant = make_variant(1280, 10, name="东海黄鱼")
    return paid_order(client, [(variant, 2)], email="buyer@example.com")


def _refund_form(client, order, **data):
    """Enter a refund and, when the confirmation page comes, confirm it."""
    response = client.post(_url(Order, "refund", order.pk), data)
    if response.status_code == 200 and "plan" in (response.context or {}):
        return client.post(
            _url(Order, "refund", order.pk),
            {"plan": response.context["plan"].token, "confirm": "yes"},
        )
    return response


def _refund_action(client, orders, **extra):
    return client.post(
        _url(Order, "changelist"),
        {
            "action": "refund_in_full",
            "_selected_action": [o.pk for o in orders],
            **extra,
        },
        follow=True,
    )


# Registration and pages -------------------------------------------------------


def test_order_payment_and_cart_models_are_registered():
    assert set(OUR_MODELS) <= set(admin.site._registry)


def _more_rows(client, operator):
    """Another paid order with a refund and its events, and another cart."""
    other = paid_order(client, email="second@example.com")
    order_refund(order=other, user=operator, amount_fen=100)
    ready_checkout(email="cart@example.com")


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_operator_gets_changelist_search_and_detail_pages(
    operator_client, operator, order, model
):
    order_refund(order=order, user=operator, amount_fen=500)
    ready_checkout(email="cart@example.com")
    url = _url(model, "changelist")
    with CaptureQueriesContext(connection) as before:
        assert operator_client.get(url).status_code == 200
    _more_rows(operator_client, operator)
    with CaptureQueriesContext(connection) as after:
        response = operator_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 2
    # No query per row: more rows, same number of queries.
    assert len(after) == len(before), [q["sql"] for q in after]

    assert operator_client.get(url, {"q": "example.com"}).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    assert operator_client.get(_url(model, "change", obj.pk)).status_code == 200
    # Nothing here is made or removed by hand.
    assert operator_client.get(_url(model, "add")).status_code == 403
    assert operator_client.get(_url(model, "delete", obj.pk)).status_code == 403


def test_order_list_shows_formatted_money_and_filters(operator_client, order):
    unpaid, _ = place_order(email="unpaid@example.com")
    url = _url(Order, "changelist")
    content = _text(operator_client.get(url))
    assert order.number in content
    assert "¥35.60" in content  # ¥25.60 + ¥10.00 shipping
    for query, shown, hidden in [
        ({"status__exact": OrderStatus.PAID}, order, unpaid),
        ({"status__exact": OrderStatus.UNPAID}, unpaid, order),
        ({"q": order.number}, order, unpaid),
        ({"q": "unpaid@example"}, unpaid, order),
    ]:
        listed = set(operator_client.get(url, query).context["cl"].result_list)
        assert shown in listed and hidden not in listed, query
    Order.objects.filter(pk=unpaid.pk).update(phone="13900139000")
    listed = operator_client.get(url, {"q": "13900139000"}).context["cl"].result_list
    assert list(listed) == [unpaid]


def test_order_page_shows_lines_parcels_payments_and_events_read_only(
    operator_client, order
):
    response = operator_client.get(_url(Order, "change", order.pk))
    content = _text(response)
    for text in [
        "东海黄鱼",
        "¥35.60",
        "¥10.00",
        order.payments.get().payment_intent_id,
    ]:
        assert text in content
    assert OrderEventType.PAID.label in content
    # The client secret lets its holder confirm the payment: never shown.
    assert order.payments.get().client_secret not in content
    # The customer's secret order link is not shown either.
    assert str(order.token) not in content
    form = response.context["adminform"].form
    assert set(form.fields) == {
        "email",
        "note",
        "recipient_name",
        "phone",
        "province",
        "city",
        "district",
        "street_address",
    }
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission and not inline.has_change_permission
    # Carrier and tracking number only through the ship page.
    assert 'name="fulfillments-0-carrier"' not in content
    assert _url(Order, "refund", order.pk) in content
    assert _url(Order, "ship", order.pk) in content


def test_unpaid_order_page_offers_neither_refund_nor_ship(operator_client):
    unpaid, _ = place_order()
    content = _text(operator_client.get(_url(Order, "change", unpaid.pk)))
    assert _url(Order, "refund", unpaid.pk) not in content
    assert _url(Order, "ship", unpaid.pk) not in content


def test_stripe_event_page_shows_the_event(operator_client, order):
    intent_id = order.payments.get().payment_intent_id
    event = StripeEvent.objects.get(payment_intent_id=intent_id)
    response = operator_client.get(_url(StripeEvent, "changelist"))
    content = _text(response)
    for text in [event.event_id, "payment_intent.succeeded", event.outcome]:
        assert text in content
    detail = _text(operator_client.get(_url(StripeEvent, "change", event.pk)))
    assert event.payment_intent_id in detail


def test_cart_list_shows_token_email_and_line_count(operator_client):
    checkout = ready_checkout([(make_variant(), 2), make_variant()], email="c@x.cn")
    response = operator_client.get(_url(Checkout, "changelist"), {"q": "c@x.cn"})
    [row] = response.context["cl"].result_list
    assert row == checkout and row._lines == 2
    assert str(checkout.token) in _text(response)


def test_workshop_admin_shows_the_shipping_rate_in_yuan(operator_client):
    variant = make_variant()
    workshop = Workshop.objects.get(pk=variant.workshop_id)
    content = _text(operator_client.get(_url(Workshop, "changelist")))
    assert "¥10.00，满 free from ¥99.00" in content
    response = operator_client.get(_url(Workshop, "change", workshop.pk))
    form = response.context["adminform"].form
    assert "1000 = ¥10.00" in form.fields["shipping_fee_fen"].help_text
    assert "blank = never free" in form.fields["free_shipping_threshold_fen"].help_text


# Who gets in ------------------------------------------------------------------


def test_non_operators_are_sent_to_login(client, order):
    fulfillment = order.fulfillments.get()
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, fulfillment.workshop)
    buyer = make_user()
    Order.objects.filter(pk=order.pk).update(user=buyer)
    urls = [
        _url(Order, "changelist"),
        _url(Order, "change", order.pk),
        _url(Order, "refund", order.pk),
        _url(Order, "ship", order.pk),
        _url(Payment, "changelist"),
        _url(Refund, "changelist"),
        _url(StripeEvent, "changelist"),
        _url(Checkout, "changelist"),
    ]
    for user in [None, manager, buyer]:
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response.url.startswith(reverse("admin:login"))
        assert _refund_form(client, order, amount="1.00").status_code == 302
        client.post(
            _url(Order, "ship", order.pk),
            {
                "ship": "1",
                f"ship-{fulfillment.pk}-carrier": "顺丰速运",
                f"ship-{fulfillment.pk}-tracking_number": "SF1",
            },
        )
        _refund_action(client, [order], confirm="yes")
    order.refresh_from_db()
    fulfillment.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refunded_fen == 0
    assert fulfillment.status == FulfillmentStatus.PENDING
    assert not Refund.objects.filter(order=order).exists()


# Refunds ----------------------------------------------------------------------


def test_full_refund_action_asks_first_then_refunds_through_stripe(
    operator_client, operator, order
):
    response = _refund_action(operator_client, [order])
    assert response.status_code == 200
    assert "确认全额退款" in _text(response) and "¥35.60" in _text(response)
    assert not Refund.objects.filter(order=order).exists()

    response = _refund_action(operator_client, [order], confirm="yes", reason="缺货")
    assert f"{order.number}：已退款 refunded ¥35.60" in _text(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_fen == order.paid_fen == 3560
    refund = Refund.objects.get(order=order)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.stripe_refund_id.startswith("re_")
    assert (refund.amount_fen, refund.reason, refund.created_by) == (
        3560,
        "缺货",
        operator,
    )
    # Nothing more will ship: the held stock is back on sale.
    variant = order.lines.get().variant
    assert stock_of(variant).quantity_reserved == 0
    assert order.fulfillments.get().status == FulfillmentStatus.CANCELLED


def test_full_refund_action_reports_each_order(operator_client, order):
    unpaid, _ = place_order()
    response = _refund_action(operator_client, [order, unpaid], confirm="yes")
    content = _text(response)
    assert f"{order.number}：已退款 refunded ¥35.60" in content
    assert f"{unpaid.number}：订单尚未支付" in content
    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.UNPAID
    assert not Refund.objects.filter(order=unpaid).exists()
    # A second full refund finds nothing left and says so.
    response = _refund_action(operator_client, [order], confirm="yes")
    assert f"{order.number}：退款金额超过可退金额：最多可退 ¥0.00" in _text(response)
    assert Refund.objects.filter(order=order).count() == 1


def test_refund_form_shows_what_remains(operator_client, order):
    response = operator_client.get(_url(Order, "refund", order.pk))
    assert response.status_code == 200
    content = _text(response)
    assert "¥35.60" in content
    assert 'value="35.60"' in content
    line = order.lines.get()
    assert f'name="restock_{line.pk}"' in content


def test_partial_refund_with_restock(operator_client, operator, order):
    line = order.lines.get()
    variant = line.variant
    assert stock_of(variant).quantity_reserved == 2
    response = _refund_form(
        operator_client,
        order,
        amount="¥12.80",
        reason="少发一件",
        **{f"restock_{line.pk}": "1"},
    )
    assert response.status_code == 302
    assert response.url == _url(Order, "change", order.pk)
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert (order.refunded_fen, order.refundable_fen) == (1280, 2280)
    assert line.quantity_restocked == 1
    assert stock_of(variant).quantity_reserved == 1
    refund = Refund.objects.get(order=order)
    assert refund.restock == {str(line.pk): 1} and refund.created_by == operator
    assert OrderEvent.objects.filter(
        order=order, type=OrderEventType.RESTOCKED
    ).exists()
    # The rest can still be refunded in full afterwards.
    _refund_action(operator_client, [order], confirm="yes")
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 3560)


def _assert_nothing_refunded(order):
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.refunded_fen == 0
    assert not Refund.objects.filter(order=order).exists()


def test_refund_above_what_remains_is_refused(operator_client, operator, order):
    response = _refund_form(operator_client, order, amount="35.61")
    assert response.status_code == 200
    assert TOO_MUCH in _text(response)
    _assert_nothing_refunded(order)

    order_refund(order=order, user=operator, amount_fen=3000)
    response = _refund_form(operator_client, order, amount="5.61")
    assert TOO_MUCH in _text(response)
    order.refresh_from_db()
    assert order.refunded_fen == 3000
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", MALFORMED),
        ("12.345", MALFORMED),
        ("1e3", MALFORMED),
        ("12.8.0", MALFORMED),
        ("", None),
        ("0", "退款金额须大于 0"),
        ("-5", "退款金额须大于 0"),
    ],
)
def test_malformed_refund_amount_is_refused(operator_client, order, amount, message):
    response = _refund_form(operator_client, order, amount=amount)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert message is None or message in _text(response)
    _assert_nothing_refunded(order)


def test_restocking_more_than_the_line_is_refused(operator_client, order):
    line = order.lines.get()
    response = _refund_form(
        operator_client, order, amount="1.00", **{f"restock_{line.pk}": "3"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"restock_{line.pk}"]
    _assert_nothing_refunded(order)


def test_refund_of_an_unpaid_order_is_refused(operator_client):
    unpaid, _ = place_order()
    response = _refund_form(operator_client, unpaid, amount="1.00")
    assert "订单尚未支付" in _text(response)
    assert not Refund.objects.filter(order=unpaid).exists()


@pytest.fixture
def stripe_unreachable(settings):
    """A loopback port nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield


def test_refund_when_stripe_fails_shows_the_error_and_changes_nothing(
    operator_client, order, stripe_unreachable
):
    response = _refund_form(operator_client, order, amount="10.00")
    assert response.status_code == 200
    assert "支付服务暂时无法连接" in _text(response)
    _assert_nothing_refunded(order)

    response = _refund_action(operator_client, [order], confirm="yes")
    assert f"{order.number}：支付服务暂时无法连接" in _text(response)
    _assert_nothing_refunded(order)


# Editing the order ------------------------------------------------------------


def _change_data(response, **changes) -> dict:
    """What the browser would post back from the change page: the editable
    fields as shown, the inlines' management forms, and `changes`."""
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    data.update(changes)
    return data


def test_money_and_status_cannot_be_changed_by_hand(operator_client, order):
    url = _url(Order, "change", order.pk)
    before = Order.objects.values().get(pk=order.pk)
    data = _change_data(
        operator_client.get(url),
        total_fen="1",
        subtotal_fen="1",
        shipping_fen="0",
        paid_fen="1",
        refunded_fen="1",
        status=OrderStatus.FULFILLED,
        number="GF-FAKE",
        email="new@example.com",
    )
    response = operator_client.post(url, data)
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors
    )
    after = Order.objects.values().get(pk=order.pk)
    assert after["email"] == "new@example.com"
    for field in [
        "total_fen",
        "subtotal_fen",
        "shipping_fen",
        "paid_fen",
        "refunded_fen",
        "status",
        "number",
    ]:
        assert after[field] == before[field], field


def test_address_correction_is_checked_like_checkout(operator_client, order):
    url = _url(Order, "change", order.pk)
    page = operator_client.get(url)
    response = operator_client.post(url, _change_data(page, phone="12345"))
    assert response.status_code == 200
    assert "请输入 11 位中国大陆手机号" in _text(response)
    response = operator_client.post(url, _change_data(page, street_address=""))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.phone == "13800138000" and order.street_address

    response = operator_client.post(
        url, _change_data(page, phone="+86 139-0013-9000", city="宁波市")
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.phone, order.city) == ("13900139000", "宁波市")


def test_address_is_read_only_once_a_parcel_has_shipped(operator_client, order):
    fulfillment = order.fulfillments.get()
    operator_client.post(
        _url(Order, "ship", order.pk),
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "顺丰速运",
            f"ship-{fulfillment.pk}-tracking_number": "SF1000000100",
        },
    )
    response = operator_client.get(_url(Order, "change", order.pk))
    assert set(response.context["adminform"].form.fields) == {"email", "note"}


# Shipping ---------------------------------------------------------------------


def test_ship_page_ships_the_parcel_through_the_service(
    operator_client, operator, order
):
    fulfillment = order.fulfillments.get()
    url = _url(Order, "ship", order.pk)
    page = operator_client.get(url)
    assert page.status_code == 200
    assert "东海黄鱼" in _text(page) and f"ship-{fulfillment.pk}-carrier" in _text(page)

    response = operator_client.post(
        url,
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "顺丰速运",
            f"ship-{fulfillment.pk}-tracking_number": "SF1234567890",
        },
    )
    assert response.status_code == 302
    assert response.url == _url(Order, "change", order.pk)
    fulfillment.refresh_from_db()
    order.refresh_from_db()
    assert fulfillment.status == FulfillmentStatus.SHIPPED
    assert (fulfillment.carrier, fulfillment.tracking_number) == (
        "sf",  # the carrier's code (storefront.orders.carriers)
        "SF1234567890",
    )
    assert order.status == OrderStatus.FULFILLED
    event = order.events.get(type=OrderEventType.SHIPPED)
    assert event.user == operator
    assert order.lines.get().quantity_fulfilled == 2
    # Nothing is left to ship: the page says so and goes back.
    response = operator_client.get(url, follow=True)
    assert "没有待发货的已付款包裹" in _text(response)


def test_ship_needs_carrier_and_tracking_number(operator_client, order):
    fulfillment = order.fulfillments.get()
    response = operator_client.post(
        _url(Order, "ship", order.pk),
        {
            "ship": "1",
            f"ship-{fulfillment.pk}-carrier": "顺丰速运",
            f"ship-{fulfillment.pk}-tracking_number": "  ",
        },
    )
    assert response.status_code == 200
    assert "请填写快递公司和运单号" in _text(response)
    fulfillment.refresh_from_db()
    assert fulfillment.status == FulfillmentStatus.PENDING
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_ship_action_ships_parcels_of_several_orders(operator_client, client, order):
    second = paid_order(client, email="second@example.com")
    unpaid, _ = place_order()
    orders = [order, second, unpaid]
    url = _url(Order, "changelist")
    selected = {"action": "ship_parcels", "_selected_action": [o.pk for o in orders]}
    page = operator_client.post(url, selected)
    assert page.status_code == 200
    parcels = [f for f, _ in page.context["rows"]]
    assert {f.order_id for f in parcels} == {order.pk, second.pk}

    first, other = (o.fulfillments.get() for o in (order, second))
    response = operator_client.post(
        url,
        {
            **selected,
            "ship": "1",
            f"ship-{first.pk}-carrier": "中通快递",
            f"ship-{first.pk}-tracking_number": "731234567890",
            f"ship-{other.pk}-carrier": "",
            f"ship-{other.pk}-tracking_number": "",
        },
        follow=True,
    )
    assert "已发货 shipped" in _text(response)
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.status == FulfillmentStatus.SHIPPED
    assert other.status == FulfillmentStatus.PENDING
    assert Fulfillment.objects.get(order=unpaid).status == FulfillmentStatus.PENDING


def test_cancelling_unpaid_orders_releases_stock_and_cancels_the_intent(
    operator_client, order
):
    variant = make_variant(990, 5)
    unpaid, payment = place_order([(variant, 2)])
    assert stock_of(variant).quantity_reserved == 2

    response = operator_client.post(
        _url(Order, "changelist"),
        {"action": "cancel_unpaid", "_selected_action": [unpaid.pk, order.pk]},
        follow=True,
    )

    content = _text(response)
    assert f"{unpaid.number}：已取消，库存已释放" in content
    # A paid order is not cancelled: money has moved, so it is a refund.
    assert f"{order.number}：订单当前状态不允许此操作" in content
    unpaid.refresh_from_db()
    order.refresh_from_db()
    assert (unpaid.status, order.status) == (OrderStatus.CANCELLED, OrderStatus.PAID)
    assert stock_of(variant).quantity_reserved == 0
    intent = gateway.client().v1.payment_intents.retrieve(payment.payment_intent_id)
    assert intent.status == "canceled"
    event = OrderEvent.objects.get(order=unpaid, type=OrderEventType.CANCELLED)
    assert event.user is not None and event.user.is_staff


def test_a_workshop_manager_cannot_cancel_orders(client):
    variant = make_variant(990, 5)
    unpaid, _ = place_order([(variant, 1)])
    manager = make_user(staff=False)
    grant(manager, Role.WORKSHOP_MANAGER, Workshop.objects.get(pk=variant.workshop_id))
    client.force_login(manager)

    client.post(
        _url(Order, "changelist"),
        {"action": "cancel_unpaid", "_selected_action": [unpaid.pk]},
    )

    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.UNPAID


# Refund confirmation: the amount as it was read ---------------------------------


def _enter_refund(client, order, **data):
    return client.post(_url(Order, "refund", order.pk), data)


def _confirm(client, order, plan_token):
    return client.post(
        _url(Order, "refund", order.pk), {"plan": plan_token, "confirm": "yes"}
    )


@pytest.mark.parametrize(
    ("typed", "shown", "fen"),
    [("0.50", "¥0.50", 50), ("30", "¥30.00", 3000), ("¥1,0", None, None)],
)
def test_entering_a_refund_only_asks_to_confirm_the_amount_as_read(
    operator_client, order, typed, shown, fen
):
    response = _enter_refund(operator_client, order, amount=typed)

    assert response.status_code == 200
    if shown is None:
        assert "逗号只能用作千位分隔符" in _text(response)
        assert "a comma may only separate thousands" in _text(response)
        assert "plan" not in response.context
    else:
        content = _text(response)
        assert (
            f"将退款 <strong>{shown}</strong>（Refund <strong>{shown}</strong>）？"
            in (content)
        )
        assert f'value="确认退款 {shown} Yes, refund {shown}"' in content
        assert response.context["plan"].amount_fen == fen
        assert 'name="plan"' in content
        # Nothing was refunded: Stripe was not asked.
    _assert_nothing_refunded(order)
    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": order.payments.get().payment_intent_id}
    )
    assert refunds.data == []


def test_zero_comma_fifty_is_refused_not_read_as_fifty_yuan(operator_client, order):
    """The reported bug: "0,50" became ¥50.00 and was refunded at once."""
    response = _enter_refund(operator_client, order, amount="0,50")

    assert response.status_code == 200
    errors = response.context["form"].errors["amount"]
    assert any("'0,50'" in error and "千位分隔符" in error for error in errors)
    assert "将退款" not in _text(response)
    _assert_nothing_refunded(order)


def test_confirming_refunds_exactly_the_amount_shown(operator_client, operator, order):
    line = order.lines.get()
    page = _enter_refund(
        operator_client,
        order,
        amount="0.50",
        reason="破损",
        **{f"restock_{line.pk}": "1"},
    )
    assert "东海黄鱼" in _text(page) and "× 1" in _text(page)

    response = _confirm(operator_client, order, page.context["plan"].token)

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (50, OrderStatus.PARTIALLY_REFUNDED)
    refund = Refund.objects.get(order=order)
    assert (refund.amount_fen, refund.reason, refund.created_by) == (
        50,
        "破损",
        operator,
    )
    assert refund.restock == {str(line.pk): 1}
    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": order.payments.get().payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [50]


def test_a_second_click_on_confirm_does_not_refund_twice(operator_client, order):
    page = _enter_refund(operator_client, order, amount="5.00")
    token = page.context["plan"].token

    assert _confirm(operator_client, order, token).status_code == 302
    again = _confirm(operator_client, order, token)

    assert again.status_code == 200
    assert "该订单的退款情况已变化" in _text(again)
    order.refresh_from_db()
    assert order.refunded_fen == 500
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("tamper", ["amount", "garbage", "other_order", "other_user"])
def test_a_tampered_or_foreign_confirmation_refunds_nothing(
    client, operator_client, operator, order, tamper
):
    from django.core import signing

    from storefront.backoffice.admin_refund_plan import SALT, refund_plan_sign

    if tamper == "amount":
        token = refund_plan_sign(
            order=order, user=operator, amount_fen=50, restock={}, reason=""
        ).token
        data = signing.loads(token, salt=SALT)
        forged = signing.dumps({**data, "amount": 3560}, salt="another salt")
        token = forged
    elif tamper == "garbage":
        token = "not-a-plan"
    elif tamper == "other_order":
        other = paid_order(client, [(make_variant(990, 3), 1)])
        token = refund_plan_sign(
            order=other, user=operator, amount_fen=50, restock={}, reason=""
        ).token
    else:
        someone = make_user(staff=True)
        token = refund_plan_sign(
            order=order, user=someone, amount_fen=50, restock={}, reason=""
        ).token

    response = _confirm(operator_client, order, token)

    assert response.status_code == 200
    assert "确认页已失效或被改动" in _text(response)
    assert "The confirmation expired or was altered" in _text(response)
    _assert_nothing_refunded(order)


def test_an_old_confirmation_page_asks_again(operator_client, order, monkeypatch):
    from storefront.backoffice import admin_refund_plan

    page = _enter_refund(operator_client, order, amount="1.00")
    monkeypatch.setattr(admin_refund_plan, "MAX_AGE_SECONDS", -1)

    response = _confirm(operator_client, order, page.context["plan"].token)

    assert "确认页已失效或被改动" in _text(response)
    _assert_nothing_refunded(order)


def test_one_confirmation_sent_twice_at_once_refunds_once(operator, order):
    """Two submissions of one confirmation page, the second having read the
    order before the first committed (a double click while Stripe answers):
    the refunded position the page showed is checked again under the lock."""
    from storefront.orders.errors import OrderError, OrderErrorCode

    read_by_the_second = Order.objects.get(pk=order.pk)
    order_refund(order=order, user=operator, amount_fen=500, expected_refunded_fen=0)
    with pytest.raises(OrderError) as refused:
        order_refund(
            order=read_by_the_second,
            user=operator,
            amount_fen=500,
            expected_refunded_fen=0,
        )
    assert refused.value.code == OrderErrorCode.REFUND_CHANGED
    assert "退款情况已变化" in refused.value.message
    order.refresh_from_db()
    assert order.refunded_fen == 500
    assert Refund.objects.filter(order=order).count() == 1
