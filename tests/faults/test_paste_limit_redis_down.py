"""The address paste's rate counters live in Redis (django-ratelimit). With
Redis stopped the paste still works (RATELIMIT_FAIL_OPEN): a shopper is not
answered 429 because the cache is down; once Redis is back it counts again."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from storefront.core.redis_cache import REDIS_RETRY_SECONDS
from tests.factories import make_user
from tests.faults.private_redis import VOLATILE
from tests.faults.test_redis_outage import private_redis, shop_cache_on  # noqa: F401

pytestmark = pytest.mark.django_db

PASTE = reverse("account:address-paste")
PASTED = "王小明 13800138000 浙江省宁波市象山县黄避岙乡高泥村 1 号"


@override_settings(ADDRESS_PASTE_RATE_PER_IP="2/10m")
def test_the_paste_works_while_redis_is_down_and_is_limited_once_it_is_back(
    client,
    settings,
    private_redis,  # noqa: F811
):
    server = private_redis(VOLATILE)
    shop_cache_on(settings, server)
    client.force_login(make_user("xiaoming", email="xiaoming@example.cn"))
    server.stop()

    answers = [client.post(PASTE, {"text": PASTED}).status_code for _ in range(4)]

    assert answers == [200] * 4
    server.start()
    time.sleep(REDIS_RETRY_SECONDS + 0.1)  # the pause after a failure ends
    answers = [client.post(PASTE, {"text": PASTED}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
