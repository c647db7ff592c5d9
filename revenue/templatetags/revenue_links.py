"""`{% if user|may_see_statements %}`: whether the header offers statements."""

from django import template

from revenue.statements import may_see_statements as _may_see

register = template.Library()


@register.filter
def may_see_statements(user) -> bool:
    return _may_see(user)
