"""The cart pages: add from a product page, list by workshop with prices from
the server, change and remove lines; every refused change shows the checkout
domain's message and leaves the database as it was."""

import re

import pytest
from django.urls import reverse

from storefront.catalog.models import Stock
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.orders.models import Order
from storefront.web.cart_session import SESSION_KEY
from tests.factories import make_brand, make_product, make_user, make_workshop
from tests.shop_helpers import make_variant, set_stock

pytestmark = pytest.mark.django_db

ADD = reverse("web:cart-add")
CART = reverse("web:cart")
UPDATE = reverse("web:cart-update")
REMOVE = reverse("web:cart-remove")
PASSWORD = "correct horse battery staple"


def db_state():
    """Everything a cart change could touch."""
    return (
        sorted(Checkout.objects.values_list("id", "user_id", "email")),
        sorted(
            CheckoutLine.objects.values_list("checkout_id", "variant_id", "quantity")
        ),
        sorted(
            Stock.objects.values_list("variant_id", "quantity", "quantity_reserved")
        ),
        Order.objects.count(),
    )


def add(client, variant, quantity=1):
    return client.post(ADD, {"variant": variant.pk, "quantity": quantity})


def refused_add(client, data, *, lands_on):
    """Post/redirect/get: a refused add answers with a redirect (never a page
    at /cart/add/), and the page it leads to shows the message, once."""
    response = client.post(ADD, data)
    assert response.status_code == 302 and response["Location"] == lands_on
    page = client.get(lands_on)
    assert page.status_code == 200
    return page


def product_url(variant):
    return reverse("web:product", args=[variant.product.slug])


def cart_lines(client):
    checkout = Checkout.objects.get(token=client.session[SESSION_KEY])
    return {line.variant_id: line.quantity for line in checkout.lines.all()}


@pytest.fixture
def two_workshops():
    """Two workshops of one brand: ¥10 flat shipping, free from ¥99; ¥8 flat."""
    brand = make_brand(name="斑斓海岸")
    island = make_workshop(
        brands=[brand],
        name="嵊泗贻贝工坊",
        shipping_fee_fen=1000,
        free_shipping_threshold_fen=9900,
    )
    hill = make_workshop(brands=[brand], name="象山紫菜工坊", shipping_fee_fen=800)
    mussels = make_variant(3980, 10, workshop=island, brand=brand, name="淡菜干")
    seaweed = make_variant(1500, 10, workshop=hill, brand=brand, name="头水紫菜")
    return mussels, seaweed


def test_product_page_has_an_add_to_cart_form(client, shop):
    html = client.get(reverse("web:product", args=[shop.product.slug])).content.decode()

    form = re.search(r'<form class="add-form".*?</form>', html, re.S)[0]
    assert f'method="post" action="{ADD}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    # Two sizes: a choice between them, the first one chosen.
    variants = list(shop.product.variants.all())
    assert f'name="variant" value="{variants[0].pk}" required checked' in form
    assert f'name="variant" value="{variants[1].pk}" required>' in form
    assert 'name="quantity" type="number"' in form and 'value="1"' in form
    assert (
        "加入购物车" in form and '<span class="en" lang="en">Add to cart</span>' in form
    )


def test_single_variant_product_posts_its_variant_hidden(client):
    variant = make_variant(990, 5)
    html = client.get(reverse("web:product", args=[variant.product.slug])).content
    assert f'<input type="hidden" name="variant" value="{variant.pk}">' in html.decode()


def test_sold_out_product_offers_no_add_button(client):
    variant = make_variant(990, 0)
    html = client.get(reverse("web:product", args=[variant.product.slug])).content
    form = re.search(r'<form class="add-form".*?</form>', html.decode(), re.S)[0]
    assert '<button class="button" type="submit" disabled>已售罄</button>' in form


def test_adding_puts_the_line_in_a_session_cart_and_shows_it(client, two_workshops):
    mussels, seaweed = two_workshops

    response = add(client, mussels, 2)

    assert response.status_code == 302 and response["Location"] == CART
    checkout = Checkout.objects.get()
    assert client.session[SESSION_KEY] == str(checkout.token)
    assert checkout.user is None
    assert cart_lines(client) == {mussels.pk: 2}

    add(client, mussels, 1)
    add(client, seaweed, 3)
    assert Checkout.objects.count() == 1
    assert cart_lines(client) == {mussels.pk: 3, seaweed.pk: 3}


def test_cart_page_groups_lines_by_workshop_with_server_prices(client, two_workshops):
    mussels, seaweed = two_workshops
    add(client, mussels, 2)
    add(client, seaweed, 3)

    response = client.get(CART)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    island, hill = html.index("嵊泗贻贝工坊"), html.index("象山紫菜工坊")
    assert island < html.index("淡菜干") < hill < html.index("头水紫菜")
    assert '"price">¥39.80</span> × 2 = <strong>¥79.60</strong>' in html
    assert '"price">¥15.00</span> × 3 = <strong>¥45.00</strong>' in html
    # Per workshop: ¥79.60 + ¥10 shipping (free from ¥99), ¥45.00 + ¥8.
    assert "本工坊商品满 ¥99.00 包邮。" in html
    assert "<dd>¥10.00</dd>" in html and "<dd>¥8.00</dd>" in html
    totals = re.search(r'<dl class="totals">.*?</dl>', html, re.S)[0]
    assert "¥124.60" in totals and "¥18.00" in totals
    assert 'data-total-fen="14260">¥142.60<' in totals
    assert f'href="{reverse("web:checkout")}"' in html


def test_free_shipping_above_the_workshops_threshold(client, two_workshops):
    mussels, _ = two_workshops
    add(client, mussels, 3)  # ¥119.40 ≥ ¥99

    html = client.get(CART).content.decode()

    assert "<dd>包邮</dd>" in html
    assert 'data-total-fen="11940"' in html


def test_empty_cart(client):
    response = client.get(CART)
    assert response.status_code == 200
    assert "购物车是空的。" in response.content.decode()
    assert not Checkout.objects.exists()


def test_prices_come_from_the_variant_not_the_form(client, two_workshops):
    mussels, _ = two_workshops
    client.post(ADD, {"variant": mussels.pk, "quantity": 1, "price_fen": 1})
    assert 'data-total-fen="4980"' in client.get(CART).content.decode()


def test_update_and_remove_lines(client, two_workshops):
    mussels, seaweed = two_workshops
    add(client, mussels, 2)
    add(client, seaweed, 1)

    response = client.post(UPDATE, {"variant": mussels.pk, "quantity": "5"})
    assert response.status_code == 302 and response["Location"] == CART
    assert cart_lines(client) == {mussels.pk: 5, seaweed.pk: 1}

    client.post(UPDATE, {"variant": seaweed.pk, "quantity": "0"})
    assert cart_lines(client) == {mussels.pk: 5}

    response = client.post(REMOVE, {"variant": mussels.pk})
    assert response.status_code == 302
    assert cart_lines(client) == {}


def test_cart_actions_need_post(client):
    assert client.get(ADD).status_code == 405
    assert client.get(UPDATE).status_code == 405
    assert client.get(REMOVE).status_code == 405


BAD_QUANTITIES = [
    ("-1", "数量须为 1 以上的整数 / The quantity must be a whole number of at least 1"),
    ("0", "数量须为 1 以上的整数"),
    ("2.5", "数量须为 1 以上的整数"),
    ("abc", "数量须为 1 以上的整数"),
    ("", "数量须为 1 以上的整数"),
    ("1e3", "数量须为 1 以上的整数"),
    ("１", "数量须为 1 以上的整数"),  # a full-width digit
    ("1000", "单件商品一次最多购买 999 件 / At most 999 of one item per order"),
    ("99999999999999999999999", "单件商品一次最多购买 999 件"),
]


@pytest.mark.parametrize(("quantity", "message"), BAD_QUANTITIES)
def test_bad_quantity_on_add_is_shown_by_the_form_and_changes_nothing(
    client, shop, quantity, message
):
    variant = shop.product.variants.first()
    before = db_state()

    response = refused_add(
        client,
        {"variant": variant.pk, "quantity": quantity},
        lands_on=product_url(variant),
    )

    html = response.content.decode()
    assert message in html
    # Shown on the product page again, by its form, with what was typed.
    form = re.search(r'<form class="add-form".*?</form>', html, re.S)[0]
    assert '<div class="form-errors" role="alert"><p>' in form and message in form
    assert f'value="{variant.pk}" required checked' in form
    assert "X-Page-Cache" not in response
    assert "no-store" in response["Cache-Control"]
    assert db_state() == before
    assert SESSION_KEY not in client.session


def test_bad_quantity_with_a_cart_already_changes_nothing(client, shop):
    variant = shop.product.variants.first()
    add(client, variant, 2)
    before = db_state()

    response = refused_add(
        client, {"variant": variant.pk, "quantity": "-3"}, lands_on=product_url(variant)
    )

    assert "数量须为 1 以上的整数" in response.content.decode()
    assert db_state() == before
    assert cart_lines(client) == {variant.pk: 2}


def test_sold_out_variant_is_refused(client):
    variant = make_variant(990, 0, name="卖完的鱼干")
    before = db_state()

    response = refused_add(
        client, {"variant": variant.pk, "quantity": 1}, lands_on=product_url(variant)
    )

    assert "库存不足：已售罄 / Not enough stock: sold out" in (
        response.content.decode()
    )
    assert db_state() == before


def test_more_than_in_stock_is_refused(client):
    variant = make_variant(990, 3)
    add(client, variant, 2)
    before = db_state()

    response = refused_add(  # 4 in the cart > 3 in stock
        client, {"variant": variant.pk, "quantity": 2}, lands_on=product_url(variant)
    )

    assert (
        "库存不足：仅剩 3 件 / Not enough stock: only 3 left"
        in response.content.decode()
    )
    assert db_state() == before


def test_reserved_stock_counts_as_gone(client):
    variant = make_variant(990, 5)
    set_stock(variant, reserved=5)
    assert add(client, variant, 1).status_code == 302
    assert "库存不足" in client.get(product_url(variant)).content.decode()
    assert not CheckoutLine.objects.exists()


def test_unpublished_variant_is_refused_on_the_cart_page(client):
    product = make_product(name="未上架的虾皮", published=False)
    variant = product.variants.get()
    before = db_state()

    # The product page is not the visitor's to see, so the cart says it.
    response = refused_add(
        client, {"variant": variant.pk, "quantity": 1}, lands_on=CART
    )

    html = response.content.decode()
    assert "该商品已下架或不存在 / This product is no longer on sale" in html
    assert "未上架的虾皮" not in html
    assert db_state() == before


@pytest.mark.parametrize("variant_id", ["", "abc", "999999", "-1", "1.5", "9" * 30])
def test_unknown_variant_is_refused(client, shop, variant_id):
    before = db_state()

    response = refused_add(
        client, {"variant": variant_id, "quantity": "1"}, lands_on=CART
    )

    assert "该商品已下架或不存在" in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize(
    ("quantity", "message"), BAD_QUANTITIES[:1] + BAD_QUANTITIES[2:]
)
def test_bad_quantity_on_update_is_shown_by_the_line(client, shop, quantity, message):
    variant = shop.product.variants.first()
    add(client, variant, 2)
    before = db_state()

    response = client.post(UPDATE, {"variant": variant.pk, "quantity": quantity})

    assert response.status_code == 400
    html = response.content.decode()
    line = re.search(
        rf'<li class="cart-line" id="line-{variant.pk}">.*?</li>', html, re.S
    )
    assert message in line[0] and 'aria-invalid="true"' in line[0]
    assert db_state() == before


def test_raising_above_stock_on_update_is_refused(client):
    variant = make_variant(990, 3)
    add(client, variant, 1)
    before = db_state()

    response = client.post(UPDATE, {"variant": variant.pk, "quantity": "4"})

    assert response.status_code == 400
    assert "仅剩 3 件" in response.content.decode()
    assert db_state() == before


def test_updating_or_removing_a_line_not_in_the_cart(client, shop):
    other = make_variant(990, 5)
    before = db_state()
    for url, data in [
        (UPDATE, {"variant": other.pk, "quantity": "1"}),
        (REMOVE, {"variant": other.pk}),
        (REMOVE, {"variant": "abc"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400
        assert "购物车中没有这件商品 / That item is not in the cart" in (
            response.content.decode()
        )
    assert db_state() == before

    add(client, shop.product.variants.first(), 1)
    before = db_state()
    assert client.post(REMOVE, {"variant": other.pk}).status_code == 400
    assert db_state() == before


def test_cart_flags_lines_that_can_no_longer_be_bought(client):
    short = make_variant(990, 5, name="将要卖完的虾干")
    gone = make_variant(1990, 5, name="将要下架的紫菜")
    add(client, short, 4)
    add(client, gone, 1)
    set_stock(short, quantity=2)
    gone.product.is_published = False
    gone.product.save()

    html = client.get(CART).content.decode()

    assert "仅剩 2 件，请减少数量后再结算。" in html
    assert "该商品已下架，请移除后再结算。" in html


def test_cart_asks_the_products_workshop_not_the_variants(client):
    """A product whose own workshop stopped is off sale, whatever workshop
    its variant row still names (the cart once asked the variant's)."""
    variant = make_variant(990, 5, name="搬了工坊的虾干")
    add(client, variant, 1)
    stopped = make_workshop(brands=[variant.product.brand], is_active=False)
    # Products do not move in the shop; this one did, behind its back.
    type(variant.product).objects.filter(pk=variant.product_id).update(workshop=stopped)
    variant.refresh_from_db()
    assert variant.workshop.is_active

    html = client.get(CART).content.decode()

    assert "该商品已下架，请移除后再结算。" in html


def test_a_session_token_never_opens_someone_elses_cart(client, shop):
    owner = make_user()
    other_client_variant = shop.product.variants.first()
    client.force_login(owner)
    add(client, other_client_variant, 1)
    owned = Checkout.objects.get(user=owner)
    client.logout()

    session = client.session
    session[SESSION_KEY] = str(owned.token)
    session.save()

    assert "购物车是空的。" in client.get(CART).content.decode()
    add(client, other_client_variant, 2)
    assert owned.lines.get().quantity == 1
    assert Checkout.objects.filter(user=None).get().lines.get().quantity == 2


def test_signed_in_customer_uses_their_own_cart(client, shop):
    user = make_user()
    variant = shop.product.variants.first()
    client.force_login(user)

    add(client, variant, 2)

    checkout = Checkout.objects.get()
    assert checkout.user == user
    client.logout()
    client.force_login(user)  # a new session finds the same cart
    assert "象山活黄鱼" in client.get(CART).content.decode()


def test_signing_in_joins_the_guest_cart_to_the_account(client, two_workshops):
    mussels, seaweed = two_workshops
    user = make_user("lihua", email="lihua@example.com")
    client.force_login(user)
    add(client, mussels, 1)
    client.logout()

    add(client, mussels, 2)
    add(client, seaweed, 1)
    guest = Checkout.objects.get(user=None)

    response = client.post(
        reverse("web:login"), {"username": "lihua", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert not Checkout.objects.filter(pk=guest.pk).exists()
    owned = Checkout.objects.get()
    assert owned.user == user
    assert client.session[SESSION_KEY] == str(owned.token)
    assert cart_lines(client) == {mussels.pk: 3, seaweed.pk: 1}


def test_signing_in_with_only_a_guest_cart_keeps_it(client, shop):
    user = make_user("wangfang", email="wf@example.com")
    add(client, shop.product.variants.first(), 2)
    guest = Checkout.objects.get()

    client.post(reverse("web:login"), {"username": "wangfang", "password": PASSWORD})

    guest.refresh_from_db()
    assert guest.user == user and guest.email == "wf@example.com"
    assert client.session[SESSION_KEY] == str(guest.token)
