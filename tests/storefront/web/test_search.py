"""Search finds Chinese, pinyin and SKUs, and survives any input."""

import pytest
from django.urls import reverse

from tests.factories import make_product

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:search")


def found(client, q, **params):
    response = client.get(SEARCH, {"q": q, **params})
    assert response.status_code == 200
    page = response.context["page_obj"]
    return [p.name for p in page.object_list] if page else []


def test_chinese_substring_matches(client, shop):
    assert found(client, "黄鱼") == ["象山活黄鱼"]
    html = client.get(SEARCH, {"q": "黄鱼"}).content.decode()
    assert "“黄鱼”的搜索结果" in html
    assert "¥12.80" in html


def test_pinyin_matches(client, shop):
    assert found(client, "huangyu") == ["象山活黄鱼"]
    assert found(client, "HuangYu") == ["象山活黄鱼"]


def test_sku_matches(client, shop):
    assert found(client, "HY-1000") == ["象山活黄鱼"]
    assert found(client, "hy-500") == ["象山活黄鱼"]


def test_brand_and_village_names_match(client, shop):
    assert found(client, "斑斓") == ["象山活黄鱼"]
    assert found(client, "东门村") == ["象山活黄鱼"]


def test_no_results_page(client, shop):
    response = client.get(SEARCH, {"q": "榴莲"})

    assert response.status_code == 200
    assert "没有找到相关商品" in response.content.decode()


def test_empty_query_shows_a_prompt(client, shop):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get(SEARCH, params)
        assert response.status_code == 200
        assert "可按商品名称、拼音、SKU、品牌或村庄搜索。" in response.content.decode()


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "_",
        "%_",
        "'",
        '"',
        "\\",
        ".*",
        "[(",
        "%_'\"\\.*[(",
        "' OR 1=1 --",
        "黄鱼%",
        "🐟",
        "黄鱼🐟",
        "a" * 10_000,
        "黄鱼 " * 2_000,
        "\u202e\u200b",
    ],
)
def test_odd_queries_never_fail(client, shop, q):
    response = client.get(SEARCH, {"q": q})

    assert response.status_code == 200


def test_metacharacters_are_literal(client, shop):
    make_product(name="百分百_纯%鱼干")

    assert found(client, "%") == ["百分百_纯%鱼干"]
    assert found(client, "_") == ["百分百_纯%鱼干"]
    assert found(client, ".*") == []


@pytest.mark.parametrize("q", ["\x00", "黄\x00鱼"], ids=repr)
def test_a_nul_in_the_query_is_an_invalid_search(client, shop, q):
    response = client.get(SEARCH, {"q": q})

    assert response.status_code == 400
    assert "无效的搜索词" in response.content.decode()


@pytest.fixture
def many_fish(shop):
    for n in range(30):
        make_product(brand=shop.brand, workshop=shop.workshop, name=f"黄鱼鲞{n:02d}")


def test_pagination_keeps_the_query(client, many_fish):
    first = client.get(SEARCH, {"q": "黄鱼 鲞"})
    html = first.content.decode()

    assert first.context["page_obj"].paginator.count == 30
    assert 'href="?q=%E9%BB%84%E9%B1%BC+%E9%B2%9E&amp;page=2"' in html

    second = client.get(SEARCH, {"q": "黄鱼 鲞", "page": "2"})
    assert second.status_code == 200
    assert len(second.context["page_obj"].object_list) == 6
    assert (
        'href="?q=%E9%BB%84%E9%B1%BC+%E9%B2%9E&amp;page=1"' in second.content.decode()
    )


@pytest.mark.parametrize("page", ["99", "0", "-3", "two", "", "1.5", "9" * 50])
def test_out_of_range_and_bad_pages(client, many_fish, page):
    response = client.get(SEARCH, {"q": "黄鱼", "page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].object_list
