"""A ledger with sales last month and this month and a refund that outweighs
this month's sales, for the impact figures' tests (revenue and web)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from brands.models import Role
from revenue.impact import TIMEZONE, month_start, next_month
from revenue.order_split import orders_split
from storefront.orders.models import Order
from tests.clock import today_at_noon
from tests.factories import grant, make_user
from tests.revenue.ledger_builders import book_refund, build_paid_order
from tests.revenue.split_helpers import Scene, make_scene


@dataclass
class Sold:
    scene: Scene
    host: object
    this_month: date
    last_month: date
    earlier: Order  # last month: W1 (V1) and W2 (V2), sold by the host
    recent: Order  # this month: W1 only, no host


def this_month() -> date:
    return today_at_noon().date().replace(day=1)


def month_before(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def noon_in(month: date) -> datetime:
    return datetime(month.year, month.month, 10, 12, tzinfo=TIMEZONE)


def sell(lines, *, host=None, when=None, time_machine=None) -> Order:
    """A paid order of `lines` ((workshop, brand, price fen, quantity)),
    split at `when` (the clock moved there and back)."""
    if when is not None:
        time_machine.move_to(when)
    order = build_paid_order(lines, host=host)
    orders_split(order_ids=[order.pk])
    if when is not None:
        time_machine.move_to(today_at_noon())
    return order


def sell_and_refund(time_machine) -> Sold:
    """Last month: ¥20.00 of W1 and ¥5.00 of W2 in one hosted order. This
    month: ¥9.00 of W1, then ¥15.00 of last month's order refunded, so this
    month's figures are negative (the agreement: 70/10/10/5/5)."""
    scene = make_scene()
    host = make_user(first_name="小美", email="xiaomei@example.com")
    grant(host, Role.LIVESTREAM_HOST, scene.brand)
    current = this_month()
    previous = month_before(current)
    earlier = sell(
        [(scene.w1, scene.brand, 1000, 2), (scene.w2, scene.brand, 500, 1)],
        host=host,
        when=noon_in(previous),
        time_machine=time_machine,
    )
    time_machine.move_to(today_at_noon())
    recent = sell([(scene.w1, scene.brand, 300, 3)])
    book_refund(earlier, 1500)
    return Sold(scene, host, current, previous, earlier, recent)


def span(month: date) -> dict:
    return {
        "posted_at__gte": month_start(month),
        "posted_at__lt": month_start(next_month(month)),
    }
