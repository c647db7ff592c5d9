"""Motifs for the demo pictures, one per kind of product, drawn from simple
shapes in unit coordinates (roughly -1..1, y pointing down). Each takes a pen,
the motif colour and a detail colour."""

import math
from collections.abc import Callable

from .shapes import RGB, Pen, arc, mix, wave


def _fish(p: Pen, c: RGB, d: RGB, dried=False):
    body = [
        *arc(-0.1, 0.0, 0.7, 0.3, 180, 360, 36),
        *arc(-0.1, 0.0, 0.7, 0.3, 0, 180, 36),
    ]
    body = [(x, y * (1 - 0.35 * max(0.0, x - 0.1))) for x, y in body]
    tail = [(0.5, 0.0), (0.95, -0.32), (0.85, 0.0), (0.95, 0.32)]
    fin = [(-0.15, -0.26), (0.15, -0.42), (0.3, -0.2)]
    p.poly(fin, fill=mix(c, d, 0.35))
    p.poly(tail, fill=mix(c, d, 0.25))
    p.poly(body, fill=c)
    if dried:
        for i in range(7):
            x = -0.45 + i * 0.13
            p.line([(x, -0.18), (x + 0.06, 0.0), (x, 0.18)], mix(c, d, 0.5), 0.015)
    else:
        p.poly(arc(-0.1, 0.12, 0.55, 0.1, 0, 180, 24), fill=mix(c, (255,) * 3, 0.4))
    p.line(arc(-0.48, 0.0, 0.12, 0.22, -60, 60, 12), mix(c, d, 0.6), 0.02)
    p.dot(-0.62, -0.06, 0.05, (255, 255, 255))
    p.dot(-0.62, -0.06, 0.028, d)


def fish(p: Pen, c: RGB, d: RGB):
    _fish(p, c, d)


def dried_fish(p: Pen, c: RGB, d: RGB):
    _fish(p, c, d, dried=True)


def shrimp(p: Pen, c: RGB, d: RGB):
    segments = 9
    for i in range(segments):
        a = math.radians(200 - i * 26)
        r = 0.45
        x, y = r * math.cos(a), r * math.sin(a) * 0.9
        p.dot(x, y, 0.2 - i * 0.014, mix(c, d, 0.1 * (i % 2)))
    tail_a = math.radians(200 - segments * 26)
    tx, ty = 0.45 * math.cos(tail_a), 0.45 * math.sin(tail_a) * 0.9
    p.poly([(tx, ty), (tx + 0.25, ty + 0.1), (tx + 0.18, ty - 0.12)], fill=c)
    p.dot(-0.5, -0.2, 0.035, d)
    p.line([(-0.55, -0.25), (-0.9, -0.7), (-0.6, -0.95)], d, 0.012)
    p.line([(-0.5, -0.25), (-0.7, -0.85)], d, 0.012)
    for i in range(5):
        x = -0.25 + i * 0.12
        p.line([(x, 0.35), (x - 0.05, 0.5)], d, 0.012)


def crab(p: Pen, c: RGB, d: RGB):
    for side in (-1, 1):
        for i in range(4):
            y = -0.05 + i * 0.1
            p.line(
                [(0.35 * side, y), (0.7 * side, y + 0.05), (0.85 * side, y + 0.3)],
                c,
                0.04,
            )
        p.line([(0.3 * side, -0.2), (0.55 * side, -0.5)], c, 0.05)
        p.ellipse(0.6 * side, -0.6, 0.14, 0.1, fill=c)
    p.poly(
        [(-0.9, -0.05), (0, -0.35), (0.9, -0.05), (0.45, 0.25), (-0.45, 0.25)], fill=c
    )
    p.dot(-0.12, -0.32, 0.04, d)
    p.dot(0.12, -0.32, 0.04, d)


def squid(p: Pen, c: RGB, d: RGB):
    for i in range(8):
        x = -0.28 + i * 0.08
        p.line([(x, 0.2), (x + 0.04 * math.sin(i), 0.55), (x - 0.03, 0.85)], c, 0.04)
    p.poly(
        [(0, -0.95), (0.35, -0.45), (0.3, 0.25), (-0.3, 0.25), (-0.35, -0.45)], fill=c
    )
    p.poly([(0, -0.95), (0.55, -0.7), (0.3, -0.45)], fill=mix(c, d, 0.25))
    p.poly([(0, -0.95), (-0.55, -0.7), (-0.3, -0.45)], fill=mix(c, d, 0.25))
    p.dot(-0.14, 0.1, 0.05, d)
    p.dot(0.14, 0.1, 0.05, d)


def seaweed(p: Pen, c: RGB, d: RGB):
    dark = (34, 52, 40)
    for i in range(3):
        off = (i - 1) * 0.12
        p.poly(
            [
                (-0.7 + off, -0.6 + off),
                (0.7 + off, -0.6 + off),
                (0.7 + off, 0.6 + off),
                (-0.7 + off, 0.6 + off),
            ],
            fill=mix(dark, (60, 90, 60), i * 0.3),
        )
    for j in range(6):
        p.line(wave(-0.55, 0.8, -0.4 + j * 0.17 + 0.12, 0.03, 3), (80, 120, 80), 0.012)


def gift_box(p: Pen, c: RGB, d: RGB):
    p.poly([(-0.7, -0.2), (0.7, -0.2), (0.7, 0.8), (-0.7, 0.8)], fill=c)
    p.poly(
        [(-0.78, -0.42), (0.78, -0.42), (0.78, -0.18), (-0.78, -0.18)],
        fill=mix(c, d, 0.2),
    )
    ribbon = (200, 40, 50)
    p.poly([(-0.1, -0.42), (0.1, -0.42), (0.1, 0.8), (-0.1, 0.8)], fill=ribbon)
    p.ellipse(-0.25, -0.58, 0.24, 0.14, fill=ribbon)
    p.ellipse(0.25, -0.58, 0.24, 0.14, fill=ribbon)
    p.dot(0, -0.5, 0.1, mix(ribbon, d, 0.3))


def bowl(p: Pen, c: RGB, d: RGB):
    for i in range(7):
        x = -0.5 + i * 0.16
        p.line(
            [(x, 0.1), (x + 0.08, -0.3), (x - 0.02, -0.6), (x + 0.06, -0.8)], c, 0.025
        )
    p.line([(0.2, -0.95), (0.9, 0.0)], d, 0.035)
    p.line([(0.35, -0.95), (0.95, -0.1)], d, 0.035)
    p.ellipse(0, 0.1, 0.85, 0.55, fill=(250, 250, 246), start=0, end=180)
    p.ellipse(0, 0.1, 0.85, 0.12, fill=mix(c, d, 0.15))
    p.line(arc(0, 0.42, 0.6, 0.06, 20, 160, 20), d, 0.02)
    p.poly(
        [(-0.25, 0.62), (0.25, 0.62), (0.2, 0.72), (-0.2, 0.72)], fill=(236, 232, 220)
    )


def hanging_noodles(p: Pen, c: RGB, d: RGB):
    p.line([(-0.95, -0.8), (0.95, -0.8)], d, 0.06)
    for i in range(26):
        x = -0.85 + i * 0.068
        bottom = 0.55 + 0.25 * math.sin(i * 0.7) * 0.5
        p.line([(x, -0.78), (x + 0.01, bottom)], c, 0.014)


def tea_leaves(p: Pen, c: RGB, d: RGB):
    for angle, dx, scale in ((-0.5, -0.25, 0.8), (0.4, 0.25, 1.0)):
        q = Pen(p.draw, *p.pt(dx, 0.0), p.scale * scale, angle)
        q.poly(
            [*arc(0, 0, 0.35, 0.8, 270, 450, 30), *arc(0, 0, 0.35, 0.8, 90, 270, 30)],
            fill=c,
        )
        q.line([(0, -0.8), (0, 0.95)], d, 0.02)
        for k in range(5):
            y = -0.5 + k * 0.25
            q.line([(0, y), (0.25, y - 0.15)], d, 0.012)
            q.line([(0, y), (-0.25, y - 0.15)], d, 0.012)


def jar(p: Pen, c: RGB, d: RGB):
    p.poly(
        [
            (-0.5, -0.45),
            (0.5, -0.45),
            (0.6, -0.3),
            (0.6, 0.8),
            (-0.6, 0.8),
            (-0.6, -0.3),
        ],
        fill=(150, 90, 40),
    )
    p.poly([(-0.55, -0.75), (0.55, -0.75), (0.55, -0.45), (-0.55, -0.45)], fill=d)
    p.poly(
        [(-0.45, -0.05), (0.45, -0.05), (0.45, 0.5), (-0.45, 0.5)], fill=(250, 244, 226)
    )
    pear = [*arc(0, 0.3, 0.16, 0.16, 0, 360, 24)]
    p.poly(pear, fill=(170, 200, 90))
    p.ellipse(0, 0.1, 0.09, 0.11, fill=(170, 200, 90))
    p.line([(0, 0.0), (0.04, -0.08)], d, 0.015)


def bottle(p: Pen, c: RGB, d: RGB):
    for k, dx in enumerate((-0.42, 0.42)):
        if k == 0:
            fill = mix(c, (255, 255, 255), 0.2)
        else:
            fill = c
        p.poly(
            [
                (dx - 0.08, -0.9),
                (dx + 0.08, -0.9),
                (dx + 0.08, -0.6),
                (dx + 0.26, -0.35),
                (dx + 0.26, 0.85),
                (dx - 0.26, 0.85),
                (dx - 0.26, -0.35),
                (dx - 0.08, -0.6),
            ],
            fill=fill,
        )
        p.poly(
            [(dx - 0.1, -1.0), (dx + 0.1, -1.0), (dx + 0.1, -0.88), (dx - 0.1, -0.88)],
            fill=d,
        )
        p.poly(
            [(dx - 0.26, 0.0), (dx + 0.26, 0.0), (dx + 0.26, 0.45), (dx - 0.26, 0.45)],
            fill=(250, 246, 232),
        )
        p.dot(dx, 0.22, 0.14, (250, 150, 30))
        p.ellipse(dx + 0.07, 0.06, 0.07, 0.035, fill=(80, 140, 60))


def citrus(p: Pen, c: RGB, d: RGB):
    for dx, dy, r in ((-0.35, 0.2, 0.42), (0.35, 0.25, 0.38), (0.0, -0.2, 0.45)):
        p.dot(dx, dy, r, mix(c, (240, 120, 20), 0.5))
        p.dot(dx - r * 0.3, dy - r * 0.3, r * 0.18, mix(c, (255, 255, 255), 0.5))
    p.ellipse(0.25, -0.65, 0.22, 0.09, fill=d)
    p.line([(0.0, -0.62), (0.1, -0.72)], (90, 60, 20), 0.02)


def citron(p: Pen, c: RGB, d: RGB):
    """佛手: a fruit split into finger-like segments, yellow in any palette."""
    c = mix((250, 200, 40), c, 0.2)
    for i in range(9):
        a = -0.9 + i * 0.225
        q = Pen(p.draw, *p.pt(0.0, -0.15), p.scale, a)
        q.poly([*arc(0, 0.5, 0.09, 0.45, 0, 360, 24)], fill=mix(c, d, 0.08 * (i % 3)))
    p.ellipse(0, -0.2, 0.3, 0.22, fill=c)
    p.ellipse(-0.05, -0.55, 0.25, 0.09, fill=d)
    p.line([(0, -0.4), (0.05, -0.6)], (90, 70, 30), 0.025)


def ham(p: Pen, c: RGB, d: RGB):
    """A whole cured leg: a teardrop with the trotter bone at its narrow end."""
    leg = [(-0.62, -0.62), *arc(0.12, 0.22, 0.62, 0.5, 262, 548, 40), (-0.5, -0.72)]
    p.poly(leg, fill=mix(c, d, 0.35))
    inner = [(-0.5, -0.52), *arc(0.14, 0.24, 0.5, 0.38, 265, 545, 40), (-0.42, -0.6)]
    p.poly(inner, fill=c)
    p.ellipse(0.22, 0.3, 0.26, 0.17, fill=mix(c, (255, 236, 226), 0.55))
    p.line([(-0.58, -0.68), (-0.85, -0.92)], (244, 234, 214), 0.1)
    p.dot(-0.88, -0.95, 0.07, (244, 234, 214))
    p.line([(-0.66, -0.6), (-0.48, -0.78)], (150, 60, 40), 0.035)


def pastry(p: Pen, c: RGB, d: RGB):
    spots = [(-0.45, 0.25), (0.42, 0.3), (0.0, -0.25), (-0.05, 0.55)]
    for x, y in spots:
        p.ellipse(x, y + 0.06, 0.36, 0.2, fill=mix(c, d, 0.5))
        p.ellipse(x, y, 0.36, 0.2, fill=(226, 160, 80))
        p.ellipse(x, y - 0.02, 0.28, 0.14, fill=(240, 190, 110))
        for k in range(8):
            sx = x + 0.2 * math.cos(k * 2.4)
            sy = y - 0.02 + 0.09 * math.sin(k * 2.4)
            p.dot(sx, sy, 0.015, (250, 240, 210))


def sugar(p: Pen, c: RGB, d: RGB):
    cubes = [(-0.35, 0.3), (0.3, 0.35), (0.0, -0.2), (-0.5, -0.3), (0.5, -0.25)]
    for x, y in cubes:
        s = 0.22
        top = [
            (x - s, y - s * 0.6),
            (x, y - s * 1.1),
            (x + s, y - s * 0.6),
            (x, y - s * 0.1),
        ]
        left = [
            (x - s, y - s * 0.6),
            (x, y - s * 0.1),
            (x, y + s),
            (x - s, y + s * 0.5),
        ]
        right = [
            (x + s, y - s * 0.6),
            (x, y - s * 0.1),
            (x, y + s),
            (x + s, y + s * 0.5),
        ]
        p.poly(top, fill=(190, 120, 70))
        p.poly(left, fill=(140, 80, 40))
        p.poly(right, fill=(110, 60, 30))


def hat(p: Pen, c: RGB, d: RGB):
    p.ellipse(0, 0.25, 0.95, 0.32, fill=c)
    for k in range(6):
        p.line(
            arc(0, 0.25, 0.9 - k * 0.1, 0.29 - k * 0.03, 0, 360, 48),
            mix(c, d, 0.35),
            0.01,
        )
    crown = [*arc(0, 0.1, 0.45, 0.5, 180, 360, 30)]
    p.poly([*crown, (0.45, 0.22), (-0.45, 0.22)], fill=mix(c, (255, 255, 255), 0.15))
    for k in range(9):
        p.line(arc(0, 0.1, 0.44, 0.48 - k * 0.04, 185, 355, 20), mix(c, d, 0.3), 0.008)
    p.poly([(-0.45, 0.08), (0.45, 0.08), (0.45, 0.2), (-0.45, 0.2)], fill=(180, 50, 50))


def basket(p: Pen, c: RGB, d: RGB):
    p.line(arc(0, -0.2, 0.55, 0.65, 180, 360, 30), d, 0.06)
    p.poly([(-0.8, -0.2), (0.8, -0.2), (0.6, 0.8), (-0.6, 0.8)], fill=c)
    for k in range(6):
        y = -0.1 + k * 0.16
        p.line([(-0.78 + k * 0.03, y), (0.78 - k * 0.03, y)], mix(c, d, 0.4), 0.015)
    for k in range(11):
        x = -0.7 + k * 0.14
        p.line([(x, -0.2), (x * 0.78, 0.8)], mix(c, d, 0.3), 0.01)


def lantern(p: Pen, c: RGB, d: RGB):
    p.line([(0, -1.0), (0, -0.72)], d, 0.02)
    p.poly([(-0.25, -0.72), (0.25, -0.72), (0.3, -0.6), (-0.3, -0.6)], fill=d)
    p.ellipse(0, 0.0, 0.62, 0.62, fill=c)
    for k in range(1, 4):
        rx = 0.62 * k / 4
        p.line(arc(0, 0.0, rx, 0.6, 270, 450, 24), mix(c, (0, 0, 0), 0.25), 0.012)
        p.line(arc(0, 0.0, rx, 0.6, 90, 270, 24), mix(c, (0, 0, 0), 0.25), 0.012)
    p.ellipse(-0.18, -0.2, 0.16, 0.22, fill=mix(c, (255, 230, 150), 0.35))
    p.poly([(-0.3, 0.6), (0.3, 0.6), (0.25, 0.72), (-0.25, 0.72)], fill=d)
    for k in range(7):
        x = -0.15 + k * 0.05
        p.line([(x, 0.72), (x, 1.0)], d, 0.012)


def rabbit_lantern(p: Pen, c: RGB, d: RGB):
    white = (250, 246, 240)
    p.ellipse(-0.55, -0.45, 0.1, 0.35, fill=white)
    p.ellipse(-0.35, -0.5, 0.1, 0.35, fill=white)
    p.ellipse(-0.55, -0.45, 0.05, 0.25, fill=(250, 170, 180))
    p.ellipse(-0.35, -0.5, 0.05, 0.25, fill=(250, 170, 180))
    p.ellipse(0.05, 0.15, 0.75, 0.45, fill=white)
    p.ellipse(-0.45, -0.05, 0.3, 0.26, fill=white)
    p.dot(-0.55, -0.1, 0.05, c)
    for x, s in ((-0.4, 0.16), (0.5, 0.16)):
        p.dot(x, 0.65, s, d)
        p.dot(x, 0.65, s * 0.4, (80, 50, 20))
    p.line(wave(-0.2, 0.6, 0.15, 0.08, 2), c, 0.03)


def lotus_lantern(p: Pen, c: RGB, d: RGB):
    pink = (244, 140, 170)
    for k in range(7):
        a = -1.2 + k * 0.4
        q = Pen(p.draw, *p.pt(0, 0.45), p.scale, a)
        q.poly(
            [*arc(0, -0.45, 0.18, 0.45, 0, 360, 24)],
            fill=mix(pink, (255, 255, 255), 0.15 * (k % 2)),
        )
    p.dot(0, 0.2, 0.18, d)
    p.ellipse(0, 0.55, 0.7, 0.12, fill=(90, 150, 90))


def qipao(p: Pen, c: RGB, d: RGB):
    outline = [
        (-0.12, -0.95),
        (0.12, -0.95),
        (0.14, -0.82),
        (0.42, -0.72),
        (0.5, -0.5),
        (0.34, -0.42),
        (0.3, -0.1),
        (0.38, 0.3),
        (0.33, 0.95),
        (-0.33, 0.95),
        (-0.38, 0.3),
        (-0.3, -0.1),
        (-0.34, -0.42),
        (-0.5, -0.5),
        (-0.42, -0.72),
        (-0.14, -0.82),
    ]
    p.poly(outline, fill=c)
    p.poly(
        [(-0.14, -0.95), (0.14, -0.95), (0.14, -0.82), (-0.14, -0.82)],
        fill=mix(c, d, 0.3),
    )
    p.line([(-0.05, -0.82), (0.3, -0.6), (0.3, -0.42)], d, 0.02)
    for k in range(3):
        y = -0.7 + k * 0.14
        p.line([(0.08 + k * 0.07, y), (0.2 + k * 0.07, y + 0.02)], d, 0.02)
    p.line([(0.3, 0.45), (0.33, 0.95)], mix(c, (0, 0, 0), 0.35), 0.012)
    for k in range(5):
        x = -0.18 + k * 0.1
        p.dot(x, 0.1 + 0.25 * math.sin(k), 0.05, mix(d, c, 0.3))
        p.dot(x + 0.04, 0.55 - 0.2 * math.cos(k), 0.035, mix(d, c, 0.3))


MOTIFS: dict[str, Callable[[Pen, RGB, RGB], None]] = {
    "fish": fish,
    "dried_fish": dried_fish,
    "shrimp": shrimp,
    "crab": crab,
    "squid": squid,
    "seaweed": seaweed,
    "gift_box": gift_box,
    "bowl": bowl,
    "hanging_noodles": hanging_noodles,
    "tea_leaves": tea_leaves,
    "jar": jar,
    "bottle": bottle,
    "citrus": citrus,
    "citron": citron,
    "ham": ham,
    "pastry": pastry,
    "sugar": sugar,
    "hat": hat,
    "basket": basket,
    "lantern": lantern,
    "rabbit_lantern": rabbit_lantern,
    "lotus_lantern": lotus_lantern,
    "qipao": qipao,
}
