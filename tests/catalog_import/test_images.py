"""The images stage: ZIP files and URLs → normalised photos → stored images.

Every image is made here with Pillow; remote images come from a real
http.server on 127.0.0.1 in a thread, and unreachable ones from real closed or
silent sockets (nothing is mocked)."""

import http.server
import io
import socket
import struct
import threading
import zlib
from contextlib import contextmanager

import pytest
from PIL import ExifTags, Image, ImageCms

from catalog_import import images as stage
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import Severity
from catalog_import.images import ImageFetcher, prepare_images, store_images
from catalog_import.types import ImageRef, ProductDraft
from storefront.catalog import services
from storefront.catalog.images import MASTER_MAX_SIDE
from storefront.catalog.models import ProductImage
from tests.factories import make_product, png_bytes

COLUMN = "图片"

# ----------------------------------------------------------------- builders


def jpeg(size=(800, 600), *, mode="RGB", colour=(200, 80, 40), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format="JPEG", **save)
    return out.getvalue()


def halves_jpeg(*, exif=None) -> bytes:
    """800×600: left half red, right half blue."""
    image = Image.new("RGB", (800, 600), (255, 0, 0))
    image.paste((0, 0, 255), (400, 0, 800, 600))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **({"exif": exif} if exif else {}))
    return out.getvalue()


def phone_exif(orientation=1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMakerX"
    exif[ExifTags.Base.Model] = "ModelY"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (29.0, 28.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 52.0, 12.0)
    return exif


def encoded(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims enormous dimensions."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def draft_of(*sources, alts=None) -> ProductDraft:
    refs = [
        ImageRef(
            row=2 + n,
            column=COLUMN,
            source=source,
            alt=(alts or {}).get(source, ""),
            position=n + 1,
        )
        for n, source in enumerate(sources)
    ]
    return ProductDraft(product_code="HY-1", first_row=2, images=refs)


def zip_of(files: dict[str, bytes]):
    return files.get


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def only_problem(draft):
    assert len(draft.problems) == 1, draft.problems
    return draft.problems[0]


def near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


@pytest.fixture(autouse=True)
def _fresh_default_fetcher():
    stage._default_fetcher().forget_hosts()


# ----------------------------------------------------------- normalisation


def test_exif_orientation_6_comes_out_upright():
    draft = draft_of("sideways.jpg")
    [image] = prepare_images(
        draft,
        image_bytes=zip_of({"sideways.jpg": halves_jpeg(exif=phone_exif(6))}),
    )
    assert draft.problems == []
    stored = opened(image.data)
    # Stored 800×600 with "turn 90° clockwise": shown 600×800, red on top.
    assert (image.width, image.height) == stored.size == (600, 800)
    assert near(stored.getpixel((300, 20)), (255, 0, 0))
    assert near(stored.getpixel((300, 780)), (0, 0, 255))
    assert opened(image.renditions["small"]).size == (400, 533)


def test_exif_with_gps_and_colour_profile_dropped_from_stored_bytes():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = halves_jpeg(exif=phone_exif(1))
    with_icc = encoded(opened(source), "JPEG", exif=phone_exif(1), icc_profile=srgb)
    assert opened(with_icc).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it was there
    [image] = prepare_images(
        draft_of("gps.jpg"), image_bytes=zip_of({"gps.jpg": with_icc})
    )
    for data in (image.data, *image.renditions.values()):
        stored = opened(data)
        assert dict(stored.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile"} & set(stored.info)
        assert b"PhoneMakerX" not in data
        assert b"Exif\x00\x00" not in data


def test_cmyk_jpeg_becomes_rgb():
    data = jpeg((300, 200), mode="CMYK", colour=(0, 255, 255, 0))  # red ink
    [image] = prepare_images(draft_of("c.jpg"), image_bytes=zip_of({"c.jpg": data}))
    stored = opened(image.data)
    assert (image.format, stored.mode) == ("JPEG", "RGB")
    assert near(stored.getpixel((10, 10)), (255, 0, 0), tolerance=30)


def test_palette_png_with_transparency_keeps_alpha_and_renders_on_white():
    palette = Image.new("P", (200, 100), 0)
    palette.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    palette.paste(1, (100, 0, 200, 100))
    data = encoded(palette, "PNG", transparency=0)
    [image] = prepare_images(draft_of("p.png"), image_bytes=zip_of({"p.png": data}))
    stored = opened(image.data)
    assert (image.format, stored.mode) == ("PNG", "RGBA")
    assert stored.getpixel((10, 10))[3] == 0
    assert stored.getpixel((150, 10)) == (200, 0, 0, 255)
    small = opened(image.renditions["small"])
    assert (small.format, small.mode) == ("JPEG", "RGB")
    assert near(small.getpixel((10, 10)), (255, 255, 255))  # white, not black


def test_greyscale_with_alpha_and_16_bit_greyscale_converted():
    la = encoded(Image.new("LA", (64, 64), (90, 128)), "PNG")
    deep = Image.new("I;16", (64, 64), 32768)  # half of 16-bit white
    files = {"la.png": la, "deep.png": encoded(deep, "PNG")}
    la_image, deep_image = prepare_images(
        draft_of("la.png", "deep.png"), image_bytes=zip_of(files)
    )
    assert opened(la_image.data).mode == "RGBA"
    assert opened(la_image.data).getpixel((1, 1)) == (90, 90, 90, 128)
    grey = opened(deep_image.data)
    assert grey.mode == "RGB"
    assert near(grey.getpixel((1, 1)), (128, 128, 128), tolerance=3)  # not clipped


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_longest_side_capped_at_2048(fmt):
    data = encoded(Image.new("RGB", (5000, 4000), (30, 120, 200)), fmt)
    [image] = prepare_images(draft_of("big"), image_bytes=zip_of({"big": data}))
    assert MASTER_MAX_SIDE == 2048
    assert (image.width, image.height) == opened(image.data).size == (2048, 1638)
    assert opened(image.renditions["large"]).size == (1200, 960)
    assert opened(image.renditions["small"]).size == (400, 320)


def test_phone_photo_decoded_at_half_scale_stays_above_the_largest_rendition():
    data = encoded(Image.new("RGB", (3000, 2000), (10, 160, 90)), "JPEG")
    [image] = prepare_images(draft_of("p.jpg"), image_bytes=zip_of({"p.jpg": data}))
    assert (image.width, image.height) == (1500, 1000)
    assert opened(image.renditions["large"]).size == (1200, 800)


def test_sideways_portrait_is_not_decoded_narrower_than_the_large_rendition():
    # Stored 3000×2000 but shown 2000×3000: half scale would be 1000 px wide.
    data = encoded(Image.new("RGB", (3000, 2000)), "JPEG", exif=phone_exif(6))
    [image] = prepare_images(draft_of("p.jpg"), image_bytes=zip_of({"p.jpg": data}))
    assert (image.width, image.height) == (1365, 2048)
    assert opened(image.renditions["large"]).size == (1200, 1800)


def test_photo_with_a_corrupt_exif_block_is_still_read():
    clean = encoded(Image.new("RGB", (300, 200), (5, 99, 5)), "JPEG")
    segment = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x00" * 20
    app1 = b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment
    draft = draft_of("e.jpg")
    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        [image] = prepare_images(
            draft, image_bytes=zip_of({"e.jpg": clean[:2] + app1 + clean[2:]})
        )
    assert draft.problems == []
    assert opened(image.data).size == (300, 200)


def test_small_photos_are_not_upscaled():
    [image] = prepare_images(
        draft_of("s.png"), image_bytes=zip_of({"s.png": png_bytes((300, 200))})
    )
    assert opened(image.data).size == (300, 200)
    assert {opened(r).size for r in image.renditions.values()} == {(300, 200)}


@pytest.mark.parametrize(
    "fmt,save",
    [
        ("JPEG", {}),
        ("PNG", {}),
        ("WEBP", {"quality": 80}),
        ("GIF", {}),
    ],
)
def test_the_four_allowed_formats_are_read(fmt, save):
    data = encoded(Image.new("RGB", (120, 90), (0, 128, 255)), fmt, **save)
    draft = draft_of("x")
    [image] = prepare_images(draft, image_bytes=zip_of({"x": data}))
    assert draft.problems == []
    assert (image.width, image.height, image.format) == (120, 90, "JPEG")


def test_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 255, 0))]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    [image] = prepare_images(draft_of("a.gif"), image_bytes=zip_of({"a.gif": data}))
    assert near(opened(image.data).getpixel((5, 5)), (255, 0, 0))


# ------------------------------------------------------------- bad files


def _truncated_jpeg() -> bytes:
    image = Image.effect_noise((600, 400), 60).convert("RGB")
    data = encoded(image, "JPEG")
    return data[: len(data) // 2]


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
        b'width="10" height="10"><script>alert(1)</script></svg>'
    )


@pytest.mark.parametrize(
    "data,code",
    [
        pytest.param(png_claiming(30_000, 30_000), Code.IMAGE_TOO_LARGE, id="bomb"),
        pytest.param(
            png_claiming(8_000, 6_000), Code.IMAGE_TOO_LARGE, id="48-megapixels"
        ),
        pytest.param(_truncated_jpeg(), Code.IMAGE_INVALID, id="truncated-jpeg"),
        pytest.param(
            "东海黄鱼 500g，不是图片".encode(), Code.IMAGE_INVALID, id="text-as-jpg"
        ),
        pytest.param(_svg(), Code.IMAGE_INVALID, id="svg"),
        pytest.param(
            encoded(Image.new("RGB", (20, 20)), "BMP"), Code.IMAGE_INVALID, id="bmp"
        ),
        pytest.param(
            encoded(Image.new("RGB", (20, 20)), "TIFF"), Code.IMAGE_INVALID, id="tiff"
        ),
        pytest.param(b"", Code.IMAGE_INVALID, id="empty"),
    ],
)
def test_bad_zip_images_are_row_errors_not_exceptions(data, code):
    draft = draft_of("photo.jpg")
    assert prepare_images(draft, image_bytes=zip_of({"photo.jpg": data})) == []
    problem = only_problem(draft)
    assert (problem.code, problem.severity) == (code, Severity.ERROR)
    assert (problem.row, problem.column, problem.detail) == (2, COLUMN, "photo.jpg")
    assert problem.product_code == "HY-1"
    assert draft.has_errors


def test_pixel_bound_is_below_pillows_default(settings):
    assert settings.IMAGE_MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_oversized_zip_member_is_too_large(settings):
    settings.IMAGE_MAX_BYTES = 10_000
    draft = draft_of("big.png")
    noisy = encoded(Image.effect_noise((200, 200), 80), "PNG")
    assert len(noisy) > 10_000
    prepare_images(draft, image_bytes=zip_of({"big.png": noisy}))
    assert only_problem(draft).code == Code.IMAGE_TOO_LARGE


def test_image_missing_from_the_zip_or_without_a_zip():
    draft = draft_of("missing.jpg")
    assert prepare_images(draft, image_bytes=zip_of({})) == []
    problem = only_problem(draft)
    assert (problem.code, problem.severity) == (Code.IMAGE_NOT_FOUND, Severity.ERROR)
    assert (problem.row, problem.column, problem.detail) == (2, COLUMN, "missing.jpg")

    no_zip = draft_of("photo.jpg")
    prepare_images(no_zip, image_bytes=None)
    assert only_problem(no_zip).code == Code.IMAGE_NOT_FOUND


def test_one_bad_image_does_not_hide_the_good_ones():
    files = {"good.jpg": jpeg(), "bad.jpg": b"not an image"}
    draft = draft_of("good.jpg", "bad.jpg", "gone.jpg")
    prepared = prepare_images(draft, image_bytes=zip_of(files))
    assert [p.source for p in prepared] == ["good.jpg"]
    assert [(p.code, p.detail) for p in draft.problems] == [
        (Code.IMAGE_INVALID, "bad.jpg"),
        (Code.IMAGE_NOT_FOUND, "gone.jpg"),
    ]


def test_same_photo_twice_in_a_product_kept_once():
    photo = jpeg()
    files = {"a.jpg": photo, "b.jpg": photo, "c.jpg": jpeg(colour=(1, 2, 3))}
    prepared = prepare_images(
        draft_of("a.jpg", "b.jpg", "c.jpg"), image_bytes=zip_of(files)
    )
    assert [(p.source, p.position) for p in prepared] == [("a.jpg", 1), ("c.jpg", 3)]


def test_known_photos_are_skipped_without_decoding():
    bad = b"would be an error if it were decoded"
    draft = draft_of("old.jpg", "new.jpg")
    prepared = prepare_images(
        draft,
        image_bytes=zip_of({"old.jpg": bad, "new.jpg": jpeg()}),
        known_hashes={stage.content_hash(bad)},
    )
    assert [p.source for p in prepared] == ["new.jpg"]
    assert draft.problems == []


def test_check_only_reports_problems_and_returns_nothing():
    draft = draft_of("good.jpg", "bad.jpg")
    files = {"good.jpg": jpeg(), "bad.jpg": _svg()}
    assert prepare_images(draft, image_bytes=zip_of(files), check_only=True) == []
    assert [p.code for p in draft.problems] == [Code.IMAGE_INVALID]


# ---------------------------------------------------------------- remote


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.hits.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        status, headers, body = route
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if isinstance(body, bytes):
            self.wfile.write(body)
        else:  # an iterable of chunks, without Content-Length
            for chunk in body:
                self.wfile.write(chunk)

    def log_message(self, *args):
        pass


@contextmanager
def serving(routes):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes, server.hits = routes, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def image_route(data: bytes, content_type="image/jpeg"):
    return (200, {"Content-Type": content_type, "Content-Length": len(data)}, data)


@pytest.fixture
def local_fetch(settings):
    """The test server lives on 127.0.0.1, which the shop refuses by default."""
    settings.IMAGE_FETCH_ALLOW_PRIVATE = True
    return ImageFetcher()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_url_without_fetching_is_a_warning_and_nothing_is_requested():
    with serving({"/a.jpg": image_route(jpeg())}) as (server, base):
        draft = draft_of(f"{base}/a.jpg")
        assert prepare_images(draft, image_bytes=None, fetch_remote=False) == []
        assert server.hits == []
    problem = only_problem(draft)
    assert (problem.code, problem.severity) == (
        Code.IMAGE_UNREACHABLE,
        Severity.WARNING,
    )
    assert problem.detail.startswith(f"{base}/a.jpg")
    assert (problem.row, problem.column) == (2, COLUMN)
    assert not draft.has_errors


def test_protocol_relative_url_is_a_url_not_a_zip_file():
    draft = draft_of("//cdn.example.com/s/files/a.jpg?v=1")
    prepare_images(draft, image_bytes=zip_of({}), fetch_remote=False)
    problem = only_problem(draft)
    assert problem.code == Code.IMAGE_UNREACHABLE
    assert problem.detail.startswith("https://cdn.example.com/s/files/a.jpg?v=1")


@pytest.mark.django_db
def test_url_served_locally_is_fetched_and_stored(local_fetch):
    photo = halves_jpeg(exif=phone_exif(6))
    # A Chinese file name in the URL is sent percent-encoded.
    routes = {"/p/%E9%BB%84%E9%B1%BC.jpg": image_route(photo)}
    with serving(routes) as (server, base):
        draft = draft_of(f"{base}/p/黄鱼.jpg", alts={f"{base}/p/黄鱼.jpg": "黄鱼"})
        prepared = prepare_images(draft, image_bytes=None, fetcher=local_fetch)
    assert draft.problems == []
    assert server.hits == ["/p/%E9%BB%84%E9%B1%BC.jpg"]
    product = make_product()
    assert store_images(product, prepared) == 1
    record = product.images.get()
    assert record.alt == "黄鱼"
    assert record.content_hash == stage.content_hash(photo)
    record.image.open("rb")
    assert opened(record.image.read()).size == (600, 800)
    record.image.close()


def test_closed_port_is_a_warning_within_the_timeout(local_fetch):
    url = f"http://127.0.0.1:{closed_port()}/a.jpg"
    draft = draft_of(url)
    assert prepare_images(draft, image_bytes=None, fetcher=local_fetch) == []
    problem = only_problem(draft)
    assert (problem.code, problem.severity) == (
        Code.IMAGE_UNREACHABLE,
        Severity.WARNING,
    )
    assert "refused" in problem.detail


def test_silent_server_times_out_and_its_host_is_not_asked_again(settings):
    settings.IMAGE_FETCH_ALLOW_PRIVATE = True
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    accepted = []

    def accept_and_stay_silent():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # the listener was closed
                return

    silent = threading.Thread(target=accept_and_stay_silent, daemon=True)
    silent.start()
    try:
        fetcher = ImageFetcher(timeout=0.5)
        draft = draft_of(f"{base}/1.jpg", f"{base}/2.jpg")
        prepare_images(draft, image_bytes=None, fetcher=fetcher)
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        silent.join(timeout=5)
        for connection in accepted:
            connection.close()
    assert [p.code for p in draft.problems] == [Code.IMAGE_UNREACHABLE] * 2
    assert all("timed out" in p.detail for p in draft.problems)
    assert len(accepted) == 1  # one timeout: the second photo did not ask again


def test_private_addresses_refused_by_default():
    with serving({"/a.jpg": image_route(jpeg())}) as (server, base):
        draft = draft_of(f"{base}/a.jpg")
        prepare_images(draft, image_bytes=None, fetcher=ImageFetcher())
        assert server.hits == []
    assert "private address" in only_problem(draft).detail


@pytest.mark.parametrize("declared", [True, False], ids=["length", "streamed"])
def test_remote_image_over_the_size_cap_is_abandoned(settings, local_fetch, declared):
    settings.IMAGE_MAX_BYTES = 100_000
    chunk = b"\xff" * 16_384
    if declared:
        route = (200, {"Content-Length": 400_000}, chunk * 25)
    else:
        route = (200, {}, iter([chunk] * 25))
    with serving({"/huge.jpg": route}) as (_, base):
        draft = draft_of(f"{base}/huge.jpg")
        assert prepare_images(draft, image_bytes=None, fetcher=local_fetch) == []
    problem = only_problem(draft)
    assert (problem.code, problem.severity) == (
        Code.IMAGE_UNREACHABLE,
        Severity.WARNING,
    )
    assert "larger than" in problem.detail


def test_http_errors_redirects_and_other_schemes(local_fetch):
    photo = jpeg()
    routes = {
        "/moved.jpg": (302, {"Location": "/real.jpg", "Content-Length": 0}, b""),
        "/real.jpg": image_route(photo),
        "/to-file.jpg": (302, {"Location": "file:///etc/passwd"}, b""),
        "/page.html": image_route(b"<html>hi</html>", "text/html"),
    }
    with serving(routes) as (server, base):
        draft = draft_of(
            f"{base}/moved.jpg",
            f"{base}/gone.jpg",
            f"{base}/to-file.jpg",
            "file:///etc/passwd",
            "ftp://example.com/a.jpg",
            f"{base}/page.html",
        )
        prepared = prepare_images(draft, image_bytes=None, fetcher=local_fetch)
    assert [p.content_hash for p in prepared] == [stage.content_hash(photo)]
    assert [(p.code, p.severity) for p in draft.problems] == [
        (Code.IMAGE_UNREACHABLE, Severity.WARNING),
        (Code.IMAGE_UNREACHABLE, Severity.WARNING),
        (Code.IMAGE_UNREACHABLE, Severity.WARNING),
        (Code.IMAGE_UNREACHABLE, Severity.WARNING),
        (Code.IMAGE_INVALID, Severity.WARNING),  # fetched, but not an image
    ]
    details = [p.detail for p in draft.problems]
    assert "HTTP 404" in details[0]
    assert "another scheme" in details[1]
    assert "http" in details[2] and "http" in details[3]
    assert not draft.has_errors
    assert "/etc/passwd" not in "".join(server.hits)


# ----------------------------------------------------------------- store


def _prepared_from(files: dict[str, bytes], *names):
    draft = draft_of(*names)
    prepared = prepare_images(draft, image_bytes=zip_of(files))
    assert draft.problems == []
    return prepared


@pytest.mark.django_db
def test_store_images_writes_originals_and_renditions_through_storage():
    files = {
        "front.jpg": encoded(Image.new("RGB", (2400, 1800), (30, 120, 200)), "JPEG"),
        "back.png": png_bytes((300, 200)),
    }
    product = make_product(name="东海黄鱼")
    prepared = _prepared_from(files, "front.jpg", "back.png")
    assert store_images(product, prepared) == 2
    front, back = product.images.order_by("sort_order")
    assert (front.sort_order, back.sort_order) == (1, 2)
    assert front.alt == "东海黄鱼"  # no alt in the sheet: the product name
    assert front.image.name.startswith("products/original/")
    assert front.image.name.endswith(".jpg")
    assert front.small_url.endswith("-400.jpg")
    assert front.large_url.endswith("-1200.jpg")
    for field, size in [
        (front.image, (2048, 1536)),
        (front.rendition_large, (1200, 900)),
        (front.rendition_small, (400, 300)),
        (back.rendition_large, (300, 200)),
    ]:
        assert field.storage.exists(field.name)
        with field.storage.open(field.name) as handle:
            assert opened(handle.read()).size == size


@pytest.mark.django_db
def test_reimporting_the_same_zip_adds_no_images():
    files = {"a.jpg": jpeg(), "b.jpg": jpeg(colour=(9, 9, 9))}
    product = make_product()
    assert store_images(product, _prepared_from(files, "a.jpg", "b.jpg")) == 2
    storage = product.images.first().image.storage
    stored = storage.listdir("products/original/")[1]
    assert store_images(product, _prepared_from(files, "a.jpg", "b.jpg")) == 0
    assert product.images.count() == 2
    assert storage.listdir("products/original/")[1] == stored  # no stray files
    # A new photo in the next upload is added next to the old ones.
    files["c.jpg"] = jpeg(colour=(250, 250, 0))
    assert store_images(product, _prepared_from(files, "a.jpg", "c.jpg")) == 1
    assert product.images.count() == 3


@pytest.mark.django_db
def test_photo_added_in_the_admin_is_not_imported_again():
    photo = png_bytes((320, 240))
    product = make_product()
    services.product_image_add(product=product, data=photo)
    assert store_images(product, _prepared_from({"p.png": photo}, "p.png")) == 0
    assert product.images.count() == 1
    # …and the admin path itself stores a repeated upload once.
    again = services.product_image_add(product=product, data=photo)
    assert product.images.count() == 1
    assert again.content_hash == stage.content_hash(photo)


@pytest.mark.django_db
def test_existing_image_hashes_in_one_query(django_assert_num_queries):
    first, second = make_product(), make_product()
    store_images(first, _prepared_from({"a": jpeg()}, "a"))
    with django_assert_num_queries(1):
        hashes = stage.existing_image_hashes([first.pk, second.pk])
    assert hashes == {first.pk: {stage.content_hash(jpeg())}}


@pytest.mark.django_db
def test_database_refuses_the_same_photo_twice_on_a_product():
    from django.db import IntegrityError, transaction

    product = make_product()
    store_images(product, _prepared_from({"a": jpeg()}, "a"))
    existing = product.images.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductImage.objects.create(
            product=product,
            image=existing.image.name,
            content_hash=existing.content_hash,
        )


def test_each_photo_is_announced_before_it_is_fetched_or_decoded():
    """The import's heartbeat rides on this: a product with many slow photos
    keeps its job alive for the stalled-job sweep."""
    files = {f"{n}.jpg": jpeg(colour=(n * 40, 80, 40)) for n in range(3)}
    seen_before = []

    def on_image():
        seen_before.append(len(seen_before))

    prepared = prepare_images(
        draft_of("0.jpg", "1.jpg", "missing.jpg", "2.jpg"),
        image_bytes=zip_of(files),
        on_image=on_image,
    )
    assert len(prepared) == 3
    assert seen_before == [0, 1, 2, 3]  # the missing photo is announced too
