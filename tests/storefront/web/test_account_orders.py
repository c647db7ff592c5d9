"""我的订单 (/account/orders/): the shopper's own orders only, newest first,
with parcels, tracking links, timeline and after-sales requests, a bounded
number of queries however many orders, and 再来一单 (buy again)."""

import pytest
from django.urls import reverse

from storefront.checkout.models import Checkout
from storefront.orders.models import OrderEvent, OrderEventType
from tests.factories import make_product, make_user, make_workshop
from tests.storefront.web.shopper_orders import make_shopper_orders

pytestmark = pytest.mark.django_db

ORDERS = reverse("account:orders")
# session, user, count, orders, lines, parcels (with workshop), after-sales
# requests, events, the header's roles = 9; one spare.
MAX_QUERIES = 10


@pytest.fixture
def shopper(client):
    user = make_user("xiaoming", email="xiaoming@example.cn")
    client.force_login(user)
    return user


@pytest.fixture
def variants(shop):
    other = make_workshop(brands=[shop.brand], village=shop.village, name="石浦工坊")
    second = make_product(
        brand=shop.brand, workshop=other, name="紫菜", variants=((900, 5),)
    )
    return [*shop.product.variants.all(), *second.variants.all()]


def _buy_again(client, order):
    return client.post(reverse("account:buy-again", args=[order.pk]))


def test_orders_page_needs_sign_in(client):
    response = client.get(ORDERS)

    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


def test_orders_page_shows_own_orders_newest_first(client, shopper, variants):
    older, newer = make_shopper_orders(shopper, variants, 2)
    stranger = make_shopper_orders(make_user(), variants, 1, start=50)[0]

    response = client.get(ORDERS)

    body = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert (
        "private" in response["Cache-Control"]
        or "no-store" in response["Cache-Control"]
    )
    assert body.index(newer.number) < body.index(older.number)
    assert stranger.number not in body
    assert reverse("web:order", args=[older.token]) in body
    # Parcel 0 of order 0 shipped by SF: carrier name and tracking link.
    assert (
        "https://www.sf-express.com/chn/sc/waybill/list?billno=SF1400000000000" in body
    )
    assert "顺丰" in body
    # The timeline: readable lines, no internal notices.
    assert "支付成功 paid" in body and "待支付 unpaid → 已支付 paid" in body
    assert "邮件已发送" not in body
    # An after-sales request of the first parcel.
    assert "售后" in body and "仅退款 refund only" in body


def test_orders_page_paginates_by_twenty(client, shopper, variants):
    orders = make_shopper_orders(shopper, variants, 21)

    first = client.get(ORDERS).content.decode()
    second = client.get(ORDERS + "?page=2").content.decode()

    assert orders[0].number not in first and orders[0].number in second
    assert orders[20].number in first


@pytest.mark.parametrize("count", [5, 30])
def test_orders_page_queries_do_not_grow_with_orders(
    client, shopper, variants, count, django_assert_max_num_queries
):
    make_shopper_orders(shopper, variants, count)
    client.get(ORDERS)  # the session is written once at the first request

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(ORDERS)

    assert response.status_code == 200
    assert len(response.context["cards"]) == min(count, 20)


def test_buy_again_fills_the_cart_capped_by_stock(client, shopper, variants, shop):
    order = make_shopper_orders(shopper, variants, 1)[0]
    small = shop.product.variants.get(sku="HY-1000")  # 3 in stock
    order.lines.filter(variant=small).update(quantity=5, total_fen=5 * 2400)

    response = _buy_again(client, order)

    assert response.status_code == 302 and response["Location"] == reverse("web:cart")
    cart = Checkout.objects.get(user=shopper)
    assert {line.variant_id: line.quantity for line in cart.lines.all()} == {
        variants[0].pk: 1,
        small.pk: 3,
        variants[2].pk: 1,
    }
    page = client.get(reverse("web:cart")).content.decode()
    assert "只加入了 3 件" in page


def test_buy_again_leaves_out_an_off_sale_product_and_says_so(
    client, shopper, variants, shop
):
    order = make_shopper_orders(shopper, variants, 1)[0]
    shop.product.is_published = False
    shop.product.save(update_fields=["is_published"])

    _buy_again(client, order)

    cart = Checkout.objects.get(user=shopper)
    assert [line.variant_id for line in cart.lines.all()] == [variants[2].pk]
    page = client.get(reverse("web:cart")).content.decode()
    assert "未能加入 / Not added: 象山活黄鱼 500g：已下架或不再销售" in page


def test_buy_again_with_nothing_on_sale_adds_nothing(client, shopper, variants, shop):
    order = make_shopper_orders(shopper, variants[:2], 1)[0]
    shop.product.is_published = False
    shop.product.save(update_fields=["is_published"])

    response = _buy_again(client, order)

    assert response.status_code == 302
    assert not Checkout.objects.filter(user=shopper, lines__isnull=False).exists()


def test_buy_again_of_another_users_order_is_404(client, shopper, variants):
    order = make_shopper_orders(make_user(), variants, 1)[0]

    response = _buy_again(client, order)

    assert response.status_code == 404
    assert not Checkout.objects.filter(lines__isnull=False).exists()


def test_buy_again_needs_post(client, shopper, variants):
    order = make_shopper_orders(shopper, variants, 1)[0]

    response = client.get(reverse("account:buy-again", args=[order.pk]))

    assert response.status_code == 405


def test_timeline_shows_shipping_with_carrier(client, shopper, variants):
    order = make_shopper_orders(shopper, variants, 1)[0]
    OrderEvent.objects.create(
        order=order,
        type=OrderEventType.SHIPPED,
        user=make_user("operator-x"),
        data={"workshop": "东门工坊", "carrier": "sf", "tracking_number": "SF1"},
    )

    body = client.get(ORDERS).content.decode()

    assert "发货 shipped · 东门工坊 · 顺丰速运 SF Express SF1" in body
    assert "operator-x" not in body
