"""The workshop portal's catalogue import, mounted at /workshop/import/."""

from django.urls import path, re_path

from . import views

app_name = "catalog_import"

urlpatterns = [
    path("", views.import_home, name="home"),
    re_path(r"^template\.(?P<fmt>csv|xlsx)$", views.template_download, name="template"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/progress.json", views.job_progress, name="progress"),
    path("<int:job_id>/apply/", views.job_apply, name="apply"),
    path("<int:job_id>/rerun/", views.job_rerun, name="rerun"),
    re_path(
        r"^(?P<job_id>[0-9]+)/report\.(?P<fmt>csv|xlsx)$",
        views.report_download,
        name="report",
    ),
]
