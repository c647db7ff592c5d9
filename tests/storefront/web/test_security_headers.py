"""Every page carries the Content-Security-Policy: scripts, styles, requests
and images only from the shop itself, no inline script or style anywhere, no
frames, no plugins; the pay page alone adds the origin Stripe.js comes from."""

import re

import pytest
from django.urls import reverse

from brands.models import Role
from tests.factories import grant, make_product, make_user
from tests.shop_helpers import place_order

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response, *, extra_script: str | None = None):
    directives = policy(response)
    scripts = ["'self'"] + ([extra_script] if extra_script else [])
    assert directives["script-src"] == scripts
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert set(directives["img-src"]) == {"'self'", "data:"}
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    return directives


def assert_no_inline_code(html: str):
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "javascript:" not in html


def _public_urls(shop) -> list[str]:
    return [
        reverse("web:home"),
        reverse("web:product", args=[shop.product.slug]),
        reverse("web:category", args=[shop.category.slug]),
        reverse("web:brand", args=[shop.brand.slug]),
        reverse("web:workshop", args=[shop.workshop.slug]),
        reverse("web:village", args=[shop.village.slug]),
        reverse("web:search") + "?q=黄鱼",
        reverse("web:search") + "?q=%00",
        reverse("web:cart"),
        reverse("web:login"),
        reverse("web:password-reset"),
        reverse("web:password-reset-done"),
        reverse("web:password-reset-complete"),
        "/accounts/password/reset/key/MQ/bad-token/",
        "/no-such-page/",
        "/admin/login/",
    ]


def test_every_public_page_has_the_strict_policy(client, shop):
    for url in _public_urls(shop):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 400, 404), url
        assert_strict(response)
        assert_no_inline_code(response.content.decode())


def test_signed_in_pages_have_the_strict_policy(client, shop):
    manager = make_user("manager")
    grant(manager, Role.WORKSHOP_MANAGER, shop.workshop)
    client.force_login(manager)

    for url in [
        reverse("web:home"),
        reverse("catalog_import:home"),
        reverse("revenue:statements"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert_no_inline_code(response.content.decode())


def test_the_order_page_has_the_strict_policy(client, stripe_settings):
    order, _ = place_order()

    response = client.get(reverse("web:order", args=[order.token]))

    assert_strict(response)
    assert_no_inline_code(response.content.decode())


def test_the_pay_page_adds_only_the_stripe_js_origin(client, stripe_settings):
    order, _ = place_order()
    origin = stripe_settings.url

    response = client.get(reverse("web:order-pay", args=[order.token]))

    assert response.status_code == 200
    directives = assert_strict(response, extra_script=origin)
    assert directives["frame-src"] == [origin]
    assert directives["connect-src"] == ["'self'", origin]
    assert_no_inline_code(response.content.decode())


def test_with_real_stripe_the_pay_page_allows_stripes_documented_origins(
    client, settings, stripe_settings
):
    order, _ = place_order()
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"

    directives = policy(client.get(reverse("web:order-pay", args=[order.token])))

    assert directives["script-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://*.js.stripe.com",
    ]
    assert directives["frame-src"] == [
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert directives["img-src"] == ["'self'", "data:", "https://*.stripe.com"]


def test_other_pages_never_allow_stripe(client, shop, stripe_settings):
    response = client.get(reverse("web:product", args=[shop.product.slug]))

    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-src"] == ["'none'"]


def test_cached_pages_carry_the_policy_too(client):
    url = reverse("web:product", args=[make_product(name="象山活黄鱼").slug])
    assert client.get(url)["X-Page-Cache"] == "miss"

    response = client.get(url)

    assert response["X-Page-Cache"] == "hit"
    assert_strict(response)


def test_a_report_address_is_added_when_configured(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "report-uri": "https://csp.example.cn/report",
        }
    }

    response = client.get(reverse("web:home"))

    assert (
        "report-uri https://csp.example.cn/report"
        in response["Content-Security-Policy"]
    )


def test_every_admin_list_and_add_page_has_no_inline_code(client):
    from django.contrib import admin

    client.force_login(make_user("root", staff=True, is_superuser=True))
    pages = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))

    for url in pages:
        response = client.get(url)
        if response.status_code == 403:  # models nobody adds by hand
            continue
        assert response.status_code == 200, url
        assert_strict(response)
        assert_no_inline_code(response.content.decode())


def test_host_pages_have_no_inline_code(client):
    from storefront.links import services as link_services
    from tests.storefront.links.live_world import make_world

    world = make_world()
    link_services.host_link_create(
        user=world.host, target="product", product=world.products[0]
    )
    client.force_login(world.host)

    for url in [
        reverse("links:my-links"),
        reverse("links:live-new"),
        reverse("links:apply"),
        reverse("links:dashboard"),
        reverse("links:console", args=[world.session.pk]),
        reverse("links:live", args=[world.session.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert_no_inline_code(response.content.decode())


def test_a_blank_stripe_js_url_adds_nothing(client, settings, stripe_settings):
    order, _ = place_order()
    settings.STRIPE_JS_URL = ""

    response = client.get(reverse("web:order-pay", args=[order.token]))

    directives = assert_strict(response)
    assert directives["frame-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]
