"""Sharing as hosts and shoppers do it: the QR code shown on product, live
and host-link pages, the copy-link button, and the share poster (a 750 ×
1334 PNG drawn with the Noto CJK font) whose QR code decodes to the page's
or the host link's absolute URL. Bad inputs: a product without photos, a
host name of emoji or 40 characters, a missing font."""

import io
import os
import re

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from storefront.catalog import services as catalog_services
from storefront.links import fonts
from storefront.links.poster import HEIGHT, WIDTH, PosterFacts, draw_poster
from tests.factories import png_bytes

from .host_builders import live_session, login, make_world, product_link


def _font_missing() -> str | None:
    try:
        fonts.font_path()
    except fonts.FontMissing as missing:
        return str(missing)
    return None


# Like the browser tests and chromium: skipped without the font, except
# under CI=true (.ci/run installs fonts-noto-cjk), where it must be there.
needs_font = pytest.mark.skipif(
    _font_missing() is not None and os.environ.get("CI") != "true",
    reason=f"{_font_missing()}",
)
pytestmark = [pytest.mark.django_db, needs_font]

PHOTO_COLOUR = (30, 120, 160)


@pytest.fixture
def world():
    return make_world()


def decode(png: bytes) -> tuple[Image.Image, list[str]]:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image, [found.text for found in zxingcpp.read_barcodes(image)]


def is_absolute(url: str, path: str) -> bool:
    """`url` is the absolute URL of our `path` (whichever host the one
    absolute-URL helper picks: SITE_URL, or the request's allowed host)."""
    return re.fullmatch(r"https?://[^/]+" + re.escape(path), url) is not None


def product_path(product) -> str:
    return reverse("web:product", args=[product.slug])


def with_photo(product):
    catalog_services.product_image_add(
        product=product, data=png_bytes((1200, 900), PHOTO_COLOUR), alt="紫菜"
    )
    return product


def test_the_product_poster_is_750_by_1334_with_the_photo_and_a_working_qr(
    client, world
):
    product = with_photo(world.product)
    response = client.get(reverse("links:product-poster", args=[product.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image, codes = decode(response.content)
    assert image.size == (750, 1334)
    assert len(codes) == 1 and is_absolute(codes[0], product_path(product))
    # The photo fills the top (drawn from its stored rendition).
    pixel = image.convert("RGB").getpixel((375, 300))
    assert all(abs(a - b) <= 4 for a, b in zip(pixel, PHOTO_COLOUR, strict=True))


def test_a_product_without_photos_gets_a_drawn_placeholder(client, world):
    assert not world.product.images.exists()
    response = client.get(reverse("links:product-poster", args=[world.product.slug]))
    image, codes = decode(response.content)
    assert image.size == (WIDTH, HEIGHT)
    assert len(codes) == 1 and is_absolute(codes[0], product_path(world.product))
    rgb = image.convert("RGB")
    # A warm gradient, not a blank (white) or missing picture.
    top, bottom = rgb.getpixel((10, 10)), rgb.getpixel((10, 600))
    assert top != (255, 255, 255) and bottom != top
    # The product's first character is drawn large in white in the middle.
    middle = rgb.crop((200, 120, 550, 470))
    assert (255, 255, 255) in {colour for _, colour in middle.getcolors(1 << 16)}


@pytest.mark.parametrize(
    "host",
    [
        "小美😀🎉🐟🦐直播间🔥🔥🔥",
        "象" * 40,
        "W" * 40,
        "😀" * 40,
    ],
)
def test_a_long_or_emoji_host_name_stays_inside_the_poster(host):
    facts = PosterFacts(
        name="象山紫菜（头水紫菜，特级，东海野生）" * 3,
        price="¥128.00",
        village="每售出一件，¥6.40 回流 东门渔村 / ¥6.40 goes back to Dongmen " * 2,
        host=host,
        url="http://127.0.0.1:18800/l/abcdefgh",
    )
    drawn = draw_poster(facts)
    assert drawn.image.size == (750, 1334)
    assert drawn.boxes
    for what, (left, top, right, bottom) in drawn.boxes:
        assert 0 <= left < right <= 750, what
        assert 0 <= top < bottom <= 1334, what
    (host_box,) = [box for what, box in drawn.boxes if what == "host"]
    # Left of the QR code (which starts at 750 − 48 − its width).
    assert host_box[2] <= 750 - 48 - 200
    out = io.BytesIO()
    drawn.image.save(out, format="PNG")
    assert decode(out.getvalue())[1] == ["http://127.0.0.1:18800/l/abcdefgh"]


def test_emoji_are_left_out_rather_than_drawn_as_empty_boxes():
    from storefront.links.poster import _glyph_filter

    font = fonts.cjk_font(36, bold=True)
    assert _glyph_filter(font, "小美😀直播间🎉") == "小美直播间"
    assert _glyph_filter(font, "😀🎉") == ""


def test_checking_glyphs_of_large_text_keeps_little_memory():
    """Which characters the font lacks is remembered per character, not per
    size: a session title of 200 rare characters checked at the placeholder's
    280 px keeps kilobytes, not the ~300 KB per character of 280 px pixels
    (titles and host names are anyone's text; posters are public)."""
    import gc
    import tracemalloc

    from storefront.links.poster import _glyph_filter

    font = fonts.cjk_font(280, bold=True)
    text = "".join(chr(code) for code in range(0x4E00 + 7000, 0x4E00 + 7200))
    gc.collect()
    tracemalloc.start()
    try:
        kept = _glyph_filter(font, text)
        gc.collect()
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == 200  # every one is a CJK glyph the font has
    assert held < 5 * 1024 * 1024


def test_a_missing_font_is_a_clear_error_not_boxes(monkeypatch, tmp_path):
    monkeypatch.setenv("CJK_FONT_DIR", str(tmp_path))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk"):
            draw_poster(
                PosterFacts(name="紫菜", price="", village="", host="小美", url="x")
            )
    finally:
        monkeypatch.delenv("CJK_FONT_DIR")
        fonts.cjk_font.cache_clear()


def test_a_poster_without_its_font_is_a_503_saying_so(
    client, world, monkeypatch, tmp_path
):
    monkeypatch.setenv("CJK_FONT_DIR", str(tmp_path))
    fonts.cjk_font.cache_clear()
    try:
        response = client.get(
            reverse("links:product-poster", args=[world.product.slug])
        )
    finally:
        monkeypatch.delenv("CJK_FONT_DIR")
        fonts.cjk_font.cache_clear()
    assert response.status_code == 503
    assert "缺少中文字体" in response.content.decode()
    assert "Chinese font" in response.content.decode()


def test_the_font_is_noto_sans_cjk_sc():
    assert fonts.cjk_font(20).getname()[0] == "Noto Sans CJK SC"


def test_a_host_link_poster_names_the_host_and_opens_the_short_link(client, world):
    link = product_link(world.host, with_photo(world.product))
    url = reverse("links:link-poster", args=[link.pk])
    response = login(client, world.host).get(url)
    assert response.status_code == 200
    image, codes = decode(response.content)
    assert image.size == (750, 1334)
    assert len(codes) == 1 and is_absolute(codes[0], f"/l/{link.code}")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Someone else's link is as if it did not exist.
    client.logout()
    assert login(client, world.other_host).get(url).status_code == 404


def test_the_live_poster_opens_the_live_page(client, world):
    session = live_session(world.host, world.brand)
    response = client.get(reverse("links:live-poster", args=[session.pk]))
    image, codes = decode(response.content)
    assert image.size == (750, 1334)
    path = reverse("links:live", args=[session.pk])
    assert len(codes) == 1 and is_absolute(codes[0], path)


def test_the_product_page_shows_the_qr_code_a_copy_button_and_the_poster(client, world):
    product = world.product
    html = client.get(reverse("web:product", args=[product.slug])).content.decode()
    qr = reverse("links:product-qr", args=[product.slug])
    assert f'<img class="share-qr" src="{qr}"' in html
    (copied,) = re.findall(r'data-copy-text="([^"]+)"', html)
    assert is_absolute(copied, product_path(product))
    assert reverse("links:product-poster", args=[product.slug]) in html
    assert "/static/links/share.js" in html
    # CSP is self-only: no inline script or style.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    svg = client.get(qr)
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    assert copied.encode() in svg.content  # its title names what it opens


def test_an_unpublished_product_has_no_public_qr_or_poster(client, world):
    product = world.product
    type(product).objects.filter(pk=product.pk).update(is_published=False)
    assert (
        client.get(reverse("links:product-qr", args=[product.slug])).status_code == 404
    )
    assert (
        client.get(reverse("links:product-poster", args=[product.slug])).status_code
        == 404
    )


def test_my_links_shows_each_live_links_qr_copy_button_and_poster(client, world):
    link = product_link(world.host, world.product)
    html = login(client, world.host).get(reverse("links:my-links")).content.decode()
    assert reverse("links:qr", kwargs={"pk": link.pk, "kind": "svg"}) in html
    (copied,) = re.findall(r'data-copy-text="([^"]+)"', html)
    assert is_absolute(copied, f"/l/{link.code}")
    assert reverse("links:link-poster", args=[link.pk]) in html


def test_the_live_page_shows_the_share_box_and_its_open_graph_url(client, world):
    session = live_session(world.host, world.brand)
    html = client.get(reverse("links:live", args=[session.pk])).content.decode()
    path = reverse("links:live", args=[session.pk])
    (og_url,) = re.findall(r'<meta property="og:url" content="([^"]+)"', html)
    assert is_absolute(og_url, path)
    assert reverse("links:live-qr", args=[session.pk]) in html
    assert f'data-copy-text="{og_url}"' in html


def test_a_shared_host_link_previews_with_the_hosts_short_link(client, world):
    """WeChat and other chat apps build their card from Open Graph: a
    preview fetcher that opens the host's link gets og:url = that link."""
    link = product_link(world.host, world.product)
    response = client.get(
        reverse("links:redirect", args=[link.code]),
        HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0 facebookexternalhit/1.1",
    )
    assert response.status_code == 200
    html = response.content.decode()
    (og_url,) = re.findall(r'<meta property="og:url" content="([^"]+)"', html)
    assert is_absolute(og_url, f"/l/{link.code}")


def test_the_host_profile_carries_its_own_open_graph_url(client, world):
    html = client.get(reverse("links:host", args=["xiaomei"])).content.decode()
    (og_url,) = re.findall(r'<meta property="og:url" content="([^"]+)"', html)
    assert is_absolute(og_url, reverse("links:host", args=["xiaomei"]))
