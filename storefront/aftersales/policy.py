"""Which after-sales a parcel allows, and until when: the category's policy
(`catalog.AfterSalesKind`) and the parcel's shipping and delivery times.

- Before the parcel ships: refund only, "不想要了 changed my mind", any time.
- After: counted from delivery (`delivered_at`), or from `shipped_at` plus
  ASSUMED_TRANSIT when no delivery was recorded.
  - standard goods: every after-shipping reason for 7 days (China's 7-day
    no-reason rule); a no-reason request returns the goods;
  - fresh food: no no-reason return; other claims within 48 hours, and a
    quality claim needs at least one photo.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from storefront.catalog.models import AfterSalesKind
from storefront.orders.models import Fulfillment, FulfillmentStatus, OrderLine

from .errors import AfterSalesError, AfterSalesErrorCode
from .models import Kind, Reason

# The earliest a marked delivery counts from.
MIN_TRANSIT = timedelta(days=2)
ASSUMED_TRANSIT = timedelta(days=10)
WINDOWS = {
    AfterSalesKind.STANDARD: timedelta(days=7),
    AfterSalesKind.FRESH: timedelta(hours=48),
}
BEFORE_SHIPPING_REASONS = (Reason.CHANGED_MIND,)
AFTER_SHIPPING_REASONS = (
    Reason.NOT_RECEIVED,
    Reason.WRONG_ITEMS,
    Reason.QUALITY,
    Reason.NO_REASON,
)
KINDS_FOR_REASON = {
    Reason.CHANGED_MIND: (Kind.REFUND_ONLY,),
    Reason.NOT_RECEIVED: (Kind.REFUND_ONLY,),
    Reason.WRONG_ITEMS: (Kind.REFUND_ONLY, Kind.RETURN_AND_REFUND),
    Reason.QUALITY: (Kind.REFUND_ONLY, Kind.RETURN_AND_REFUND),
    Reason.NO_REASON: (Kind.RETURN_AND_REFUND,),
}


def line_policy(line: OrderLine) -> str:
    """The policy of the line's category; standard when it has none (or the
    product is gone)."""
    product = line.product
    category = product.category if product is not None else None
    return category.aftersales_kind if category is not None else AfterSalesKind.STANDARD


def window_start(parcel: Fulfillment) -> datetime | None:
    if parcel.delivered_at is not None:
        # The workshop marks delivery, and it pays the refunds: its click
        # cannot start the shopper's clock before a parcel could arrive.
        return max(parcel.delivered_at, parcel.shipped_at + MIN_TRANSIT)
    if parcel.shipped_at is not None:
        return parcel.shipped_at + ASSUMED_TRANSIT
    return None


@dataclass(frozen=True)
class Window:
    """What a parcel allows now, for the pages: the reasons and the deadline
    (None before shipping)."""

    reasons: tuple[str, ...]
    closes_at: datetime | None

    @property
    def is_open(self) -> bool:
        return bool(self.reasons)


def parcel_window(parcel: Fulfillment, policies: set[str], now: datetime) -> Window:
    """The reasons the parcel's lines (of these policies) allow at `now`."""
    if parcel.status == FulfillmentStatus.PENDING:
        return Window(BEFORE_SHIPPING_REASONS, None)
    if parcel.status != FulfillmentStatus.SHIPPED:
        return Window((), None)
    start = window_start(parcel)
    widest = max(WINDOWS[p] for p in policies or {AfterSalesKind.STANDARD})
    closes_at = start + widest
    if now > closes_at:
        return Window((), closes_at)
    reasons = AFTER_SHIPPING_REASONS
    if policies == {AfterSalesKind.FRESH}:
        reasons = tuple(r for r in reasons if r != Reason.NO_REASON)
    return Window(reasons, closes_at)


def check_allowed(
    *,
    parcel: Fulfillment,
    lines: list[OrderLine],
    kind: str,
    reason: str,
    photo_count: int,
    now: datetime,
) -> None:
    """Raise the AfterSalesError that refuses this request under the
    parcel's state and each line's category policy."""
    if reason not in Reason.values:
        raise AfterSalesError(AfterSalesErrorCode.REASON_NOT_ALLOWED, field="reason")
    if kind not in KINDS_FOR_REASON[reason]:
        raise AfterSalesError(AfterSalesErrorCode.KIND_NOT_ALLOWED, field="kind")
    if parcel.status == FulfillmentStatus.PENDING:
        if reason not in BEFORE_SHIPPING_REASONS:
            raise AfterSalesError(
                AfterSalesErrorCode.REASON_NOT_ALLOWED, field="reason"
            )
        return
    if parcel.status != FulfillmentStatus.SHIPPED:
        raise AfterSalesError(AfterSalesErrorCode.PARCEL_NOT_ELIGIBLE, field="parcel")
    if reason in BEFORE_SHIPPING_REASONS:
        raise AfterSalesError(AfterSalesErrorCode.ALREADY_SHIPPED, field="reason")
    start = window_start(parcel)
    for line in lines:
        policy = line_policy(line)
        if policy == AfterSalesKind.FRESH:
            if reason == Reason.NO_REASON:
                raise AfterSalesError(
                    AfterSalesErrorCode.FRESH_NO_REASON, field="reason"
                )
            if reason == Reason.QUALITY and photo_count == 0:
                raise AfterSalesError(
                    AfterSalesErrorCode.PHOTO_REQUIRED, field="photos"
                )
        if now > start + WINDOWS[policy]:
            closed = timezone.localtime(start + WINDOWS[policy]).strftime(
                "%Y-%m-%d %H:%M"
            )
            raise AfterSalesError(
                AfterSalesErrorCode.WINDOW_CLOSED,
                field="reason",
                detail=(f"{line.product_name} 截止于 {closed}", f"closed {closed}"),
            )
