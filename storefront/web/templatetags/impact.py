"""`{% zh_en "本月" "This month" %}`: Chinese first with the English beside
it, or the English alone for a visitor who chose English."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def zh_en(context, zh: str, en: str):
    if context.get("LANGUAGE_CODE") == "en":
        return en
    return format_html('{} <span class="en" lang="en">{}</span>', zh, en)


@register.filter
def yuan_month(month) -> str:
    """date(2026, 3, 1) -> '2026-03'."""
    return f"{month:%Y-%m}"
