"""The Saleor storefront's catalogue operations, run: each document that
tests.saleor.surface writes from the surface facts is executed with the
variables the storefront sends, against a small catalogue, and the answers
are checked (names, prices in yuan and fen, stored renditions, English
translations, pagination) — plus the bad inputs the issue lists and the
query counts of the two hot queries."""

import json

import pytest
from graphql_relay import to_global_id

from storefront.catalog import services
from storefront.catalog.models import Product, ProductVariant
from tests.factories import (
    make_brand,
    make_product,
    make_village,
    make_workshop,
    png_bytes,
)
from tests.saleor.surface import documents

pytestmark = pytest.mark.django_db

CHANNEL = "default-channel"
DOCUMENTS = documents()


@pytest.fixture
def run(client):
    """POST one of the storefront's documents and return the decoded body."""

    def send(name: str, variables: dict | None = None, query: str | None = None):
        response = client.post(
            "/graphql/",
            data=json.dumps(
                {"query": query or DOCUMENTS[name], "variables": variables or {}}
            ),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return send


@pytest.fixture
def shop():
    """Two brands, a village, a category with a sub-category, a product with
    an English name, label facts, a photo and a compare-at price, and a
    plainer one."""
    village = make_village(slug="mayidao", name="蚂蚁岛村", name_en="Mayi Island")
    banlan = make_brand(
        slug="banlan",
        name="斑斓海岸",
        name_en="Banlan Coast",
        story="海边的村庄。\n渔民的手艺 <好> & 真。",
    )
    xiaodao = make_brand(slug="xiaodao", name="小岛下酒菜", name_en="")
    workshop = make_workshop(brands=[banlan, xiaodao], village=village)
    seafood = services.category_create(
        name="海鲜干货", name_en="Dried seafood", slug="dried-seafood"
    )
    shrimp = services.category_create(
        name="虾皮", name_en="Dried shrimp", slug="dried-shrimp", parent=seafood
    )
    shrimp_product = make_product(
        brand=banlan,
        workshop=workshop,
        name="蚂蚁岛虾皮",
        name_en="Mayi Island dried shrimp",
        category=shrimp,
        description="<p>鲜甜 &amp; 干爽</p><p>第二段 <b>好</b></p>",
        ingredients="鲜虾、盐",
        net_content="250g",
        shelf_life="12个月",
        storage_conditions="阴凉干燥处",
        producer="蚂蚁岛工坊",
        sc_licence="SC12233022500123",
        variants=((2880, 5), (5200, 0)),
    )
    first = shrimp_product.variants.order_by("sort_order").first()
    ProductVariant.objects.filter(pk=first.pk).update(compare_at_price_fen=3600)
    services.product_image_add(
        product=shrimp_product, data=png_bytes((800, 600)), alt="虾皮"
    )
    noodles = make_product(
        brand=xiaodao,
        workshop=workshop,
        name="临海垂面",
        variants=((1500, 10),),
    )
    # Readable slugs for the documents' $slug.
    Product.objects.filter(pk=shrimp_product.pk).update(slug="mayidao-xiapi")
    Product.objects.filter(pk=noodles.pk).update(slug="linhai-chuimian")
    return {
        "banlan": banlan,
        "xiaodao": xiaodao,
        "village": village,
        "seafood": seafood,
        "shrimp": shrimp,
        "shrimp_product": shrimp_product,
        "first_variant": first,
        "noodles": noodles,
    }


def _gross(taxed) -> float:
    return taxed["gross"]["amount"]


def _nodes(connection):
    return [edge["node"] for edge in connection["edges"]]


def test_product_list_answers_names_prices_thumbnails_and_english(run, shop):
    body = run("ProductList", {"first": 20, "channel": CHANNEL, "languageCode": "EN"})
    assert "errors" not in body
    nodes = _nodes(body["data"]["products"])
    assert [n["name"] for n in nodes] == ["临海垂面", "蚂蚁岛虾皮"]
    noodles, shrimp = nodes
    assert shrimp["id"] == to_global_id("Product", shop["shrimp_product"].pk)
    assert shrimp["translation"] == {"name": "Mayi Island dried shrimp", "slug": None}
    assert noodles["translation"] is None  # no English name: the client shows Chinese
    pricing = shrimp["pricing"]
    assert _gross(pricing["priceRange"]["start"]) == 28.8
    assert _gross(pricing["priceRange"]["stop"]) == 52.0
    assert pricing["priceRange"]["start"]["gross"]["currency"] == "CNY"
    assert _gross(pricing["priceRangeUndiscounted"]["start"]) == 36.0
    # size 256 → the 400 px rendition, an absolute URL of a stored file.
    assert shrimp["thumbnail"]["url"].startswith(
        "http://testserver/media/products/400/"
    )
    assert shrimp["thumbnail"]["alt"] == "虾皮"
    assert noodles["thumbnail"] is None
    assert shrimp["category"]["name"] == "虾皮"
    assert shrimp["category"]["translation"]["name"] == "Dried shrimp"
    variants = shrimp["productVariants"]
    assert variants["totalCount"] == 2
    (option,) = _nodes(variants)[0]["attributes"]
    assert option["attribute"]["name"] == "规格"
    assert option["attribute"]["inputType"] == "DROPDOWN"
    assert option["values"][0]["name"] == "250g"
    assert shrimp["created"]


def test_product_list_paginated_walks_forwards_with_cursors(run, shop):
    variables = {"first": 1, "channel": CHANNEL, "languageCode": "ZH_HANS"}
    first = run("ProductListPaginated", variables)["data"]["products"]
    assert first["totalCount"] == 2
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    second = run(
        "ProductListPaginated", {**variables, "after": first["pageInfo"]["endCursor"]}
    )["data"]["products"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    names = [n["name"] for n in _nodes(first) + _nodes(second)]
    assert names == ["临海垂面", "蚂蚁岛虾皮"]


def test_product_list_paginated_filters_and_sorts_the_saleor_way(run, shop):
    variables = {"channel": CHANNEL, "languageCode": "EN", "first": 10}
    by_price = run(
        "ProductListPaginated",
        {**variables, "sortBy": {"field": "PRICE", "direction": "DESC"}},
    )["data"]["products"]
    assert [n["name"] for n in _nodes(by_price)] == ["蚂蚁岛虾皮", "临海垂面"]
    in_collection = run(
        "ProductListPaginated",
        {
            **variables,
            "where": {
                "collection": {"eq": to_global_id("Collection", shop["xiaodao"].pk)}
            },
        },
    )["data"]["products"]
    assert [n["name"] for n in _nodes(in_collection)] == ["临海垂面"]
    either = run(
        "ProductListPaginated",
        {
            **variables,
            "where": {
                "OR": [
                    {"slug": {"eq": "linhai-chuimian"}},
                    {"name": {"oneOf": ["蚂蚁岛虾皮"]}},
                ],
                "AND": [{"hasCategory": True}],
            },
        },
    )["data"]["products"]
    assert [n["name"] for n in _nodes(either)] == ["蚂蚁岛虾皮"]
    cheap = run(
        "ProductListPaginated", {**variables, "filter": {"price": {"lte": 20}}}
    )["data"]["products"]
    assert [n["name"] for n in _nodes(cheap)] == ["临海垂面"]


def test_product_list_by_category_includes_sub_categories(run, shop):
    body = run(
        "ProductListByCategory",
        {
            "slug": "dried-seafood",
            "channel": CHANNEL,
            "languageCode": "EN",
            "first": 10,
        },
    )
    category = body["data"]["category"]
    assert category["name"] == "海鲜干货"
    assert category["translation"]["name"] == "Dried seafood"
    assert category["id"] == to_global_id("Category", shop["seafood"].pk)
    products = category["products"]
    assert products["totalCount"] == 1
    assert [n["slug"] for n in _nodes(products)] == ["mayidao-xiapi"]
    assert products["edges"][0]["cursor"]


def test_product_list_by_collection_is_a_brand_s_products(run, shop):
    body = run(
        "ProductListByCollection",
        {"slug": "banlan", "channel": CHANNEL, "languageCode": "EN", "first": 10},
    )
    collection = body["data"]["collection"]
    assert collection["id"] == to_global_id("Collection", shop["banlan"].pk)
    assert collection["name"] == "斑斓海岸"
    assert collection["translation"]["name"] == "Banlan Coast"
    description = json.loads(collection["description"])
    assert [b["data"]["text"] for b in description["blocks"]] == [
        "海边的村庄。",
        "渔民的手艺 &lt;好&gt; &amp; 真。",
    ]
    assert [n["name"] for n in _nodes(collection["products"])] == ["蚂蚁岛虾皮"]


def test_search_products_matches_words_and_pinyin_and_sorts(run, shop):
    variables = {
        "channel": CHANNEL,
        "languageCode": "EN",
        "sortBy": "NAME",
        "sortDirection": "ASC",
        "first": 10,
    }
    found = run("SearchProducts", {**variables, "search": "虾皮"})["data"]["products"]
    assert [n["name"] for n in _nodes(found)] == ["蚂蚁岛虾皮"]
    pinyin = run("SearchProducts", {**variables, "search": "chuimian"})
    assert [n["name"] for n in _nodes(pinyin["data"]["products"])] == ["临海垂面"]
    everything = run("SearchProducts", {**variables, "search": "", "sortBy": "PRICE"})[
        "data"
    ]["products"]
    assert [n["name"] for n in _nodes(everything)] == ["临海垂面", "蚂蚁岛虾皮"]


def test_product_details_has_description_media_attributes_and_type(run, shop):
    body = run(
        "ProductDetails",
        {"slug": "mayidao-xiapi", "channel": CHANNEL, "languageCode": "EN"},
    )
    assert "errors" not in body
    product = body["data"]["product"]
    description = json.loads(product["description"])
    assert description["version"] == "2.24.3"
    assert [b["type"] for b in description["blocks"]] == ["paragraph", "paragraph"]
    assert [b["data"]["text"] for b in description["blocks"]] == [
        "鲜甜 &amp; 干爽",
        "第二段 好",
    ]
    assert product["seoTitle"] is None
    assert product["isAvailable"] is True
    assert product["productType"] == {"slug": "default"}
    assert product["productVariants"] == {"totalCount": 2}
    (media,) = product["media"]
    assert media["type"] == "IMAGE"
    assert media["url"].startswith("http://testserver/media/products/400/")
    assert product["translation"]["name"] == "Mayi Island dried shrimp"
    facts = {
        a["attribute"]["slug"]: a.get("valueAssignedPlainTextAttribute")
        for a in product["assignedAttributes"]
    }
    assert facts["net-content"] == "250g"
    assert facts["sc-licence"] == "SC12233022500123"
    net = next(
        a
        for a in product["assignedAttributes"]
        if a["attribute"]["slug"] == "net-content"
    )
    assert net["attribute"]["name"] == "净含量"
    assert net["attribute"]["translation"] == {"name": "Net content"}
    brand = product["assignedAttribute"]
    assert brand["attribute"]["slug"] == "brand"
    assert brand["valueAssignedSingleChoiceAttribute"] == {
        "name": "斑斓海岸",
        "slug": "banlan",
        "translation": "Banlan Coast",
    }
    assert _gross(product["pricing"]["priceRange"]["start"]) == 28.8


def test_product_variant_for_pdp_by_sku_and_by_id(run, shop):
    variant = shop["first_variant"]
    variables = {"channel": CHANNEL, "languageCode": "EN"}
    by_sku = run("ProductVariantForPdp", {**variables, "sku": variant.sku})
    found = by_sku["data"]["productVariant"]
    assert found["id"] == to_global_id("ProductVariant", variant.pk)
    assert found["sku"] == variant.sku
    assert found["name"] == "250g"
    assert found["quantityAvailable"] == 5
    assert _gross(found["pricing"]["price"]) == 28.8
    assert _gross(found["pricing"]["priceUndiscounted"]) == 36.0
    assert found["product"] == {
        "id": to_global_id("Product", shop["shrimp_product"].pk),
        "slug": "mayidao-xiapi",
    }
    assert found["media"][0]["url"].startswith("http://testserver/media/")
    assert found["translation"] is None
    by_id = run("ProductVariantForPdp", {**variables, "id": found["id"]})
    assert by_id["data"]["productVariant"]["sku"] == variant.sku


def test_product_variants_for_pdp_pages_the_variants(run, shop):
    variables = {"slug": "mayidao-xiapi", "channel": CHANNEL, "languageCode": "EN"}
    first = run("ProductVariantsForPdp", {**variables, "first": 1})
    variants = first["data"]["product"]["productVariants"]
    assert variants["totalCount"] == 2
    assert variants["pageInfo"]["hasNextPage"] is True
    (node,) = _nodes(variants)
    assert node["quantityAvailable"] == 5
    rest = run(
        "ProductVariantsForPdp",
        {**variables, "first": 5, "after": variants["pageInfo"]["endCursor"]},
    )["data"]["product"]["productVariants"]
    (sold_out,) = _nodes(rest)
    assert sold_out["name"] == "500g"
    assert sold_out["quantityAvailable"] == 0
    assert _gross(sold_out["pricing"]["price"]) == 52.0


def test_categories_by_slug(run, shop):
    body = run("CategoriesBySlug", {"slugs": ["dried-shrimp", "dried-seafood"]})
    names = {n["slug"]: n["name"] for n in _nodes(body["data"]["categories"])}
    assert names == {"dried-seafood": "海鲜干货", "dried-shrimp": "虾皮"}


def test_channels_list_and_channel(run):
    (channel,) = run("ChannelsList")["data"]["channels"]
    assert channel["slug"] == CHANNEL
    assert channel["currencyCode"] == "CNY"
    assert channel["isActive"] is True
    one = run("channel", {"slug": CHANNEL})["data"]["channel"]
    assert one == {"countries": [{"code": "CN"}]}


def test_menu_navbar_is_brands_then_categories_with_children(run, shop):
    body = run(
        "MenuGetBySlug", {"slug": "navbar", "channel": CHANNEL, "languageCode": "EN"}
    )
    items = body["data"]["menu"]["items"]
    # Brands (by name, as the database collates it), then the categories.
    assert {i["name"] for i in items[:2]} == {"小岛下酒菜", "斑斓海岸"}
    assert [i["name"] for i in items[2:]] == ["海鲜干货"]
    banlan = next(i for i in items if i["name"] == "斑斓海岸")
    assert banlan["collection"]["slug"] == "banlan"
    assert banlan["translation"] == {"name": "Banlan Coast"}
    assert banlan["url"] is None
    seafood = items[-1]
    assert seafood["category"]["slug"] == "dried-seafood"
    assert seafood["level"] == 0
    (child,) = seafood["children"]
    assert child["category"]["translation"]["name"] == "Dried shrimp"
    assert child["level"] == 1
    assert len({i["id"] for i in items}) == len(items)


def test_menu_footer_links_brand_and_village_pages(run, shop):
    body = run(
        "MenuGetBySlug", {"slug": "footer", "channel": CHANNEL, "languageCode": "EN"}
    )
    headings = body["data"]["menu"]["items"]
    assert [h["name"] for h in headings] == ["品牌", "村庄", "分类"]
    assert headings[0]["translation"] == {"name": "Brands"}
    brand_pages = {c["page"]["slug"] for c in headings[0]["children"]}
    assert brand_pages == {"brand-banlan", "brand-xiaodao"}
    village_pages = {c["page"]["title"] for c in headings[1]["children"]}
    assert "蚂蚁岛村" in village_pages
    unknown = run(
        "MenuGetBySlug", {"slug": "nope", "channel": CHANNEL, "languageCode": "EN"}
    )
    assert unknown["data"]["menu"] is None


def test_page_get_by_slug_is_a_brand_story_or_a_village(run, shop):
    body = run("PageGetBySlug", {"slug": "brand-banlan", "languageCode": "EN"})
    page = body["data"]["page"]
    assert page["title"] == "斑斓海岸"
    assert page["id"] == to_global_id("Page", 2 * shop["banlan"].pk)
    blocks = json.loads(page["content"])["blocks"]
    assert blocks[0]["data"]["text"] == "海边的村庄。"
    assert page["translation"]["title"] == "Banlan Coast"
    village = run("PageGetBySlug", {"slug": "village-mayidao", "languageCode": "EN"})
    assert village["data"]["page"]["title"] == "蚂蚁岛村"
    assert village["data"]["page"]["id"] == to_global_id(
        "Page", 2 * shop["village"].pk + 1
    )
    missing = run("PageGetBySlug", {"slug": "brand-nope", "languageCode": "EN"})
    assert missing["data"]["page"] is None


def test_storefront_content_pages_list_brand_and_village_pages(run, shop):
    body = run("StorefrontContentPages", {"channel": CHANNEL, "languageCode": "EN"})
    pages = {n["slug"]: n for n in _nodes(body["data"]["pages"])}
    assert {"brand-banlan", "brand-xiaodao", "village-mayidao"} <= set(pages)
    banlan = pages["brand-banlan"]
    assert banlan["isPublished"] is True
    assert banlan["pageType"] == {"slug": "brand-story"}
    reference = next(
        a for a in banlan["assignedAttributes"] if a["attribute"]["slug"] == "brand"
    )
    assert reference["valueAssignedSingleCollectionReferenceAttribute"] == {
        "slug": "banlan"
    }
    assert pages["village-mayidao"]["pageType"] == {"slug": "village"}


def test_address_validation_rules_for_china(run):
    body = run("addressValidationRules", {"countryCode": "CN"})
    rules = body["data"]["addressValidationRules"]
    provinces = {c["raw"]: c["verbose"] for c in rules["countryAreaChoices"]}
    assert provinces["浙江省"] == "浙江省 Zhejiang"
    assert len(provinces) == 31
    assert "country_area" in rules["requiredFields"]
    assert "postal_code" in rules["allowedFields"]
    assert "postal_code" not in rules["requiredFields"]
    assert rules["postalCodeType"] == "postal"
    assert rules["countryAreaType"] == "province"


# Bad input.


def test_unknown_channel_is_saleor_s_not_found_not_a_crash(run, shop):
    body = run("ProductList", {"first": 5, "channel": "nope", "languageCode": "EN"})
    assert body["data"]["products"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "channel"
    for name, variables in (
        ("ProductDetails", {"slug": "mayidao-xiapi"}),
        ("ProductVariantForPdp", {"sku": shop["first_variant"].sku}),
        ("MenuGetBySlug", {"slug": "navbar"}),
        ("StorefrontContentPages", {}),
        ("ProductListByCollection", {"slug": "banlan", "first": 5}),
    ):
        body = run(name, {**variables, "channel": "nope", "languageCode": "EN"})
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", name


def test_unsupported_language_falls_back_to_chinese(run, shop):
    body = run(
        "ProductDetails",
        {"slug": "mayidao-xiapi", "channel": CHANNEL, "languageCode": "FR"},
    )
    product = body["data"]["product"]
    assert product["name"] == "蚂蚁岛虾皮"
    assert product["translation"] is None
    assert product["category"]["translation"] is None


HUGE_THUMBNAIL = """query($slug: String!) { product(slug: $slug) {
  huge: thumbnail(size: 100000) { url }
  tiny: thumbnail(size: -5) { url }
  original: thumbnail { url }
  media { large: url(size: 1000) huge: url(size: 100000) }
} }"""


def test_thumbnail_of_any_size_is_a_stored_rendition(run, shop):
    product = run("", {"slug": "mayidao-xiapi"}, query=HUGE_THUMBNAIL)["data"][
        "product"
    ]
    # Larger than any rendition: the largest stored, the normalised original.
    assert "/media/products/original/" in product["huge"]["url"]
    assert product["original"] == product["huge"]
    assert "/media/products/400/" in product["tiny"]["url"]
    (media,) = product["media"]
    assert "/media/products/1200/" in media["large"]
    assert media["huge"] == product["huge"]["url"]


CLAMPED = """query($first: Int, $channel: String) {
  products(first: $first, channel: $channel) {
    totalCount pageInfo { hasNextPage } edges { node { name } } } }"""


def test_first_above_100_is_clamped_to_100(run, shop):
    """The storefront's documents reuse `$first` for the nested variants, so
    first: 1000 there is over the cost limit (docs/graphql-limits.md) as it
    is in Saleor; a list of products alone is clamped to 100."""
    workshop = make_workshop(brands=[shop["banlan"]])
    for i in range(100):
        make_product(
            brand=shop["banlan"],
            workshop=workshop,
            name=f"虾干{i}",
            variants=((100, 1),),
        )
    body = run("", {"first": 1000, "channel": CHANNEL}, query=CLAMPED)
    products = body["data"]["products"]
    assert len(products["edges"]) == 100
    assert products["totalCount"] == 102
    assert products["pageInfo"]["hasNextPage"] is True


def test_malformed_ids_are_graphql_errors(run, shop):
    body = run(
        "ProductVariantForPdp",
        {"id": to_global_id("Product", 1), "channel": CHANNEL, "languageCode": "EN"},
    )
    assert body["data"]["productVariant"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


# Query counts of the hot queries (uncached: the first anonymous request).


def test_product_list_of_twenty_costs_three_queries(
    run, shop, django_assert_max_num_queries
):
    """The products (brand, workshop, village and category joined), their
    variants with stock, their photos: Saleor's budget is six."""
    workshop = make_workshop(brands=[shop["banlan"]])
    for i in range(20):
        product = make_product(brand=shop["banlan"], workshop=workshop, name=f"鱼鲞{i}")
        services.product_image_add(product=product, data=png_bytes((40 + i, 30)))
    with django_assert_max_num_queries(3):
        body = run(
            "ProductList", {"first": 20, "channel": CHANNEL, "languageCode": "EN"}
        )
    nodes = _nodes(body["data"]["products"])
    assert len(nodes) == 20
    assert all(n["thumbnail"]["url"] and n["pricing"]["priceRange"] for n in nodes)


def test_product_details_costs_three_queries(run, shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        body = run(
            "ProductDetails",
            {"slug": "mayidao-xiapi", "channel": CHANNEL, "languageCode": "EN"},
        )
    assert body["data"]["product"]["media"]
    assert body["data"]["product"]["assignedAttributes"]
    assert body["data"]["product"]["productVariants"]["totalCount"] == 2


PLAIN_LIST = """query { products(first: 20, channel: "default-channel") {
  edges { node { id name slug thumbnail(size: 512) { url alt }
  pricing { priceRange { start { gross { amount currency } } } } } } } }"""


def test_a_list_of_names_photos_and_prices_joins_no_other_table(
    run, shop, django_assert_max_num_queries
):
    """Only what the query selects is joined: names, photos and prices need
    neither brands, workshops, villages, categories nor stock."""
    with django_assert_max_num_queries(3) as captured:
        body = run("", query=PLAIN_LIST)
    nodes = _nodes(body["data"]["products"])
    assert [n["name"] for n in nodes] == ["临海垂面", "蚂蚁岛虾皮"]
    assert nodes[1]["pricing"]["priceRange"]["start"]["gross"]["amount"] == 28.8
    assert nodes[1]["thumbnail"]["url"].startswith("http://testserver/media/")
    products_sql, variants_sql = (q["sql"] for q in captured.captured_queries[:2])
    assert '"catalog_category"' not in products_sql
    assert '"brands_village"' not in products_sql
    assert '"catalog_productvariant"' in variants_sql
    assert '"catalog_stock"' not in variants_sql


def test_a_thumbnail_only_list_loads_each_products_first_photo_alone(
    run, shop, django_assert_max_num_queries
):
    """`thumbnail` alone loads one photo per product, the first in the
    workshop's order (not the first added); `media` beside it loads them all,
    still in that order."""
    product = make_product(brand=shop["banlan"], name="鱼鲞")
    later = services.product_image_add(
        product=product, data=png_bytes((41, 30)), alt="后", sort_order=2
    )
    first = services.product_image_add(
        product=product, data=png_bytes((42, 30)), alt="先", sort_order=1
    )
    assert later.pk < first.pk
    with django_assert_max_num_queries(3) as captured:
        body = run("", query=PLAIN_LIST)
    fish = next(n for n in _nodes(body["data"]["products"]) if n["name"] == "鱼鲞")
    assert fish["thumbnail"]["alt"] == "先"
    assert "LIMIT 1" in captured.captured_queries[2]["sql"]

    both = PLAIN_LIST.replace("thumbnail(size: 512)", "media { alt } thumbnail")
    with django_assert_max_num_queries(3):
        body = run("", query=both)
    fish = next(n for n in _nodes(body["data"]["products"]) if n["name"] == "鱼鲞")
    assert fish["thumbnail"]["alt"] == "先"
    assert [m["alt"] for m in fish["media"]] == ["先", "后"]


def test_workshops_brands_cost_one_query_for_the_whole_page(
    run, shop, django_assert_max_num_queries
):
    """`workshop { brands }` is fetched for every product of the page at
    once, and only when asked for."""
    other = make_workshop(brands=[shop["xiaodao"]])
    for i in range(6):
        make_product(brand=shop["xiaodao"], workshop=other, name=f"垂面{i}")
    query = """query { products(first: 20, channel: "default-channel") {
      edges { node { name workshop { name village { name } brands { slug } }
      originVillage { slug } } } } }"""
    with django_assert_max_num_queries(4):
        body = run("", query=query)
    nodes = _nodes(body["data"]["products"])
    assert len(nodes) == 8
    others = [n for n in nodes if n["name"].startswith("垂面")]
    assert all(n["workshop"]["brands"] == [{"slug": "xiaodao"}] for n in others)
    shrimp = next(n for n in nodes if n["name"] == "蚂蚁岛虾皮")
    assert sorted(b["slug"] for b in shrimp["workshop"]["brands"]) == [
        "banlan",
        "xiaodao",
    ]
    assert shrimp["workshop"]["village"]["name"] == "蚂蚁岛村"


def test_a_workshops_name_alone_loads_no_brands(
    run, shop, django_assert_max_num_queries
):
    """`workshop { name }` is read from the joined row: the workshops'
    brands are not fetched when nothing asks for them."""
    query = """query { products(first: 20, channel: "default-channel") {
      edges { node { name workshop { name } } } } }"""
    with django_assert_max_num_queries(3) as captured:
        body = run("", query=query)
    shrimp = next(
        n for n in _nodes(body["data"]["products"]) if n["name"] == "蚂蚁岛虾皮"
    )
    assert shrimp["workshop"]["name"]
    assert not any(
        "brands_workshop_brands" in q["sql"] for q in captured.captured_queries
    )


def test_a_variants_product_is_the_joined_row_without_more_queries(
    run, shop, django_assert_max_num_queries
):
    """A selection reaching back to the product through its variants joins
    everything the product can answer, so no variant loads a row alone."""
    query = """query { products(first: 20, channel: "default-channel") {
      edges { node { slug variants { sku product { brand { slug }
      category { name parent { name } } originVillage { slug } isAvailable }
      } } } } }"""
    with django_assert_max_num_queries(3):
        body = run("", query=query)
    shrimp = next(
        n for n in _nodes(body["data"]["products"]) if n["slug"] == "mayidao-xiapi"
    )
    assert len(shrimp["variants"]) == 2
    for variant in shrimp["variants"]:
        assert variant["product"] == {
            "brand": {"slug": "banlan"},
            "category": {"name": "虾皮", "parent": {"name": "海鲜干货"}},
            "originVillage": {"slug": "mayidao"},
            "isAvailable": True,
        }


def test_one_product_loads_what_its_fragments_ask_for(
    run, shop, django_assert_max_num_queries
):
    """Fields selected through fragments count like fields written out."""
    query = """query { product(slug: "mayidao-xiapi", channel: "default-channel") {
      ...Names } }
      fragment Names on Product { name ... on Product { category { name }
      collections { slug } } }"""
    with django_assert_max_num_queries(3):
        body = run("", query=query)
    assert body["data"]["product"] == {
        "name": "蚂蚁岛虾皮",
        "category": {"name": "虾皮"},
        "collections": [{"slug": "banlan"}],
    }


NODE = """query($id: ID!) { node(id: $id) {
  __typename ... on Collection { slug } ... on Brand { slug } } }"""


@pytest.mark.parametrize("type_name", ["Collection", "Brand"])
def test_node_answers_a_brand_as_the_type_asked_for(run, shop, type_name):
    """A brand is also a collection: node() answers the one its id names."""
    body = run("", {"id": to_global_id(type_name, shop["banlan"].pk)}, query=NODE)
    assert body["data"]["node"] == {"__typename": type_name, "slug": "banlan"}


@pytest.mark.parametrize(
    "type_name, pk, title",
    [("Page", "village", "蚂蚁岛村"), ("Category", "seafood", "海鲜干货")],
)
def test_node_resolves_pages_and_categories(run, shop, type_name, pk, title):
    key = 2 * shop[pk].pk + 1 if type_name == "Page" else shop[pk].pk
    query = """query($id: ID!) { node(id: $id) { __typename
      ... on Page { title } ... on Category { name } } }"""
    node = run("", {"id": to_global_id(type_name, key)}, query=query)["data"]["node"]
    assert node["__typename"] == type_name
    assert title in node.values()


def test_node_resolves_rowless_menus_and_the_product_type(run, shop):
    query = """query($menu: ID!, $type: ID!) {
      menu: node(id: $menu) { __typename ... on Menu { slug } }
      type: node(id: $type) { __typename ... on ProductType { slug } } }"""
    variables = {
        "menu": to_global_id("Menu", 2),
        "type": to_global_id("ProductType", 1),
    }
    data = run("", variables, query=query)["data"]
    assert data == {
        "menu": {"__typename": "Menu", "slug": "footer"},
        "type": {"__typename": "ProductType", "slug": "default"},
    }
