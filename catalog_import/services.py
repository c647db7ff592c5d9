"""Import jobs: who may import, storing the upload, queueing the run.

`import_job_create` / `import_job_apply` check the permission
(brands.permissions IMPORT_CATALOG), store the upload through Django's
storage under a random name and queue `tasks.run_import_job` on commit;
the task calls `import_job_run`, which runs `run_import` (pipeline.py) with
its progress saved to the job, and stores counts and the report.
"""

import logging
import time
from datetime import timedelta
from pathlib import PurePath
from uuid import uuid4

from django.db import transaction
from django.utils import timezone

from brands.models import Workshop
from brands.permissions import Action as Permission
from brands.permissions import user_can

from . import types
from .errors import (
    JOB_MESSAGES,
    ImportErrorCode,
    ImportFileError,
    ImportJobError,
    ImportJobErrorCode,
)
from .models import ImportJob, ImportMode, ImportStatus
from .pipeline import ImportResult, run_import

__all__ = [
    "ImportResult",
    "import_job_apply",
    "import_job_create",
    "import_job_run",
    "run_import",
]

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".zip")
PROGRESS_SAVE_ROWS = 200  # a job's progress is written at most this often…
PROGRESS_SAVE_SECONDS = 1.0  # …or once a second, whichever comes first
# A job's report keeps this many plan entries and problems (the counts are
# always complete); the report says when it was cut.
REPORT_PLAN_CAP = 2_000
REPORT_PROBLEM_CAP = 20_000
# An apply job queued or running this recently blocks another apply into the
# same workshop; an older one is taken for dead (its worker was lost).
ACTIVE_APPLY_WINDOW = timedelta(hours=1)
# A running job saves progress at least every few seconds; this long
# without a save means its worker is gone.
STALLED_AFTER = timedelta(minutes=10)


def _require_permission(user, workshop: Workshop) -> None:
    if not user_can(user, Permission.IMPORT_CATALOG, workshop):
        raise ImportJobError(ImportJobErrorCode.PERMISSION_DENIED, field="workshop")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _checked_name(upload) -> str:
    """The upload's base name, once its type and size are acceptable."""
    if upload is None:
        raise ImportJobError(ImportJobErrorCode.FILE_REQUIRED, field="file")
    name = PurePath(str(upload.name or "")).name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ImportJobError(
            ImportJobErrorCode.FILE_TYPE_UNSUPPORTED, field="file", detail=name
        )
    size = upload.size or 0
    if not size:
        raise ImportJobError(ImportJobErrorCode.FILE_EMPTY, field="file")
    is_zip = name.lower().endswith(".zip")
    limit = types.MAX_ZIP_BYTES if is_zip else types.MAX_SHEET_BYTES
    if size > limit:
        raise ImportJobError(
            ImportJobErrorCode.FILE_TOO_LARGE, field="file", detail=_megabytes(limit)
        )
    return name


def _active_apply(workshop: Workshop) -> ImportJob | None:
    """The apply job now queued or running for `workshop`, if any. Locks the
    workshop row, so two requests cannot both find none and both start."""
    Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
    return (
        ImportJob.objects.filter(
            workshop=workshop,
            mode=ImportMode.APPLY,
            status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING],
            created_at__gte=timezone.now() - ACTIVE_APPLY_WINDOW,
        )
        .order_by("-pk")
        .first()
    )


def _enqueue(job: ImportJob) -> None:
    from .tasks import run_import_job  # the task module imports this one

    transaction.on_commit(lambda: run_import_job.delay(job.pk))


def _creator(user):
    return user if getattr(user, "is_authenticated", False) else None


def import_job_create(
    *,
    user,
    workshop: Workshop,
    upload,
    mode: str,
    archive_missing: bool = False,
    sheet: str = "",
) -> ImportJob:
    """Store `upload` for `workshop` and queue its dry run or apply.

    Refused (ImportJobError, nothing stored) unless `user` may import into
    the workshop and the file has a supported type and size."""
    mode = ImportMode(mode)
    _require_permission(user, workshop)
    name = _checked_name(upload)
    with transaction.atomic():
        if mode == ImportMode.APPLY and _active_apply(workshop) is not None:
            raise ImportJobError(ImportJobErrorCode.IMPORT_IN_PROGRESS)
        job = ImportJob(
            created_by=_creator(user),
            workshop=workshop,
            original_name=name[:255],
            sheet_name=(sheet or "").strip()[:100],
            mode=mode,
            archive_missing=archive_missing,
        )
        # A random stored name: uploads are not listed, nor guessable.
        job.file.save(f"{uuid4().hex}{PurePath(name).suffix.lower()}", upload, False)
        job.save()
        _enqueue(job)
    return job


def import_job_apply(*, user, job: ImportJob) -> ImportJob:
    """Queue the apply of a finished dry run, on the file it previewed.

    Asked again while that apply is still queued or running, returns it
    rather than queueing the file twice."""
    _require_permission(user, job.workshop)
    ready = (
        job.mode == ImportMode.DRY_RUN
        and job.status == ImportStatus.DONE
        and not job.failure
        and job.file
        and job.file.storage.exists(job.file.name)
    )
    if not ready:
        raise ImportJobError(ImportJobErrorCode.JOB_NOT_READY, field="job")
    with transaction.atomic():
        active = _active_apply(job.workshop)
        if active is not None:
            if active.file.name == job.file.name:
                return active
            raise ImportJobError(ImportJobErrorCode.IMPORT_IN_PROGRESS)
        applied = ImportJob.objects.create(
            created_by=_creator(user),
            workshop=job.workshop,
            file=job.file.name,
            original_name=job.original_name,
            sheet_name=job.sheet_name,
            mode=ImportMode.APPLY,
            archive_missing=job.archive_missing,
        )
        _enqueue(applied)
    return applied


class _ProgressSaver:
    """Writes a running job's progress with one cheap UPDATE every
    PROGRESS_SAVE_ROWS rows or PROGRESS_SAVE_SECONDS, so a polling page sees
    the bar move."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.saved = (-1, -1)
        self.saved_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        if (done, total) == self.saved:
            return
        saved_done, saved_total = self.saved
        due = (
            total != saved_total
            or done >= total
            or done - saved_done >= PROGRESS_SAVE_ROWS
            or time.monotonic() - self.saved_at >= PROGRESS_SAVE_SECONDS
        )
        if due:
            ImportJob.objects.filter(pk=self.job_id).update(
                rows_done=done, rows_total=total, heartbeat_at=timezone.now()
            )
            self.saved, self.saved_at = (done, total), time.monotonic()


def _capped(items: list, cap: int) -> tuple[list, bool]:
    return items[:cap], len(items) > cap


def _report(result: ImportResult) -> dict:
    problems = [p.as_dict() for p in result.problems]
    file_error = None
    if result.file_error:
        file_error = {"code": result.file_error_code, "message": result.file_error}
        problems.insert(
            0,
            {
                "row": None,
                "column": "",
                "code": result.file_error_code,
                "severity": "error",
                "message": result.file_error,
                "product_code": "",
            },
        )
    problems_kept, problems_cut = _capped(problems, REPORT_PROBLEM_CAP)
    plan_kept, plan_cut = _capped(result.plan, REPORT_PLAN_CAP)
    return {
        "file_error": file_error,
        "problems": problems_kept,
        "problems_total": len(problems),
        "problems_truncated": problems_cut,
        "plan": plan_kept,
        "plan_total": len(result.plan),
        "plan_truncated": plan_cut,
    }


def _finish(job: ImportJob, result: ImportResult) -> None:
    report = _report(result)
    job.report = report
    job.finished_at = timezone.now()
    job.created_count = result.counts["created"]
    job.updated_count = result.counts["updated"]
    job.unchanged_count = result.counts["unchanged"]
    job.archived_count = result.counts["archived"]
    job.skipped_count = result.counts["skipped"]
    job.error_count = len(result.errors) + (1 if result.file_error else 0)
    job.warning_count = len(result.warnings)
    if result.file_error:
        job.status = ImportStatus.FAILED
        job.failure = result.file_error[:500]
    else:
        job.status = ImportStatus.DONE
        job.failure = ""
        job.rows_total = job.rows_done = result.rows_total
    job.save(
        update_fields=[
            "report",
            "finished_at",
            "created_count",
            "updated_count",
            "unchanged_count",
            "archived_count",
            "skipped_count",
            "error_count",
            "warning_count",
            "status",
            "failure",
            "rows_total",
            "rows_done",
        ]
    )


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportStatus.FAILED
    job.failure = message[:500]
    job.finished_at = timezone.now()
    job.report = {
        "file_error": None,
        "problems": [],
        "problems_total": 0,
        "problems_truncated": False,
        "plan": [],
        "plan_total": 0,
        "plan_truncated": False,
    }
    job.save(update_fields=["status", "failure", "finished_at", "report"])


def _internal_error_message() -> str:
    zh, en = JOB_MESSAGES[ImportJobErrorCode.INTERNAL_ERROR]
    return f"{zh} / {en}"


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued job to DONE or FAILED. A job that is not QUEUED (a task
    delivered twice, a job already taken) is left alone: returns None."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now, heartbeat_at=now, rows_done=0
    )
    if not claimed:
        logger.info("import job %s is not queued: not run again", job_id)
        return None
    job = ImportJob.objects.select_related("workshop").get(pk=job_id)
    try:
        with job.file.open("rb") as fileobj:
            result = run_import(
                workshop=job.workshop,
                name=job.original_name,
                fileobj=fileobj,
                dry_run=job.mode == ImportMode.DRY_RUN,
                archive_missing=job.archive_missing,
                sheet=job.sheet_name or None,
                on_progress=_ProgressSaver(job.pk),
            )
    except OSError:
        logger.exception("import job %s: its stored file cannot be read", job_id)
        _fail(job, ImportFileError(ImportErrorCode.FILE_UNREADABLE).message)
        return job
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job, _internal_error_message())
        return job
    _finish(job, result)
    return job


def import_jobs_fail_stalled() -> int:
    """Mark FAILED every RUNNING job whose worker stopped saving progress
    STALLED_AFTER ago (a crash, a killed container): its page then says so
    and the workshop may upload again. Apply writes products in whole
    batches, so what was written stays consistent. Returns how many."""
    cutoff = timezone.now() - STALLED_AFTER
    zh, en = JOB_MESSAGES[ImportJobErrorCode.INTERRUPTED]
    return ImportJob.objects.filter(
        status=ImportStatus.RUNNING, heartbeat_at__lt=cutoff
    ).update(
        status=ImportStatus.FAILED,
        failure=f"{zh} / {en}"[:500],
        finished_at=timezone.now(),
    )
