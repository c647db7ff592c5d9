"""`{% if user|is_host %}`: whether the header offers the host's pages."""

from django import template

from brands.models import Role
from brands.permissions import role_targets

register = template.Library()


@register.filter
def is_host(user) -> bool:
    """Approved to sell at least one brand live (memberships are loaded
    once per request by brands.permissions)."""
    return bool(role_targets(user, Role.LIVESTREAM_HOST))
