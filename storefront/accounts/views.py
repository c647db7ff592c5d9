"""/.well-known/jwks.json: the public key that signs the API's JWTs (as
Saleor publishes it), for apps and gateways that verify tokens themselves."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .jwt import jwks


@require_GET
def jwks_view(request):
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
