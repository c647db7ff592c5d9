"""The checkout summary: one shipment per workshop, each with its own shipping
rate, totals in fen, prices always read from the variants on the server."""

import pytest

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.checkout.selectors import checkout_summary
from storefront.orders.models import Order
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.models import Payment
from tests.factories import make_brand, make_workshop
from tests.shop_helpers import make_variant, ready_checkout, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    return make_brand()


@pytest.fixture
def island(brand):
    """¥10 shipping, free from ¥99."""
    return make_workshop(
        brands=[brand], shipping_fee_fen=1000, free_shipping_threshold_fen=9900
    )


@pytest.fixture
def hill(brand):
    """¥8 shipping, never free."""
    return make_workshop(
        brands=[brand], shipping_fee_fen=800, free_shipping_threshold_fen=None
    )


def test_one_shipment_per_workshop_with_its_own_flat_fee(brand, island, hill):
    mussels = make_variant(1280, 20, workshop=island, brand=brand)
    crabs = make_variant(2350, 20, workshop=island, brand=brand)
    seaweed = make_variant(599, 20, workshop=hill, brand=brand)
    checkout = ready_checkout([(mussels, 2), (seaweed, 3), (crabs, 1)])

    summary = checkout_summary(checkout)

    assert [s.workshop.pk for s in summary.shipments] == [island.pk, hill.pk]
    first, second = summary.shipments
    assert [(p.variant.pk, p.unit_price_fen, p.total_fen) for p in first.lines] == [
        (mussels.pk, 1280, 2560),
        (crabs.pk, 2350, 2350),
    ]
    assert (first.subtotal_fen, first.shipping_fen) == (4910, 1000)
    assert (second.subtotal_fen, second.shipping_fen) == (1797, 800)
    assert summary.subtotal_fen == 6707
    assert summary.shipping_fen == 1800
    assert summary.total_fen == 8507
    assert summary.quantity == 6
    assert all(
        isinstance(n, int)
        for n in (summary.subtotal_fen, summary.shipping_fen, summary.total_fen)
    )


@pytest.mark.parametrize(
    ("quantity", "shipping"),
    [(7, 1000), (8, 0)],  # 7 × 12.50 = 87.50 < 99; 8 × 12.50 = 100.00 ≥ 99
)
def test_shipping_is_free_from_the_workshops_threshold(
    brand, island, quantity, shipping
):
    variant = make_variant(1250, 20, workshop=island, brand=brand)
    summary = checkout_summary(ready_checkout([(variant, quantity)]))
    assert summary.shipping_fen == shipping
    assert summary.total_fen == 1250 * quantity + shipping


def test_the_threshold_itself_ships_free(brand, island):
    variant = make_variant(3300, 20, workshop=island, brand=brand)
    summary = checkout_summary(ready_checkout([(variant, 3)]))  # exactly ¥99
    assert (summary.subtotal_fen, summary.shipping_fen) == (9900, 0)


def test_a_workshop_without_threshold_always_charges(brand, hill):
    variant = make_variant(50000, 20, workshop=hill, brand=brand)
    summary = checkout_summary(ready_checkout([(variant, 10)]))
    assert summary.shipping_fen == 800
    assert summary.total_fen == 500800


def test_thresholds_apply_per_workshop_not_to_the_whole_cart(brand, island):
    other = make_workshop(
        brands=[brand], shipping_fee_fen=600, free_shipping_threshold_fen=9900
    )
    big = make_variant(10000, 5, workshop=island, brand=brand)
    small = make_variant(100, 5, workshop=other, brand=brand)
    summary = checkout_summary(ready_checkout([big, small]))
    assert [s.shipping_fen for s in summary.shipments] == [0, 600]
    assert summary.total_fen == 10000 + 100 + 600


def test_the_price_is_always_the_variants_current_price(brand, island):
    variant = make_variant(1280, 20, workshop=island, brand=brand)
    checkout = ready_checkout([(variant, 2)])
    assert checkout_summary(checkout).total_fen == 2560 + 1000

    variant.price_fen = 1500
    variant.save()

    summary = checkout_summary(checkout)
    assert summary.lines[0].unit_price_fen == 1500
    assert summary.total_fen == 3000 + 1000


def test_a_changed_price_stops_the_order_with_price_changed(brand, island):
    variant = make_variant(1280, 20, workshop=island, brand=brand)
    checkout = ready_checkout([(variant, 2)])
    seen_total = checkout_summary(checkout).total_fen
    variant.price_fen = 1380
    variant.save()

    with pytest.raises(CheckoutError) as caught:
        checkout_complete(checkout_token=checkout.token, expected_total_fen=seen_total)

    assert (caught.value.code, caught.value.field) == (
        CheckoutErrorCode.PRICE_CHANGED,
        "total",
    )
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert stock_of(variant).quantity_reserved == 0
    assert Checkout.objects.filter(pk=checkout.pk).exists()
    assert CheckoutLine.objects.filter(checkout=checkout).count() == 1


@pytest.mark.usefixtures("stripe_settings")
def test_the_total_the_customer_saw_places_the_order(brand, island):
    variant = make_variant(1280, 20, workshop=island, brand=brand)
    checkout = ready_checkout([(variant, 2)])

    order = checkout_complete(
        checkout_token=checkout.token, expected_total_fen=3560
    ).order

    order.refresh_from_db()
    assert (order.subtotal_fen, order.shipping_fen, order.total_fen) == (
        2560,
        1000,
        3560,
    )
    assert order.payments.get().amount_fen == 3560
