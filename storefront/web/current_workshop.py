"""Which workshop a workshop-portal page acts for, shared by the portal's
pages (products, orders, dashboard): a workshop manager's own workshop, or,
for brand and platform operators acting for a workshop they may manage, the
one chosen with `?workshop=<slug>` (the switcher)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from brands.models import Workshop
from brands.permissions import Action, user_can, workshops_user_may


def workshops_managed_by(user) -> QuerySet[Workshop]:
    """Every workshop `user` may manage (user_can CHANGE_WORKSHOP), by name."""
    return (
        workshops_user_may(user, Action.CHANGE_WORKSHOP)
        .select_related("village")
        .order_by("name", "pk")
    )


SESSION_KEY = "workshop_portal_slug"


def current_workshop(request) -> tuple[Workshop, QuerySet[Workshop]]:
    """(the workshop this request acts for, the ones its user may switch
    to). The one chosen with `?workshop=<slug>` is remembered in the session
    for the next page asked without it. 403 for a user who manages none, or
    who asks for one they may not manage."""
    workshops = workshops_managed_by(request.user)
    session = getattr(request, "session", None)
    slug = (request.GET.get("workshop") or request.POST.get("workshop") or "").strip()
    if slug:
        workshop = workshops.filter(slug=slug).first()
    else:
        remembered = session.get(SESSION_KEY) if session is not None else None
        workshop = workshops.filter(slug=remembered).first() if remembered else None
        workshop = workshop or workshops.first()
    if workshop is None or not user_can(request.user, Action.CHANGE_WORKSHOP, workshop):
        raise PermissionDenied("no workshop to act for")
    if session is not None and session.get(SESSION_KEY) != workshop.slug:
        session[SESSION_KEY] = workshop.slug
    return workshop, workshops
