"""`{{ variant.price_fen|yuan }}` -> 12.80: a price as its form field shows it."""

from django import template

from storefront.core.money import fen_to_yuan_string

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return ""
    return fen_to_yuan_string(int(value))
