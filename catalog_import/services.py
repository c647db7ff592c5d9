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

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from brands.models import Workshop
from brands.permissions import Action as Permission
from brands.permissions import user_can

from . import types
from .access import may_use_brand
from .errors import (
    JOB_MESSAGES,
    ImportErrorCode,
    ImportFileError,
    ImportJobError,
    ImportJobErrorCode,
)
from .models import ImportJob, ImportMode, ImportStatus
from .pipeline import ImportResult, run_import
from .values import visible

__all__ = [
    "ImportResult",
    "import_job_apply",
    "import_job_create",
    "import_job_rerun",
    "import_job_run",
    "import_jobs_fail_stalled",
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
# A running job writes its heartbeat at least this often while its stages
# report progress; settings.IMPORT_STALLED_SECONDS without one means its
# worker is gone.
HEARTBEAT_SECONDS = 5.0


def _require_permission(user, workshop: Workshop) -> None:
    if not user_can(user, Permission.IMPORT_CATALOG, workshop):
        raise ImportJobError(ImportJobErrorCode.PERMISSION_DENIED, field="workshop")


def _require_brand(user, workshop: Workshop, brand) -> None:
    """A brand chosen for the whole file must be one the workshop sells
    under and whose products `user` may create there."""
    if brand is not None and not may_use_brand(user, workshop=workshop, brand=brand):
        raise ImportJobError(ImportJobErrorCode.BRAND_NOT_ALLOWED, field="brand")


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
    workshop row, so two requests cannot both find none and both start. A
    running job whose worker stopped is failed first (it may be run again),
    so a stalled job never blocks the workshop's imports."""
    Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
    import_jobs_fail_stalled(workshop=workshop)
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
    brand=None,
) -> ImportJob:
    """Store `upload` for `workshop` and queue its dry run or apply.

    Refused (ImportJobError, nothing stored) unless `user` may import into
    the workshop, the file has a supported type and size, and `brand` (one
    brand for the whole file, optional) is one `user` may use there."""
    mode = ImportMode(mode)
    _require_permission(user, workshop)
    _require_brand(user, workshop, brand)
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
            brand_override=brand,
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
    _require_brand(user, job.workshop, job.brand_override)
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
            brand_override=job.brand_override,
        )
        _enqueue(applied)
    return applied


class _ProgressSaver:
    """Writes a running job's progress with one cheap UPDATE every
    PROGRESS_SAVE_ROWS rows or PROGRESS_SAVE_SECONDS, so a polling page sees
    the bar move. Each save is also the job's heartbeat, written at least
    every HEARTBEAT_SECONDS while the stages report, even when the count
    stands still. Only this run's attempt is written to: a job failed as
    stalled, or run again meanwhile, is left alone."""

    def __init__(self, job_id: int, attempt: int | None = None):
        self.job_id = job_id
        self.attempt = attempt
        self.saved = (-1, -1)
        self.saved_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if (done, total) == self.saved:
            if now - self.saved_at >= HEARTBEAT_SECONDS:
                self._save(done, total, now)
            return
        saved_done, saved_total = self.saved
        due = (
            total != saved_total
            or done >= total
            or done - saved_done >= PROGRESS_SAVE_ROWS
            or now - self.saved_at >= PROGRESS_SAVE_SECONDS
        )
        if due:
            self._save(done, total, now)

    def _save(self, done: int, total: int, now: float) -> None:
        jobs = ImportJob.objects.filter(pk=self.job_id)
        if self.attempt is not None:
            jobs = jobs.filter(attempt=self.attempt, status=ImportStatus.RUNNING)
        jobs.update(rows_done=done, rows_total=total, heartbeat_at=timezone.now())
        self.saved, self.saved_at = (done, total), now


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


def _storable(value):
    """The report with every string safe for PostgreSQL's JSON and text:
    NUL and lone surrogates shown as ␀ and �."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


EMPTY_REPORT = {
    "file_error": None,
    "problems": [],
    "problems_total": 0,
    "problems_truncated": False,
    "plan": [],
    "plan_total": 0,
    "plan_truncated": False,
}


def _write(job: ImportJob, attempt: int, **fields) -> bool:
    """Write `fields` to the job if this run still owns it (same attempt,
    still RUNNING). In a savepoint, so a refused value leaves the caller's
    transaction usable."""
    with transaction.atomic():
        written = ImportJob.objects.filter(
            pk=job.pk, attempt=attempt, status=ImportStatus.RUNNING
        ).update(**fields)
    if not written:
        logger.warning(
            "import job %s: attempt %s no longer owns the job; result dropped",
            job.pk,
            attempt,
        )
    return bool(written)


def _finish(job: ImportJob, attempt: int, result: ImportResult) -> None:
    fields = {
        "report": _storable(_report(result)),
        "finished_at": timezone.now(),
        "created_count": result.counts["created"],
        "updated_count": result.counts["updated"],
        "unchanged_count": result.counts["unchanged"],
        "archived_count": result.counts["archived"],
        "skipped_count": result.counts["skipped"],
        "error_count": len(result.errors) + (1 if result.file_error else 0),
        "warning_count": len(result.warnings),
    }
    if result.file_error:
        fields |= {
            "status": ImportStatus.FAILED,
            "failure": visible(result.file_error)[:500],
            "failure_code": "",
        }
    else:
        fields |= {
            "status": ImportStatus.DONE,
            "failure": "",
            "failure_code": "",
            "rows_total": result.rows_total,
            "rows_done": result.rows_total,
        }
    try:
        _write(job, attempt, **fields)
    except DatabaseError:
        logger.exception("import job %s: its report cannot be saved", job.pk)
        counts = {k: v for k, v in fields.items() if k.endswith("_count")}
        _fail(job, attempt, ImportJobErrorCode.REPORT_NOT_SAVED, **counts)


def _job_message(code: ImportJobErrorCode) -> str:
    zh, en = JOB_MESSAGES[code]
    return f"{zh} / {en}"[:500]


def _fail(
    job: ImportJob,
    attempt: int,
    code: ImportJobErrorCode | None,
    message: str = "",
    **extra,
) -> None:
    """Mark this run's job FAILED with `message` (or `code`'s). Never
    raises: a job must not be left running because its failure could not be
    written."""
    fields = {
        "status": ImportStatus.FAILED,
        "failure": visible(message or _job_message(code))[:500],
        "failure_code": str(code or ""),
        "finished_at": timezone.now(),
        "report": EMPTY_REPORT,
        **extra,
    }
    try:
        _write(job, attempt, **fields)
        return
    except DatabaseError:
        logger.exception("import job %s: its failure cannot be saved", job.pk)
    if extra:  # the counts were what the database refused: without them
        try:
            _write(job, attempt, **{k: v for k, v in fields.items() if k not in extra})
        except DatabaseError:
            logger.exception("import job %s: its failure cannot be saved", job.pk)


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued job to DONE or FAILED. A job that is not QUEUED (a task
    delivered twice, a job already taken) is left alone: returns None."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        rows_done=0,
        attempt=F("attempt") + 1,
    )
    if not claimed:
        logger.info("import job %s is not queued: not run again", job_id)
        return None
    job = ImportJob.objects.select_related(
        "workshop", "created_by", "brand_override"
    ).get(pk=job_id)
    attempt = job.attempt
    try:
        with job.file.open("rb") as fileobj:
            result = run_import(
                workshop=job.workshop,
                # Rows are checked against whoever started this run: for an
                # apply, the user who pressed Apply (or Run again).
                actor=job.created_by,
                name=job.original_name,
                fileobj=fileobj,
                dry_run=job.mode == ImportMode.DRY_RUN,
                archive_missing=job.archive_missing,
                sheet=job.sheet_name or None,
                on_progress=_ProgressSaver(job.pk, attempt),
                brand_override=job.brand_override,
            )
    except OSError:
        logger.exception("import job %s: its stored file cannot be read", job_id)
        message = ImportFileError(ImportErrorCode.FILE_UNREADABLE).message
        _fail(job, attempt, None, message)
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job, attempt, ImportJobErrorCode.INTERNAL_ERROR)
    else:
        try:
            _finish(job, attempt, result)
        except Exception:
            logger.exception("import job %s: finishing failed", job_id)
            _fail(job, attempt, ImportJobErrorCode.INTERNAL_ERROR)
    job.refresh_from_db()
    return job


def _stalled_cutoff():
    return timezone.now() - timedelta(seconds=settings.IMPORT_STALLED_SECONDS)


def import_jobs_fail_stalled(*, workshop: Workshop | None = None) -> int:
    """Mark FAILED (INTERRUPTED, may run again) every RUNNING job whose
    worker stopped writing its heartbeat IMPORT_STALLED_SECONDS ago (a crash,
    a killed container): its page then says so and offers Run again. Apply
    writes products in whole batches, so what was written stays consistent.
    Returns how many."""
    jobs = ImportJob.objects.filter(
        status=ImportStatus.RUNNING, heartbeat_at__lt=_stalled_cutoff()
    )
    if workshop is not None:
        jobs = jobs.filter(workshop=workshop)
    return jobs.update(
        status=ImportStatus.FAILED,
        failure=_job_message(ImportJobErrorCode.INTERRUPTED),
        failure_code=ImportJobErrorCode.INTERRUPTED,
        finished_at=timezone.now(),
    )


def import_job_rerun(*, user, job: ImportJob) -> ImportJob:
    """Queue a job that failed through no fault of its file (interrupted,
    internal error) again, on the same stored file, as `user` — every row
    is checked against `user`. Re-running an apply is safe: it plans
    against the catalogue as it is now, so what the first run wrote is
    unchanged and only the rest is written."""
    _require_permission(user, job.workshop)
    _require_brand(user, job.workshop, job.brand_override)
    if not job.can_run_again or not job.file:
        raise ImportJobError(ImportJobErrorCode.JOB_NOT_RERUNNABLE, field="job")
    with transaction.atomic():
        if job.mode == ImportMode.APPLY:
            active = _active_apply(job.workshop)
            if active is not None and active.pk != job.pk:
                raise ImportJobError(ImportJobErrorCode.IMPORT_IN_PROGRESS)
        queued = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.FAILED, failure_code=job.failure_code
        ).update(
            status=ImportStatus.QUEUED,
            created_by=_creator(user),
            failure="",
            failure_code="",
            report={},
            rows_done=0,
            rows_total=0,
            started_at=None,
            heartbeat_at=None,
            finished_at=None,
        )
        if not queued:  # run again twice at once: the first one queued it
            raise ImportJobError(ImportJobErrorCode.JOB_NOT_RERUNNABLE, field="job")
        _enqueue(job)
    job.refresh_from_db()
    return job
