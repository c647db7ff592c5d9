"""/favicon.ico, which browsers and link previews ask for without reading the
page's <link rel="icon">: a permanent redirect to the static (hashed) icon."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(static("web/favicon.ico"))
