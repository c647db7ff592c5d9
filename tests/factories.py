"""Small builders for test data, going through the same services as the shop."""

import io
import itertools

from django.contrib.auth import get_user_model
from PIL import Image

from brands.models import Brand, Membership, Role, Village, Workshop, WorkshopType
from storefront.catalog import services as catalog_services

_seq = itertools.count(1)


def make_brand(**fields) -> Brand:
    n = next(_seq)
    defaults = {
        "slug": f"brand-{n}",
        "name": f"测试品牌{n}",
        "name_en": f"Test Brand {n}",
        "story": "海边村庄的好物",
        "region": "宁波市象山县",
        "operator_organisation": "测试运营公司",
    }
    return Brand.objects.create(**{**defaults, **fields})


def make_village(**fields) -> Village:
    n = next(_seq)
    defaults = {
        "slug": f"village-{n}",
        "name": f"测试村{n}",
        "name_en": f"Test Village {n}",
        "township": "黄避岙乡",
        "county": "象山县",
        "city": "宁波市",
        "collective_organisation": f"测试村{n}股份经济合作社",
    }
    return Village.objects.create(**{**defaults, **fields})


def make_workshop(*, brands=(), village=None, **fields) -> Workshop:
    n = next(_seq)
    defaults = {
        "slug": f"workshop-{n}",
        "name": f"测试工坊{n}",
        "workshop_type": WorkshopType.PROCESSING,
        "people_employed": 12,
        "low_income_households_employed": 4,
    }
    workshop = Workshop.objects.create(
        village=village or make_village(), **{**defaults, **fields}
    )
    workshop.brands.set(brands)
    return workshop


def make_product(
    *,
    brand=None,
    workshop=None,
    name=None,
    variants=((1280, 10),),
    published=True,
    **fields,
):
    """A product with variants given as (price_fen, quantity) pairs."""
    n = next(_seq)
    brand = brand or make_brand()
    workshop = workshop or make_workshop(brands=[brand])
    product = catalog_services.product_create(
        workshop=workshop,
        brand=brand,
        product_code=fields.pop("product_code", f"P{n:05d}"),
        name=name or f"测试商品{n}",
        is_published=published,
        **fields,
    )
    for i, (price_fen, quantity) in enumerate(variants):
        catalog_services.variant_create(
            product=product,
            sku=f"SKU-{n}-{i}",
            name=f"{250 * (i + 1)}g",
            options={"规格": f"{250 * (i + 1)}g"},
            price_fen=price_fen,
            quantity=quantity,
            sort_order=i,
        )
    return product


def make_user(username=None, *, staff=False, **fields):
    n = next(_seq)
    return get_user_model().objects.create_user(
        username=username or f"user{n}",
        password="correct horse battery staple",
        is_staff=staff,
        **fields,
    )


def grant(user, role: Role, target) -> Membership:
    key = {
        Role.BRAND_OPERATOR: "brand",
        Role.LIVESTREAM_HOST: "brand",
        Role.WORKSHOP_MANAGER: "workshop",
        Role.VILLAGE_TREASURER: "village",
    }[role]
    return Membership.objects.create(user=user, role=role, **{key: target})


def png_bytes(size=(800, 600), colour=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()
