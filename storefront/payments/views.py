from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .errors import PaymentError, PaymentErrorCode
from .services import webhook_receive

# Stripe sends events up to a few hundred KB; anything far larger is not Stripe.
MAX_WEBHOOK_BYTES = 1024 * 1024


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
        status = 503 if exc.code == PaymentErrorCode.NOT_CONFIGURED else 400
        return JsonResponse({"error": exc.code, "message": exc.message}, status=status)
    return JsonResponse({"received": True, "outcome": outcome})
