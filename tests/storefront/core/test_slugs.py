import pytest

from storefront.catalog.models import Category
from storefront.core.slugs import SLUG_MAX_LENGTH, slug_base, unique_slug
from tests.factories import make_product


def test_chinese_name_becomes_pinyin_slug():
    assert slug_base("斑斓海岸 活黄鱼") == "ban-lan-hai-an-huo-huang-yu"
    assert slug_base("小岛下酒菜") == "xiao-dao-xia-jiu-cai"


def test_mixed_chinese_latin_and_digits():
    assert slug_base("东海 Yellow Croaker 500g装") == (
        "dong-hai-yellow-croaker-500g-zhuang"
    )


@pytest.mark.parametrize("name", ["", "🐟🦐", "！！！", "   "])
def test_name_without_letters_falls_back(name):
    assert slug_base(name, fallback="P00042") == "p00042"
    assert slug_base(name) == "item"


def test_fallback_without_letters_still_gives_a_slug():
    assert slug_base("🐟", fallback="🦐") == "item"


def test_long_names_leave_room_for_a_suffix():
    base = slug_base("黄鱼" * 60)
    assert len(base) <= SLUG_MAX_LENGTH - 8
    assert not base.endswith("-")


@pytest.mark.django_db
def test_unique_slug_suffixes_taken_slugs():
    Category.objects.create(slug="hai-xian", name="海鲜")
    assert unique_slug(Category, "海鲜") == "hai-xian-2"
    Category.objects.create(slug="hai-xian-2", name="海鲜二")
    assert unique_slug(Category, "海鲜") == "hai-xian-3"
    # A slug that merely starts with the base does not count as taken.
    assert unique_slug(Category, "海") == "hai"


@pytest.mark.django_db
def test_products_with_the_same_name_get_distinct_slugs():
    first = make_product(name="舟山带鱼")
    second = make_product(name="舟山带鱼")
    assert first.slug == "zhou-shan-dai-yu"
    assert second.slug == "zhou-shan-dai-yu-2"


@pytest.mark.django_db
def test_product_slug_stays_when_renamed():
    product = make_product(name="象山红美人")
    product.name = "象山红美人柑橘 礼盒"
    product.save()
    product.refresh_from_db()
    assert product.slug == "xiang-shan-hong-mei-ren"
    assert product.name == "象山红美人柑橘 礼盒"
