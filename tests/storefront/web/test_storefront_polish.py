"""Issue 14's storefront polish: buy now, the header's cart count, add-to-cart
errors by post/redirect/get, the favicon, Stripe.js's language, and sign-in
and password pages in the page's language."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from storefront.checkout.models import Checkout, CheckoutLine
from tests.factories import make_user
from tests.shop_helpers import make_variant

pytestmark = pytest.mark.django_db

ADD = reverse("web:cart-add")
CART = reverse("web:cart")
HOME = reverse("web:home")


def header(response) -> str:
    html = response.content.decode()
    return re.search(r'<header class="site-header">.*?</header>', html, re.S)[0]


def cart_count(response) -> int | None:
    found = re.search(r'<span class="cart-count">(\d+)<', header(response))
    return int(found[1]) if found else None


def product_url(variant):
    return reverse("web:product", args=[variant.product.slug])


# Buy bar ------------------------------------------------------------------


def test_product_page_offers_add_to_cart_and_buy_now_in_one_bar(client):
    variant = make_variant(1280, 5, name="象山活黄鱼")

    html = client.get(product_url(variant)).content.decode()

    bar = re.search(r'<div class="add-row buy-bar">.*?</div>', html, re.S)[0]
    assert '<button class="button" type="submit">加入购物车' in bar
    assert (
        '<button class="button button-primary" type="submit" name="buy_now" '
        'value="1">立即购买 <span class="en" lang="en">Buy now</span></button>' in bar
    )


def test_buy_bar_is_english_only_in_english(client):
    variant = make_variant(1280, 5)
    client.get(reverse("web:language", args=["en"]))

    bar = re.search(
        r'<div class="add-row buy-bar">.*?</div>',
        client.get(product_url(variant)).content.decode(),
        re.S,
    )[0]

    assert ">Add to cart</button>" in bar and ">Buy now</button>" in bar
    assert "加入购物车" not in bar and "立即购买" not in bar


def test_sold_out_product_has_no_buy_now(client):
    variant = make_variant(990, 0)
    html = client.get(product_url(variant)).content.decode()
    assert "buy_now" not in html


def test_buy_now_adds_and_goes_to_checkout(client):
    variant = make_variant(1280, 5)

    response = client.post(ADD, {"variant": variant.pk, "quantity": 2, "buy_now": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:checkout")
    assert CheckoutLine.objects.get().quantity == 2
    assert client.get(reverse("web:checkout")).status_code == 200


def test_buy_now_refused_stays_on_the_product_page(client):
    variant = make_variant(1280, 1)

    response = client.post(ADD, {"variant": variant.pk, "quantity": 5, "buy_now": "1"})

    assert response["Location"] == product_url(variant)
    assert not Checkout.objects.exists()


# Post/redirect/get --------------------------------------------------------


def test_a_refused_add_is_shown_once_and_a_refresh_does_not_post(client):
    variant = make_variant(1280, 3, name="象山活黄鱼")

    response = client.post(ADD, {"variant": variant.pk, "quantity": "abc"})
    assert response.status_code == 302
    first = client.get(product_url(variant))
    refresh = client.get(product_url(variant))

    assert "数量须为 1 以上的整数" in first.content.decode()
    # The refresh is a GET of the product page: no message, nothing posted.
    assert "数量须为 1 以上的整数" not in refresh.content.decode()
    assert 'value="abc"' not in refresh.content.decode()
    assert not Checkout.objects.exists()


def test_a_refused_add_message_is_never_stored_in_the_page_cache(client):
    variant = make_variant(1280, 3)
    url = product_url(variant)
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"

    client.post(ADD, {"variant": variant.pk, "quantity": "0"})
    with_message = client.get(url)
    after = client.get(url)

    assert "X-Page-Cache" not in with_message
    assert "数量须为 1 以上的整数" in with_message.content.decode()
    assert after["X-Page-Cache"] == "hit"
    assert "数量须为 1 以上的整数" not in after.content.decode()


def test_a_message_for_another_product_waits_for_its_own_page(client):
    refused = make_variant(1280, 1, name="黄鱼")
    other = make_variant(990, 5, name="虾皮")

    client.post(ADD, {"variant": refused.pk, "quantity": 9})
    other_page = client.get(product_url(other)).content.decode()
    own_page = client.get(product_url(refused)).content.decode()

    assert "库存不足" not in other_page
    assert "库存不足：仅剩 1 件" in own_page


def test_a_refused_add_of_an_unknown_variant_is_shown_on_the_cart_once(client):
    response = client.post(ADD, {"variant": "999999", "quantity": "1"})

    assert response["Location"] == CART
    assert "该商品已下架或不存在" in client.get(CART).content.decode()
    assert "该商品已下架或不存在" not in client.get(CART).content.decode()


# Cart count ---------------------------------------------------------------


def test_header_counts_the_items_in_the_cart(client):
    fish = make_variant(1280, 10, name="黄鱼")
    shrimp = make_variant(990, 10, name="虾皮")
    assert cart_count(client.get(HOME)) is None

    client.post(ADD, {"variant": fish.pk, "quantity": 2})
    client.post(ADD, {"variant": shrimp.pk, "quantity": 3})
    assert cart_count(client.get(HOME)) == 5
    assert cart_count(client.get(product_url(fish))) == 5

    client.post(reverse("web:cart-update"), {"variant": fish.pk, "quantity": 1})
    assert cart_count(client.get(HOME)) == 4
    client.post(reverse("web:cart-remove"), {"variant": shrimp.pk})
    assert cart_count(client.get(HOME)) == 1
    client.post(reverse("web:cart-remove"), {"variant": fish.pk})
    assert cart_count(client.get(HOME)) is None


def test_a_refused_add_leaves_the_count_as_it_was(client):
    fish = make_variant(1280, 2)
    client.post(ADD, {"variant": fish.pk, "quantity": 2})

    client.post(ADD, {"variant": fish.pk, "quantity": 1})  # 3 > 2 in stock

    assert cart_count(client.get(CART)) == 2


def test_the_cart_page_corrects_a_count_that_went_stale(client):
    fish = make_variant(1280, 10)
    client.post(ADD, {"variant": fish.pk, "quantity": 4})
    CheckoutLine.objects.update(quantity=2)  # changed elsewhere (another device)

    assert cart_count(client.get(CART)) == 2
    assert cart_count(client.get(HOME)) == 2


def test_the_count_is_read_without_a_query(client, django_assert_num_queries):
    fish = make_variant(1280, 10)
    client.post(ADD, {"variant": fish.pk, "quantity": 3})
    language = reverse("web:language", args=["en"])
    client.get(language)

    # The session row is the one query; the count comes from it.
    with django_assert_num_queries(1):
        response = client.get(reverse("web:password-reset"))
    assert cart_count(response) == 3


def test_signing_in_counts_the_joined_cart(client):
    user = make_user(username="wangfang")
    fish = make_variant(1280, 10)
    client.post(ADD, {"variant": fish.pk, "quantity": 2})

    client.post(
        reverse("web:login"),
        {"username": "wangfang", "password": "correct horse battery staple"},
    )

    assert client.get(HOME).wsgi_request.user == user
    assert cart_count(client.get(HOME)) == 2


# Favicon ------------------------------------------------------------------


def test_favicon_is_linked_and_answers_at_the_root(client):
    html = client.get(HOME).content.decode()
    assert re.search(r'<link rel="icon" href="/static/web/favicon[^"]*\.svg"', html)

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert re.fullmatch(r"/static/web/favicon[^/]*\.ico", response["Location"])


def test_favicon_refuses_a_post(client):
    assert client.post("/favicon.ico").status_code == 405


# Languages ----------------------------------------------------------------

PASSWORD_PAGES = [
    ("web:login", "忘记密码？", "Forgot password?"),
    ("web:password-reset", "发送重置链接", "Send the link"),
    ("web:password-reset-done", "请查收邮件", "Check your email"),
    ("web:password-reset-complete", "密码已更新", "Your password has been changed"),
]


@pytest.mark.parametrize(("name", "chinese", "english"), PASSWORD_PAGES)
def test_sign_in_and_password_pages_follow_the_language(client, name, chinese, english):
    in_chinese = client.get(reverse(name)).content.decode()
    assert chinese in in_chinese and english in in_chinese  # English alongside

    client.get(reverse("web:language", args=["en"]))
    in_english = client.get(reverse(name)).content.decode()

    assert english in in_english and chinese not in in_english
    if name != "web:login":  # (its field labels belong to the accounts form)
        main = in_english[in_english.index("<main") : in_english.index("</main>")]
        assert not re.search(r"[\u4e00-\u9fff]", main), main


def test_an_expired_reset_link_page_follows_the_language(client):
    url = reverse("web:password-reset-confirm", args=["MQ", "bad-token"])
    assert "链接已失效" in client.get(url).content.decode()

    client.get(reverse("web:language", args=["en"]))
    html = client.get(url).content.decode()

    assert "This link no longer works" in html and "链接已失效" not in html


def test_the_reset_mail_is_still_sent_from_the_english_page(
    client, django_capture_on_commit_callbacks
):
    make_user(username="li", email="li@example.com")
    client.get(reverse("web:language", args=["en"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:password-reset"), {"email": "li@example.com"}
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
