"""A small world for the host pages, dashboard and admin tests: two brands,
hosts approved for them, their operators, a platform operator, a consumer;
and paid orders credited to a host link, split for real by the revenue
service (the host's commission is the agreement's 5 %)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from brands.models import Role
from revenue.order_split import order_split
from storefront.links.dashboard import TIMEZONE, today
from storefront.links.models import HostProfile, LinkDailyStat, LiveSession
from storefront.links.services import host_link_create
from storefront.orders.models import Order, OrderStatus
from tests.factories import grant, make_brand, make_product, make_user, make_workshop
from tests.revenue.ledger_builders import build_paid_order, make_agreement

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    brand: object
    other_brand: object
    workshop: object
    product: object
    other_product: object
    host: object
    other_host: object
    brand_operator: object
    other_brand_operator: object
    operator: object
    consumer: object


def make_world() -> World:
    operator = make_user(staff=True)
    brand, other_brand = make_brand(), make_brand()
    workshop = make_workshop(brands=[brand, other_brand])
    host = make_user("host_a", first_name="小美")
    grant(host, Role.LIVESTREAM_HOST, brand)
    HostProfile.objects.create(
        user=host, slug="xiaomei", display_name="小美直播间", bio="象山海边的村播"
    )
    other_host = make_user("host_b")
    grant(other_host, Role.LIVESTREAM_HOST, other_brand)
    brand_operator = make_user("op_a")
    grant(brand_operator, Role.BRAND_OPERATOR, brand)
    other_brand_operator = make_user("op_b")
    grant(other_brand_operator, Role.BRAND_OPERATOR, other_brand)
    make_agreement(operator, brand=brand)
    make_agreement(operator, brand=other_brand)
    return World(
        brand=brand,
        other_brand=other_brand,
        workshop=workshop,
        product=make_product(brand=brand, workshop=workshop, name="象山紫菜"),
        other_product=make_product(
            brand=other_brand, workshop=workshop, name="下酒小海鲜"
        ),
        host=host,
        other_host=other_host,
        brand_operator=brand_operator,
        other_brand_operator=other_brand_operator,
        operator=operator,
        consumer=make_user("buyer"),
    )


def product_link(host, product, **fields):
    return host_link_create(user=host, target="product", product=product, **fields)


def live_session(host, brand, *, starts_in=timedelta(hours=1), title="海边直播"):
    from django.utils import timezone

    starts = timezone.now() + starts_in
    return LiveSession.objects.create(
        host=host,
        brand=brand,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )


def days_ago(n: int):
    return today() - timedelta(days=n)


def noon(day) -> datetime:
    return datetime.combine(day, time(12), TIMEZONE)


def stat(link, day, clicks, uniques):
    return LinkDailyStat.objects.create(
        link=link, day=day, clicks=clicks, unique_visitors=uniques
    )


def credited_order(world, link, price_fen, *, day=None, buyer=None, unpaid=False):
    """A paid order for `price_fen` of the link's brand, credited to the
    link (and its live session), placed at noon on `day` (today by
    default), split by the revenue service — or, `unpaid`, one never paid
    (and so never split)."""
    order = build_paid_order(
        [(world.workshop, link.brand, price_fen, 1)],
        host=link.host,
        user=buyer or world.consumer,
    )
    when = noon(day or today())
    Order.objects.filter(pk=order.pk).update(
        host_link=link,
        live_session=link.live_session,
        created_at=when,
        paid_at=when,
    )
    if unpaid:
        Order.objects.filter(pk=order.pk).update(
            status=OrderStatus.UNPAID, paid_fen=0, paid_at=None
        )
    order.refresh_from_db()
    assert order_split(order=order) is not unpaid
    return order


def login(client, user):
    client.force_login(user)
    return client
