"""Decoding photos defensively, normalising them, and making the renditions
pages serve. The one image decoder of the shop: the admin, the demo loader and
the catalogue import all come through here.

Defences, in order: a byte cap; only the JPEG, PNG, WebP and GIF decoders are
ever tried (no TIFF, BMP, PSD, SVG…); a pixel cap read from the header before
anything is decoded (settings.IMAGE_MAX_PIXELS, below Pillow's own 89 MP bomb
limit, which also stays armed); truncated or corrupt files fail instead of
being padded with grey."""

import hashlib
import io
import threading
import warnings
from concurrent.futures import Future

from django.conf import settings
from PIL import ExifTags, Image, ImageCms, ImageOps

from .errors import CatalogError, CatalogErrorCode

RENDITION_WIDTHS = {"small": 400, "large": 1200}
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# The stored original is capped here; renditions are made from it.
MASTER_MAX_SIDE = 2048
# JPEG can decode at 1/2, 1/4 or 1/8 scale inside the DCT, almost for free and
# at full quality; the scale is used when the result keeps at least this many
# pixels on its long side (above the largest rendition, 1200, with a margin)
# and stays at least as wide as the widest rendition.
# A 3000×2000 phone photo then decodes straight to 1500×1000 instead of being
# decoded whole and resized to 2048×1365, which costs about three times as much.
JPEG_DRAFT_MIN_SIDE = 1400
MASTER_JPEG_QUALITY = 90
RENDITION_JPEG_QUALITY = 85
# Resampling for downscaling: bicubic (what Image.thumbnail uses), after an
# integer reduce() when shrinking 3× or more (Pillow's "reducing gap": 1500 →
# 400 px first averages 2×2 blocks down to 750, then filters), so the filter
# runs on few pixels. Lanczos costs ~40 % more for no visible gain at the
# 1.25–4× reductions made here.
RESAMPLE = Image.Resampling.BICUBIC
REDUCING_GAP = 1.5


def content_hash(data: bytes) -> str:
    """The identity of a photo: sha256 of the bytes as uploaded. The same file
    uploaded twice has the same hash, and the hash is known before (and
    without) decoding, so an import can skip photos a product already has."""
    return hashlib.sha256(data).hexdigest()


def decode_image(data: bytes, *, min_side: int | None = None) -> Image.Image:
    """Open image bytes with size, pixel-count and format caps, apply the EXIF
    orientation, and return the upright, loaded image (its `.format` is the
    source format). Raise CatalogError for anything that is not a sound photo.

    With `min_side`, a JPEG may be decoded at a reduced scale that keeps its
    long side at least that long."""
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            _check_pixels(probe.size)
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if min_side and image.format == "JPEG":
                _draft(image, min_side)
            image.load()
    except CatalogError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image") from exc
    except Exception as exc:  # noqa: BLE001 - hostile bytes: any failure is "invalid"
        raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image") from exc
    source_format = image.format
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # noqa: BLE001 - a broken EXIF block: keep the pixels as they are
        pass
    image.format = source_format
    return image


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image")
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image")


def _draft(image: Image.Image, min_side: int) -> None:
    """Decode at 1/8, 1/4 or 1/2 scale when the result keeps `min_side` px on
    its long side and stays as wide as the widest rendition."""
    width, height = image.size
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except Exception:  # noqa: BLE001 - a broken EXIF block is ignored, as below
        orientation = None
    if orientation in (5, 6, 7, 8):
        width, height = height, width  # shown turned by a quarter
    widest = max(RENDITION_WIDTHS.values())
    for scale in (8, 4, 2):
        if max(width, height) // scale >= min_side and width // scale >= widest:
            image.draft(image.mode, (image.width // scale, image.height // scale))
            return


class NormalisedImage:
    """A photo ready to store: upright, sRGB, no metadata, at most
    MASTER_MAX_SIDE px; its JPEG renditions are being made meanwhile.

    Pillow lets go of the GIL while it resizes and encodes, so each rendition
    is made on a thread of its own as soon as the image is decoded: they use
    the second core while the caller writes the product to the database, and
    `renditions` waits for them only when they are stored."""

    def __init__(self, *, content_hash, data, format, width, height, renditions):
        self.content_hash: str = content_hash  # of the source bytes
        self.data: bytes = data
        self.format: str = format  # "JPEG", or "PNG" when it has transparency
        self.width: int = width
        self.height: int = height
        self._renditions: dict[str, Future] = renditions

    @property
    def extension(self) -> str:
        return "png" if self.format == "PNG" else "jpg"

    @property
    def renditions(self) -> dict[str, bytes]:
        """JPEG bytes by RENDITION_WIDTHS name (waits for them to be made;
        OSError if one could not be)."""
        return {name: future.result() for name, future in self._renditions.items()}


def normalise_image(data: bytes) -> NormalisedImage:
    """Decode defensively (CatalogError when the bytes are not a sound photo)
    and return the image as the shop stores it: EXIF orientation applied, all
    metadata dropped (EXIF with GPS, XMP, text chunks; an embedded colour
    profile is converted to sRGB, then dropped), CMYK/P/LA/I;16 converted to
    RGB or RGBA, longest side capped at MASTER_MAX_SIDE; JPEG (PNG if it has
    transparency); plus the 400 and 1200 px JPEG renditions."""
    image = decode_image(data, min_side=JPEG_DRAFT_MIN_SIDE)
    try:
        image = fit(to_srgb(image), MASTER_MAX_SIDE)
        image.info = {}  # EXIF, GPS, XMP, ICC, text chunks: none is written
        renditions = {
            name: _in_background(_rendition, image, width)
            for name, width in RENDITION_WIDTHS.items()
        }
        out = io.BytesIO()
        if image.mode == "RGBA":
            image.save(out, format="PNG")
        else:
            image.save(out, format="JPEG", quality=MASTER_JPEG_QUALITY)
    except Exception as exc:  # noqa: BLE001 - e.g. a colour profile lcms refuses
        raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image") from exc
    return NormalisedImage(
        content_hash=content_hash(data),
        data=out.getvalue(),
        format="PNG" if image.mode == "RGBA" else "JPEG",
        width=image.width,
        height=image.height,
        renditions=renditions,
    )


def _rendition(image: Image.Image, width: int) -> bytes:
    try:
        return _encode_rendition(fit_width(image, width, copy=True))
    except Exception as exc:  # noqa: BLE001 - reported to whoever stores it
        raise OSError(f"rendition {width} px failed: {exc!r}") from exc


def _in_background(function, *args) -> Future:
    """Run on a daemon thread of its own (no pool: nothing to go stale in a
    forked Celery worker)."""
    future: Future = Future()

    def run():
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(function(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

    threading.Thread(target=run, name="image-rendition", daemon=True).start()
    return future


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has transparency; colours converted from an
    embedded ICC profile to sRGB when there is one (plain conversion if the
    profile cannot be read)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit greyscale: scale to 8 bits instead of clipping to white.
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    elif image.mode in ("P", "PA", "1", "LA", "La", "RGBa"):
        image = image.convert(target)
    if icc:
        converted = _from_profile(image, icc, target)
        if converted is not None:
            return converted
    return image if image.mode == target else image.convert(target)


def _from_profile(image: Image.Image, icc: bytes, target: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode in ("RGB", "RGBA") and "srgb" in (
            ImageCms.getProfileDescription(source).lower()
        ):
            return None  # already sRGB
        if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
            return None
        return ImageCms.profileToProfile(
            image, source, _SRGB, outputMode=target if image.mode != "L" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


_SRGB = ImageCms.createProfile("sRGB")


def fit(image: Image.Image, side: int) -> Image.Image:
    """The image scaled down so that its longest side is at most `side`
    (never scaled up)."""
    width, height = image.size
    longest = max(width, height)
    if longest <= side:
        return image
    size = (
        max(1, round(width * side / longest)),
        max(1, round(height * side / longest)),
    )
    return image.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)


def fit_width(image: Image.Image, width: int, *, copy=False) -> Image.Image:
    """The image scaled down to at most `width` px wide (renditions are
    served in a srcset by width: 400w, 1200w). With `copy`, never the same
    object (so that threads never save one image at once)."""
    if image.width <= width:
        return image.copy() if copy else image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), RESAMPLE, reducing_gap=REDUCING_GAP)


def _encode_rendition(image: Image.Image) -> bytes:
    if image.mode == "RGBA":
        # Transparent product shots go on white, the colour of the pages.
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    # Baseline with optimised Huffman tables: a quarter of the CPU time of a
    # progressive encode, nearly the same size.
    image.save(out, format="JPEG", quality=RENDITION_JPEG_QUALITY, optimize=True)
    return out.getvalue()
