"""The customer's order page, reached by the order's secret token: what was
bought as it was when bought, one block per workshop parcel, and "processing"
until Stripe's webhook (and only the webhook) has marked the order paid."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from storefront.catalog.models import Product
from storefront.orders.emails import order_link
from storefront.orders.models import Fulfillment, Order, OrderStatus
from storefront.orders.shipping import fulfillment_ship
from storefront.payments.errors import PaymentError
from storefront.payments.services import order_cancel_unpaid
from tests.factories import make_brand, make_village, make_workshop
from tests.shop_helpers import (
    deliver_event,
    make_variant,
    order_page_url,
    paid_order,
    pay_intent,
    place_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

REFRESH = '<meta http-equiv="refresh" content="3">'


@pytest.fixture
def two_parcels():
    brand = make_brand(name="斑斓海岸")
    island = make_workshop(
        brands=[brand],
        name="嵊泗贻贝工坊",
        village=make_village(name="黄家台村"),
        shipping_fee_fen=1000,
    )
    hill = make_workshop(brands=[brand], name="象山紫菜工坊", shipping_fee_fen=800)
    mussels = make_variant(3980, 10, workshop=island, brand=brand, name="淡菜干")
    seaweed = make_variant(1500, 10, workshop=hill, brand=brand, name="头水紫菜")
    return [(mussels, 2), (seaweed, 3)]


def parcel_blocks(html) -> list[str]:
    return re.findall(r'<section class="parcel".*?</section>', html, re.S)


def test_order_page_shows_number_status_lines_parcels_totals_address(
    client, two_parcels
):
    order, _ = place_order(two_parcels, note="请放门卫室")

    response = client.get(order_page_url(order))

    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert '<p class="order-status status-unpaid">待支付 unpaid</p>' in html
    island, hill = parcel_blocks(html)
    assert "嵊泗贻贝工坊" in island and "淡菜干" in island and "黄家台村" in island
    assert "¥39.80 × 2 = <strong>¥79.60</strong>" in island
    assert "<dd>¥10.00</dd>" in island and "待发货 to ship" in island
    assert "象山紫菜工坊" in hill and "头水紫菜" in hill and "<dd>¥8.00</dd>" in hill
    assert "¥15.00 × 3 = <strong>¥45.00</strong>" in hill
    totals = re.search(r'<dl class="totals">.*?</dl>', html, re.S)[0]
    assert "¥124.60" in totals and "¥18.00" in totals and "¥142.60" in totals
    assert "王小明 · 13800138000" in html and "浙江省舟山市嵊泗县" in html
    assert "菜园镇 1 号" in html and "请放门卫室" in html


def test_never_cached_and_never_indexed(client):
    order, _ = place_order()

    first = client.get(order_page_url(order))
    second = client.get(order_page_url(order))

    for response in (first, second):
        assert "X-Page-Cache" not in response
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert '<meta name="robots" content="noindex, nofollow">' in (
            response.content.decode()
        )


def test_processing_until_the_webhook_marks_the_order_paid(client):
    order, payment = place_order()
    url = order_page_url(order)

    html = client.get(url).content.decode()
    assert "支付处理中…" in html and "Payment processing…" in html
    assert REFRESH in html

    # The customer pays at Stripe and comes back: still processing, as the
    # return from Stripe never marks an order paid …
    intent = pay_intent(payment)
    back = client.get(url + "?payment_intent=" + payment.payment_intent_id)
    assert REFRESH in back.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID

    # … the signed webhook does.
    assert deliver_event(client, "payment_intent.succeeded", intent).status_code == 200
    html = client.get(url).content.decode()
    assert '<p class="order-status status-paid">已支付 paid</p>' in html
    assert "支付处理中" not in html and REFRESH not in html
    assert "去支付" not in html
    assert "<dt>已付</dt><dd>¥22.80</dd>" in html


def test_unpaid_order_without_a_payment_offers_to_pay(client, settings):
    variant = make_variant(990, 5)
    # Stripe unreachable when the order was placed: no payment was started.
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(PaymentError):
        place_order([variant])
    order = Order.objects.get()

    html = client.get(order_page_url(order)).content.decode()

    assert "支付处理中" not in html and REFRESH not in html
    assert f'href="{reverse("web:order-pay", args=[order.token])}"' in html
    assert "去支付" in html


def test_shipped_parcels_show_carrier_and_tracking_number(client, two_parcels):
    order = paid_order(client, two_parcels)
    island = Fulfillment.objects.get(order=order, workshop__name="嵊泗贻贝工坊")
    fulfillment_ship(
        fulfillment=island, carrier="顺丰速运", tracking_number="SF1234567890"
    )

    html = client.get(order_page_url(order)).content.decode()

    assert "部分发货 partially fulfilled" in html
    shipped, waiting = parcel_blocks(html)
    assert "已发货 shipped" in shipped and "顺丰速运" in shipped
    assert '<span class="tracking">SF1234567890</span>' in shipped
    assert "待发货 to ship" in waiting and "SF" not in waiting


def test_a_shipped_parcel_links_to_the_carriers_tracking_page(client, two_parcels):
    order = paid_order(client, two_parcels)
    island = Fulfillment.objects.get(order=order, workshop__name="嵊泗贻贝工坊")
    fulfillment_ship(
        fulfillment=island, carrier="中通快递", tracking_number="731234567890"
    )

    shipped, waiting = parcel_blocks(client.get(order_page_url(order)).content.decode())

    assert "中通快递 ZTO Express" in shipped
    assert '<span class="tracking">731234567890</span>' in shipped
    assert (
        'href="https://www.kuaidi100.com/chaxun?com=zhongtong&amp;nu=731234567890"'
        in shipped
    )
    assert "查询物流" in shipped and "kuaidi100" not in waiting


def test_lines_show_what_was_bought_as_it_was(client):
    variant = make_variant(1280, 5, name="象山活黄鱼")
    order, _ = place_order([variant])
    Product.objects.filter(pk=variant.product_id).update(name="改名后的黄鱼")
    variant.price_fen = 9900
    variant.save()

    html = client.get(order_page_url(order)).content.decode()

    assert "象山活黄鱼" in html and "改名后的黄鱼" not in html
    assert "¥12.80 × 1" in html and "¥99.00" not in html


def test_a_cancelled_order_says_so_and_offers_no_payment(client):
    order, _ = place_order()
    order_cancel_unpaid(order=order)

    html = client.get(order_page_url(order)).content.decode()

    assert "已取消 cancelled" in html and "此订单已取消" in html
    assert REFRESH not in html and "/pay/" not in html


def test_status_stays_bilingual_in_english(client):
    order = paid_order(client)
    client.get(reverse("web:language", args=["en"]))

    html = client.get(order_page_url(order)).content.decode()

    assert '<html lang="en">' in html
    assert "已支付 paid" in html and "Delivery address" in html
    assert '<span class="en"' not in html


@pytest.mark.parametrize(
    "path",
    [
        "/orders/00000000-0000-0000-0000-000000000000/",
        "/orders/not-a-token/",
        "/orders/123/",
        "/orders/GF-2026-000001/",
    ],
)
def test_unknown_or_malformed_tokens_are_not_found(client, path):
    place_order()
    response = client.get(path)
    assert response.status_code == 404


def test_the_order_number_is_not_a_way_in(client):
    order, _ = place_order()
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.get(f"/orders/{order.number}/").status_code == 404


def test_the_confirmation_emails_link_opens_the_page(client, settings):
    order, _ = place_order()
    link = order_link(order)
    assert link == settings.SITE_URL + f"/orders/{order.token}/"
    assert Client().get(link.removeprefix(settings.SITE_URL)).status_code == 200
