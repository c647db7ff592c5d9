"""checkout_complete: the cart becomes one order with one PaymentIntent, once."""

import re

import pytest
from django.utils import timezone

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import Checkout
from storefront.checkout.services import checkout_create, checkout_lines_add
from storefront.orders.models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from storefront.payments import gateway
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.models import Payment, PaymentStatus
from storefront.payments.services import payment_start
from tests.factories import make_brand, make_user, make_village, make_workshop
from tests.shop_helpers import (
    VALID_ADDRESS,
    make_variant,
    ready_checkout,
    set_stock,
    stock_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def two_workshops():
    brand = make_brand(name="斑斓海岸")
    island = make_workshop(
        brands=[brand],
        name="嵊泗贻贝工坊",
        village=make_village(name="黄家台村"),
        shipping_fee_fen=1000,
        free_shipping_threshold_fen=9900,
    )
    hill = make_workshop(brands=[brand], name="象山紫菜工坊", shipping_fee_fen=800)
    mussels = make_variant(3980, 10, workshop=island, brand=brand, name="淡菜干")
    seaweed = make_variant(1500, 10, workshop=hill, brand=brand)
    return mussels, seaweed


def test_complete_places_an_order_with_snapshot_lines_and_one_parcel_per_workshop(
    two_workshops,
    midday,
):
    mussels, seaweed = two_workshops
    buyer = make_user(email="buyer@example.com")
    checkout = ready_checkout([(mussels, 2), (seaweed, 3)], user=buyer, note="请放门口")

    order = checkout_complete(checkout_token=checkout.token, user=buyer).order

    order.refresh_from_db()
    assert re.fullmatch(rf"GF-{timezone.localdate().year}-\d{{6}}", order.number)
    assert order.number.endswith(f"{order.pk:06d}")
    assert order.status == OrderStatus.UNPAID
    assert order.user == buyer
    assert order.email == "buyer@example.com"
    assert order.note == "请放门口"
    assert order.address_dict() == VALID_ADDRESS
    # 2 × 39.80 + 3 × 15.00; the first parcel ships at ¥10, the second at ¥8.
    assert (order.subtotal_fen, order.shipping_fen, order.total_fen) == (
        12460,
        1800,
        14260,
    )
    assert order.paid_fen == 0
    assert order.checkout_token == checkout.token
    assert not Checkout.objects.filter(pk=checkout.pk).exists()

    lines = {line.variant_id: line for line in OrderLine.objects.filter(order=order)}
    first = lines[mussels.pk]
    assert first.product_name == "淡菜干"
    assert first.variant_name == mussels.name
    assert first.sku == mussels.sku
    assert first.brand_name == "斑斓海岸"
    assert first.workshop_name == "嵊泗贻贝工坊"
    assert first.village_name == "黄家台村"
    assert (first.unit_price_fen, first.quantity, first.total_fen) == (3980, 2, 7960)
    assert first.quantity_reserved == 2
    assert lines[seaweed.pk].total_fen == 4500

    parcels = {f.workshop_id: f for f in Fulfillment.objects.filter(order=order)}
    assert set(parcels) == {mussels.workshop_id, seaweed.workshop_id}
    assert parcels[mussels.workshop_id].subtotal_fen == 7960
    assert parcels[mussels.workshop_id].shipping_fen == 1000
    assert parcels[seaweed.workshop_id].shipping_fen == 800
    assert {f.status for f in parcels.values()} == {FulfillmentStatus.PENDING}

    assert stock_of(mussels).quantity_reserved == 2
    assert stock_of(mussels).quantity == 10
    assert stock_of(seaweed).quantity_reserved == 3
    assert order.reserved_until > timezone.now()
    assert list(
        OrderEvent.objects.filter(order=order).values_list("type", flat=True)
    ) == [OrderEventType.PLACED, OrderEventType.PAYMENT_STARTED]


def test_order_lines_keep_the_purchase_time_snapshot(two_workshops):
    mussels, _ = two_workshops
    checkout = ready_checkout([(mussels, 1)])
    order = checkout_complete(checkout_token=checkout.token).order

    sku_then = mussels.sku
    product = mussels.product
    product.name = "改名后的淡菜"
    product.save()
    mussels.price_fen = 9990
    mussels.sku = "NEW-SKU"
    mussels.save()
    workshop = mussels.workshop
    workshop.name = "改名后的工坊"
    workshop.save()

    line = OrderLine.objects.get(order=order)
    assert (line.product_name, line.sku, line.unit_price_fen) == (
        "淡菜干",
        sku_then,
        3980,
    )
    assert line.workshop_name == "嵊泗贻贝工坊"
    assert line.total_fen == 3980
    order.refresh_from_db()
    assert order.total_fen == 3980 + 1000


def test_payment_intent_is_for_the_exact_total_in_cny(two_workshops):
    mussels, seaweed = two_workshops
    checkout = ready_checkout([(mussels, 1), (seaweed, 1)])

    completed = checkout_complete(checkout_token=checkout.token)

    order, payment = completed.order, completed.payment
    assert payment.order_id == order.pk
    assert payment.amount_fen == order.total_fen == 3980 + 1500 + 1000 + 800
    assert payment.currency == "cny"
    assert payment.status == PaymentStatus.PENDING
    assert payment.client_secret.startswith(payment.payment_intent_id)
    intent = gateway.client().v1.payment_intents.retrieve(payment.payment_intent_id)
    assert intent.amount == order.total_fen
    assert intent.currency == "cny"
    assert intent.status == "requires_payment_method"
    assert intent.metadata["order_number"] == order.number
    assert intent.metadata["order_token"] == str(order.token)
    assert Payment.objects.filter(order=order).count() == 1


def test_completing_twice_returns_the_same_order_and_payment_intent(two_workshops):
    mussels, _ = two_workshops
    checkout = ready_checkout([(mussels, 3)])

    first = checkout_complete(checkout_token=checkout.token)
    second = checkout_complete(checkout_token=checkout.token)

    assert second.order.pk == first.order.pk
    assert second.payment.pk == first.payment.pk
    assert second.payment.payment_intent_id == first.payment.payment_intent_id
    assert Order.objects.filter(checkout_token=checkout.token).count() == 1
    assert Payment.objects.count() == 1
    assert stock_of(mussels).quantity_reserved == 3
    assert OrderEvent.objects.filter(type=OrderEventType.PAYMENT_STARTED).count() == 1


def test_an_empty_checkout_cannot_be_completed(two_workshops):
    checkout = checkout_create(email="a@example.com")
    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token)
    assert caught.value.code == CheckoutErrorCode.EMPTY
    assert not Order.objects.exists()


def test_a_checkout_without_email_cannot_be_completed(two_workshops):
    mussels, _ = two_workshops
    checkout = ready_checkout([(mussels, 2)], email="")
    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token)
    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.EMAIL_REQUIRED,
        "email",
    )
    assert not Order.objects.exists()
    assert stock_of(mussels).quantity_reserved == 0
    assert Checkout.objects.filter(pk=checkout.pk).exists()


def test_a_checkout_without_address_cannot_be_completed(two_workshops):
    mussels, _ = two_workshops
    checkout = checkout_create(email="a@example.com")
    checkout_lines_add(checkout=checkout, lines=[(mussels.pk, 1)])
    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token)
    assert caught.value.code == CheckoutErrorCode.ADDRESS_REQUIRED
    assert caught.value.field == "recipient_name"
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert stock_of(mussels).quantity_reserved == 0


@pytest.mark.parametrize("token", ["00000000-0000-0000-0000-000000000000", "nope"])
def test_an_unknown_checkout_token_is_not_found(token):
    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=token)
    assert caught.value.code == CheckoutErrorCode.NOT_FOUND
    assert not Order.objects.exists()


def test_a_product_unpublished_after_adding_to_cart_cannot_be_bought(two_workshops):
    mussels, _ = two_workshops
    checkout = ready_checkout([(mussels, 1)])
    mussels.product.is_published = False
    mussels.product.save()

    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token)

    assert caught.value.code == CheckoutErrorCode.PRODUCT_UNAVAILABLE
    assert not Order.objects.exists()
    assert stock_of(mussels).quantity_reserved == 0


def test_stock_sold_elsewhere_after_adding_to_cart_stops_the_order(two_workshops):
    mussels, seaweed = two_workshops
    checkout = ready_checkout([(seaweed, 1), (mussels, 4)])
    set_stock(mussels, reserved=7)  # 3 left, the cart wants 4

    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token)

    assert caught.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    assert not Order.objects.exists()
    # Nothing of the other line was reserved either.
    assert stock_of(seaweed).quantity_reserved == 0
    assert stock_of(mussels).quantity_reserved == 7


def test_an_order_of_untracked_goods_reserves_no_stock():
    variant = make_variant(2000, 0, track_inventory=False)
    checkout = ready_checkout([(variant, 5)])

    order = checkout_complete(checkout_token=checkout.token).order

    assert OrderLine.objects.get(order=order).quantity_reserved == 0
    assert stock_of(variant).quantity_reserved == 0


def test_stripe_unreachable_leaves_the_order_unpaid_and_pay_can_be_retried(
    two_workshops, settings
):
    mussels, _ = two_workshops
    checkout = ready_checkout([(mussels, 1)])
    good_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    completed = checkout_complete(checkout_token=checkout.token)

    assert isinstance(completed.payment_error, PaymentError)
    assert completed.payment_error.code == PaymentErrorCode.PROVIDER_ERROR
    assert completed.payment is None
    order = Order.objects.get(checkout_token=checkout.token)
    assert completed.order.pk == order.pk
    assert order.status == OrderStatus.UNPAID
    assert not Payment.objects.exists()
    assert stock_of(mussels).quantity_reserved == 1

    settings.STRIPE_API_BASE = good_base
    payment = payment_start(order=order)
    again = checkout_complete(checkout_token=checkout.token)
    assert again.order.pk == order.pk
    assert again.payment.pk == payment.pk
    assert Payment.objects.count() == 1
