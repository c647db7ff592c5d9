"""Demo product pictures and brand logos, drawn with Pillow from shapes.

No downloads and no fonts (the machines have no Chinese fonts): a gradient in a
palette per category and a simple motif (a fish, a lantern, a qipao …). Every
picture is seeded by the product code, so reruns produce identical bytes.
"""

import io
import math
import random

from PIL import Image, ImageDraw

from .motifs import MOTIFS
from .shapes import RGB, Pen, mix

# Drawn at twice the size and halved, which smooths the shapes' edges.
SUPERSAMPLE = 2

# top, bottom, motif, detail
PALETTES: dict[str, tuple[RGB, RGB, RGB, RGB]] = {
    "sea": ((132, 200, 226), (22, 86, 140), (240, 190, 60), (30, 50, 70)),
    "dried": ((244, 226, 196), (196, 150, 104), (176, 112, 62), (92, 58, 34)),
    "noodles": ((250, 240, 222), (224, 196, 150), (250, 248, 238), (150, 96, 52)),
    "drinks": ((255, 226, 170), (244, 140, 60), (255, 160, 40), (120, 70, 20)),
    "tea": ((214, 236, 196), (86, 150, 98), (60, 140, 72), (30, 80, 40)),
    "cured": ((248, 222, 208), (170, 74, 64), (196, 96, 80), (90, 40, 30)),
    "fruit": ((255, 246, 200), (236, 188, 70), (252, 200, 40), (80, 130, 50)),
    "straw": ((250, 238, 206), (210, 176, 110), (232, 196, 120), (150, 110, 50)),
    "clothing": ((246, 222, 230), (150, 52, 86), (200, 40, 80), (250, 220, 140)),
    "lantern": ((80, 30, 60), (20, 14, 40), (220, 40, 40), (250, 200, 70)),
}


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB, angle: float):
    """A linear gradient from `top` to `bottom`, tilted by `angle` degrees.
    Made small and enlarged: a smooth gradient loses nothing by it."""
    mask = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR)
    mask = mask.crop((56, 56, 200, 200))
    small = Image.composite(
        Image.new("RGB", mask.size, bottom), Image.new("RGB", mask.size, top), mask
    )
    return small.resize(size, Image.Resampling.BILINEAR)


def _decorate(img: Image.Image, palette: str, rng: random.Random, light: RGB):
    """Soft circles and, by the sea, waves behind the motif."""
    w, h = img.size
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(rng.randint(5, 9)):
        r = rng.uniform(0.03, 0.12) * w
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*light, rng.randint(28, 60)))
    if palette == "sea":
        for k in range(4):
            y = h * (0.72 + k * 0.07)
            pts = [(w * i / 60, y + h * 0.015 * math.sin(i / 4 + k)) for i in range(61)]
            draw.line(pts, fill=(255, 255, 255, 70), width=max(2, w // 200))
    elif palette == "lantern":
        for _ in range(40):
            x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.6), w * 0.003
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 230, 160, 160))


def product_picture(
    *,
    motif: str,
    palette: str,
    seed: str,
    index: int = 0,
    size: tuple[int, int] = (1200, 1200),
) -> bytes:
    """JPEG bytes of picture number `index` for a product; the same arguments
    always give the same bytes."""
    rng = random.Random(f"{seed}:{index}")
    top, bottom, colour, detail = PALETTES[palette]
    big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    angle = (0, 35, -30)[index % 3] + rng.uniform(-8, 8)
    # A smooth gradient loses nothing when made at half size and enlarged with
    # the cheapest filter; the shapes drawn on it are what need the detail.
    half = (size[0] // 2, size[1] // 2)
    img = _gradient(half, top, bottom, angle).resize(big, Image.Resampling.NEAREST)
    _decorate(img, palette, rng, mix(top, (255, 255, 255), 0.6))
    draw = ImageDraw.Draw(img)
    unit = min(big) * (0.33, 0.26, 0.42)[index % 3]
    cx = big[0] * (0.5 + (0.0, 0.08, -0.04)[index % 3])
    cy = big[1] * (0.5 + (0.0, 0.05, 0.06)[index % 3])
    tilt = math.radians(rng.uniform(-10, 10) + (0, 12, -6)[index % 3])
    shadow = Pen(draw, cx, cy + unit * 0.95, unit)
    shadow.ellipse(0, 0, 0.85, 0.1, fill=mix(bottom, (0, 0, 0), 0.25))
    colour = mix(colour, (255, 255, 255), rng.uniform(0.0, 0.12))
    MOTIFS[motif](Pen(draw, cx, cy, unit, tilt), colour, detail)
    out = io.BytesIO()
    img.reduce(SUPERSAMPLE).save(out, format="JPEG", quality=88)
    return out.getvalue()


def brand_logo(*, colour: RGB, motif: str, size: int = 256) -> bytes:
    """PNG bytes of a round badge with the brand's motif."""
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((0, 0, big - 1, big - 1), fill=(*colour, 255))
    inset = big * 0.06
    draw.ellipse(
        (inset, inset, big - inset, big - inset),
        outline=(255, 255, 255, 255),
        width=max(2, big // 60),
    )
    pen = Pen(draw, big / 2, big / 2, big * 0.3)
    MOTIFS[motif](pen, (255, 255, 255), mix(colour, (0, 0, 0), 0.4))
    out = io.BytesIO()
    img.reduce(SUPERSAMPLE).save(out, format="PNG")
    return out.getvalue()
