"""QR codes of host links decode back to the absolute short URL.

The PNG is decoded with zxing-cpp as it is. No SVG rasteriser is installed
(and the suite should not need one), so the SVG is decoded by drawing its
path's unit strokes into a Pillow image here — segno writes each dark run of
a row as an "h" stroke — and decoding that: the SVG's own geometry is what is
read, not the PNG's.
"""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image, ImageDraw

from brands.models import Role
from storefront.links.codes import new_code
from storefront.links.models import HostLink, LinkTarget
from storefront.links.qr import link_qr, link_qr_png, link_qr_svg, link_short_url
from tests.factories import grant, make_brand, make_product, make_user

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def link():
    brand = make_brand()
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    return HostLink.objects.create(
        code=new_code(),
        host=host,
        brand=brand,
        target=LinkTarget.PRODUCT,
        product=make_product(brand=brand),
    )


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_png_decodes_to_the_short_url(link):
    image = Image.open(io.BytesIO(link_qr_png(link)))

    assert image.format == "PNG"
    assert decoded(image) == [f"{settings.SITE_URL}/l/{link.code}"]


def test_the_short_url_follows_site_url(link, settings):
    settings.SITE_URL = "https://shop.example.cn"

    image = Image.open(io.BytesIO(link_qr_png(link)))

    assert decoded(image) == [f"https://shop.example.cn/l/{link.code}"]
    assert link_short_url(link) == f"https://shop.example.cn/l/{link.code}"


def svg_to_image(svg: bytes) -> Image.Image:
    """Draw a segno SVG (one path of horizontal unit strokes, scaled by a
    transform) into a Pillow image of the SVG's size."""
    root = ET.fromstring(svg)
    width, height = int(root.get("width")), int(root.get("height"))
    path = root.find(f"{SVG}path")
    scale = float(re.fullmatch(r"scale\((\d+)\)", path.get("transform"))[1])
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.get("d")):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            end = numbers[0] if command == "H" else x + numbers[0]
            top = (y - 0.5) * scale
            draw.rectangle([x * scale, top, end * scale - 1, top + scale - 1], fill=0)
            x = end
    return image


def test_the_svg_is_well_formed_and_decodes_to_the_short_url(link):
    svg = link_qr_svg(link)
    root = ET.fromstring(svg)  # raises if not well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text.endswith(f"/l/{link.code}")

    image = svg_to_image(svg)

    assert decoded(image) == [f"{settings.SITE_URL}/l/{link.code}"]
    qr = link_qr(link)
    modules = qr.symbol_size(border=4)[0]
    assert image.size == (modules * 8, modules * 8)


def test_the_svg_draws_the_same_modules_as_the_png(link):
    svg_image = svg_to_image(link_qr_svg(link)).convert("1")
    png_image = Image.open(io.BytesIO(link_qr_png(link))).convert("1")

    assert svg_image.size == png_image.size
    assert svg_image.tobytes() == png_image.tobytes()


def test_an_upper_cased_short_url_still_leads_to_the_link(client, link):
    response = client.get(
        f"/l/{link.code.upper()}",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile/15E148 MicroMessenger/8.0",
    )
    assert response.status_code == 302
