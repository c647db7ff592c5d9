"""The demo data and pictures themselves, without a database."""

import io
import re
from collections import Counter

from PIL import Image

from brands.models import Role, WorkshopType, ZhejiangCity
from storefront.core.slugs import slug_base
from storefront.demo import data
from storefront.demo.artwork import PALETTES, brand_logo, product_picture
from storefront.demo.motifs import MOTIFS

SC_LICENCE = re.compile(r"^SC\d{14}$")


def variants(code_prefix: str = "", name_part: str = ""):
    for product in data.PRODUCTS:
        if product["code"].startswith(code_prefix) and name_part in product["name"]:
            yield from product["variants"]


def test_category_slugs_are_the_ones_the_service_derives():
    seen = set()
    for category in data.CATEGORIES:
        assert category["slug"] == slug_base(category["name_en"])
        assert category["parent"] is None or category["parent"] in seen
        assert category["palette"] in PALETTES
        seen.add(category["slug"])


def test_keys_are_unique():
    for rows in (data.BRANDS, data.VILLAGES, data.WORKSHOPS):
        assert len({row["slug"] for row in rows}) == len(rows)
        assert len({row["name"] for row in rows}) == len(rows)
    codes = [(p["workshop"], p["code"]) for p in data.PRODUCTS]
    assert len(set(codes)) == len(codes)
    skus = [
        (p["workshop"], f"{p['code']}-{v[0]}")
        for p in data.PRODUCTS
        for v in p["variants"]
    ]
    assert len(set(skus)) == len(skus)
    # Distinct names give distinct slugs without -2 suffixes that hang on order.
    assert len({slug_base(p["name"]) for p in data.PRODUCTS}) == len(data.PRODUCTS)


def test_references_and_choices_are_valid():
    brands = {b["slug"] for b in data.BRANDS}
    villages = {v["slug"]: v for v in data.VILLAGES}
    workshops = {w["slug"]: w for w in data.WORKSHOPS}
    categories = {c["slug"] for c in data.CATEGORIES}
    for village in villages.values():
        assert village["city"] in ZhejiangCity.values
    for workshop in workshops.values():
        assert workshop["village"] in villages
        assert set(workshop["brands"]) <= brands
        assert workshop["workshop_type"] in WorkshopType.values
        assert workshop["people_employed"] >= workshop["low_income_households_employed"]
    for product in data.PRODUCTS:
        assert product["brand"] in workshops[product["workshop"]]["brands"]
        assert product["category"] in categories
        assert product["motif"] in MOTIFS
        assert 1 <= product["images"] <= 3
        assert 1 <= len(product["variants"]) <= 3
        assert product["name_en"]
        assert product["description"].startswith("<p>")
    assert {s["brand"] for s in data.STANDARDS} <= brands


def test_prices_stock_and_licences_are_plausible():
    for product in data.PRODUCTS:
        sc = product.get("label", {}).get("sc_licence")
        assert sc is None or SC_LICENCE.match(sc), product["name"]
        for _, option, _, price, compare_at, weight, stock in product["variants"]:
            assert option in {"规格", "尺码"}
            assert isinstance(price, int) and price > 0
            assert compare_at is None or (
                isinstance(compare_at, int) and compare_at > price
            )
            assert weight > 0 and stock >= 0
    assert all(8800 <= v[3] <= 16800 for v in variants("BL-HY-001"))
    assert all(2800 <= v[3] <= 5800 for v in variants("XD-XP-001"))
    assert [v[3] for v in variants("LH-CM-001")][0] == 1990
    assert all(v[3] >= 12800 for v in variants(name_part="灯"))
    assert all(v[3] >= 68000 for v in variants(name_part="旗袍"))
    assert {v[1] for v in variants(name_part="旗袍")} == {"尺码"}
    assert {v[1] for v in variants(name_part="帽")} == {"尺码"}


def test_demo_users_cover_every_role():
    roles = Counter(user["role"] for user in data.DEMO_USERS)
    assert set(roles) == {*Role.values, "platform_operator", "consumer"}
    assert len({user["username"] for user in data.DEMO_USERS}) == len(data.DEMO_USERS)


def test_pictures_are_deterministic_square_jpegs():
    first = product_picture(motif="fish", palette="sea", seed="w/BL-HY-001", index=0)
    again = product_picture(motif="fish", palette="sea", seed="w/BL-HY-001", index=0)
    other = product_picture(motif="fish", palette="sea", seed="w/BL-HY-001", index=1)
    assert first == again
    assert first != other
    image = Image.open(io.BytesIO(first))
    assert (image.format, image.size) == ("JPEG", (1200, 1200))


def test_every_motif_draws_and_the_logo_is_a_small_png():
    for motif in MOTIFS:
        assert product_picture(motif=motif, palette="tea", seed=motif, size=(200, 200))
    logo = Image.open(io.BytesIO(brand_logo(colour=(22, 86, 140), motif="fish")))
    assert (logo.format, logo.size, logo.mode) == ("PNG", (256, 256), "RGBA")
