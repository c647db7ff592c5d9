"""`{{ variant.price_fen|fen }}` -> ¥12.80, `{{ net_fen|fen_signed }}` ->
−¥12.30, through the one money formatter."""

from django import template

from storefront.core.money import MINUS_SIGN, format_fen

register = template.Library()


@register.filter
def fen(value) -> str:
    if value is None or value == "":
        return ""
    return format_fen(int(value))


@register.filter
def fen_signed(value) -> str:
    """-1230 -> '−¥12.30': a typographic minus that reads as negative."""
    if value is None or value == "":
        return ""
    return format_fen(int(value), minus=MINUS_SIGN)
