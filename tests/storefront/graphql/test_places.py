import pytest

from tests.factories import make_brand, make_village, make_workshop

pytestmark = pytest.mark.django_db


def test_brands_workshops_villages_categories(gql):
    brand = make_brand(slug="xiaodao", name="小岛下酒菜", name_en="Small-island Snacks")
    hidden = make_brand(slug="old", is_active=False)
    village = make_village(slug="mayidao", name="蚂蚁岛", city="舟山市")
    make_workshop(
        slug="xiapi", name="虾皮工坊", brands=[brand, hidden], village=village
    )
    make_workshop(slug="closed", brands=[brand], is_active=False)

    data = gql(
        """{
          brands { totalCount edges { node { slug name nameEn } } }
          brand(slug: "xiaodao") { name }
          inactive: brand(slug: "old") { name }
          workshops(brand: "xiaodao") { edges { node {
            slug workshopType peopleEmployed lowIncomeHouseholdsEmployed
            village { name city } brands { slug } } } }
          workshop(slug: "xiapi") { name }
          villages { edges { node { slug name collectiveOrganisation } } }
          village(slug: "mayidao") { name township county city }
          categories { totalCount }
          collections(channel: "default-channel") { totalCount
            edges { node { slug name translation(languageCode: EN) { name } } } }
        }"""
    )["data"]
    assert data["brands"]["totalCount"] == 1
    assert data["brands"]["edges"][0]["node"]["nameEn"] == "Small-island Snacks"
    assert data["brand"] == {"name": "小岛下酒菜"}
    assert data["inactive"] is None
    workshops = data["workshops"]["edges"]
    assert [w["node"]["slug"] for w in workshops] == ["xiapi"]
    assert workshops[0]["node"]["workshopType"] == "PROCESSING"
    assert workshops[0]["node"]["brands"] == [{"slug": "xiaodao"}]
    assert workshops[0]["node"]["village"]["city"] == "舟山市"
    assert data["workshop"] == {"name": "虾皮工坊"}
    assert data["village"]["name"] == "蚂蚁岛"
    assert data["categories"]["totalCount"] == 0
    # The same brands, as Saleor's collections.
    (collection,) = data["collections"]["edges"]
    assert collection["node"]["slug"] == "xiaodao"
    assert collection["node"]["translation"] == {"name": "Small-island Snacks"}


def test_workshops_query_count_is_bounded(gql, django_assert_max_num_queries):
    brand = make_brand()
    for _ in range(15):
        make_workshop(brands=[brand])
    with django_assert_max_num_queries(4):
        gql(
            "{ workshops { edges { node { name village { name } brands { name } } } } }"
        )
