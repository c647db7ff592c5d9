"""Every links page under one namespace, "links"; each part keeps its own
patterns (the redirect, live sessions, the host's own pages)."""

from . import urls_host, urls_live, urls_redirect, urls_share

app_name = "links"

urlpatterns = [
    *urls_redirect.urlpatterns,
    *urls_live.urlpatterns,
    *urls_host.urlpatterns,
    *urls_share.urlpatterns,
]
