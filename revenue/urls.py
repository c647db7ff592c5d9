from django.urls import path

from . import views

app_name = "revenue"

urlpatterns = [
    path("statements/", views.statement_list, name="statements"),
    path(
        "statements/<int:party_id>/<str:month>/",
        views.statement_detail,
        name="statement",
    ),
    path(
        "statements/<int:party_id>/<str:month>/csv",
        views.statement_csv,
        name="statement-csv",
    ),
    path(
        "statements/<int:party_id>/<str:month>/print/",
        views.statement_print,
        name="statement-print",
    ),
    path(
        "statements/<int:party_id>/<str:year>/annual/",
        views.annual_report,
        name="annual-report",
    ),
]
