"""The share poster (分享海报): a 750 × 1334 PNG, the size WeChat users save
and forward — product photo, name, price, what the village receives per
unit, the host's name and a QR code of the link.

Pure drawing: storefront.links.sharing gathers the facts (PosterFacts) and
caches the bytes. Every piece of text is measured with the font it is drawn
in and ellipsised or wrapped to its box, so a 40-character or emoji-laden
host name never runs off the canvas; characters the CJK font has no glyph
for (emoji) are left out rather than drawn as empty boxes. `draw_poster`
returns the drawn text boxes too, so tests can check they stay inside.
"""

import io
from dataclasses import dataclass, field
from functools import lru_cache

import segno
from PIL import Image, ImageDraw, ImageFont

from .fonts import cjk_font

WIDTH, HEIGHT = 750, 1334
PHOTO_HEIGHT = 640  # the photo, full width at the top
MARGIN = 48
QR_SIZE = 232
ELLIPSIS = "…"

INK = (33, 33, 33)
MUTED = (110, 110, 110)
PRICE = (200, 40, 40)
VILLAGE = (46, 125, 50)
PAPER = (255, 255, 255)
PLACEHOLDER_TOP = (246, 226, 206)
PLACEHOLDER_BOTTOM = (214, 160, 120)


@dataclass(frozen=True)
class PosterFacts:
    name: str
    price: str  # "¥12.80", or "" when the product has no size on sale
    village: str  # "每售出一件，¥1.20 回流 …", or ""
    host: str  # who shares: the host's name, or the site's
    url: str  # what the QR code opens
    photo: object = None  # an open binary file of a stored rendition, or None
    footer: str = "长按识别二维码 Long-press the code to open"


@dataclass
class Drawn:
    image: Image.Image
    # (what, (left, top, right, bottom)) of every text drawn
    boxes: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)


# Whether the font has a glyph does not depend on the size drawn: it is
# checked at this small size, and only so many answers are remembered
# (names and session titles are anyone's text; a 280 px glyph is 300 KB).
_PROBE_SIZE = 24


@lru_cache(maxsize=8)
def _probe_font(path: str, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, _PROBE_SIZE, index=index)


@lru_cache(maxsize=4096)
def _probe(path: str, index: int, char: str) -> bytes:
    font = _probe_font(path, index)
    image = Image.new("L", (_PROBE_SIZE * 2, _PROBE_SIZE * 2), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
    return image.tobytes()


def _glyph(font, char: str) -> bytes:
    """The pixels `font`'s face draws for `char` at the probe size."""
    return _probe(str(font.path), font.index, char)


def _glyph_filter(font, text: str) -> str:
    """`text` without the characters `font` would draw as its empty box
    (emoji and other symbols the CJK font lacks)."""
    missing = _glyph(font, "\U0010fffd")
    kept = [
        char
        for char in text
        if char.isascii() or (char.isprintable() and _glyph(font, char) != missing)
    ]
    return " ".join("".join(kept).split())


def _fit(font, text: str, width: int) -> str:
    """`text`, cut and ended with … if wider than `width`."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(font, text: str, width: int, lines: int) -> list[str]:
    """At most `lines` lines no wider than `width`; the last one ellipsised.
    Breaks anywhere (Chinese has no spaces), preferring a space when there."""
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        if len(out) == lines - 1 or font.getlength(rest) <= width:
            out.append(_fit(font, rest, width))
            break
        cut = 1
        while cut < len(rest) and font.getlength(rest[: cut + 1]) <= width:
            cut += 1
        space = rest.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return out


def _text(drawn: Drawn, what: str, xy, text: str, font, fill) -> int:
    """Draw one line; its box is recorded. Returns the line's bottom."""
    draw = ImageDraw.Draw(drawn.image)
    draw.text(xy, text, font=font, fill=fill)
    box = draw.textbbox(xy, text, font=font)
    drawn.boxes.append((what, tuple(int(v) for v in box)))
    return int(box[3])


def _cover(photo, width: int, height: int) -> Image.Image | None:
    """The photo cropped to fill width × height, centred; None if unreadable."""
    try:
        image = Image.open(photo)
        image.draft("RGB", (width, height))  # JPEG: decode at a smaller scale
        image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    scale = max(width / image.width, height / image.height)
    size = (
        max(width, round(image.width * scale)),
        max(height, round(image.height * scale)),
    )
    image = image.resize(size, Image.Resampling.BILINEAR)
    left = (image.width - width) // 2
    top = (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def _placeholder(name: str, width: int, height: int) -> Image.Image:
    """A warm gradient with the product's first character: for a product
    without photos."""
    mask = Image.linear_gradient("L").resize((width, height))
    top = Image.new("RGB", (width, height), PLACEHOLDER_TOP)
    bottom = Image.new("RGB", (width, height), PLACEHOLDER_BOTTOM)
    image = Image.composite(bottom, top, mask)
    font = cjk_font(280, bold=True)
    initial = _glyph_filter(font, name)[:1] or "?"
    draw = ImageDraw.Draw(image)
    draw.text((width / 2, height / 2 - 30), initial, font=font, fill=PAPER, anchor="mm")
    small = cjk_font(30)
    draw.text(
        (width / 2, height - 60),
        "暂无图片 No photo",
        font=small,
        fill=PAPER,
        anchor="mm",
    )
    return image


def qr_image(url: str, size: int) -> Image.Image:
    """The QR code of `url` as a black-on-white square of about `size`."""
    code = segno.make_qr(url, error="m", boost_error=True)
    border = 2
    modules = [[bool(dark) for dark in row] for row in code.matrix]
    count = len(modules) + 2 * border
    small = Image.new("1", (count, count), 1)
    pixels = small.load()
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0
    scale = max(1, size // count)
    return small.resize((count * scale, count * scale), Image.Resampling.NEAREST)


def draw_poster(facts: PosterFacts) -> Drawn:
    drawn = Drawn(Image.new("RGB", (WIDTH, HEIGHT), PAPER))
    photo = facts.photo and _cover(facts.photo, WIDTH, PHOTO_HEIGHT)
    drawn.image.paste(photo or _placeholder(facts.name, WIDTH, PHOTO_HEIGHT), (0, 0))

    inner = WIDTH - 2 * MARGIN
    y = PHOTO_HEIGHT + 28
    name_font = cjk_font(42, bold=True)
    for line in _wrap(name_font, _glyph_filter(name_font, facts.name), inner, 2):
        y = _text(drawn, "name", (MARGIN, y), line, name_font, INK) + 10
    if facts.price:
        price_font = cjk_font(52, bold=True)
        y = _text(drawn, "price", (MARGIN, y + 4), facts.price, price_font, PRICE) + 14
    if facts.village:
        village_font = cjk_font(26)
        text = _glyph_filter(village_font, facts.village)
        for line in _wrap(village_font, text, inner, 2):
            y = _text(drawn, "village", (MARGIN, y), line, village_font, VILLAGE) + 8

    # The foot: who shares, on the left; the QR code, bottom right.
    qr = qr_image(facts.url, QR_SIZE)
    qr_left = WIDTH - MARGIN - qr.width
    qr_top = HEIGHT - MARGIN - qr.height
    drawn.image.paste(qr, (qr_left, qr_top))
    ImageDraw.Draw(drawn.image).line(
        (MARGIN, qr_top - 24, WIDTH - MARGIN, qr_top - 24),
        fill=(230, 230, 230),
        width=2,
    )
    column = qr_left - MARGIN - 24
    label_font = cjk_font(26)
    host_font = cjk_font(36, bold=True)
    top = qr_top + 20
    top = _text(drawn, "label", (MARGIN, top), "分享人 Shared by", label_font, MUTED)
    host = _glyph_filter(host_font, facts.host) or "—"
    _text(
        drawn, "host", (MARGIN, top + 14), _fit(host_font, host, column), host_font, INK
    )
    footer_font = cjk_font(22)
    bottom = qr_top + qr.height
    for line in reversed(_wrap(footer_font, facts.footer, column, 2)):
        box = footer_font.getbbox(line)
        bottom = (
            _text(
                drawn,
                "footer",
                (MARGIN, bottom - box[3]),
                line,
                footer_font,
                MUTED,
            )
            - (box[3] - box[1])
            - 8
        )
    return drawn


def poster_png(facts: PosterFacts) -> bytes:
    out = io.BytesIO()
    draw_poster(facts).image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()
