"""Which host (and link, and live session) a visitor's purchase is credited
to: the last host link tapped within the brand's attribution window, carried
in a signed cookie (and the session), checked again when the order is placed.
"""

from datetime import timedelta

from django.utils import timezone

from storefront.core.attribution import Attribution

COOKIE = "gf_host"
SALT = "storefront.links.attribution"
SESSION_KEY = "gf_host"


def link_attributes(link) -> bool:
    """Whether a tap on `link` credits its host now: not revoked, not expired."""
    now = timezone.now()
    if link.revoked_at is not None:
        return False
    return link.expires_at is None or link.expires_at > now


def attribution_record(request, response, link) -> Attribution | None:
    """After a tap on `link` (last click wins): remember it for the brand's
    window, or nothing when the link no longer attributes."""
    if not link_attributes(link):
        return None
    window = timedelta(days=link.brand.attribution_window_days)
    found = Attribution(
        link_id=link.pk,
        host_id=link.host_id,
        live_session_id=link.live_session_id,
        clicked_at=int(timezone.now().timestamp()),
    )
    response.set_signed_cookie(
        COOKIE,
        found.as_value(),
        salt=SALT,
        max_age=int(window.total_seconds()),
        httponly=True,
        samesite="Lax",
    )
    # Only into a session the visitor already has: creating one per tap would
    # write a database row for every anonymous tap of a livestream spike.
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session[SESSION_KEY] = found.as_value()
    return found


def attribution_from_request(request) -> Attribution | None:
    """The visitor's latest tap, from the signed cookie (a tampered or
    unsigned one is ignored) or else the session."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT)
    if value is None and hasattr(request, "session"):
        value = request.session.get(SESSION_KEY)
    return Attribution.from_value(value) if value else None


def attribution_for_order(attribution: Attribution | None, *, buyer) -> dict:
    """Order fields {host_id, host_link_id, live_session_id} for a purchase
    now, or {} when nothing is credited: no tap, the window has passed, the
    link was revoked or expired, the host no longer sells the brand, or the
    host is buying through their own link. Registered as
    `hooks.order_credit` (LinksConfig.ready)."""
    from brands.models import Membership, Role

    from .models import HostLink

    if attribution is None:
        return {}
    link = (
        HostLink.objects.select_related("brand")
        .filter(pk=attribution.link_id, host_id=attribution.host_id)
        .first()
    )
    if link is None or not link_attributes(link):
        return {}
    window = timedelta(days=link.brand.attribution_window_days)
    clicked = timezone.datetime.fromtimestamp(
        attribution.clicked_at, tz=timezone.get_current_timezone()
    )
    if timezone.now() - clicked > window:
        return {}
    if buyer is not None and getattr(buyer, "pk", None) == link.host_id:
        return {}
    approved = Membership.objects.filter(
        user_id=link.host_id, role=Role.LIVESTREAM_HOST, brand_id=link.brand_id
    ).exists()
    if not approved:
        return {}
    return {
        "host_id": link.host_id,
        "host_link_id": link.pk,
        "live_session_id": link.live_session_id,
    }
