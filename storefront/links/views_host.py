"""The host's own pages: the public profile, their links (create, revoke,
QR codes), applying to sell a brand, a brand operator's approvals, and the
dashboard with its CSV export. Thin: the services and `user_can` decide,
storefront.links.dashboard sums; these views parse and render. Everything
but the public profile is private and never cached."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.models import Membership, Role
from brands.permissions import (
    Action,
    is_platform_operator,
    role_targets,
    user_can,
)
from storefront.core.http import private_page
from storefront.core.ids import pk_from_text

from . import qr
from .dashboard import (
    chart_bars,
    dashboard_csv,
    dashboard_hosts,
    host_dashboard,
    parse_range,
    short_url,
)
from .errors import LinkError, LinkErrorCode
from .forms import HostApplyForm, HostLinkForm, LiveSessionForm
from .host_money import host_money
from .models import (
    ApplicationStatus,
    HostApplication,
    HostLink,
    HostProfile,
    LiveSession,
)
from .selectors import upcoming_sessions
from .services import (
    host_application_decide,
    host_apply,
    host_link_create,
    host_link_revoke,
    live_session_create,
)
from .sharing import share_url

LINKS_SHOWN = 200


def _refused(request, status=403, code=LinkErrorCode.PERMISSION_DENIED):
    message = LinkError(code).message
    return private_page(
        render(
            request,
            "links/host_error.html",
            {"status": status, "message": message},
            status=status,
        )
    )


def is_host(user) -> bool:
    """May keep links: approved for a brand, or a platform operator."""
    return is_platform_operator(user) or bool(role_targets(user, Role.LIVESTREAM_HOST))


@require_GET
def host_profile(request, slug):
    profile = get_object_or_404(HostProfile.objects.select_related("user"), slug=slug)
    brands = [
        m.brand
        for m in Membership.objects.filter(
            user_id=profile.user_id,
            role=Role.LIVESTREAM_HOST,
            brand__is_active=True,
        )
        .select_related("brand")
        .order_by("brand__name")
    ]
    return render(
        request,
        "links/host_profile.html",
        {
            "profile": profile,
            "brands": brands,
            "upcoming": upcoming_sessions(host=profile.user, limit=20),
            "page_url": share_url(reverse("links:host", args=[profile.slug]), request),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_links(request):
    if not is_host(request.user):
        return _refused(request)
    status = 200
    if request.method == "POST":
        form = HostLinkForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                link = host_link_create(user=request.user, **form.service_kwargs())
            except LinkError as exc:
                form.add_error(_form_field(exc.field), exc.message)
            else:
                messages.success(request, f"已创建链接 Link created: {short_url(link)}")
                return redirect("links:my-links")
        status = 400
    else:
        form = HostLinkForm(user=request.user)
    links = list(
        HostLink.objects.filter(host=request.user)
        .select_related("brand", "product", "live_session")
        .order_by("-pk")[:LINKS_SHOWN]
    )
    now = timezone.now()
    sessions = LiveSession.objects.filter(host=request.user, ends_at__gt=now)
    return private_page(
        render(
            request,
            "links/my_links.html",
            {
                "form": form,
                "rows": [(link, short_url(link)) for link in links],
                "sessions": sessions.select_related("brand").order_by("starts_at")[:20],
                "now": now,
            },
            status=status,
        )
    )


def _form_field(field: str | None) -> str | None:
    """Service errors name model fields: the form's own where they match."""
    return field if field in HostLinkForm.base_fields else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def live_session_new(request):
    if not is_host(request.user):
        return _refused(request)
    form = LiveSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = live_session_create(
                user=request.user,
                brand=data["brand_object"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                product_ids=data["products"],
            )
        except LinkError as exc:
            field = (exc.field or "").split(".")[0]
            field = "products" if field == "product_ids" else field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, "直播已安排 / Live session scheduled")
            return redirect("links:console", pk=session.pk)
    status = 400 if form.is_bound else 200
    return private_page(
        render(request, "links/host_live_new.html", {"form": form}, status=status)
    )


@never_cache
@login_required
@require_POST
def link_revoke(request, pk: int):
    link = get_object_or_404(HostLink, pk=pk)
    if not user_can(request.user, Action.VIEW_HOST_FIGURES, link):
        raise Http404
    try:
        host_link_revoke(user=request.user, link=link)
    except LinkError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销 Revoked: {short_url(link)}")
    return redirect("links:my-links")


@never_cache
@login_required
@require_GET
def link_qr(request, pk: str, kind: str):
    number = pk_from_text(pk)
    link = HostLink.objects.filter(pk=number).first() if number else None
    # Someone else's link answers as if it did not exist.
    if link is None or not user_can(request.user, Action.VIEW_HOST_FIGURES, link):
        raise Http404
    if kind == "png":
        png = qr.link_qr_png(link, request=request)
        response = HttpResponse(png, content_type="image/png")
    else:
        svg = qr.link_qr_svg(link, request=request)
        response = HttpResponse(svg, content_type="image/svg+xml")
    filename = f"link-{link.code}.{kind}"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_page(response)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    status = 200
    if request.method == "POST":
        form = HostApplyForm(request.POST)
        if form.is_valid():
            try:
                host_apply(
                    user=request.user,
                    brand=form.cleaned_data["brand"],
                    note=form.cleaned_data["note"],
                )
            except LinkError as exc:
                field = exc.field if exc.field in form.fields else "brand"
                form.add_error(field, exc.message)
            else:
                messages.success(
                    request, "申请已提交，等待品牌审批 / Applied: the brand will decide"
                )
                return redirect("links:apply")
        status = 400
    else:
        form = HostApplyForm()
    applications = (
        HostApplication.objects.filter(host=request.user)
        .select_related("brand")
        .order_by("-pk")[:50]
    )
    return private_page(
        render(
            request,
            "links/host_apply.html",
            {"form": form, "applications": applications},
            status=status,
        )
    )


def _approvable(user):
    """Pending applications `user` may decide, or None if none ever."""
    pending = HostApplication.objects.filter(
        status=ApplicationStatus.PENDING
    ).select_related("host", "brand")
    if is_platform_operator(user):
        return pending
    brands = role_targets(user, Role.BRAND_OPERATOR)
    return pending.filter(brand_id__in=brands) if brands else None


@never_cache
@login_required
@require_GET
def applications(request):
    pending = _approvable(request.user)
    if pending is None:
        return _refused(request)
    return private_page(
        render(
            request,
            "links/host_applications.html",
            {"applications": pending.order_by("pk")[:200]},
        )
    )


@never_cache
@login_required
@require_POST
def application_decide(request, pk: int):
    application = get_object_or_404(
        HostApplication.objects.select_related("brand", "host"), pk=pk
    )
    if not user_can(request.user, Action.APPROVE_HOSTS, application.brand):
        return _refused(request)
    approve = request.POST.get("decision") == "approve"
    try:
        host_application_decide(
            user=request.user, application=application, approve=approve
        )
    except LinkError as exc:
        messages.error(request, exc.message)
    else:
        verb = "已批准 Approved" if approve else "已拒绝 Rejected"
        messages.success(request, f"{verb}: {application.host} → {application.brand}")
    return redirect("links:applications")


def _board(request):
    """(context, None) or (None, the refusal to answer with)."""
    hosts = dashboard_hosts(request.user)
    if hosts is None:
        return None, _refused(request)
    picked = request.GET.get("host")
    if picked:
        number = pk_from_text(picked)
        host = hosts.filter(pk=number).first() if number else None
        if host is None:
            return None, _refused(request)
    else:
        host = hosts.filter(pk=request.user.pk).first() or hosts.first()
    context = {
        "hosts": hosts[:500],
        "host": host,
        "from": request.GET.get("from", ""),
        "to": request.GET.get("to", ""),
        "error": "",
        "board": None,
    }
    try:
        rng = parse_range(context["from"], context["to"])
    except LinkError as exc:
        context["error"] = exc.message
        return context, None
    context["from"], context["to"] = rng.first.isoformat(), rng.last.isoformat()
    if host is not None:
        context["board"] = host_dashboard(user=request.user, host=host, rng=rng)
    return context, None


@never_cache
@login_required
@require_GET
def dashboard(request):
    context, refused = _board(request)
    if refused is not None:
        return refused
    board = context["board"]
    if board is not None:
        bars, width, height = chart_bars(board.series)
        context.update(
            bars=bars,
            chart_width=width,
            chart_height=height,
            link_rows=[(row, short_url(row.obj)) for row in board.links],
            money=host_money(user=request.user, host=board.host),
        )
    status = 400 if context["error"] else 200
    return private_page(render(request, "links/dashboard.html", context, status=status))


@never_cache
@login_required
@require_GET
def dashboard_csv_export(request):
    context, refused = _board(request)
    if refused is not None:
        return refused
    if context["error"]:
        return private_page(
            render(
                request,
                "links/host_error.html",
                {"status": 400, "message": context["error"]},
                status=400,
            )
        )
    board = context["board"]
    if board is None:
        raise Http404
    name = slugify(board.host.get_username()) or f"host-{board.host.pk}"
    filename = f"host-dashboard-{name}-{context['from']}-{context['to']}.csv"
    response = HttpResponse(
        dashboard_csv(board), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_page(response)
