"""The after-sales form (/orders/<token>/parcels/<id>/aftersales/) takes up
to 3 photos. A POST to it whose Content-Length is over
AFTERSALES_UPLOAD_MAX_BYTES (3 photos at AFTERSALES_PHOTO_MAX_BYTES each,
plus the form's fields) is answered 413 here, before anything reads the
body: the CSRF check would otherwise parse it (writing the files to disk)
before the view could refuse it. Each photo's own cap and its decoding are
the after-sales service's (storefront.aftersales.services)."""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

LIMITED_VIEWS = frozenset({"web:aftersales-new"})
PAYLOAD_TOO_LARGE = 413


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class UploadSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and _content_length(request) > settings.AFTERSALES_UPLOAD_MAX_BYTES
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.view_name in LIMITED_VIEWS:
                return UploadSizeMiddleware._refusal(request)
        return self.get_response(request)

    @staticmethod
    def _refusal(request):
        megabytes = settings.AFTERSALES_PHOTO_MAX_BYTES / (1024 * 1024)
        return render(
            request,
            "web/aftersales/too_large.html",
            {"form_url": request.path, "megabytes": f"{megabytes:g}"},
            status=PAYLOAD_TOO_LARGE,
        )
