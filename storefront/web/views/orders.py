"""The customer's order page and pay page, reached by the order's secret token.

Neither is ever cached or indexed. The pay page only hands the browser the
PaymentIntent's client secret for Stripe.js; whether the order is paid is
decided by Stripe's webhook alone, which the order page waits for.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from storefront.core.http import private_page
from storefront.orders.models import Fulfillment, Order, OrderStatus
from storefront.payments.errors import PaymentError, PaymentErrorCode
from storefront.payments.gateway import payment_method_types
from storefront.payments.models import PaymentStatus
from storefront.payments.selectors import order_is_expired
from storefront.payments.services import (
    live_payment,
    order_expire_if_due,
    payment_start,
)

# Seconds between reloads of the order page while Stripe's webhook is awaited.
PROCESSING_REFRESH_SECONDS = 3
# What Stripe appends to return_url after Alipay / WeChat Pay on a phone. Only
# words to show: whether the order is paid is the webhook's to say.
REDIRECT_STATUSES = ("succeeded", "failed", "canceled")


def _reservation_open(order: Order) -> bool:
    return order.reserved_until is not None and order.reserved_until > timezone.now()


@never_cache
@require_GET
def order_detail(request, token):
    order = get_object_or_404(
        Order.objects.prefetch_related(
            "lines",
            Prefetch("fulfillments", Fulfillment.objects.select_related("workshop")),
        ),
        token=token,
    )
    # Past its deadline, the order is released now rather than whenever the
    # sweep runs: it must not show "processing" or "pay now" any longer.
    order = order_expire_if_due(order=order)
    expired = order_is_expired(order)
    lines = list(order.lines.all())
    parcels = [
        (parcel, [line for line in lines if line.workshop_id == parcel.workshop_id])
        for parcel in order.fulfillments.all()
    ]
    unpaid = order.status == OrderStatus.UNPAID
    redirect_status = request.GET.get("redirect_status")
    if not unpaid or redirect_status not in REDIRECT_STATUSES:
        redirect_status = ""
    processing = (
        unpaid
        and not expired
        and redirect_status in ("", "succeeded")
        and live_payment(order) is not None
    )
    return private_page(
        render(
            request,
            "web/order.html",
            {
                "order": order,
                "parcels": parcels,
                "processing": processing,
                "refresh_seconds": PROCESSING_REFRESH_SECONDS,
                "can_pay": unpaid and _reservation_open(order),
                "expired": expired,
                "is_cancelled": order.status == OrderStatus.CANCELLED,
                "redirect_status": redirect_status,
            },
        )
    )


def _payment_for(order: Order):
    """(payment, None) when the browser may pay now, else (None, PaymentError)."""
    if order_is_expired(order):
        return None, PaymentError(PaymentErrorCode.RESERVATION_EXPIRED, field="order")
    if order.status != OrderStatus.UNPAID:
        return None, PaymentError(PaymentErrorCode.ORDER_NOT_PAYABLE, field="order")
    if not _reservation_open(order):
        # payment_start hands back an intent started earlier even after the
        # deadline; paying it now would race the release of the stock.
        return None, PaymentError(PaymentErrorCode.RESERVATION_EXPIRED, field="order")
    if not settings.STRIPE_PUBLISHABLE_KEY:
        return None, PaymentError(PaymentErrorCode.NOT_CONFIGURED)
    try:
        payment = payment_start(order=order)
    except PaymentError as error:
        return None, error
    if payment.status != PaymentStatus.PENDING:
        return None, PaymentError(PaymentErrorCode.ORDER_NOT_PAYABLE, field="order")
    return payment, None


@never_cache
@require_GET
def order_pay(request, token):
    order = order_expire_if_due(order=get_object_or_404(Order, token=token))
    payment, error = _payment_for(order)
    order_url = reverse("web:order", args=[order.token])
    extra_methods = [m for m in payment_method_types() if m != "card"]
    return private_page(
        render(
            request,
            "web/pay.html",
            {
                "order": order,
                "expired": error is not None
                and error.code == PaymentErrorCode.RESERVATION_EXPIRED,
                "payment": payment,
                "error": error.message if error else "",
                "order_url": order_url,
                "return_url": request.build_absolute_uri(order_url),
                "stripe_js_url": settings.STRIPE_JS_URL,
                "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                "alipay": "alipay" in extra_methods,
                "wechat_pay": "wechat_pay" in extra_methods,
            },
        )
    )
