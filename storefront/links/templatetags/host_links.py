"""`{% if user|is_host %}`: whether the header offers the host's pages;
`{{ session|session_when }}`: a live session's times in Asia/Shanghai."""

from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

from brands.models import Role
from brands.permissions import may_approve_some_hosts, role_targets

register = template.Library()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@register.filter
def is_host(user) -> bool:
    """Approved to sell at least one brand live (memberships are loaded
    once per request by brands.permissions)."""
    return bool(role_targets(user, Role.LIVESTREAM_HOST))


@register.filter
def approves_hosts(user) -> bool:
    """A brand operator (or platform operator): header links to host
    applications and the hosts' dashboard."""
    return may_approve_some_hosts(user)


@register.filter
def session_when(session) -> str:
    """A session's times in Asia/Shanghai: "2026-12-08 08:00 – 22:00", and
    the end's date too when the session runs past midnight ("… – 12-09
    00:00"); a bare "00:00" read as ending before it began."""
    starts = timezone.localtime(session.starts_at, SHANGHAI)
    ends = timezone.localtime(session.ends_at, SHANGHAI)
    end = ends.strftime("%H:%M")
    if ends.date() != starts.date():
        end = ends.strftime("%m-%d %H:%M")
    return f"{starts:%Y-%m-%d %H:%M} – {end}"


@register.filter
def session_is_live(session) -> bool:
    now = timezone.now()
    return session.starts_at <= now < session.ends_at
