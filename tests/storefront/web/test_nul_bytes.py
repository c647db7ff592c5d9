"""A NUL byte, which PostgreSQL refuses in text, is a clean error wherever a
page takes input: the search says "invalid search", forms show a field error,
parameters parsed as numbers, dates or choices fall back or say they are
wrong; none answers 500 and none writes anything."""

import pytest
from django.urls import reverse

from brands.models import Role
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.orders.models import Order
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import VALID_ADDRESS, make_variant

pytestmark = pytest.mark.django_db

NUL = "\x00"


def test_a_search_with_a_nul_is_an_invalid_search(client, shop):
    response = client.get(reverse("web:search"), {"q": f"黄{NUL}鱼"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "无效的搜索词" in html and "Invalid search" in html
    assert shop.product.name not in html


def test_a_nul_in_the_search_page_number_falls_back_to_page_one(client, shop):
    response = client.get(reverse("web:search"), {"q": "黄鱼", "page": f"2{NUL}"})

    assert response.status_code == 200
    assert shop.product.name in response.content.decode()


@pytest.mark.parametrize("name", ["category", "brand", "workshop", "village"])
def test_a_nul_in_a_listing_page_number_falls_back(client, shop, name):
    slug = {
        "category": shop.category.slug,
        "brand": shop.brand.slug,
        "workshop": shop.workshop.slug,
        "village": shop.village.slug,
    }[name]

    response = client.get(reverse(f"web:{name}", args=[slug]), {"page": NUL})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url_name, data",
    [
        ("web:cart-add", {"variant": f"1{NUL}", "quantity": "1"}),
        ("web:cart-add", {"variant": "VARIANT", "quantity": f"1{NUL}"}),
        ("web:cart-update", {"variant": f"1{NUL}", "quantity": "1"}),
        ("web:cart-update", {"variant": "VARIANT", "quantity": f"2{NUL}"}),
        ("web:cart-remove", {"variant": f"1{NUL}"}),
    ],
)
def test_a_nul_in_the_cart_forms_is_refused(client, url_name, data):
    variant = make_variant(1280, 5)
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})
    before = list(CheckoutLine.objects.values_list("variant_id", "quantity"))
    data = {k: v.replace("VARIANT", str(variant.pk)) for k, v in data.items()}

    response = client.post(reverse(url_name), data)

    assert response.status_code in (302, 400)
    if response.status_code == 400:
        html = response.content.decode()
        assert 'class="form-errors"' in html or 'class="field-error"' in html
    assert list(CheckoutLine.objects.values_list("variant_id", "quantity")) == before


@pytest.mark.parametrize(
    "field", ["email", "recipient_name", "city", "district", "street_address", "note"]
)
def test_a_nul_in_a_checkout_field_is_a_field_error(client, field):
    variant = make_variant(1280, 5)
    client.post(reverse("web:cart-add"), {"variant": variant.pk, "quantity": 1})
    total = (
        client.get(reverse("web:checkout"))
        .context["form"]
        .initial["expected_total_fen"]
    )
    data = {
        "email": "buyer@example.com",
        **VALID_ADDRESS,
        "note": "请放门卫室",
        "expected_total_fen": str(total),
    }
    data[field] = data[field][:3] + NUL + data[field][3:]

    response = client.post(reverse("web:checkout"), data)

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    checkout = Checkout.objects.get()
    assert checkout.note == "" and checkout.city == ""
    assert not Order.objects.exists()


def test_a_nul_in_the_language_switch_target_goes_home(client):
    response = client.get(reverse("web:language", args=["en"]), {"next": f"/{NUL}x"})

    assert response.status_code == 302
    assert NUL not in response["Location"]


def test_a_nul_in_the_statement_filter_is_a_clean_error(client):
    workshop = make_workshop(brands=[make_brand()])
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    client.force_login(manager)

    response = client.get(
        reverse("revenue:statements"), {"party": f"1{NUL}", "month": f"2026-1{NUL}"}
    )

    assert response.status_code == 400
    assert "月份" in response.content.decode()


def test_a_nul_in_the_host_dashboard_filters_is_a_clean_error(client):
    brand = make_brand()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    client.force_login(host)

    dates = client.get(
        reverse("links:dashboard"), {"from": f"2026-01-01{NUL}", "to": NUL}
    )
    picked = client.get(reverse("links:dashboard"), {"host": f"{host.pk}{NUL}"})

    assert dates.status_code == 400
    assert 'class="form-errors"' in dates.content.decode()
    # Not a host id: answered like any host the user may not see.
    assert picked.status_code == 403


def test_a_nul_in_the_import_filters_falls_back(client):
    workshop = make_workshop(brands=[make_brand()])
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    client.force_login(manager)

    response = client.get(reverse("catalog_import:home"), {"page": NUL})

    assert response.status_code == 200
