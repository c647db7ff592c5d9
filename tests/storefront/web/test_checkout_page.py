"""The checkout page: a structured Chinese address, the summary, and placing
the order. Wrong fields are shown next to themselves and write nothing; a
total that moved since the page was shown places nothing."""

import re

import pytest
from django.urls import reverse

from storefront.catalog.models import ProductVariant, Stock
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.core.address import Province
from storefront.orders.models import Order, OrderStatus
from storefront.payments.models import Payment
from storefront.web.cart_session import SESSION_KEY
from tests.factories import make_brand, make_user, make_workshop
from tests.shop_helpers import VALID_ADDRESS, make_variant, set_stock

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("web:checkout")
CART = reverse("web:cart")


def db_state():
    """Everything submitting the checkout form could touch."""
    return (
        sorted(
            Checkout.objects.values_list(
                "id",
                "email",
                "note",
                "recipient_name",
                "phone",
                "province",
                "city",
                "district",
                "street_address",
            )
        ),
        sorted(
            CheckoutLine.objects.values_list("checkout_id", "variant_id", "quantity")
        ),
        sorted(
            Stock.objects.values_list("variant_id", "quantity", "quantity_reserved")
        ),
        Order.objects.count(),
        Payment.objects.count(),
    )


def form_data(total_fen, **changes):
    data = {
        "email": "buyer@example.com",
        **VALID_ADDRESS,
        "note": "请放门卫室",
        "expected_total_fen": str(total_fen),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def parcels():
    """Two workshops: ¥39.80 × 2 ships for ¥10, ¥15.00 × 3 for ¥8."""
    brand = make_brand(name="斑斓海岸")
    island = make_workshop(brands=[brand], name="嵊泗贻贝工坊", shipping_fee_fen=1000)
    hill = make_workshop(brands=[brand], name="象山紫菜工坊", shipping_fee_fen=800)
    mussels = make_variant(3980, 10, workshop=island, brand=brand, name="淡菜干")
    seaweed = make_variant(1500, 10, workshop=hill, brand=brand, name="头水紫菜")
    return mussels, seaweed


TOTAL = 2 * 3980 + 3 * 1500 + 1000 + 800  # 14260


@pytest.fixture
def in_cart(client, parcels):
    mussels, seaweed = parcels
    client.post(reverse("web:cart-add"), {"variant": mussels.pk, "quantity": 2})
    client.post(reverse("web:cart-add"), {"variant": seaweed.pk, "quantity": 3})
    return Checkout.objects.get()


def test_checkout_page_shows_the_form_and_the_summary(client, in_cart):
    response = client.get(CHECKOUT)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    for name in (
        "email",
        "recipient_name",
        "phone",
        "city",
        "district",
        "street_address",
        "note",
    ):
        assert f'name="{name}"' in html
    select = re.search(r'<select name="province".*?</select>', html, re.S)[0]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert options == ["", *Province.values] and len(options) == 32
    assert '<option value="浙江省">浙江省 Zhejiang</option>' in select
    assert f'<input type="hidden" name="expected_total_fen" value="{TOTAL}"' in html
    summary = re.search(r'<section class="summary".*?</section>', html, re.S)[0]
    assert "嵊泗贻贝工坊" in summary and "象山紫菜工坊" in summary
    assert "<dd>¥10.00</dd>" in summary and "<dd>¥8.00</dd>" in summary
    assert "¥124.60" in summary and "¥18.00" in summary and "¥142.60" in summary
    assert "提交订单" in html and "Place order" in html


def test_checkout_page_fills_in_what_the_cart_already_knows(client, in_cart):
    Checkout.objects.filter(pk=in_cart.pk).update(
        email="known@example.com", **VALID_ADDRESS
    )
    html = client.get(CHECKOUT).content.decode()
    assert 'value="known@example.com"' in html
    assert 'value="王小明"' in html
    assert '<option value="浙江省" selected>' in html


def test_empty_cart_goes_back_to_the_cart(client):
    assert client.get(CHECKOUT)["Location"] == CART
    assert client.post(CHECKOUT, form_data(0))["Location"] == CART
    assert not Order.objects.exists()


def test_placing_the_order_goes_to_the_pay_page(client, in_cart, stripe_settings):
    response = client.post(CHECKOUT, form_data(TOTAL, phone="+86 138-0013-8000"))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:order-pay", args=[order.token])
    assert order.status == OrderStatus.UNPAID
    assert order.total_fen == TOTAL
    assert order.email == "buyer@example.com" and order.note == "请放门卫室"
    assert order.address_dict() == VALID_ADDRESS  # the phone as 11 digits
    assert order.fulfillments.count() == 2
    payment = Payment.objects.get()
    assert payment.order == order and payment.amount_fen == TOTAL
    assert not Checkout.objects.exists()
    assert SESSION_KEY not in client.session
    assert "购物车是空的。" in client.get(CART).content.decode()


def test_a_signed_in_customer_owns_the_order(client, parcels, stripe_settings):
    user = make_user()
    client.force_login(user)
    client.post(reverse("web:cart-add"), {"variant": parcels[0].pk, "quantity": 1})

    client.post(CHECKOUT, form_data(3980 + 1000))

    assert Order.objects.get().user == user


REQUIRED = "请填写完整的收货地址：{} / Complete the delivery address: {}"
MISSING = {
    "recipient_name": REQUIRED.format("收件人", "recipient"),
    "phone": REQUIRED.format("手机号", "mobile number"),
    "province": REQUIRED.format("省份", "province"),
    "city": REQUIRED.format("城市", "city"),
    "district": REQUIRED.format("区县", "district or county"),
    "street_address": REQUIRED.format("详细地址", "street address"),
}


@pytest.mark.parametrize("field", list(MISSING))
def test_a_missing_address_field_is_shown_next_to_it(client, in_cart, field):
    before = db_state()

    response = client.post(
        CHECKOUT, form_data(TOTAL, **{field: "  " if field != "province" else ""})
    )

    assert response.status_code == 400
    html = response.content.decode()
    block = re.search(
        rf'<div class="field field-invalid[^"]*">\s*<label for="id_{field}">.*?</div>',
        html,
        re.S,
    )[0]
    assert MISSING[field] in block
    assert html.count('class="field-error"') == 1
    assert db_state() == before


def test_every_wrong_field_is_shown_at_once_and_nothing_is_written(client, in_cart):
    before = db_state()

    response = client.post(
        CHECKOUT,
        form_data(
            TOTAL,
            email="not-an-email",
            phone="12345",
            city=None,
            province="台北市",
            note="很长" * 101,
        ),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "电子邮箱格式不正确 / Enter a valid email address" in html
    assert (
        "请输入 11 位中国大陆手机号 / Enter an 11-digit mainland China mobile number"
        in html
    )
    assert "收货地址有误：省份 / The delivery address is not valid: province" in html
    assert MISSING["city"] in html
    assert "订单备注最多 200 字" in html
    assert html.count('class="field-error"') == 5
    # What was typed stays in the form.
    assert 'value="not-an-email"' in html and 'value="12345"' in html
    assert db_state() == before


@pytest.mark.parametrize(
    "phone",
    [
        "+852 9123 4567",  # Hong Kong
        "+1 415 555 2671",
        "021-12345678",  # a Shanghai landline
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12800138000",  # no such prefix
        "一三八零零一三八零零零",
    ],
)
def test_a_phone_that_is_not_a_mainland_mobile_is_refused(client, in_cart, phone):
    before = db_state()

    response = client.post(CHECKOUT, form_data(TOTAL, phone=phone))

    assert response.status_code == 400
    html = response.content.decode()
    block = re.search(
        r'<div class="field field-invalid">\s*<label for="id_phone">.*?</div>',
        html,
        re.S,
    )[0]
    assert "请输入 11 位中国大陆手机号" in block
    assert db_state() == before


def test_missing_email_is_refused(client, in_cart):
    before = db_state()
    response = client.post(CHECKOUT, form_data(TOTAL, email=""))
    assert "请填写电子邮箱 / Enter an email address" in response.content.decode()
    assert db_state() == before


def test_a_changed_price_places_nothing_and_shows_the_new_total(
    client, in_cart, parcels
):
    mussels, _ = parcels
    client.get(CHECKOUT)  # the customer sees ¥142.60 …
    ProductVariant.objects.filter(pk=mussels.pk).update(price_fen=4280)  # … then +¥3
    before = db_state()

    response = client.post(CHECKOUT, form_data(TOTAL))

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "价格已变动，请确认新的金额后再提交 / "
        "Prices have changed; check the new total and submit again" in html
    )
    new_total = TOTAL + 2 * 300
    assert (
        '新的应付总额 <span class="en" lang="en">New total</span> '
        '<strong class="price">¥148.60</strong>' in html
    )
    assert f'name="expected_total_fen" value="{new_total}"' in html
    assert 'value="王小明"' in html  # the rest of the form is kept
    assert db_state() == before


def test_resubmitting_after_a_price_change_accepts_the_new_total(
    client, in_cart, parcels, stripe_settings
):
    ProductVariant.objects.filter(pk=parcels[0].pk).update(price_fen=4280)
    assert client.post(CHECKOUT, form_data(TOTAL)).status_code == 400

    response = client.post(CHECKOUT, form_data(TOTAL + 600))

    assert response.status_code == 302
    assert Order.objects.get().total_fen == TOTAL + 600


@pytest.mark.parametrize("expected", ["", "abc", "-5", "1.5"])
def test_a_missing_or_mangled_total_places_nothing(client, in_cart, expected):
    before = db_state()

    response = client.post(CHECKOUT, form_data(TOTAL, expected_total_fen=expected))

    assert response.status_code == 400
    assert "价格已变动" in response.content.decode()
    assert db_state() == before


def test_stock_gone_meanwhile_places_nothing(client, in_cart, parcels, stripe_settings):
    mussels, _ = parcels
    set_stock(mussels, quantity=1)

    response = client.post(CHECKOUT, form_data(TOTAL))

    assert response.status_code == 400
    assert (
        "库存不足：仅剩 1 件 / Not enough stock: only 1 left"
        in response.content.decode()
    )
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert Stock.objects.get(variant=mussels).quantity_reserved == 0


def test_a_product_unpublished_meanwhile_places_nothing(
    client, in_cart, parcels, stripe_settings
):
    product = parcels[1].product
    product.is_published = False
    product.save()

    response = client.post(CHECKOUT, form_data(TOTAL))

    assert response.status_code == 400
    assert "该商品已下架或不存在" in response.content.decode()
    assert not Order.objects.exists()


def test_checkout_form_needs_a_csrf_token(in_cart, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(CHECKOUT, form_data(TOTAL)).status_code == 403
    assert not Order.objects.exists()


def test_every_empty_address_field_gets_its_own_message(client, in_cart):
    """All six empty at once: six messages, each by its field, none alike."""
    before = db_state()

    response = client.post(
        CHECKOUT, form_data(TOTAL, **{field: "" for field in MISSING})
    )

    assert response.status_code == 400
    html = response.content.decode()
    for field, message in MISSING.items():
        block = re.search(rf'<label for="id_{field}">.*?</div>\s*</div>', html, re.S)[0]
        assert message in block, field
    errors = re.findall(r'<p class="field-error">(.*?)</p>', html)
    assert len(errors) == len(set(errors)) == 6
    assert db_state() == before


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("city", "收货地址有误：城市 ≤ 50 / The delivery address is not valid: city"),
        ("recipient_name", "收件人 ≤"),
    ],
)
def test_a_too_long_address_field_names_itself(client, in_cart, field, message):
    limit = Checkout._meta.get_field(field).max_length
    response = client.post(CHECKOUT, form_data(TOTAL, **{field: "长" * (limit + 1)}))

    assert response.status_code == 400
    assert message.replace("50", str(limit)) in response.content.decode()


def test_a_quantity_changed_in_another_tab_says_the_cart_changed(
    client, in_cart, parcels
):
    """The checkout page open in one tab; in another (a second request with
    the same session) the quantity of a line goes from 3 to 4. Submitting the
    first tab names a cart change, not a price change, and places nothing."""
    _, seaweed = parcels
    page = client.get(CHECKOUT).content.decode()
    seen = re.search(r'name="seen_lines" value="([^"]*)"', page)[1]
    client.post(reverse("web:cart-update"), {"variant": seaweed.pk, "quantity": 4})
    before = db_state()

    response = client.post(CHECKOUT, form_data(TOTAL, seen_lines=seen))

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "购物车已变动（数量或商品有增减），请确认新的金额后再提交 / "
        "Your cart has changed (quantities or items); check the new total and "
        "submit again" in html
    )
    assert "价格已变动" not in html
    assert f'name="expected_total_fen" value="{TOTAL + 1500}"' in html
    assert db_state() == before


def test_a_line_removed_in_another_tab_says_the_cart_changed(client, in_cart, parcels):
    _, seaweed = parcels
    page = client.get(CHECKOUT).content.decode()
    seen = re.search(r'name="seen_lines" value="([^"]*)"', page)[1]
    client.post(reverse("web:cart-remove"), {"variant": seaweed.pk})

    response = client.post(CHECKOUT, form_data(TOTAL, seen_lines=seen))

    assert response.status_code == 400
    assert "购物车已变动" in response.content.decode()


def test_a_price_change_with_the_lines_seen_still_says_prices_changed(
    client, in_cart, parcels
):
    mussels, _ = parcels
    page = client.get(CHECKOUT).content.decode()
    seen = re.search(r'name="seen_lines" value="([^"]*)"', page)[1]
    ProductVariant.objects.filter(pk=mussels.pk).update(price_fen=4280)

    response = client.post(CHECKOUT, form_data(TOTAL, seen_lines=seen))

    html = response.content.decode()
    assert response.status_code == 400
    assert "价格已变动" in html and "购物车已变动" not in html


@pytest.mark.parametrize("seen", ["", "garbage", "1:2", "a:b:c", "1:2:3:4", ",,,"])
def test_mangled_lines_seen_fall_back_to_prices_changed(client, in_cart, parcels, seen):
    client.post(reverse("web:cart-update"), {"variant": parcels[0].pk, "quantity": 3})

    response = client.post(CHECKOUT, form_data(TOTAL, seen_lines=seen))

    assert response.status_code == 400
    assert "价格已变动" in response.content.decode()


def test_resubmitting_after_a_cart_change_places_the_order(
    client, in_cart, parcels, stripe_settings
):
    page = client.get(CHECKOUT).content.decode()
    seen = re.search(r'name="seen_lines" value="([^"]*)"', page)[1]
    client.post(reverse("web:cart-update"), {"variant": parcels[1].pk, "quantity": 4})
    answer = client.post(CHECKOUT, form_data(TOTAL, seen_lines=seen)).content.decode()
    seen_now = re.search(r'name="seen_lines" value="([^"]*)"', answer)[1]

    response = client.post(CHECKOUT, form_data(TOTAL + 1500, seen_lines=seen_now))

    assert response.status_code == 302
    assert Order.objects.get().total_fen == TOTAL + 1500
