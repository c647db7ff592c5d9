"""The workshop portal's import pages: download the template, upload a file
as a dry run, watch its progress, review the plan and every problem, apply
it, and download the report. Thin: the services and selectors decide who may
do what; these views parse input and render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.permissions import Action, user_can
from storefront.core.http import private_page

from . import columns, report, selectors, services
from .errors import ImportJobError, ImportJobErrorCode
from .forms import UploadForm
from .links import product_paths
from .models import ImportJob, ImportMode, ImportStatus
from .plan_display import plan_rows

RECENT_JOBS = 20
PROBLEMS_PER_PAGE = 100
PLAN_PER_PAGE = 50
# Seconds between reloads of a running job's page when JavaScript is off
# (progress.js polls progress.json every second instead).
REFRESH_SECONDS = 2

PROBLEM_FILTERS = {"errors": "error", "warnings": "warning"}
PLAN_FILTERS = ("create", "update", "unchanged", "archive", "skip")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_page(response)


def _importable_workshops(request):
    """The workshops this user may import into; nobody else may see the
    portal at all (consumers and hosts get 403)."""
    workshops = selectors.workshops_importable_by(request.user)
    if not workshops.exists():
        raise PermissionDenied("no workshop to import into")
    return workshops


def _visible_job(request, job_id: int) -> ImportJob:
    return get_object_or_404(
        selectors.jobs_visible_to(request.user).select_related(
            "workshop", "created_by"
        ),
        pk=job_id,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_home(request):
    workshops = _importable_workshops(request)
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        workshops=workshops,
        user=request.user,
    )
    if posted and form.is_valid():
        workshop = form.cleaned_data["workshop"]
        if not user_can(request.user, Action.IMPORT_CATALOG, workshop):
            raise PermissionDenied("may not import into this workshop")
        try:
            job = services.import_job_create(
                user=request.user,
                workshop=workshop,
                upload=form.cleaned_data["file"],
                mode=ImportMode.DRY_RUN,
                archive_missing=form.cleaned_data["archive_missing"],
                sheet=form.cleaned_data["sheet"].strip(),
                brand=form.cleaned_data["brand"],
            )
        except ImportJobError as error:
            if error.code == ImportJobErrorCode.PERMISSION_DENIED:
                raise PermissionDenied(error.message) from error
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            return redirect("catalog_import:job", job_id=job.pk)
    jobs = selectors.jobs_visible_to(request.user).select_related(
        "workshop", "created_by"
    )[:RECENT_JOBS]
    status = 400 if form.is_bound else 200
    return private_page(
        render(
            request,
            "catalog_import/home.html",
            {
                "form": form,
                "workshops": workshops,
                "jobs": jobs,
                "choices": _workshop_choices(workshops, request.user),
                "categories": selectors.template_choices(None).categories,
            },
            status=status,
        )
    )


def _workshop_choices(workshops, user) -> list[tuple]:
    """(workshop, the brands `user` may create products of there) for the
    import page's lists and template links."""
    return [
        (workshop, selectors.template_choices(workshop, user).brands)
        for workshop in workshops.prefetch_related("brands")
    ]


@login_required
@require_GET
def template_download(request, fmt: str):
    """The template for `?workshop=<slug>` (default: the first workshop
    this user may import into): its sample row names a category and a brand
    of that workshop, and the XLSX lists the valid ones in drop-downs."""
    workshops = _importable_workshops(request)
    slug = request.GET.get("workshop")
    workshop = workshops.filter(slug=slug).first() if slug else workshops.first()
    if workshop is None:
        raise Http404("no such workshop")
    choices = selectors.template_choices(workshop, request.user)
    if fmt == "csv":
        return _download(columns.template_csv(choices), "import-template.csv", CSV_TYPE)
    content = columns.template_xlsx(choices)
    return _download(content, "import-template.xlsx", XLSX_TYPE)


def _progress(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "progress": job.progress,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }


def _page_links(request, page, param: str, anchor: str) -> dict[str, str]:
    """Previous/next links that keep the other filters in the query."""

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    return {
        "prev": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


def _problems(job: ImportJob, show: str) -> list[dict]:
    problems = (job.report or {}).get("problems") or []
    wanted = PROBLEM_FILTERS.get(show)
    if wanted:
        problems = [p for p in problems if p.get("severity") == wanted]
    return problems


def _written_products(report: dict, user) -> list[dict]:
    """The products an apply created or updated, with links to their public
    page and, for staff, their admin page."""
    products = []
    for entry in report.get("plan") or []:
        if not isinstance(entry, dict) or not entry.get("written"):
            continue
        paths = product_paths(entry.get("product_id"), entry.get("product_slug"))
        if not user.is_staff:
            paths["admin_path"] = ""
        products.append(
            {
                "action": entry.get("action", ""),
                "product_code": entry.get("product_code", ""),
                "name": entry.get("name", ""),
                **paths,
            }
        )
    return products


def _render_job(request, job: ImportJob, *, apply_error: str = "", status=200):
    finished = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
    show = request.GET.get("show", "")
    show = show if show in PROBLEM_FILTERS else "all"
    action = request.GET.get("action", "")
    action = action if action in PLAN_FILTERS else "all"
    context = {
        "job": job,
        "finished": finished,
        "progress": _progress(job),
        "refresh_seconds": REFRESH_SECONDS,
        "show": show,
        "action": action,
        "plan_filters": PLAN_FILTERS,
        "apply_error": apply_error,
        "can_apply": (
            job.mode == ImportMode.DRY_RUN
            and job.status == ImportStatus.DONE
            and not job.failure
            and user_can(request.user, Action.IMPORT_CATALOG, job.workshop)
        ),
        "can_run_again": (
            job.can_run_again
            and user_can(request.user, Action.IMPORT_CATALOG, job.workshop)
        ),
    }
    if finished:
        problems_page = Paginator(_problems(job, show), PROBLEMS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        report = job.report or {}
        plan = plan_rows(report.get("plan") or [], report.get("problems") or [])
        if action != "all":
            plan = [row for row in plan if row.action == action]
        plan_page = Paginator(plan, PLAN_PER_PAGE).get_page(
            request.GET.get("plan_page")
        )
        context |= {
            "written_products": _written_products(report, request.user),
            "problems_page": problems_page,
            "plan_page": plan_page,
            "problem_links": _page_links(request, problems_page, "page", "problems"),
            "plan_links": _page_links(request, plan_page, "plan_page", "plan"),
        }
    return private_page(
        render(request, "catalog_import/job.html", context, status=status)
    )


@never_cache
@login_required
@require_GET
def job_detail(request, job_id: int):
    return _render_job(request, _visible_job(request, job_id))


@never_cache
@login_required
@require_GET
def job_progress(request, job_id: int):
    job = _visible_job(request, job_id)
    return private_page(JsonResponse(_progress(job)))


@login_required
@require_POST
def job_apply(request, job_id: int):
    job = _visible_job(request, job_id)
    if not user_can(request.user, Action.IMPORT_CATALOG, job.workshop):
        raise PermissionDenied("may not import into this workshop")
    try:
        applied = services.import_job_apply(user=request.user, job=job)
    except ImportJobError as error:
        if error.code == ImportJobErrorCode.PERMISSION_DENIED:
            raise PermissionDenied(error.message) from error
        # Not a finished dry run, or another import is running: say so.
        return _render_job(request, job, apply_error=error.message, status=409)
    return redirect("catalog_import:job", job_id=applied.pk)


@login_required
@require_POST
def job_rerun(request, job_id: int):
    """Run again a job that failed through no fault of its file (its worker
    was lost): the same stored file, checked row by row as this user."""
    job = _visible_job(request, job_id)
    if not user_can(request.user, Action.IMPORT_CATALOG, job.workshop):
        raise PermissionDenied("may not import into this workshop")
    try:
        services.import_job_rerun(user=request.user, job=job)
    except ImportJobError as error:
        if error.code == ImportJobErrorCode.PERMISSION_DENIED:
            raise PermissionDenied(error.message) from error
        return _render_job(request, job, apply_error=error.message, status=409)
    return redirect("catalog_import:job", job_id=job.pk)


@login_required
@require_GET
def report_download(request, job_id: int, fmt: str):
    job = _visible_job(request, job_id)
    if job.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        raise Http404("the report is not ready")
    problems = (job.report or {}).get("problems") or []
    name = f"import-{job.pk}-report.{fmt}"
    if fmt == "csv":
        return _download(report.problems_csv(problems), name, CSV_TYPE)
    return _download(report.problems_xlsx(problems), name, XLSX_TYPE)
