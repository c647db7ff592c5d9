"""Every storefront page renders its content in Chinese by default."""

import re

import pytest
from django.urls import reverse

from storefront.catalog import services as catalog_services
from storefront.catalog.models import Product
from tests.factories import make_brand, make_product

pytestmark = pytest.mark.django_db


def meta_content(html: str, attribute: str, name: str) -> str:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    assert match, f"missing <meta {attribute}={name!r}>"
    return match.group(1)


def test_home_shows_brands_featured_products_and_categories(client, shop):
    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "共富工坊" in html
    assert "斑斓海岸" in html and "宁波市象山县" in html
    assert "推荐好物" in html
    assert "象山活黄鱼" in html
    assert "¥12.80 起" in html  # two variants: price "from" the lowest
    assert reverse("web:category", args=[shop.category.slug]) in html
    assert reverse("web:brand", args=["banlan"]) in html


def test_home_leaves_out_unpublished_and_inactive_brands(client, shop):
    make_product(name="未上架的鱼干", published=False, is_featured=True)
    make_brand(name="停用品牌", is_active=False)

    html = client.get(reverse("web:home")).content.decode()

    assert "未上架的鱼干" not in html
    assert "停用品牌" not in html


def test_page_shell_has_lang_viewport_search_and_language_switch(client, shop):
    html = client.get(reverse("web:home")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert '<meta name="viewport"' in html
    assert '<label class="visually-hidden" for="site-search">搜索商品</label>' in html
    assert 'href="/language/en/?next=/"' in html
    # Nothing personal on a public page, so it can be cached for everyone.
    assert 'name="csrfmiddlewaretoken"' not in html
    assert reverse("web:login") in html
    assert "/static/web/site.css" in html


def test_brand_page_shows_story_workshops_villages_and_products(client, shop):
    response = client.get(reverse("web:brand", args=["banlan"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "斑斓海岸" in html
    assert "象山海边的渔村好物。" in html
    assert "东门海鲜加工工坊" in html
    assert reverse("web:village", args=["dongmen"]) in html
    assert "象山活黄鱼" in html
    assert "¥12.80" in html


def test_brand_page_paginates_24_products(client, shop):
    for n in range(25):
        make_product(brand=shop.brand, workshop=shop.workshop, name=f"鱼干{n:02d}")

    first = client.get(reverse("web:brand", args=["banlan"]))
    second = client.get(reverse("web:brand", args=["banlan"]), {"page": 2})

    assert len(first.context["page_obj"].object_list) == 24
    assert "第 1 页，共 2 页" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    assert second.status_code == 200
    assert len(second.context["page_obj"].object_list) == 2


def test_workshop_page_shows_type_village_brands_and_employment(client, shop):
    response = client.get(reverse("web:workshop", args=["dongmen-fish"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "东门海鲜加工工坊" in html
    assert "生产加工" in html and "Production and processing" not in html
    assert "东门村" in html
    assert "斑斓海岸" in html
    assert "带动就业人数" in html and ">36<" in html
    assert "带动低收入农户数" in html and ">9<" in html
    assert "象山活黄鱼" in html


def test_village_page_shows_place_collective_story_workshops_products(client, shop):
    response = client.get(reverse("web:village", args=["dongmen"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "东门村" in html
    assert "浙江省宁波市象山县石浦镇" in html
    assert "东门村股份经济合作社" in html
    assert "千年渔港古村。" in html
    assert "东门海鲜加工工坊" in html
    assert "象山活黄鱼" in html


def test_product_page_shows_variants_prices_stock_and_links(client, shop):
    response = client.get(reverse("web:product", args=[shop.product.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>象山活黄鱼</h1>" in html
    assert "¥12.80" in html and "¥24.00" in html
    assert re.search(r"<s [^>]*>.*¥19.80</s>", html)
    assert "有货" in html  # 50 of 500g
    assert "仅剩少量" in html  # 3 of 1000g
    assert reverse("web:brand", args=["banlan"]) in html
    assert reverse("web:workshop", args=["dongmen-fish"]) in html
    assert reverse("web:village", args=["dongmen"]) in html


def test_product_page_shows_gallery_description_label_and_attributes(client, shop):
    image = shop.product.images.get()

    html = client.get(reverse("web:product", args=[shop.product.slug])).content.decode()

    assert f'src="{image.large_url}"' in html
    assert image.small_url in html
    assert 'alt="刚上岸的黄鱼"' in html
    assert "<p>每天清晨<strong>出海</strong>捕捞。</p>" in html  # sanitised HTML kept
    assert "食品标签信息（GB 7718）" in html
    for label, value in (
        ("配料", "大黄鱼"),
        ("净含量", "500克"),
        ("保质期", "冷冻12个月"),
        ("储存条件", "-18℃以下冷冻保存"),
        ("生产许可证编号", "SC11233022500123"),
    ):
        assert f'<th scope="row">{label}</th><td>{value}</td>' in html
    assert "<td>象山石浦</td>" in html
    assert "<td>流刺网、手钓</td>" in html


def test_product_page_sold_out_variant(client, shop):
    product = make_product(brand=shop.brand, workshop=shop.workshop, variants=[])
    catalog_services.variant_create(
        product=product, sku="GONE-1", price_fen=990, quantity=0
    )

    html = client.get(reverse("web:product", args=[product.slug])).content.decode()

    assert "已售罄" in html
    assert "¥9.90" in html


def test_product_page_open_graph_and_canonical(client, shop, settings):
    settings.SITE_URL = "https://shop.example.cn"
    image = shop.product.images.get()
    url = "https://shop.example.cn" + reverse("web:product", args=[shop.product.slug])

    html = client.get(reverse("web:product", args=[shop.product.slug])).content.decode()

    assert meta_content(html, "property", "og:title") == "象山活黄鱼"
    assert meta_content(html, "property", "og:type") == "product"
    assert meta_content(html, "property", "og:url") == url
    assert f'<link rel="canonical" href="{url}">' in html
    og_image = meta_content(html, "property", "og:image")
    assert og_image == "https://shop.example.cn" + image.large_url
    assert og_image.startswith("https://") and "/products/1200/" in og_image
    assert meta_content(html, "property", "og:description") == "每天清晨出海捕捞。"
    assert meta_content(html, "property", "product:price:amount") == "12.80"
    assert meta_content(html, "property", "product:price:currency") == "CNY"
    assert meta_content(html, "name", "twitter:card") == "summary_large_image"
    assert meta_content(html, "name", "twitter:image") == og_image


def test_product_page_prefers_seo_fields(client, shop):
    shop.product.seo_title = "石浦黄鱼 当天发货"
    shop.product.seo_description = "象山石浦渔港直供"
    shop.product.save()

    html = client.get(reverse("web:product", args=[shop.product.slug])).content.decode()

    assert meta_content(html, "property", "og:title") == "石浦黄鱼 当天发货"
    assert meta_content(html, "property", "og:description") == "象山石浦渔港直供"


def test_product_without_image_or_description_still_renders(client, shop):
    product = make_product(brand=shop.brand, workshop=shop.workshop, name="虾皮")

    response = client.get(reverse("web:product", args=[product.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'property="og:image"' not in html
    assert meta_content(html, "property", "og:description") == "斑斓海岸 · 虾皮"


def test_category_page_includes_descendants_and_subcategory_links(client, shop):
    response = client.get(reverse("web:category", args=[shop.category.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>海鲜</h1>" in html
    assert "象山活黄鱼" in html  # filed under the subcategory 鱼类
    assert reverse("web:category", args=[shop.subcategory.slug]) in html


def test_category_page_tolerates_bad_page_numbers(client, shop):
    url = reverse("web:category", args=[shop.category.slug])
    for page in ("0", "-1", "abc", "999999", "1e9"):
        assert client.get(url, {"page": page}).status_code == 200


def test_english_names_shown_to_english_readers(client, shop):
    client.get(reverse("web:language", args=["en"]))

    html = client.get(reverse("web:product", args=[shop.product.slug])).content.decode()

    assert "<h1>Xiangshan Yellow Croaker</h1>" in html
    assert "Banlan Coast" in html
    assert "Ingredients" in html and "Net content" in html


def test_description_written_around_save_is_still_sanitised(client):
    """A bulk write that skips Product.save() cannot put script on the page."""
    product = make_product(name="绿茶梨膏")
    Product.objects.filter(pk=product.pk).update(
        description='<p>好喝</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    )
    html = client.get(reverse("web:product", args=[product.slug])).content.decode()
    assert "<p>好喝</p>" in html
    assert "<script>alert(1)" not in html
    assert "onerror" not in html
