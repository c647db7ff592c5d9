"""The impact pages' small chart: income returned per month over the last
twelve months, as the geometry of an inline SVG (no JavaScript). Bars of
months whose refunds exceeded their sales hang below the zero line."""

from datetime import date

from storefront.core.money import format_fen

WIDTH, PLOT, LABELS, PAD = 360, 120, 16, 6
MONTHS = 12


def _months_back(today: date, count: int) -> list[date]:
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def month_chart(months, today: date, count: int = MONTHS) -> dict | None:
    """Bars for the `count` months up to `today`'s, from `months`
    (revenue.impact_figures.MonthFigures); None when every one of them is
    zero, so the page says so instead of drawing an empty axis."""
    totals = {item.month: item.figures.total_fen for item in months}
    window = [(month, totals.get(month, 0)) for month in _months_back(today, count)]
    if not any(fen for _, fen in window):
        return None
    top = max(max(fen for _, fen in window), 0)
    bottom = min(min(fen for _, fen in window), 0)
    scale = (PLOT - 2 * PAD) / (top - bottom)
    axis = PAD + top * scale
    slot = WIDTH / count
    bar = slot * 0.64
    bars = []
    for n, (month, fen) in enumerate(window):
        height = abs(fen) * scale
        if fen and height < 1:
            height = 1  # a non-zero month stays visible
        # Coordinates as text here: "12.5" whatever the visitor's locale.
        bars.append(
            {
                "month": f"{month:%Y-%m}",
                "label": str(month.month),
                "fen": fen,
                "title": f"{month:%Y-%m}: {format_fen(fen)}",
                "negative": fen < 0,
                "x": f"{n * slot + (slot - bar) / 2:.1f}",
                "y": f"{axis - height if fen >= 0 else axis:.1f}",
                "width": f"{bar:.1f}",
                "height": f"{height:.1f}",
                "label_x": f"{n * slot + slot / 2:.1f}",
            }
        )
    return {
        "width": WIDTH,
        "height": PLOT + LABELS,
        "axis": f"{axis:.1f}",
        "label_y": PLOT + LABELS - 4,
        "bars": bars,
        "has_negative": bottom < 0,
    }
