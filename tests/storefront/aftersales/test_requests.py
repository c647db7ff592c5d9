"""After-sales requests: what a parcel allows when, how many units, photos,
and the bad inputs each refused with its own code, storing nothing."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from storefront.aftersales.errors import AfterSalesError, AfterSalesErrorCode
from storefront.aftersales.models import (
    AfterSalesLine,
    AfterSalesPhoto,
    AfterSalesRequest,
    Kind,
    Reason,
    Status,
)
from storefront.aftersales.services import (
    aftersales_cancel,
    aftersales_refuse,
    aftersales_request_create,
    units_left,
)
from tests.factories import png_bytes

from .conftest import ship

pytestmark = [pytest.mark.django_db]


def ask(order, *, kind=Kind.REFUND_ONLY, reason=Reason.QUALITY, units=1, **kw):
    parcel = order.fulfillments.get()
    line = order.lines.get()
    return aftersales_request_create(
        order=order,
        fulfillment=parcel,
        kind=kind,
        reason=reason,
        lines={line.pk: units},
        **kw,
    )


def refused_with(code, *args, **kwargs) -> AfterSalesError:
    before = AfterSalesRequest.objects.count()
    with pytest.raises(AfterSalesError) as caught:
        ask(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert AfterSalesRequest.objects.count() == before
    return caught.value


# --- before shipping ---------------------------------------------------------


def test_the_whole_parcel_before_shipping_includes_its_shipping_fee(order):
    request = ask(order, reason=Reason.CHANGED_MIND, units=3, message=" 买错了 ")

    assert request.status == Status.REQUESTED
    assert request.before_shipping and request.includes_shipping
    assert request.amount_fen == 6000 + order.shipping_fen == order.total_fen
    assert request.message == "买错了"
    [line] = request.lines.all()
    assert (line.quantity, line.amount_fen, line.restock) == (3, 6000, True)
    assert list(request.events.values_list("type", flat=True)) == ["requested"]


def test_part_of_a_parcel_before_shipping_is_unit_price_times_units(order):
    request = ask(order, reason=Reason.CHANGED_MIND, units=2)
    assert (request.amount_fen, request.includes_shipping) == (4000, False)


def test_before_shipping_only_changed_my_mind_is_a_reason(order):
    refused_with(AfterSalesErrorCode.REASON_NOT_ALLOWED, order, reason=Reason.QUALITY)


def test_changed_my_mind_after_shipping_is_refused(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    refused_with(AfterSalesErrorCode.ALREADY_SHIPPED, order, reason=Reason.CHANGED_MIND)


def test_a_kind_the_reason_does_not_allow_is_refused(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    refused_with(
        AfterSalesErrorCode.KIND_NOT_ALLOWED,
        order,
        kind=Kind.REFUND_ONLY,
        reason=Reason.NO_REASON,
    )
    refused_with(
        AfterSalesErrorCode.KIND_NOT_ALLOWED,
        order,
        kind=Kind.RETURN_AND_REFUND,
        reason=Reason.NOT_RECEIVED,
    )
    refused_with(AfterSalesErrorCode.KIND_NOT_ALLOWED, order, kind="swap")
    refused_with(AfterSalesErrorCode.REASON_NOT_ALLOWED, order, reason="because")


# --- windows -----------------------------------------------------------------


def test_seven_days_after_delivery_the_window_is_closed(order):
    ship(order.fulfillments.get(), days_ago=9, delivered_days_ago=8)
    error = refused_with(AfterSalesErrorCode.WINDOW_CLOSED, order)
    assert "截止" in error.message_zh


def test_within_seven_days_of_delivery_a_no_reason_return_is_taken(order):
    ship(order.fulfillments.get(), days_ago=7, delivered_days_ago=6)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    assert (request.amount_fen, request.includes_shipping) == (2000, False)
    assert request.lines.get().restock is True


def test_without_a_delivery_the_window_counts_from_shipping_plus_ten_days(order):
    parcel = ship(order.fulfillments.get(), days_ago=16)
    assert ask(order).status == Status.REQUESTED  # 16 < 10 + 7
    Fulfillment = type(parcel)
    Fulfillment.objects.filter(pk=parcel.pk).update(
        shipped_at=timezone.now() - timedelta(days=18)
    )
    aftersales_cancel(request=AfterSalesRequest.objects.get())
    refused_with(AfterSalesErrorCode.WINDOW_CLOSED, order)


def test_a_cancelled_parcel_takes_no_request(order):
    order.fulfillments.update(status="cancelled")
    refused_with(
        AfterSalesErrorCode.PARCEL_NOT_ELIGIBLE, order, reason=Reason.CHANGED_MIND
    )


# --- fresh food --------------------------------------------------------------


def test_fresh_food_has_no_no_reason_return(fish_order):
    ship(fish_order.fulfillments.get(), delivered_days_ago=0)
    refused_with(
        AfterSalesErrorCode.FRESH_NO_REASON,
        fish_order,
        kind=Kind.RETURN_AND_REFUND,
        reason=Reason.NO_REASON,
    )


def test_a_fresh_food_quality_claim_needs_a_photo(fish_order):
    ship(fish_order.fulfillments.get(), delivered_days_ago=0)
    refused_with(AfterSalesErrorCode.PHOTO_REQUIRED, fish_order)

    request = ask(fish_order, photos=[png_bytes()])

    assert request.amount_fen == 3000
    [photo] = request.photos.all()
    assert default_storage.exists(photo.image.name)


def test_a_fresh_food_claim_after_48_hours_is_refused(fish_order):
    parcel = ship(fish_order.fulfillments.get(), days_ago=4, delivered_days_ago=0)
    type(parcel).objects.filter(pk=parcel.pk).update(
        delivered_at=timezone.now() - timedelta(hours=49)
    )
    refused_with(AfterSalesErrorCode.WINDOW_CLOSED, fish_order, photos=[png_bytes()])


def test_delivery_marked_at_once_does_not_start_the_clock_early(fish_order):
    """The workshop, which pays the refund, marks 已签收 as it ships: the
    48 hours still count from when the parcel could have arrived."""
    parcel = ship(fish_order.fulfillments.get(), days_ago=3, delivered_days_ago=3)
    assert parcel.delivered_at < timezone.now() - timedelta(hours=48)
    line = fish_order.lines.first()
    request = aftersales_request_create(
        order=fish_order,
        fulfillment=parcel,
        kind=Kind.REFUND_ONLY,
        reason=Reason.QUALITY,
        lines={line.pk: 1},
        photos=[png_bytes()],
    )
    assert request.status == "requested"


# --- units -------------------------------------------------------------------


def test_more_units_than_bought_are_refused(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    refused_with(AfterSalesErrorCode.TOO_MANY_UNITS, order, units=4)


@pytest.mark.parametrize("units", [0, -1, "2", 1.5, True])
def test_units_that_are_not_positive_whole_numbers_are_refused(order, units):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    code = AfterSalesErrorCode.NO_LINES if units == 0 else None
    with pytest.raises(AfterSalesError) as caught:
        ask(order, units=units)
    assert caught.value.code == (code or AfterSalesErrorCode.INVALID_QUANTITY)


def test_a_line_of_another_parcel_or_order_is_refused(order, client, shop):
    from tests.shop_helpers import paid_order

    other = paid_order(client, [(shop.variant, 1)])
    with pytest.raises(AfterSalesError) as caught:
        aftersales_request_create(
            order=order,
            fulfillment=order.fulfillments.get(),
            kind=Kind.REFUND_ONLY,
            reason=Reason.CHANGED_MIND,
            lines={other.lines.get().pk: 1},
        )
    assert caught.value.code == AfterSalesErrorCode.INVALID_QUANTITY
    with pytest.raises(AfterSalesError) as caught:
        aftersales_request_create(
            order=order,
            fulfillment=other.fulfillments.get(),
            kind=Kind.REFUND_ONLY,
            reason=Reason.CHANGED_MIND,
            lines={other.lines.get().pk: 1},
        )
    assert caught.value.code == AfterSalesErrorCode.PARCEL_NOT_ELIGIBLE


def test_a_second_request_for_a_line_while_one_is_open_is_refused(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    first = ask(order, units=1)
    refused_with(AfterSalesErrorCode.LINE_HAS_OPEN_REQUEST, order, units=1)

    aftersales_refuse(request=first, user=shop.manager, reason="照片看不出问题")

    again = ask(order, units=3)
    assert again.status == Status.REQUESTED
    assert units_left(order.lines.get()) == 0


def test_the_database_holds_one_open_request_per_line(order):
    from django.db import IntegrityError, transaction

    ship(order.fulfillments.get(), delivered_days_ago=1)
    first = ask(order, units=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AfterSalesLine.objects.create(
            request=first,
            order_line=order.lines.get(),
            quantity=1,
            amount_fen=2000,
        )


# --- photos ------------------------------------------------------------------


def stored_photos() -> set[str]:
    if not default_storage.exists("aftersales"):
        return set()
    return set(default_storage.listdir("aftersales")[1])


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_stored(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    before = stored_photos()
    error = refused_with(
        AfterSalesErrorCode.PHOTO_NOT_IMAGE,
        order,
        photos=[png_bytes(), b"%PDF-1.4 not a photo"],
    )
    assert "JPEG" in error.message_zh and "JPEG" in error.message_en
    assert AfterSalesPhoto.objects.count() == 0
    assert stored_photos() == before


def test_more_than_three_photos_are_refused(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    refused_with(AfterSalesErrorCode.TOO_MANY_PHOTOS, order, photos=[png_bytes()] * 4)


def test_a_photo_too_large_to_decode_is_refused_as_too_large(order, settings):
    """The catalogue's decoding caps (bytes, pixels) answer as after-sales'
    own PHOTO_TOO_LARGE on the photos field, storing nothing."""
    ship(order.fulfillments.get(), delivered_days_ago=1)
    settings.IMAGE_MAX_BYTES = 100
    before = stored_photos()

    error = refused_with(
        AfterSalesErrorCode.PHOTO_TOO_LARGE, order, photos=[png_bytes()]
    )

    assert error.field == "photos"
    assert "照片太大" in error.message and "too large" in error.message
    assert stored_photos() == before


def test_a_message_over_500_characters_is_refused(order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    refused_with(AfterSalesErrorCode.MESSAGE_TOO_LONG, order, message="长" * 501)


def test_an_unpaid_order_takes_no_request(shop):
    from tests.shop_helpers import place_order

    unpaid, _ = place_order([(shop.variant, 1)])
    refused_with(AfterSalesErrorCode.NOT_PAID, unpaid, reason=Reason.CHANGED_MIND)
