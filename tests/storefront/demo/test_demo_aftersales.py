"""The demo's perishable categories carry the fresh-food after-sales policy."""

import pytest

from storefront.catalog.models import AfterSalesKind, Category

pytestmark = pytest.mark.django_db


def test_fresh_goods_have_the_fresh_policy(loaded_demo):
    kinds = dict(Category.objects.values_list("slug", "aftersales_kind"))
    assert kinds["live-seafood"] == AfterSalesKind.FRESH
    assert kinds["fresh-seafood"] == AfterSalesKind.FRESH
    assert kinds["fruit"] == AfterSalesKind.FRESH
    assert kinds["dried-seafood"] == AfterSalesKind.STANDARD
    assert kinds["lanterns"] == AfterSalesKind.STANDARD
