"""Stock reservation: units held for orders, released, shipped and returned.

The checkout reserves, orders release and ship, refunds return. Every change
locks the Stock rows in primary-key order (so two checkouts never deadlock) and
moves numbers with F()."""

from collections.abc import Iterable

from django.db.models import F

from .models import Stock


class InsufficientStock(Exception):
    """Raised by `stock_reserve`; the checkout turns it into its own error."""

    def __init__(self, *, variant_id: int, available: int):
        self.variant_id = variant_id
        self.available = available
        super().__init__(f"variant {variant_id}: only {available} available")


def _locked_stocks(variant_ids: Iterable[int]) -> dict[int, Stock]:
    rows = (
        Stock.objects.select_for_update()
        .filter(variant_id__in=set(variant_ids))
        .order_by("pk")
    )
    return {stock.variant_id: stock for stock in rows}


def stock_reserve(*, wanted: dict[int, int], tracked: set[int]) -> None:
    """Reserve `wanted` {variant id: quantity} or raise InsufficientStock
    having changed nothing. Variants not in `tracked` are made to order."""
    counted = {vid: qty for vid, qty in wanted.items() if vid in tracked}
    if not counted:
        return
    stocks = _locked_stocks(counted)
    for variant_id, quantity in counted.items():
        stock = stocks.get(variant_id)
        available = stock.quantity_available if stock else 0
        if quantity > available:
            raise InsufficientStock(variant_id=variant_id, available=available)
    for variant_id, quantity in counted.items():
        Stock.objects.filter(pk=stocks[variant_id].pk).update(
            quantity_reserved=F("quantity_reserved") + quantity
        )


def stock_release(*, held: dict[int, int]) -> None:
    """Give back reserved units {variant id: quantity} without shipping them."""
    stocks = _locked_stocks(held)
    for variant_id, quantity in held.items():
        if quantity and variant_id in stocks:
            Stock.objects.filter(pk=stocks[variant_id].pk).update(
                quantity_reserved=F("quantity_reserved") - quantity
            )


def stock_ship(*, held: dict[int, int]) -> None:
    """Reserved units leave the workshop: both counts drop."""
    stocks = _locked_stocks(held)
    for variant_id, quantity in held.items():
        if quantity and variant_id in stocks:
            Stock.objects.filter(pk=stocks[variant_id].pk).update(
                quantity=F("quantity") - quantity,
                quantity_reserved=F("quantity_reserved") - quantity,
            )


def stock_return(*, returned: dict[int, int]) -> None:
    """Shipped units come back to the shelf."""
    stocks = _locked_stocks(returned)
    for variant_id, quantity in returned.items():
        if quantity and variant_id in stocks:
            Stock.objects.filter(pk=stocks[variant_id].pk).update(
                quantity=F("quantity") + quantity
            )
