from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .errors import PaymentError, PaymentErrorCode
from .services import webhook_receive

# Stripe sends events up to a few hundred KB; anything far larger is not Stripe.
MAX_WEBHOOK_BYTES = 1024 * 1024

# Anything but 2xx makes Stripe deliver the event again later (for up to
# three days): wanted when we cannot take it yet, not for a bad signature.
_STATUS = {
    PaymentErrorCode.NOT_CONFIGURED: 503,
    PaymentErrorCode.PAYMENT_NOT_RECORDED_YET: 409,
}


@csrf_exempt  # Stripe signs its requests; the signature is the check.
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if int(request.headers.get("Content-Length") or 0) > MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    try:
        outcome = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except PaymentError as exc:
        status = _STATUS.get(exc.code, 400)
        return JsonResponse({"error": exc.code, "message": exc.message}, status=status)
    return JsonResponse({"received": True, "outcome": outcome})
