import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from brands.models import Brand, Workshop


class ImportMode(models.TextChoices):
    DRY_RUN = "dry_run", "预览 dry run"
    APPLY = "apply", "导入 apply"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中 queued"
    RUNNING = "running", "处理中 running"
    DONE = "done", "完成 done"
    FAILED = "failed", "失败 failed"


class ImportFileStorage(FileSystemStorage):
    """Uploaded catalogue files stay private: under IMPORT_ROOT, outside
    MEDIA_ROOT, with no URL. Read from settings each time, so tests and
    workers can point it elsewhere."""

    @property
    def base_location(self):
        return str(settings.IMPORT_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def import_storage() -> ImportFileStorage:
    return ImportFileStorage()


def _upload_to(job: "ImportJob", filename: str) -> str:
    return f"imports/{job.workshop_id}/{filename}"


class ImportJob(models.Model):
    """One upload of a workshop's catalogue file, previewed or applied."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="import_jobs"
    )
    file = models.FileField(upload_to=_upload_to, storage=import_storage)
    original_name = models.CharField(max_length=255)
    sheet_name = models.CharField(max_length=100, blank=True)
    mode = models.CharField(max_length=10, choices=ImportMode.choices)
    archive_missing = models.BooleanField(
        "下架文件中没有的商品 archive products missing from the file", default=False
    )
    # One of the workshop's brands chosen for the whole file: it replaces
    # every brand cell that is not one of the workshop's (a Shopify export's
    # Vendor), see validate.py.
    brand_override = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="整个文件使用的品牌 brand for the whole file",
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    archived_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # A file-level failure ("中文 / English"), when status is FAILED.
    failure = models.CharField(max_length=500, blank=True)
    # Why it failed when the file was not at fault (ImportJobErrorCode: an
    # interrupted worker, an internal error): such a job may be run again.
    failure_code = models.CharField(max_length=30, blank=True)
    # Counts the runs of this job. Each run writes progress and results only
    # while the job is still its own (same attempt, still running), so a
    # worker presumed dead that wakes up cannot overwrite a later run.
    attempt = models.PositiveIntegerField(default=0)
    # {"problems": [Problem.as_dict()...], "plan": [{action, product_code,
    # changes...}...]} — bounded by the row limit.
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched with every progress save: a RUNNING job whose heartbeat stops
    # lost its worker (see services.import_jobs_fail_stalled).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "导入任务 import job"
        verbose_name_plural = "导入任务 import jobs"

    def __str__(self) -> str:
        return f"{self.workshop} · {self.original_name} · {self.mode}"

    @property
    def can_run_again(self) -> bool:
        """Failed through no fault of its file: running it again is safe
        (an apply re-plans against the catalogue as it is now)."""
        return self.status == ImportStatus.FAILED and self.failure_code in {
            "interrupted",
            "internal_error",
            "report_not_saved",
        }

    @property
    def progress(self) -> int:
        """0–100 for the progress bar."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
