"""Catalogue fragments (product cards, brand, category and product data) are
kept under the catalogue version and shared by every visitor: pages cost at
most six queries once they are kept, a catalogue change shows at once even on
a signed-in page, and nothing personal ever lands in a shared fragment."""

import pytest
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.urls import reverse

from brands.models import Role
from brands.services import membership_grant
from storefront.catalog import editing
from storefront.catalog.cache import catalog_version
from storefront.catalog.inventory import stock_reserve
from storefront.web import cart_session
from storefront.web.cards import card_key
from tests.factories import make_product

pytestmark = pytest.mark.django_db

MAX_QUERIES = 6  # issue 18: every page, anonymous or signed in
SHOPPER_NAME = "zhang-xiaohong-42"


@pytest.fixture
def stocked(shop):
    for n in range(30):
        make_product(
            brand=shop.brand,
            workshop=shop.workshop,
            name=f"黄鱼干{n:02d}",
            variants=((990, 2), (1990, 0)),
            category=shop.subcategory,
        )
    return shop


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user(
        SHOPPER_NAME, email="zhang@example.com", password="x" * 20
    )


def _pages(shop) -> list[str]:
    return [
        reverse("web:product", args=[shop.product.slug]),
        reverse("web:brand", args=[shop.brand.slug]),
        reverse("web:brand", args=[shop.brand.slug]) + "?page=2",
        reverse("web:category", args=[shop.category.slug]),
        reverse("web:search") + "?q=%E9%BB%84%E9%B1%BC",  # 黄鱼
    ]


PAGES = ["product", "brand", "brand page 2", "category", "search"]


@pytest.mark.parametrize("page", range(len(PAGES)), ids=PAGES)
def test_signed_in_pages_cost_six_queries_once_fragments_are_kept(
    client, stocked, shopper, page, django_assert_max_num_queries
):
    client.force_login(shopper)
    url = _pages(stocked)[page]
    assert client.get(url).status_code == 200  # the first visitor keeps them

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert SHOPPER_NAME in response.content.decode()


@pytest.mark.parametrize("page", range(len(PAGES)), ids=PAGES)
def test_anonymous_pages_rendered_afresh_cost_six_queries(
    client, stocked, settings, page, django_assert_max_num_queries
):
    settings.CATALOG_CACHE_SECONDS = 0  # no whole-page cache: rendered each time
    url = _pages(stocked)[page]
    assert client.get(url).status_code == 200

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_fragments_off_still_render_the_same_cards(client, stocked, settings):
    brand_url = reverse("web:brand", args=[stocked.brand.slug])
    kept = client.get(brand_url).content
    cache.clear()
    settings.CATALOG_CACHE_SECONDS = 0
    settings.CATALOG_FRAGMENT_SECONDS = 0

    fresh = client.get(brand_url).content

    assert fresh.count(b'class="card product-card"') == 24
    assert fresh == kept


def _card(client, url: str, name: str) -> str:
    """The card (an <li>) naming `name` on the page at `url`."""
    html = client.get(url).content.decode()
    for part in html.split("<li class=")[1:]:
        if name in part:
            return part.split("</li>")[0]
    raise AssertionError(f"no card for {name} on {url}")


def test_price_name_and_stock_changes_show_at_once_on_a_signed_in_brand_page(
    client, shop, shopper, django_user_model
):
    operator = django_user_model.objects.create_user("op", password="x" * 20)
    membership_grant(user=operator, role=Role.BRAND_OPERATOR, brand=shop.brand)
    client.force_login(shopper)
    url = reverse("web:brand", args=[shop.brand.slug])
    product = shop.product
    first, second = product.variants.order_by("sort_order")
    card = _card(client, url, "象山活黄鱼")
    assert "¥12.80" in card and "Sold out" not in card and "售罄" not in card

    editing.variant_update(variant=first, user=operator, price="9.90")
    assert "¥9.90" in _card(client, url, "象山活黄鱼")

    editing.product_update(product=product, user=operator, name="象山野生黄鱼")
    assert "象山野生黄鱼" in client.get(url).content.decode()
    assert "象山活黄鱼" not in client.get(url).content.decode()

    # A checkout holding the last units is no catalogue write: the card's
    # stock state is read afresh with the page.
    stock_reserve(wanted={first.pk: 50, second.pk: 3}, tracked={first.pk, second.pk})
    sold_out = _card(client, url, "象山野生黄鱼")
    assert "售罄" in sold_out or "Sold out" in sold_out


def test_a_product_page_shows_reserved_stock_at_once_when_signed_in(
    client, shop, shopper
):
    client.force_login(shopper)
    url = reverse("web:product", args=[shop.product.slug])
    assert client.get(url).status_code == 200
    first, second = shop.product.variants.order_by("sort_order")

    stock_reserve(wanted={first.pk: 48}, tracked={first.pk})

    html = client.get(url).content.decode()
    assert "stock-low" in html  # 2 of 50 left: "only a few"


def test_personal_bits_never_reach_a_shared_card(client, stocked, shopper, settings):
    client.force_login(shopper)
    session = client.session
    session[cart_session.COUNT_KEY] = 3  # the header shows "3"
    session.save()
    response = client.get(reverse("web:brand", args=[stocked.brand.slug]))
    page = response.content.decode()
    token = get_token(response.wsgi_request)
    assert SHOPPER_NAME in page and 'class="cart-count">3' in page

    version = catalog_version()
    cards = []
    for product in response.context["page_obj"].object_list:
        key = card_key(
            version=version,
            language=settings.LANGUAGE_CODE,
            pk=product.pk,
            sold_out=product.card_sold_out,
        )
        stored = cache.get(key)
        assert stored is not None, "the signed-in page kept its cards"
        cards.append(stored)

    assert len(cards) == 24
    for card in cards:
        assert SHOPPER_NAME not in card
        assert "zhang@example.com" not in card
        assert "csrfmiddlewaretoken" not in card and token not in card
        assert "cart-count" not in card
        assert card in page


def test_an_anonymous_visitor_reuses_cards_a_signed_in_one_kept(
    client, stocked, shopper, settings, django_assert_max_num_queries
):
    settings.CATALOG_CACHE_SECONDS = 0  # rendered, not served whole
    url = reverse("web:brand", args=[stocked.brand.slug])
    client.force_login(shopper)
    signed_in = client.get(url).content.decode()
    client.logout()

    with django_assert_max_num_queries(4):  # live sessions, count, page rows
        anonymous = client.get(url).content.decode()

    assert SHOPPER_NAME not in anonymous
    cards = signed_in.split('<ul class="grid product-grid">')[1].split("</ul>")[0]
    assert cards in anonymous


def test_a_description_change_shows_at_once_on_a_signed_in_product_page(
    client, shop, shopper, django_user_model
):
    operator = django_user_model.objects.create_user("op", password="x" * 20)
    membership_grant(user=operator, role=Role.BRAND_OPERATOR, brand=shop.brand)
    client.force_login(shopper)
    url = reverse("web:product", args=[shop.product.slug])
    assert "出海" in client.get(url).content.decode()

    editing.product_update(
        product=shop.product, user=operator, description="<p>今早新到的黄鱼。</p>"
    )

    page = client.get(url).content.decode()
    assert "今早新到的黄鱼" in page and "出海" not in page
