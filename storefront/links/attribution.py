"""Which host (and link, and live session) a visitor's purchase is credited
to: the visitor's most recent touch within the brand's attribution window —
a host-link tap or a visit to a live session's page while it is on air —
carried in a signed cookie (and the session), checked again when the order
is placed (docs/livestream-hosts.md, "Attribution").
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
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
    """After a tap on `link` (last touch wins): remember it for the brand's
    window, or nothing when the link no longer attributes."""
    if not link_attributes(link):
        return None
    found = Attribution(
        link_id=link.pk,
        host_id=link.host_id,
        live_session_id=link.live_session_id,
        clicked_at=int(timezone.now().timestamp()),
    )
    return _remember(request, response, found, link.brand.attribution_window_days)


def live_attribution_record(request, response, session) -> Attribution | None:
    """A visit to (or 立即购买 on) `session`'s live page: while the session is
    on air it becomes the visitor's latest touch, crediting the session and
    its host. Outside the session's start–end nothing is recorded and an
    earlier touch stands. A still-valid tap on a link to this very session
    keeps its link (so the link is credited too), with the visit's time."""
    now = timezone.now()
    if not (session.starts_at <= now < session.ends_at):
        return None
    link_id = None
    earlier = attribution_from_request(request)
    if (
        earlier is not None
        and earlier.link_id is not None
        and earlier.live_session_id == session.pk
        and earlier.host_id == session.host_id
    ):
        from .models import HostLink

        link = HostLink.objects.filter(pk=earlier.link_id).first()
        if link is not None and link_attributes(link):
            link_id = link.pk
    found = Attribution(
        link_id=link_id,
        host_id=session.host_id,
        live_session_id=session.pk,
        clicked_at=int(now.timestamp()),
    )
    return _remember(request, response, found, session.brand.attribution_window_days)


def live_purchase_touch(
    request, response, session_pk: int, *, variant_pk: int | None
) -> Attribution | None:
    """立即购买 on live session `session_pk`'s page (the cart add carries the
    session): recorded as a live-room visit, if the session is on air and
    the variant is of the session's brand (a session's touch never displaces
    another brand's host)."""
    from storefront.catalog.models import ProductVariant

    from .models import LiveSession

    session = (
        LiveSession.objects.select_related("brand")
        .filter(pk=session_pk, brand__is_active=True)
        .first()
    )
    if session is None or variant_pk is None:
        return None
    if not ProductVariant.objects.filter(
        pk=variant_pk, product__brand_id=session.brand_id
    ).exists():
        return None
    return live_attribution_record(request, response, session)


def _remember(request, response, found: Attribution, window_days: int) -> Attribution:
    window = timedelta(days=window_days)
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


def attribution_for_order(
    attribution: Attribution | None, *, buyer, email: str = ""
) -> dict:
    """Order fields {host_id, host_link_id, live_session_id} for a purchase
    now, or {} when nothing is credited: no touch, the brand's window has
    passed since it, the link was revoked or expired, a live-room visit fell
    outside the session's start–end, the host no longer sells the brand, or
    the host is the buyer (signed in, or a guest giving the host's own
    email). Registered as `hooks.order_credit`
    (LinksConfig.ready). Which lines earn commission (only brands the host
    is approved for) the revenue split decides."""
    from brands.models import Membership, Role

    if attribution is None:
        return {}
    if attribution.link_id is None:
        found = _live_visit_credit(attribution)
    else:
        found = _link_credit(attribution)
    if found is None:
        return {}
    credit, brand = found
    touched = timezone.datetime.fromtimestamp(
        attribution.clicked_at, tz=timezone.get_current_timezone()
    )
    if timezone.now() - touched > timedelta(days=brand.attribution_window_days):
        return {}
    if buyer is not None and getattr(buyer, "pk", None) == credit["host_id"]:
        return {}
    if (
        email
        and get_user_model()
        .objects.filter(pk=credit["host_id"], email__iexact=email.strip())
        .exists()
    ):
        return {}
    approved = Membership.objects.filter(
        user_id=credit["host_id"], role=Role.LIVESTREAM_HOST, brand_id=brand.pk
    ).exists()
    return credit if approved else {}


def _link_credit(attribution: Attribution):
    from .models import HostLink

    link = (
        HostLink.objects.select_related("brand")
        .filter(pk=attribution.link_id, host_id=attribution.host_id)
        .first()
    )
    if link is None or not link_attributes(link):
        return None
    credit = {
        "host_id": link.host_id,
        "host_link_id": link.pk,
        "live_session_id": link.live_session_id,
    }
    return credit, link.brand


def _live_visit_credit(attribution: Attribution):
    """A live-room visit counts only if made while the session was on air
    (the cookie is signed, but a session's times can be moved after)."""
    from .models import LiveSession

    session = (
        LiveSession.objects.select_related("brand")
        .filter(pk=attribution.live_session_id, host_id=attribution.host_id)
        .first()
    )
    if session is None:
        return None
    visited = timezone.datetime.fromtimestamp(
        attribution.clicked_at, tz=timezone.get_current_timezone()
    )
    if not (session.starts_at <= visited < session.ends_at):
        return None
    credit = {
        "host_id": session.host_id,
        "host_link_id": None,
        "live_session_id": session.pk,
    }
    return credit, session.brand
