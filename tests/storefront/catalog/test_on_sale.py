""" "On sale" is one rule (storefront.catalog.models.ON_SALE): published, of
an active brand and an active workshop. Every place that asks gets the same
answer from it."""

import datetime
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from brands.permissions import Action, user_can
from storefront.catalog.models import Product
from storefront.catalog.selectors import products_visible
from storefront.checkout.errors import CheckoutError
from storefront.checkout.services import is_for_sale, variant_for_sale
from storefront.links.models import LiveSession, LiveSessionProduct
from storefront.links.selectors import featured_products, live_session_state
from tests.factories import make_brand, make_product, make_user, make_workshop

pytestmark = pytest.mark.django_db

CASES = list(itertools.product([True, False], repeat=3))


@pytest.fixture
def products():
    """One product per (published, brand active, workshop active)."""
    made = {}
    for published, brand_active, workshop_active in CASES:
        brand = make_brand()
        workshop = make_workshop(brands=[brand])
        product = make_product(brand=brand, workshop=workshop, published=published)
        brand.is_active, workshop.is_active = brand_active, workshop_active
        brand.save(update_fields=["is_active"])
        workshop.save(update_fields=["is_active"])
        made[(published, brand_active, workshop_active)] = product
    return made


def _live_session(product):
    now = timezone.now()
    session = LiveSession.objects.create(
        host=make_user(),
        brand=product.brand,
        title="直播",
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=1),
        pinned_product=product,
    )
    LiveSessionProduct.objects.create(session=session, product=product, position=1)
    return session


def test_the_rule_is_published_with_an_active_brand_and_workshop(products):
    on_sale = set(Product.objects.on_sale().values_list("pk", flat=True))
    assert on_sale == {products[(True, True, True)].pk}


@pytest.mark.parametrize("case", CASES)
def test_every_place_that_asks_gets_the_same_answer(products, case):
    expected = all(case)
    product = Product.objects.select_related("brand", "workshop").get(
        pk=products[case].pk
    )
    variant = product.variants.select_related(
        "product__brand", "product__workshop"
    ).first()

    assert Product.objects.on_sale().filter(pk=product.pk).exists() is expected
    assert product.is_on_sale is expected
    assert is_for_sale(variant) is expected
    try:
        variant_for_sale(variant.pk)
        buyable = True
    except CheckoutError:
        buyable = False
    assert buyable is expected
    anonymous = AnonymousUser()
    assert user_can(anonymous, Action.VIEW_PRODUCT, product) is expected
    visible = products_visible(anonymous).filter(pk=product.pk).exists()
    assert visible is expected
    session = _live_session(product)
    assert (live_session_state(session)["pinned"] is not None) is expected
    assert (product in featured_products(session)) is expected
