import io
import random
import struct
import zlib

import pytest
from PIL import Image

from storefront.catalog import services
from storefront.catalog.errors import CatalogError, CatalogErrorCode
from storefront.catalog.models import ProductImage
from tests.factories import make_product, png_bytes

pytestmark = pytest.mark.django_db


def _open(field) -> Image.Image:
    field.open("rb")
    try:
        image = Image.open(io.BytesIO(field.read()))
        image.load()
        return image
    finally:
        field.close()


def _jpeg_bytes(size, *, orientation=None) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    if orientation is None:
        image.save(out, format="JPEG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header that claims enormous dimensions."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def test_renditions_are_400_and_1200_pixel_jpegs():
    product = make_product()
    record = services.product_image_add(
        product=product, data=png_bytes(size=(2400, 1800)), alt="东海黄鱼"
    )
    record.refresh_from_db()
    small, large = _open(record.rendition_small), _open(record.rendition_large)
    assert (small.format, small.size) == ("JPEG", (400, 300))
    assert (large.format, large.size) == ("JPEG", (1200, 900))
    # The stored original is the shop's own copy: at most 2048 px, no metadata.
    original = _open(record.image)
    assert (original.format, original.size) == ("JPEG", (2048, 1536))
    assert record.image.name.endswith(".jpg")
    assert record.alt == "东海黄鱼"
    assert record.small_url.endswith("-400.jpg")
    assert record.large_url.endswith("-1200.jpg")


def test_small_photos_are_not_upscaled():
    product = make_product()
    record = services.product_image_add(product=product, data=png_bytes((300, 200)))
    assert _open(record.rendition_small).size == (300, 200)
    assert _open(record.rendition_large).size == (300, 200)


def test_alt_defaults_to_product_name_and_sort_order_appends():
    product = make_product(name="小岛下酒菜 鱿鱼丝")
    first = services.product_image_add(product=product, data=png_bytes())
    second = services.product_image_add(product=product, data=_jpeg_bytes((640, 480)))
    assert first.alt == "小岛下酒菜 鱿鱼丝"
    assert (first.sort_order, second.sort_order) == (0, 1)
    assert second.image.name.endswith(".jpg")


def test_exif_rotated_photo_rendered_upright():
    # Orientation 6: the camera stored a portrait photo sideways.
    product = make_product()
    record = services.product_image_add(
        product=product, data=_jpeg_bytes((800, 600), orientation=6)
    )
    assert _open(record.rendition_small).size == (400, 533)


def test_palette_and_transparent_images_render():
    product = make_product()
    out = io.BytesIO()
    Image.new("RGBA", (500, 500), (255, 0, 0, 0)).save(out, format="PNG")
    record = services.product_image_add(product=product, data=out.getvalue())
    assert _open(record.rendition_small).mode == "RGB"


def _truncated_png() -> bytes:
    data = png_bytes(size=(600, 600))
    return data[: len(data) // 2]


def _jpeg_cut_mid_scan() -> bytes:
    rng = random.Random(7)
    noise = bytes(rng.getrandbits(8) for _ in range(300 * 200 * 3))
    out = io.BytesIO()
    Image.frombytes("RGB", (300, 200), noise).save(out, format="JPEG")
    data = out.getvalue()
    return data[: len(data) // 2]


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
        b'width="10" height="10"><script>alert(1)</script></svg>'
    )


def _tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="TIFF")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 40, id="random-bytes"),
        pytest.param(b"", id="empty"),
        pytest.param(_truncated_png(), id="truncated-png"),
        pytest.param(_jpeg_bytes((800, 600))[:400], id="truncated-jpeg"),
        pytest.param(_jpeg_cut_mid_scan(), id="jpeg-cut-mid-scan"),
        pytest.param(_svg(), id="svg"),
        pytest.param("东海黄鱼 500g".encode(), id="text"),
        pytest.param(_tiff(), id="tiff-not-allowed"),
    ],
)
def test_unreadable_uploads_refused_without_a_row(data):
    product = make_product()
    with pytest.raises(CatalogError) as info:
        services.product_image_add(product=product, data=data)
    assert info.value.code == CatalogErrorCode.IMAGE_INVALID
    assert info.value.field == "image"
    assert not ProductImage.objects.exists()


def test_file_over_byte_limit_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    product = make_product()
    with pytest.raises(CatalogError) as info:
        services.product_image_add(product=product, data=png_bytes((200, 200)) * 4)
    assert info.value.code == CatalogErrorCode.IMAGE_TOO_LARGE
    assert not ProductImage.objects.exists()


def test_image_over_pixel_limit_refused(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    product = make_product()
    # Between the limit and twice the limit Pillow only warns; still refused.
    for size in [(120, 100), (1000, 1000)]:
        with pytest.raises(CatalogError) as info:
            services.product_image_add(product=product, data=png_bytes(size))
        assert info.value.code == CatalogErrorCode.IMAGE_TOO_LARGE
    assert not ProductImage.objects.exists()


def test_decompression_bomb_header_refused():
    product = make_product()
    with pytest.raises(CatalogError) as info:
        services.product_image_add(
            product=product, data=_png_claiming(100_000, 100_000)
        )
    assert info.value.code == CatalogErrorCode.IMAGE_TOO_LARGE
    assert not ProductImage.objects.exists()


def test_pixel_limit_follows_settings_between_calls(settings):
    product = make_product()
    settings.IMAGE_MAX_PIXELS = 50 * 50
    with pytest.raises(CatalogError):
        services.product_image_add(product=product, data=png_bytes((200, 200)))
    settings.IMAGE_MAX_PIXELS = 40_000_000
    assert services.product_image_add(product=product, data=png_bytes((200, 200)))


def test_an_admin_upload_keeps_no_gps_or_other_exif():
    from PIL import Image

    photo = Image.new("RGB", (800, 600), (30, 120, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (30.0, 0.0, 0.0), 4: (122.0, 0.0, 0.0)}  # GPS
    data = io.BytesIO()
    photo.save(data, "JPEG", exif=exif)
    record = services.product_image_add(product=make_product(), data=data.getvalue())
    stored = _open(record.image)
    assert not stored.getexif()
    assert b"PhoneMaker" not in record.image.open("rb").read()
