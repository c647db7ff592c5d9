"""A live session's public page (what is on air now, updating by polling its
state.json) and the host's console to pin products and watch the counts."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brands.permissions import Action, user_can
from storefront.catalog.models import Product
from storefront.core.ids import pk_from_text

from .attribution import live_attribution_record
from .bots import is_bot
from .errors import LinkError, LinkErrorCode
from .live_cache import state_poll, state_remember
from .models import LiveSession
from .selectors import (
    featured_products,
    host_display_name,
    live_session_figures,
    live_session_for_page,
    live_session_state,
)
from .services import live_session_count_view, live_session_pin
from .sharing import live_share_url
from .watching import viewer_id, watching_count, watching_seen_locally

POLL_SECONDS = 3
FIGURES_POLL_SECONDS = 5
# A visitor counts once per half hour, however often the page reloads
# (the <noscript> refresh reloads it every few seconds).
VISIT_SECONDS = 30 * 60


def _session_or_404(pk: int) -> LiveSession:
    session = live_session_for_page(pk)
    if session is None:
        raise Http404("no such live session")
    return session


def _host_url(session: LiveSession) -> str | None:
    profile = getattr(session.host, "host_profile", None)
    if profile is None:
        return None
    try:
        return reverse("links:host", args=[profile.slug])
    except NoReverseMatch:  # the host pages are optional
        return None


def _visit_cookie(pk: int) -> str:
    return f"gf_live_{pk}"


def _count_view(request, session: LiveSession, response) -> None:
    if is_bot(request.META.get("HTTP_USER_AGENT")):
        return
    cookie = _visit_cookie(session.pk)
    if request.COOKIES.get(cookie):
        return
    live_session_count_view(session=session)
    response.set_cookie(
        cookie,
        "1",
        max_age=VISIT_SECONDS,
        path=f"/live/{session.pk}/",
        httponly=True,
        samesite="Lax",
    )


@never_cache
@require_GET
def live(request, pk: int):
    session = _session_or_404(pk)
    state = live_session_state(session)
    response = render(
        request,
        "links/live.html",
        {
            "session": session,
            "host_name": host_display_name(session),
            "host_url": _host_url(session),
            "state": state,
            "featured": featured_products(session),
            "poll_seconds": POLL_SECONDS,
            "share_url": live_share_url(session, request),
        },
    )
    _count_view(request, session, response)
    if not is_bot(request.META.get("HTTP_USER_AGENT")):
        # On air: this visit is the viewer's latest touch (credits the
        # session and its host); before or after, nothing is recorded.
        live_attribution_record(request, response, session)
    return response


@never_cache
@require_GET
def live_state(request, pk: int):
    """Polled every few seconds by every viewer: one Redis round trip
    (the cached state and who is watching, storefront.links.live_cache),
    one query when the pin changed. Never cached by browsers."""
    bot = is_bot(request.META.get("HTTP_USER_AGENT"))
    viewer = None if bot else viewer_id(request)
    body, version = state_poll(pk, viewer)
    if body is None:
        session = _session_or_404(pk)
        if version is None and viewer is not None:
            # No Redis: counted in memory, only for a session that exists.
            watching_seen_locally(session.pk, viewer)
        body = json.dumps(live_session_state(session), cls=DjangoJSONEncoder)
        body = body.encode()
        state_remember(pk, version, session, body)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def _console_session(request, pk: int):
    """(session, refusal): the session if the user may run its console."""
    session = _session_or_404(pk)
    if not user_can(request.user, Action.VIEW_HOST_FIGURES, session):
        error = LinkError(LinkErrorCode.PERMISSION_DENIED)
        refusal = render(
            request, "links/console_denied.html", {"message": error.message}, status=403
        )
        return session, refusal
    return session, None


@never_cache
@login_required
@require_GET
def console(request, pk: int):
    session, refusal = _console_session(request, pk)
    if refusal is not None:
        return refusal
    return render(
        request,
        "links/console.html",
        {
            "session": session,
            "host_name": host_display_name(session),
            "state": live_session_state(session),
            "featured": featured_products(session),
            "figures": live_session_figures(session),
            "watching": watching_count(session.pk),
            "poll_seconds": FIGURES_POLL_SECONDS,
        },
    )


@never_cache
@login_required
@require_GET
def console_figures(request, pk: int):
    session, refusal = _console_session(request, pk)
    if refusal is not None:
        return JsonResponse({"error": "permission_denied"}, status=403)
    data = live_session_figures(session)
    data["pinned_product_id"] = session.pinned_product_id
    data["watching"] = watching_count(session.pk)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_POST
def console_pin(request, pk: int):
    """Pin the posted product (empty: unpin), then back to the console."""
    session, refusal = _console_session(request, pk)
    if refusal is not None:
        return refusal
    raw = request.POST.get("product", "").strip()
    product = None
    try:
        if raw:
            pk = pk_from_text(raw)
            if pk is None:
                raise LinkError(LinkErrorCode.NOT_FOUND, field="product")
            product = (
                Product.objects.select_related("brand", "workshop")
                .filter(pk=pk)
                .first()
            )
            if product is None:
                raise LinkError(LinkErrorCode.NOT_FOUND, field="product")
        live_session_pin(user=request.user, session=session, product=product)
    except LinkError as error:
        messages.error(request, error.message)
    else:
        if product is None:
            messages.success(request, "已取消置顶 / Unpinned")
        else:
            messages.success(request, f"已置顶 / Pinned: {product.localized_name}")
    return redirect("links:console", pk=session.pk)
