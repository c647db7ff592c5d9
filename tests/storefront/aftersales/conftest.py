"""A paid order of one workshop's parcel (3 × ¥20.00 + ¥10.00 shipping =
¥70.00), its manager, and helpers to ship and deliver it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import Role
from storefront.catalog import services as catalog_services
from storefront.catalog.models import AfterSalesKind
from storefront.orders.models import Fulfillment
from storefront.orders.shipping import fulfillment_mark_delivered, fulfillment_ship
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order


class Shop:
    def __init__(self, **items):
        self.__dict__.update(items)


def ship(parcel, *, days_ago=0, delivered_days_ago=None):
    """Ship the parcel (its shipped_at `days_ago`), optionally delivered."""
    manager = make_user(staff=True)
    fulfillment_ship(
        fulfillment=parcel,
        carrier="sf",
        tracking_number="SF1234567890123",
        user=manager,
        notify_customer=False,
    )
    now = timezone.now()
    Fulfillment.objects.filter(pk=parcel.pk).update(
        shipped_at=now - timedelta(days=days_ago)
    )
    if delivered_days_ago is not None:
        fulfillment_mark_delivered(fulfillment=parcel, user=manager)
        Fulfillment.objects.filter(pk=parcel.pk).update(
            delivered_at=now - timedelta(days=delivered_days_ago)
        )
    parcel.refresh_from_db()
    return parcel


@pytest.fixture
def shop(client, stripe_settings):
    brand = make_brand()
    workshop = make_workshop(brands=[brand])
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    dry = catalog_services.category_create(name="干货", name_en="Dried")
    fresh = catalog_services.category_create(
        name="生鲜", name_en="Fresh", aftersales_kind=AfterSalesKind.FRESH
    )
    variant = make_variant(2000, 20, workshop=workshop, brand=brand, category=dry)
    fish = make_variant(3000, 20, workshop=workshop, brand=brand, category=fresh)
    return Shop(
        brand=brand,
        workshop=workshop,
        manager=manager,
        variant=variant,
        fish=fish,
        dry=dry,
        fresh=fresh,
    )


@pytest.fixture
def order(client, shop):
    """Paid: 3 × ¥20.00 + ¥10.00 shipping."""
    return paid_order(client, [(shop.variant, 3)], email="buyer@example.com")


@pytest.fixture
def fish_order(client, shop):
    """Paid: 2 × ¥30.00 of fresh fish + ¥10.00 shipping."""
    return paid_order(client, [(shop.fish, 2)], email="buyer@example.com")
