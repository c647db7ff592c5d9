import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import get_language
from graphene_django.views import GraphQLView
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from storefront.catalog.cache import catalog_cache_seconds, public_cache_key


def _is_read_only(body: bytes) -> bool:
    """True when the JSON body holds a single query operation (no mutation)."""
    try:
        payload = json.loads(body)
        document = parse(payload["query"])
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False
    operation = get_operation_ast(document, payload.get("operationName"))
    return operation is not None and operation.operation == OperationType.QUERY


class StorefrontGraphQLView(GraphQLView):
    """GraphiQL only with DEBUG; POST bodies must be JSON or application/graphql,
    which browsers cannot send cross-site without a CORS preflight. Anonymous
    read-only answers are cached like public pages, keyed by the catalogue
    version, so a catalogue write retires them."""

    ACCEPTED_POST_TYPES = {"application/json", "application/graphql"}

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.DEBUG)
        super().__init__(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type not in self.ACCEPTED_POST_TYPES:
            return JsonResponse(
                {
                    "errors": [
                        {
                            "message": "请以 application/json 发送 GraphQL 请求 "
                            "(send GraphQL requests as application/json)",
                            "extensions": {"code": "unsupported_media_type"},
                        }
                    ]
                },
                status=415,
            )
        seconds = catalog_cache_seconds()
        if (
            seconds <= 0
            or request.user.is_authenticated
            or content_type != ("application/json")
        ):
            return super().dispatch(request, *args, **kwargs)
        key = public_cache_key(
            "gql", get_language(), request.get_host().encode(), request.body
        )
        body = cache.get(key)
        if body is not None:
            response = HttpResponse(body, content_type="application/json")
            response["X-Page-Cache"] = "hit"
            return response
        response = super().dispatch(request, *args, **kwargs)
        if (
            response.status_code == 200
            and b'"errors"' not in response.content
            and _is_read_only(request.body)
        ):
            cache.set(key, response.content, seconds)
            response["X-Page-Cache"] = "miss"
        return response
