"""`{{ variant.price_fen|fen }}` -> ¥12.80, through the one money formatter."""

from django import template

from storefront.core.money import format_fen

register = template.Library()


@register.filter
def fen(value) -> str:
    if value is None or value == "":
        return ""
    return format_fen(int(value))
