"""A person on a phone buys a product with the test card: product page → cart
→ checkout → pay through localstripe's Stripe.js → the order page shows
"paid" once Stripe's webhook has arrived. Nothing is mocked: the shop runs in
a live server, localstripe is a real process that confirms the card and sends
the signed webhook back to the shop."""

import pytest

from storefront.orders.models import Order, OrderEventType, OrderStatus
from storefront.payments.models import Payment, StripeEvent
from tests.browser.buying import buy_from_product_page
from tests.browser.test_shopping_path import phone_browser
from tests.factories import make_brand, make_product, make_workshop


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_with_the_test_card_and_see_the_order_paid(
    live_server, stripe_with_webhooks
):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    workshop = make_workshop(brands=[brand], name="东门渔村虾皮工坊")
    product = make_product(
        brand=brand, workshop=workshop, name="东门虾皮", variants=((3580, 10),)
    )
    variant = product.variants.get()

    with phone_browser() as page:
        _buy(page, live_server.url, product)

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.total_fen == 2 * 3580 + workshop.shipping_fen_for(2 * 3580)
    assert order.paid_fen == order.total_fen
    payment = Payment.objects.get(order=order)
    assert payment.status == "succeeded"
    # The webhook, not the browser's redirect, marked it paid.
    assert StripeEvent.objects.filter(
        payment_intent_id=payment.payment_intent_id, type="payment_intent.succeeded"
    ).exists()
    assert order.events.filter(type=OrderEventType.PAID).count() == 1
    variant.stock.refresh_from_db()
    assert (variant.stock.quantity, variant.stock.quantity_reserved) == (10, 2)


def _buy(page, base_url, product):
    page.goto(f"{base_url}/products/{product.slug}/")
    buy_from_product_page(
        page,
        base_url,
        product_name="东门虾皮",
        screenshot="order-paid-390px.png",
        email="buyer@example.com",
    )
