"""The host's pages (L3): profile, links and QR codes, applications and
approvals, the dashboard. One "qr" name serves both formats: kind is "png"
or "svg", a URL kwarg."""

from django.urls import path, re_path

from . import views_host

urlpatterns = [
    path("hosts/<slug:slug>/", views_host.host_profile, name="host"),
    path("host/links/", views_host.my_links, name="my-links"),
    path("host/links/<int:pk>/revoke/", views_host.link_revoke, name="revoke"),
    # Digits capped so an enormous id is a 404, not an integer overflow.
    re_path(
        r"^host/links/(?P<pk>[0-9]{1,18})/qr\.(?P<kind>png|svg)$",
        views_host.link_qr,
        name="qr",
    ),
    # "new" never matches the console's <int:pk>.
    path("host/live/new/", views_host.live_session_new, name="live-new"),
    path("host/apply/", views_host.apply, name="apply"),
    path("host/applications/", views_host.applications, name="applications"),
    path(
        "host/applications/<int:pk>/decide/",
        views_host.application_decide,
        name="application-decide",
    ),
    path("host/dashboard/", views_host.dashboard, name="dashboard"),
    path("host/dashboard.csv", views_host.dashboard_csv_export, name="dashboard-csv"),
]
