"""After-sales photos have a cap per photo (AFTERSALES_PHOTO_MAX_BYTES) and
the request form a cap on its whole body (AFTERSALES_UPLOAD_MAX_BYTES),
checked from Content-Length before anything reads the body: not the CSRF
check, not the view. Refusals are in Chinese and English and store nothing."""

import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from storefront.aftersales.errors import AfterSalesError, AfterSalesErrorCode
from storefront.aftersales.models import (
    AfterSalesPhoto,
    AfterSalesRequest,
    Kind,
    Reason,
)
from storefront.aftersales.services import aftersales_request_create
from tests.factories import png_bytes

from .conftest import ship

pytestmark = [pytest.mark.django_db]


def stored_photos() -> set[str]:
    if not default_storage.exists("aftersales"):
        return set()
    return set(default_storage.listdir("aftersales")[1])


def new_url(order):
    return reverse(
        "web:aftersales-new", args=[order.token, order.fulfillments.get().pk]
    )


def form(order, photos) -> dict:
    return {
        "kind": Kind.REFUND_ONLY,
        "reason": Reason.QUALITY,
        f"line-{order.lines.get().pk}": "1",
        "photos": photos,
    }


def noisy_png(side: int = 100) -> bytes:
    """A PNG that does not compress: about 3 × side² bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(
        out, format="PNG"
    )
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "image/png")


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the oversized body was read")

    readline = read


@pytest.mark.parametrize("as_file", [False, True])
def test_a_photo_over_the_cap_is_refused_before_decoding(order, settings, as_file):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    small, large = png_bytes((20, 20)), png_bytes((600, 600), (10, 200, 30))
    settings.AFTERSALES_PHOTO_MAX_BYTES = len(small) + 10
    assert len(large) > settings.AFTERSALES_PHOTO_MAX_BYTES
    before = stored_photos()
    photos = [small, large]
    if as_file:
        photos = [upload("ok.png", small), upload("大图.png", large)]

    with pytest.raises(AfterSalesError) as caught:
        aftersales_request_create(
            order=order,
            fulfillment=order.fulfillments.get(),
            kind=Kind.REFUND_ONLY,
            reason=Reason.QUALITY,
            lines={order.lines.get().pk: 1},
            photos=photos,
        )

    error = caught.value
    assert (error.code, error.field) == (AfterSalesErrorCode.PHOTO_TOO_LARGE, "photos")
    assert "照片太大" in error.message_zh and "too large" in error.message_en
    if as_file:
        assert "大图.png" in error.message_zh
    assert not AfterSalesRequest.objects.exists()
    assert AfterSalesPhoto.objects.count() == 0
    assert stored_photos() == before


def test_a_form_body_over_the_total_cap_is_refused_unread(order, settings):
    """413 from the Content-Length alone, even with the CSRF check on (which
    would otherwise read the body for its token)."""
    ship(order.fulfillments.get(), delivered_days_ago=1)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        new_url(order),
        form(order, []),
        CONTENT_LENGTH=str(settings.AFTERSALES_UPLOAD_MAX_BYTES + 1),
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "上传的照片太大" in page and "The photos are too large" in page
    assert new_url(order) in page  # back to the form
    assert not AfterSalesRequest.objects.exists()


def test_three_photos_over_the_total_cap_are_refused(client, order, settings):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    photo = noisy_png()
    settings.AFTERSALES_PHOTO_MAX_BYTES = len(photo) + 100
    settings.AFTERSALES_UPLOAD_MAX_BYTES = 2 * len(photo) + 4096
    assert 3 * len(photo) > settings.AFTERSALES_UPLOAD_MAX_BYTES
    before = stored_photos()

    response = client.post(
        new_url(order), form(order, [upload(f"{i}.png", photo) for i in range(3)])
    )

    assert response.status_code == 413
    assert not AfterSalesRequest.objects.exists()
    assert stored_photos() == before

    # Two of them fit: the request is taken with both photos.
    response = client.post(
        new_url(order), form(order, [upload(f"{i}.png", photo) for i in range(2)])
    )
    assert response.status_code == 302
    assert AfterSalesRequest.objects.get().photos.count() == 2


def test_a_photo_over_its_cap_is_refused_on_the_form(client, order, settings):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    settings.AFTERSALES_PHOTO_MAX_BYTES = 1024 * 1024
    big = png_bytes((10, 10)) + b"\0" * (1024 * 1024)

    response = client.post(new_url(order), form(order, [upload("big.png", big)]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "照片太大" in page and "at most 1 MB each" in page
    assert not AfterSalesRequest.objects.exists()


def test_a_file_that_is_not_an_image_next_to_a_good_one_stores_neither(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    before = stored_photos()

    response = client.post(
        new_url(order),
        form(
            order,
            [
                upload("good.png", png_bytes()),
                SimpleUploadedFile("notes.txt", b"just text", "text/plain"),
            ],
        ),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "照片无法识别" in page and "not a readable image" in page
    assert not AfterSalesRequest.objects.exists()
    assert AfterSalesPhoto.objects.count() == 0
    assert stored_photos() == before
