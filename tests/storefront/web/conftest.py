"""A small shop: one brand, village, workshop and a fully described product."""

from dataclasses import dataclass

import pytest

from brands.models import Brand, Village, Workshop
from storefront.catalog import services as catalog_services
from storefront.catalog.models import Category, Product
from tests.factories import (
    make_brand,
    make_product,
    make_village,
    make_workshop,
    png_bytes,
)


@dataclass
class Shop:
    brand: Brand
    village: Village
    workshop: Workshop
    category: Category
    subcategory: Category
    product: Product


@pytest.fixture
def shop(db) -> Shop:
    brand = make_brand(
        slug="banlan",
        name="斑斓海岸",
        name_en="Banlan Coast",
        story="象山海边的渔村好物。",
        region="宁波市象山县",
    )
    village = make_village(
        slug="dongmen",
        name="东门村",
        name_en="Dongmen Village",
        township="石浦镇",
        collective_organisation="东门村股份经济合作社",
        story="千年渔港古村。",
    )
    workshop = make_workshop(
        brands=[brand],
        village=village,
        slug="dongmen-fish",
        name="东门海鲜加工工坊",
        name_en="Dongmen Seafood Workshop",
        people_employed=36,
        low_income_households_employed=9,
    )
    category = catalog_services.category_create(name="海鲜", name_en="Seafood")
    subcategory = catalog_services.category_create(
        name="鱼类", name_en="Fish", parent=category
    )
    product = make_product(
        brand=brand,
        workshop=workshop,
        name="象山活黄鱼",
        name_en="Xiangshan Yellow Croaker",
        variants=(),
        category=subcategory,
        is_featured=True,
        description="<p>每天清晨<strong>出海</strong>捕捞。</p>",
        ingredients="大黄鱼",
        net_content="500克",
        shelf_life="冷冻12个月",
        storage_conditions="-18℃以下冷冻保存",
        producer="象山东门海鲜加工工坊",
        sc_licence="SC11233022500123",
        attributes={"产地": "象山石浦", "捕捞方式": ["流刺网", "手钓"]},
    )
    catalog_services.variant_create(
        product=product,
        sku="HY-500",
        name="500g",
        price_fen=1280,
        compare_at_price_fen=1980,
        quantity=50,
        sort_order=0,
    )
    catalog_services.variant_create(
        product=product,
        sku="HY-1000",
        name="1000g",
        price_fen=2400,
        quantity=3,
        sort_order=1,
    )
    catalog_services.product_image_add(
        product=product, data=png_bytes(), alt="刚上岸的黄鱼"
    )
    return Shop(brand, village, workshop, category, subcategory, product)
