"""Import jobs in the operator admin: read-only (jobs are made and run only
through catalog_import.services), for platform operators only."""

from django.contrib import admin
from django.utils.html import format_html_join

from brands.admin import OperatorOnlyAdmin

from .models import ImportJob

PROBLEMS_SHOWN = 50


@admin.register(ImportJob)
class ImportJobAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "id",
        "workshop",
        "original_name",
        "mode",
        "status",
        "progress_percent",
        "created_count",
        "updated_count",
        "unchanged_count",
        "skipped_count",
        "error_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "mode")
    search_fields = ("original_name", "workshop__name", "workshop__slug")
    list_select_related = ("workshop", "created_by")
    date_hierarchy = "created_at"
    # The report can hold thousands of problems: the page shows the first few.
    fields = (
        "workshop",
        "created_by",
        "original_name",
        "stored_file",
        "sheet_name",
        "mode",
        "archive_missing",
        "status",
        "progress_percent",
        "rows_done",
        "rows_total",
        "created_count",
        "updated_count",
        "unchanged_count",
        "archived_count",
        "skipped_count",
        "error_count",
        "warning_count",
        "failure",
        "created_at",
        "started_at",
        "finished_at",
        "first_problems",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="进度 progress")
    def progress_percent(self, job: ImportJob) -> str:
        return f"{job.progress}%"

    @admin.display(description="存储的文件 stored file")
    def stored_file(self, job: ImportJob) -> str:
        # The name only: uploads are private to the workshop, not linked.
        return job.file.name

    @admin.display(description="问题（前 50 条）first problems")
    def first_problems(self, job: ImportJob):
        problems = (job.report or {}).get("problems") or []
        if not problems:
            return "—"
        return format_html_join(
            "\n",
            "<div>{} · {} · {} · {}</div>",
            (
                (
                    p.get("row") or "文件 file",
                    p.get("column") or "—",
                    p.get("code") or "",
                    p.get("message") or "",
                )
                for p in problems[:PROBLEMS_SHOWN]
            ),
        )
