"""Reading the impact figures off a rendered page (web/impact/figures.html)."""

import re

_PERIOD = re.compile(r'<div class="impact-period">\s*<h3>(.*?)</h3>(.*?)</dl>', re.S)
_DD = re.compile(r"<dd[^>]*>(.*?)</dd>", re.S)
NAMES = ("total", "village", "workshop", "host", "orders", "units")


def period_figures(html: str) -> dict[str, dict[str, str]]:
    """{"本月" / "今年" / "累计" (or the English title): {"total": "¥6.53",
    "village": …, "workshop": …, "host": …, "orders": "1", "units": "3"}}."""
    found = {}
    for title, body in _PERIOD.findall(html):
        name = re.sub(r"<.*", "", title, flags=re.S).strip()
        values = [value.strip() for value in _DD.findall(body)]
        found[name] = dict(zip(NAMES, values, strict=True))
    return found


def period_fen(html: str) -> dict[str, dict[str, int]]:
    """The same figures as the data-fen / data-count integers."""
    found = {}
    for title, body in _PERIOD.findall(html):
        name = re.sub(r"<.*", "", title, flags=re.S).strip()
        values = [int(v) for v in re.findall(r'data-(?:fen|count)="(-?\d+)"', body)]
        found[name] = dict(zip(NAMES, values, strict=True))
    return found


def chart_bars(html: str) -> dict[str, tuple[int, float, float]]:
    """{"2026-12": (fen, y, height)} of the chart's bars."""
    bars = re.findall(
        r'<rect class="bar[^"]*" x="[^"]*" y="([^"]*)" width="[^"]*" '
        r'height="([^"]*)" data-month="([^"]*)" data-fen="(-?\d+)"',
        html,
    )
    return {month: (int(fen), float(y), float(h)) for y, h, month, fen in bars}


def chart_axis(html: str) -> float:
    return float(re.search(r'<line class="axis"[^>]* y1="([^"]*)"', html)[1])
