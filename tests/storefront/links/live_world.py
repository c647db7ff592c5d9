"""A brand with a host approved for it, products and a live session, shared by
the live-session and host-link tests (L2)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from brands.models import Role
from storefront.links import services
from tests.factories import grant, make_brand, make_product, make_user, make_workshop


@dataclass
class World:
    brand: object
    host: object
    operator: object
    products: list
    session: object = None
    other_brand: object = None
    other_products: list = field(default_factory=list)


def make_world(*, with_session=True, product_count=3) -> World:
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, brand)
    products = [
        make_product(
            brand=brand,
            workshop=workshop,
            name=f"活黄鱼{i}",
            variants=((1280 + 100 * i, 10), (2560, 5)),
        )
        for i in range(product_count)
    ]
    other_brand = make_brand()
    world = World(
        brand=brand,
        host=host,
        operator=operator,
        products=products,
        other_brand=other_brand,
        other_products=[make_product(brand=other_brand)],
    )
    if with_session:
        world.session = make_session(world)
    return world


def make_session(world: World, *, starts_in=timedelta(minutes=-5), products=None):
    starts = timezone.now() + starts_in
    return services.live_session_create(
        user=world.host,
        brand=world.brand,
        title="海岛直播：今晚的黄鱼",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        product_ids=[p.pk for p in (products or world.products)],
    )
