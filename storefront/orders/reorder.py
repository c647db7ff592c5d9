"""再来一单 (buy again): an order's lines put back into a cart, as far as the
shop still sells them. A line whose product is gone or off sale is left out;
one short of stock goes in with what is left; each says why."""

from dataclasses import dataclass, field

from storefront.checkout.errors import CheckoutError
from storefront.checkout.models import MAX_LINE_QUANTITY, MAX_LINES, Checkout
from storefront.checkout.services import (
    available_quantity,
    checkout_lines_add,
    is_for_sale,
)

from .models import Order, OrderLine

OFF_SALE = "off_sale"
OUT_OF_STOCK = "out_of_stock"
CART_FULL = "cart_full"
REASONS = {
    OFF_SALE: ("已下架或不再销售", "no longer on sale"),
    OUT_OF_STOCK: ("已售罄", "sold out"),
    CART_FULL: ("购物车已满", "the cart is full"),
}


@dataclass(frozen=True)
class Left:
    line: OrderLine
    reason: str

    @property
    def text(self) -> str:
        zh, en = REASONS[self.reason]
        name = " ".join(filter(None, (self.line.product_name, self.line.variant_name)))
        return f"{name}：{zh} / {en}"


@dataclass
class BuyAgain:
    added: list[tuple[OrderLine, int]] = field(default_factory=list)
    # Added, but fewer than were bought: (line, units added).
    capped: list[tuple[OrderLine, int]] = field(default_factory=list)
    left_out: list[Left] = field(default_factory=list)


def _plan(order: Order, checkout: Checkout, result: BuyAgain) -> dict[int, int]:
    in_cart = {line.variant_id: line.quantity for line in checkout.lines.all()}
    wanted: dict[int, int] = {}
    lines = order.lines.select_related(
        "variant__product__brand", "variant__product__workshop", "variant__stock"
    )
    for line in lines:
        variant = line.variant
        if variant is None or not is_for_sale(variant):
            result.left_out.append(Left(line, OFF_SALE))
            continue
        have = in_cart.get(variant.pk, 0) + wanted.get(variant.pk, 0)
        room = MAX_LINE_QUANTITY - have
        available = available_quantity(variant)
        if available is not None:
            room = min(room, available - have)
        if room <= 0:
            result.left_out.append(Left(line, OUT_OF_STOCK))
            continue
        if variant.pk not in in_cart and variant.pk not in wanted:
            if len(set(in_cart) | set(wanted)) >= MAX_LINES:
                result.left_out.append(Left(line, CART_FULL))
                continue
        quantity = min(line.quantity, room)
        wanted[variant.pk] = wanted.get(variant.pk, 0) + quantity
        result.added.append((line, quantity))
        if quantity < line.quantity:
            result.capped.append((line, quantity))
    return wanted


def order_buy_again(*, order: Order, checkout: Checkout) -> BuyAgain:
    """Adds what can be bought of `order` to `checkout` (the cart's own
    service checks every line again under the cart's lock)."""
    result = BuyAgain()
    wanted = _plan(order, checkout, result)
    if not wanted:
        return result
    try:
        checkout_lines_add(checkout=checkout, lines=list(wanted.items()))
    except CheckoutError:
        # Stock or a product changed since the plan: add line by line, keeping
        # what still goes in.
        kept = BuyAgain(left_out=result.left_out)
        for line, quantity in result.added:
            try:
                checkout_lines_add(
                    checkout=checkout, lines=[(line.variant_id, quantity)]
                )
            except CheckoutError:
                kept.left_out.append(Left(line, OUT_OF_STOCK))
            else:
                kept.added.append((line, quantity))
                if quantity < line.quantity:
                    kept.capped.append((line, quantity))
        result = kept
    return result
