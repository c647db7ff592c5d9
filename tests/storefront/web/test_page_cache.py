"""Public pages are cached for visitors who are not signed in, and any
catalogue write retires the cached copies."""

import re

import pytest
from django.urls import reverse

from brands.models import Role
from storefront.catalog import services
from storefront.catalog.cache import catalog_changed, catalog_version
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def _without_token(html: bytes) -> bytes:
    return TOKEN.sub(b"", html)


def test_second_anonymous_visit_is_served_from_the_cache(client):
    product = make_product(name="象山活黄鱼")
    url = reverse("web:product", args=[product.slug])
    first = client.get(url)
    second = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    # The same page, but each visitor carries their own CSRF token.
    assert _without_token(second.content) == _without_token(first.content)
    assert "象山活黄鱼" in second.content.decode()


def test_a_catalogue_write_retires_cached_pages(client):
    brand = make_brand(slug="banlan")
    workshop = make_workshop(brands=[brand])
    make_product(brand=brand, workshop=workshop, name="活黄鱼")
    url = reverse("web:brand", args=["banlan"])
    assert "鱼鲞" not in client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"

    make_product(brand=brand, workshop=workshop, name="鱼鲞")

    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "鱼鲞" in response.content.decode()


def test_publishing_through_the_service_shows_at_once(client):
    product = make_product(name="岭根草编帽", published=False)
    url = reverse("web:product", args=[product.slug])
    assert client.get(url).status_code == 404
    services.products_set_published(products=[product], published=True)
    assert client.get(url).status_code == 200


def test_version_is_bumped_again_on_commit(django_capture_on_commit_callbacks):
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        catalog_changed()
    assert len(callbacks) == 1
    assert catalog_version() == before + 2


def test_signed_in_visitors_are_never_served_or_stored(client):
    product = make_product(name="未上架旗袍", published=False)
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    url = reverse("web:product", args=[product.slug])

    client.force_login(manager)
    preview = client.get(url)
    assert preview.status_code == 200
    assert "X-Page-Cache" not in preview
    client.logout()

    assert client.get(url).status_code == 404


def test_not_found_pages_are_not_cached(client):
    response = client.get(reverse("web:brand", args=["nope"]))
    assert response.status_code == 404
    assert "X-Page-Cache" not in response


def test_each_language_has_its_own_copy(client):
    product = make_product(name="临海垂面", name_en="Linhai hand-stretched noodles")
    url = reverse("web:product", args=[product.slug])
    assert "临海垂面" in client.get(url).content.decode()
    client.get(reverse("web:language", args=["en"]))
    english = client.get(url)
    assert english["X-Page-Cache"] == "miss"
    assert "Linhai hand-stretched noodles" in english.content.decode()


def test_zero_seconds_turns_caching_off(client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    product = make_product()
    url = reverse("web:product", args=[product.slug])
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_admin_delete_retires_cached_pages(client):
    from django.contrib import admin as django_admin

    product = make_product(name="绿茶梨膏")
    url = reverse("web:product", args=[product.slug])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    django_admin.site._registry[type(product)].delete_model(None, product)

    assert client.get(url).status_code == 404


def test_a_page_cached_over_http_is_not_served_over_https(client, settings):
    """Without SITE_URL, absolute links come from the request's scheme and
    host: a copy stored for http must not give an https visitor http://
    canonical and Open Graph URLs (the cache key carries the scheme)."""
    settings.SITE_URL = settings.SITE_URL_DEFAULT = "http://127.0.0.1:8000"
    product = make_product(name="象山活黄鱼")
    url = reverse("web:product", args=[product.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    secure = client.get(url, secure=True)
    assert secure["X-Page-Cache"] == "miss"
    html = secure.content.decode()
    assert f'href="https://testserver{url}"' in html
    assert "http://testserver/" not in html
