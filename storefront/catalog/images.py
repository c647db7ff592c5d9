"""Decoding photos defensively and making the renditions pages serve."""

import io
import warnings

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import CatalogError, CatalogErrorCode

RENDITION_WIDTHS = {"small": 400, "large": 1200}
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def decode_image(data: bytes) -> Image.Image:
    """Open image bytes with size, pixel-count and format caps; raise CatalogError
    for anything that is not a sound photo."""
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image")
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except CatalogError:
        raise
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CatalogError(CatalogErrorCode.IMAGE_INVALID, field="image") from exc
    source_format = image.format
    upright = ImageOps.exif_transpose(image)
    upright.format = source_format
    return upright


def make_rendition(image: Image.Image, width: int) -> bytes:
    """A JPEG no wider than `width` (chat-app previews read JPEG everywhere)."""
    copy = image.convert("RGB")
    if copy.width > width:
        height = round(copy.height * width / copy.width)
        copy = copy.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, progressive=True)
    return out.getvalue()
