"""Two web processes that share one cache see one catalogue version: a
catalogue write made in one retires the pages and API answers the other
serves, at once, not when their cache entries expire.

Each web process is a Python process of its own (web_process.py) running the
shop's whole request stack, sharing with the test only the database and the
cache it is configured with: Redis where REDIS_URL is set (CI), else the
file cache the default settings give every process on the machine.
"""

import pytest
from django.conf import settings

from brands.models import Role
from storefront.catalog.models import Product
from tests.factories import grant, make_product, make_user

from .web_process import web_process

pytestmark = pytest.mark.django_db(transaction=True)

GRAPHQL = '{ product(slug: "%s", channel: "default-channel") { name } }'


def test_the_cache_shared_is_redis_when_redis_is_configured():
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.REDIS_URL:
        assert backend == "storefront.core.redis_cache.ResilientRedisCache"
        assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
    else:
        # Not a per-process cache (locmem), which two processes cannot share.
        assert backend == "django.core.cache.backends.filebased.FileBasedCache"


def test_a_catalogue_write_in_one_web_process_shows_in_the_other_at_once():
    product = make_product(name="黄鱼鲞 旧名 Old name")
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, product.workshop)
    page = f"/products/{product.slug}/"
    query = GRAPHQL % product.slug

    with web_process() as a, web_process() as b:
        assert a.pid != b.pid
        assert "旧名" in b.get(page)
        assert b.graphql(query)["data"]["product"]["name"] == "黄鱼鲞 旧名 Old name"
        # Changed behind the cache's back (no catalogue write): both processes
        # keep serving what B stored, so the cache really is one, not B's own.
        Product.objects.filter(pk=product.pk).update(name="黄鱼鲞 暗改 Quietly")
        assert "旧名" in a.get(page)
        assert a.graphql(query)["data"]["product"]["name"] == "黄鱼鲞 旧名 Old name"

        a.rename(product=product, user=manager, name="黄鱼鲞 新名 New name")

        # B's very next answers are the new ones; nothing has expired.
        body = b.get(page)
        assert "新名" in body and "旧名" not in body
        assert b.graphql(query)["data"]["product"]["name"] == "黄鱼鲞 新名 New name"
        assert "新名" in a.get(page)
