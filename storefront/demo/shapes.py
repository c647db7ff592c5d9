"""Drawing helpers for the demo pictures: a pen that places shapes given in
unit coordinates, and point lists for arcs and waves."""

import math
from collections.abc import Sequence

from PIL import ImageDraw

RGB = tuple[int, int, int]
Point = tuple[float, float]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


class Pen:
    """Draws motifs given in unit coordinates (roughly -1..1), placed at a
    centre, scaled and rotated on a supersampled canvas."""

    def __init__(self, draw: ImageDraw.ImageDraw, cx, cy, scale, angle=0.0):
        self.draw, self.cx, self.cy, self.scale = draw, cx, cy, scale
        self.cos, self.sin = math.cos(angle), math.sin(angle)

    def pt(self, x: float, y: float) -> Point:
        return (
            self.cx + (x * self.cos - y * self.sin) * self.scale,
            self.cy + (x * self.sin + y * self.cos) * self.scale,
        )

    def width(self, w: float) -> int:
        return max(1, round(w * self.scale))

    def poly(self, points: Sequence[Point], fill=None, outline=None, w=0.0):
        pts = [self.pt(x, y) for x, y in points]
        self.draw.polygon(pts, fill=fill)
        if outline is not None:
            self.draw.line([*pts, pts[0]], fill=outline, width=self.width(w))

    def line(self, points: Sequence[Point], fill, w: float):
        self.draw.line(
            [self.pt(x, y) for x, y in points], fill=fill, width=self.width(w)
        )

    def ellipse(self, x, y, rx, ry, fill=None, outline=None, w=0.0, start=0, end=360):
        self.poly(arc(x, y, rx, ry, start, end), fill=fill, outline=outline, w=w)

    def dot(self, x: float, y: float, r: float, fill):
        cx, cy = self.pt(x, y)
        rr = r * self.scale
        self.draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=fill)


def arc(x, y, rx, ry, start=0.0, end=360.0, n=48) -> list[Point]:
    return [
        (
            x + rx * math.cos(math.radians(start + (end - start) * i / n)),
            y + ry * math.sin(math.radians(start + (end - start) * i / n)),
        )
        for i in range(n + 1)
    ]


def wave(x0, x1, y, amp, periods, n=60) -> list[Point]:
    return [
        (
            x0 + (x1 - x0) * i / n,
            y + amp * math.sin(2 * math.pi * periods * i / n),
        )
        for i in range(n + 1)
    ]
