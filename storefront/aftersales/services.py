"""Every write of after-sales: a shopper's request, the workshop's decision,
the return's tracking number, and the refund through
`storefront.payments.refunds.order_refund`.

The status machine (one place, `_transition`):

    requested ─► approved ─► refunded                  (refund only)
    requested ─► approved ─► return_shipped ─► refunded (return and refund)
    requested | return_shipped ─► refused
    requested | approved ─► cancelled                   (by the shopper)

Refunding is three steps, so Stripe is never waited for under a lock: the
request is marked `refund_started_at` under the order's and its own lock (a
second approval finds it marked and refunds nothing), `order_refund` is
called with no transaction open (it commits its own pending row under the
order's lock, so two requests approved at once can never take back more than
was paid), and the outcome is booked in a last transaction.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from brands.permissions import Action, user_can
from storefront.catalog.errors import CatalogError, CatalogErrorCode
from storefront.catalog.images import normalise_image
from storefront.core.errors import DomainError
from storefront.orders.models import Fulfillment, FulfillmentStatus, Order, OrderLine
from storefront.orders.services import lock_order
from storefront.orders.shipping import tracking_clean
from storefront.orders.status import PAID_STATES
from storefront.payments.models import Refund, RefundStatus
from storefront.payments.refunds import order_refund

from .errors import AfterSalesError, AfterSalesErrorCode
from .models import (
    OPEN_STATES,
    TAKEN_STATES,
    AfterSalesEmail,
    AfterSalesEvent,
    AfterSalesLine,
    AfterSalesPhoto,
    AfterSalesRequest,
    EventType,
    Kind,
    Status,
)
from .policy import check_allowed

log = logging.getLogger(__name__)

MAX_PHOTOS = 3
MESSAGE_MAX = 500
# A refund marked started this long ago and never booked was interrupted
# (the process died); it may be started again. Longer than order_refund's
# own sweep waits (payments.refunds.STUCK_AFTER), so that one finishes first.
REFUND_RETRY_AFTER = timedelta(minutes=15)

TRANSITIONS = {
    Status.REQUESTED: {Status.APPROVED, Status.REFUSED, Status.CANCELLED},
    Status.APPROVED: {Status.RETURN_SHIPPED, Status.REFUNDED, Status.CANCELLED},
    Status.RETURN_SHIPPED: {Status.REFUNDED, Status.REFUSED},
}
# The steps the shopper is mailed about.
EMAILED_STEPS = (Status.REQUESTED, Status.APPROVED, Status.REFUSED, Status.REFUNDED)


def units_left_of(order_lines: list[OrderLine]) -> dict[int, int]:
    """{order line id: units that may still be asked for}: bought, less
    those of requests not refused or cancelled, less those put back in stock
    by an operator's refund outside after-sales. Two queries for any number
    of lines."""
    ids = [line.pk for line in order_lines]
    taken = dict(
        AfterSalesLine.objects.filter(
            order_line_id__in=ids, request__status__in=TAKEN_STATES
        )
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    restocked_here = dict(
        AfterSalesLine.objects.filter(
            order_line_id__in=ids, request__status=Status.REFUNDED, restock=True
        )
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    left = {}
    for line in order_lines:
        elsewhere = max(line.quantity_restocked - restocked_here.get(line.pk, 0), 0)
        left[line.pk] = line.quantity - taken.get(line.pk, 0) - elsewhere
    return left


def units_left(order_line: OrderLine) -> int:
    return units_left_of([order_line])[order_line.pk]


def _event(request, type: EventType, user=None, **data) -> AfterSalesEvent:
    return AfterSalesEvent.objects.create(
        request=request,
        type=type,
        user=user if user is not None and user.is_authenticated else None,
        data=data,
    )


def _schedule_email(request: AfterSalesRequest, step: Status) -> None:
    if step not in EMAILED_STEPS or not request.order.email:
        return
    email, created = AfterSalesEmail.objects.get_or_create(request=request, step=step)
    if not created:
        return

    def send():
        from .tasks import send_aftersales_email

        send_aftersales_email.delay(email.pk)

    transaction.on_commit(send, robust=True)


def _transition(request, status: Status, event: EventType, user=None, **data):
    """Move a locked request to `status`, or refuse with INVALID_TRANSITION."""
    if status not in TRANSITIONS.get(request.status, ()):
        raise AfterSalesError(AfterSalesErrorCode.INVALID_TRANSITION, field="status")
    request.status = status
    fields = ["status", "updated_at"]
    if status not in OPEN_STATES:
        request.lines.update(is_open=False)
    request.save(update_fields=fields)
    _event(request, event, user, **data)
    _schedule_email(request, status)
    return request


def _lock(request: AfterSalesRequest) -> AfterSalesRequest:
    return AfterSalesRequest.objects.select_for_update().get(pk=request.pk)


def _clean_lines(parcel: Fulfillment, lines: dict) -> dict[OrderLine, int]:
    if not lines:
        raise AfterSalesError(AfterSalesErrorCode.NO_LINES, field="lines")
    own = {
        line.pk: line
        for line in OrderLine.objects.filter(
            order_id=parcel.order_id, workshop_id=parcel.workshop_id
        ).select_related("product__category")
    }
    cleaned: dict[OrderLine, int] = {}
    for raw_id, raw_qty in lines.items():
        try:
            line = own[int(raw_id)]
        except (KeyError, TypeError, ValueError):
            raise AfterSalesError(
                AfterSalesErrorCode.INVALID_QUANTITY, field="lines"
            ) from None
        if isinstance(raw_qty, bool) or not isinstance(raw_qty, int) or raw_qty < 0:
            raise AfterSalesError(AfterSalesErrorCode.INVALID_QUANTITY, field="lines")
        if raw_qty:
            cleaned[line] = raw_qty
    if not cleaned:
        raise AfterSalesError(AfterSalesErrorCode.NO_LINES, field="lines")
    return cleaned


def _check_units(cleaned: dict[OrderLine, int]) -> None:
    open_lines = set(
        AfterSalesLine.objects.filter(
            order_line__in=list(cleaned), is_open=True
        ).values_list("order_line_id", flat=True)
    )
    lefts = units_left_of(list(cleaned))
    for line, units in cleaned.items():
        if line.pk in open_lines:
            raise AfterSalesError(
                AfterSalesErrorCode.LINE_HAS_OPEN_REQUEST,
                field="lines",
                detail=line.product_name,
            )
        left = lefts[line.pk]
        if units > left:
            raise AfterSalesError(
                AfterSalesErrorCode.TOO_MANY_UNITS,
                field="lines",
                detail=(
                    f"{line.product_name} 最多 {max(left, 0)} 件",
                    f"{line.product_name}: at most {max(left, 0)}",
                ),
            )


def photo_too_large(name: str = "") -> AfterSalesError:
    """PHOTO_TOO_LARGE, naming the cap (and the file, when known)."""
    megabytes = settings.AFTERSALES_PHOTO_MAX_BYTES / (1024 * 1024)
    cap = f"{megabytes:g} MB"
    return AfterSalesError(
        AfterSalesErrorCode.PHOTO_TOO_LARGE,
        field="photos",
        detail=(
            f"每张最多 {cap}{'（' + name + '）' if name else ''}",
            f"at most {cap} each{' (' + name + ')' if name else ''}",
        ),
    )


def _read_photo(photo) -> bytes:
    """The photo's bytes, refused over AFTERSALES_PHOTO_MAX_BYTES from its
    size (before it is read) or, for a stream of unknown size, after reading
    one byte more than the cap (never the whole of it)."""
    cap = settings.AFTERSALES_PHOTO_MAX_BYTES
    name = getattr(photo, "name", "") or ""
    if isinstance(photo, bytes):
        data = photo
    elif (getattr(photo, "size", None) or 0) > cap:
        raise photo_too_large(name)
    else:
        data = photo.read(cap + 1)
    if len(data) > cap:
        raise photo_too_large(name)
    return data


def _store_photos(photos) -> list[str]:
    """Decode each photo defensively (the catalogue's image pipeline), store
    it as the shop stores photos (upright, no metadata) and return the
    stored names. Nothing is stored when one is not an image."""
    if len(photos) > MAX_PHOTOS:
        raise AfterSalesError(AfterSalesErrorCode.TOO_MANY_PHOTOS, field="photos")
    # Every size is checked before any photo is read or decoded.
    contents = [_read_photo(photo) for photo in photos]
    normalised = []
    for photo, data in zip(photos, contents, strict=True):
        try:
            normalised.append(normalise_image(data))
        except CatalogError as error:
            if error.code == CatalogErrorCode.IMAGE_TOO_LARGE:
                # Too many pixels to decode safely.
                raise photo_too_large(getattr(photo, "name", "") or "") from error
            raise AfterSalesError(
                AfterSalesErrorCode.PHOTO_NOT_IMAGE,
                field="photos",
                detail=getattr(photo, "name", ""),
            ) from error
    return [
        default_storage.save(
            f"aftersales/{uuid.uuid4().hex}.{image.extension}",
            ContentFile(image.data),
        )
        for image in normalised
    ]


def aftersales_request_create(
    *,
    order: Order,
    fulfillment: Fulfillment,
    kind: str,
    reason: str,
    lines: dict,
    message: str = "",
    photos=(),
    now=None,
) -> AfterSalesRequest:
    """The shopper (holder of the order's link) asks for `lines`
    ({order line id: units}) of one parcel back. Raises the AfterSalesError
    that refuses it, having stored nothing."""
    now = now or timezone.now()
    photos = list(photos or ())
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise AfterSalesError(AfterSalesErrorCode.MESSAGE_TOO_LONG, field="message")
    if fulfillment.order_id != order.pk:
        raise AfterSalesError(AfterSalesErrorCode.PARCEL_NOT_ELIGIBLE, field="parcel")
    if order.status not in PAID_STATES:
        raise AfterSalesError(AfterSalesErrorCode.NOT_PAID, field="order")
    if kind not in Kind.values:
        raise AfterSalesError(AfterSalesErrorCode.KIND_NOT_ALLOWED, field="kind")
    cleaned = _clean_lines(fulfillment, lines)
    if len(photos) > MAX_PHOTOS:
        raise AfterSalesError(AfterSalesErrorCode.TOO_MANY_PHOTOS, field="photos")
    check_allowed(
        parcel=fulfillment,
        lines=list(cleaned),
        kind=kind,
        reason=reason,
        photo_count=len(photos),
        now=now,
    )
    _check_units(cleaned)
    names = _store_photos(photos)
    try:
        return _request_write(
            order=order,
            fulfillment=fulfillment,
            kind=kind,
            reason=reason,
            lines={line.pk: units for line, units in cleaned.items()},
            message=message,
            photo_names=names,
            now=now,
        )
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


@transaction.atomic
def _request_write(
    *, order, fulfillment, kind, reason, lines, message, photo_names, now
) -> AfterSalesRequest:
    # Requests for the same order are written one at a time, so that the
    # units counted are still there when written.
    order = lock_order(order)
    parcel = Fulfillment.objects.get(pk=fulfillment.pk)
    cleaned = _clean_lines(parcel, lines)
    check_allowed(
        parcel=parcel,
        lines=list(cleaned),
        kind=kind,
        reason=reason,
        photo_count=len(photo_names),
        now=now,
    )
    if order.status not in PAID_STATES:
        raise AfterSalesError(AfterSalesErrorCode.NOT_PAID, field="order")
    _check_units(cleaned)
    before_shipping = parcel.status == FulfillmentStatus.PENDING
    amount = sum(line.unit_price_fen * units for line, units in cleaned.items())
    parcel_lines = OrderLine.objects.filter(
        order_id=order.pk, workshop_id=parcel.workshop_id
    )
    whole_parcel = before_shipping and all(
        cleaned.get(line) == line.quantity for line in parcel_lines
    )
    if whole_parcel:
        amount += parcel.shipping_fen
    request = AfterSalesRequest.objects.create(
        order=order,
        fulfillment=parcel,
        workshop_id=parcel.workshop_id,
        kind=kind,
        reason=reason,
        message=message,
        amount_fen=amount,
        includes_shipping=whole_parcel,
        before_shipping=before_shipping,
    )
    try:
        with transaction.atomic():
            AfterSalesLine.objects.bulk_create(
                AfterSalesLine(
                    request=request,
                    order_line=line,
                    quantity=units,
                    amount_fen=line.unit_price_fen * units,
                    restock=before_shipping or kind == Kind.RETURN_AND_REFUND,
                )
                for line, units in cleaned.items()
            )
    except IntegrityError:
        raise AfterSalesError(
            AfterSalesErrorCode.LINE_HAS_OPEN_REQUEST, field="lines"
        ) from None
    AfterSalesPhoto.objects.bulk_create(
        AfterSalesPhoto(request=request, image=name) for name in photo_names
    )
    _event(
        request,
        EventType.REQUESTED,
        kind=kind,
        reason=reason,
        amount_fen=amount,
        lines={str(line.pk): units for line, units in cleaned.items()},
    )
    _schedule_email(request, Status.REQUESTED)
    return request


def _check_may_handle(user, request: AfterSalesRequest) -> None:
    if not user_can(user, Action.HANDLE_AFTERSALES, request):
        raise AfterSalesError(AfterSalesErrorCode.PERMISSION_DENIED)


def aftersales_approve(*, request: AfterSalesRequest, user) -> AfterSalesRequest:
    """The workshop (or an operator) agrees. A refund-only request is
    refunded at once; a return waits for the goods. A refund that fails
    leaves the request approved and raises (the refund may be tried again)."""
    _check_may_handle(user, request)
    with transaction.atomic():
        request = _lock(request)
        _transition(request, Status.APPROVED, EventType.APPROVED, user)
        request.decided_by = user if user.is_authenticated else None
        request.decided_at = timezone.now()
        request.save(update_fields=["decided_by", "decided_at", "updated_at"])
    if request.kind == Kind.REFUND_ONLY:
        return aftersales_refund(request=request, user=user)
    return request


def aftersales_refuse(
    *, request: AfterSalesRequest, user, reason: str
) -> AfterSalesRequest:
    _check_may_handle(user, request)
    reason = (reason or "").strip()
    if not reason:
        raise AfterSalesError(
            AfterSalesErrorCode.REFUSE_REASON_REQUIRED, field="refuseReason"
        )
    with transaction.atomic():
        request = _lock(request)
        if request.is_open and request.refund_started_at is not None:
            raise AfterSalesError(AfterSalesErrorCode.REFUND_IN_PROGRESS)
        request.refuse_reason = reason[:300]
        request.decided_by = user if user.is_authenticated else None
        request.decided_at = timezone.now()
        request.save(
            update_fields=["refuse_reason", "decided_by", "decided_at", "updated_at"]
        )
        return _transition(
            request, Status.REFUSED, EventType.REFUSED, user, reason=reason[:300]
        )


def aftersales_cancel(*, request: AfterSalesRequest) -> AfterSalesRequest:
    """The shopper withdraws the request (before any refund started)."""
    with transaction.atomic():
        request = _lock(request)
        if request.is_open and request.refund_started_at is not None:
            raise AfterSalesError(AfterSalesErrorCode.REFUND_IN_PROGRESS)
        return _transition(request, Status.CANCELLED, EventType.CANCELLED)


def aftersales_return_ship(
    *, request: AfterSalesRequest, carrier: str, tracking_number: str
) -> AfterSalesRequest:
    """The shopper sent the goods back: the carrier and its tracking number,
    checked against the carrier's format."""
    if request.kind != Kind.RETURN_AND_REFUND:
        raise AfterSalesError(AfterSalesErrorCode.NOT_A_RETURN, field="trackingNumber")
    code, number = tracking_clean(carrier, tracking_number)
    with transaction.atomic():
        request = _lock(request)
        request.return_carrier = code
        request.return_tracking_number = number
        request.save(
            update_fields=["return_carrier", "return_tracking_number", "updated_at"]
        )
        return _transition(
            request,
            Status.RETURN_SHIPPED,
            EventType.RETURN_SHIPPED,
            carrier=code,
            tracking_number=number,
        )


def aftersales_receive_return(*, request: AfterSalesRequest, user):
    """The workshop has the goods back: refund."""
    _check_may_handle(user, request)
    if request.kind != Kind.RETURN_AND_REFUND:
        raise AfterSalesError(AfterSalesErrorCode.NOT_A_RETURN)
    return aftersales_refund(request=request, user=user)


def _refund_start(request: AfterSalesRequest) -> AfterSalesRequest:
    with transaction.atomic():
        order = lock_order(request.order)
        request = _lock(request)
        ready = (
            Status.APPROVED
            if request.kind == Kind.REFUND_ONLY
            else (Status.RETURN_SHIPPED)
        )
        if request.status != ready:
            raise AfterSalesError(
                AfterSalesErrorCode.INVALID_TRANSITION, field="status"
            )
        started = request.refund_started_at
        if started is not None and started > timezone.now() - REFUND_RETRY_AFTER:
            raise AfterSalesError(AfterSalesErrorCode.REFUND_IN_PROGRESS)
        if (request.includes_shipping or request.before_shipping) and (
            Fulfillment.objects.get(pk=request.fulfillment_id).status
            != FulfillmentStatus.PENDING
        ):
            # Asked before shipping, shipped since: the goods (and the fee)
            # are on their way, so the request no longer stands as asked;
            # the shopper asks again once they arrive.
            raise AfterSalesError(AfterSalesErrorCode.ALREADY_SHIPPED)
        request.refund_started_at = timezone.now()
        request.save(update_fields=["refund_started_at", "updated_at"])
        request.order = order
        return request


def aftersales_refund(*, request: AfterSalesRequest, user) -> AfterSalesRequest:
    """Refund an approved request (a return once it was sent back) through
    `order_refund`, on the workshop's say-so; the ledger's reversal comes
    with it. Raises the refund's error, leaving the request as it was."""
    _check_may_handle(user, request)
    request = _refund_start(request)
    # A refund of this request made before (the process died before booking
    # it here, or booking failed): booked by it, never asked for twice.
    earlier = Refund.objects.filter(
        order_id=request.order_id, reason=_refund_reason(request)
    ).exclude(status=RefundStatus.FAILED)
    made = earlier.filter(stripe_refund_id__isnull=False).first()
    if made is not None:
        return _refund_book(request=request, refund=made, user=user)
    if earlier.exists():
        # Committed, not answered yet: the payments sweep settles it.
        raise AfterSalesError(AfterSalesErrorCode.REFUND_IN_PROGRESS)
    restock = {
        line.order_line_id: line.quantity for line in request.lines.filter(restock=True)
    }
    try:
        refund = order_refund(
            order=request.order,
            user=user,
            amount_fen=request.amount_fen,
            restock=restock,
            reason=_refund_reason(request),
            authority=request,
            # The request's own "refunded" step mails the shopper.
            notify_shopper=False,
        )
        if refund.status == RefundStatus.FAILED:
            raise AfterSalesError(AfterSalesErrorCode.REFUND_DECLINED)
    except DomainError as error:
        with transaction.atomic():
            locked = _lock(request)
            locked.refund_started_at = None
            locked.save(update_fields=["refund_started_at", "updated_at"])
            _event(locked, EventType.REFUND_FAILED, user, error=str(error.code))
        raise
    return _refund_book(request=request, refund=refund, user=user)


def _refund_reason(request: AfterSalesRequest) -> str:
    """The refund's reason, which also finds a request's earlier refund."""
    return f"售后 after-sales #{request.pk}"


@transaction.atomic
def _refund_book(*, request, refund, user) -> AfterSalesRequest:
    order = lock_order(request.order)
    request = _lock(request)
    request.refund = refund
    request.save(update_fields=["refund", "updated_at"])
    if request.includes_shipping:
        Fulfillment.objects.filter(
            pk=request.fulfillment_id, status=FulfillmentStatus.PENDING
        ).update(status=FulfillmentStatus.CANCELLED)
    request.order = order
    return _transition(
        request,
        Status.REFUNDED,
        EventType.REFUNDED,
        user,
        amount_fen=request.amount_fen,
        refund=refund.stripe_refund_id or "",
    )
