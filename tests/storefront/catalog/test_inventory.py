"""Stock reservation (storefront.catalog.inventory): units are held, released,
shipped and returned with F() under row locks; a reservation that does not
fit changes nothing. Checkout, orders and refunds all go through it."""

import pytest

from storefront.catalog.inventory import (
    InsufficientStock,
    stock_release,
    stock_reserve,
    stock_return,
    stock_ship,
)
from storefront.catalog.models import Stock
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def counts(variant) -> tuple[int, int]:
    stock = Stock.objects.get(variant=variant)
    return stock.quantity, stock.quantity_reserved


@pytest.fixture
def variants():
    product = make_product(variants=((1280, 5), (990, 2)))
    return list(product.variants.order_by("sort_order"))


def test_reserving_holds_units_without_shipping_them(variants):
    a, b = variants
    stock_reserve(wanted={a.pk: 3, b.pk: 2}, tracked={a.pk, b.pk})
    assert counts(a) == (5, 3)
    assert counts(b) == (2, 2)


def test_a_reservation_that_does_not_fit_changes_nothing(variants):
    a, b = variants
    with pytest.raises(InsufficientStock) as caught:
        stock_reserve(wanted={a.pk: 1, b.pk: 3}, tracked={a.pk, b.pk})
    assert (caught.value.variant_id, caught.value.available) == (b.pk, 2)
    assert counts(a) == (5, 0)
    assert counts(b) == (2, 0)


def test_made_to_order_variants_are_not_counted(variants):
    a, b = variants
    stock_reserve(wanted={a.pk: 1, b.pk: 99}, tracked={a.pk})
    assert counts(a) == (5, 1)
    assert counts(b) == (2, 0)


def test_release_ship_and_return_move_the_right_counts(variants):
    a, _ = variants
    stock_reserve(wanted={a.pk: 4}, tracked={a.pk})
    stock_release(held={a.pk: 1})
    assert counts(a) == (5, 3)
    stock_ship(held={a.pk: 3})
    assert counts(a) == (2, 0)
    stock_return(returned={a.pk: 2})
    assert counts(a) == (4, 0)
