import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import get_language
from graphene_django.views import GraphQLView
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationType,
    execute,
    get_operation_ast,
)

from storefront.catalog.cache import catalog_cache_seconds, public_cache_key

from .documents import checked_document, parsed

# Top-level query fields whose answers depend only on the public catalogue
# (and so are retired by its version). Anything else - a cart, an order page,
# a node of any type - is answered fresh every time: an order must show "paid"
# the moment the webhook lands.
PUBLIC_CATALOGUE_FIELDS = frozenset(
    {
        "brands",
        "brand",
        "workshops",
        "workshop",
        "villages",
        "village",
        "categories",
        "products",
        "product",
        "__typename",
    }
)


def _public_selections(selection_set, fragments, seen) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value not in PUBLIC_CATALOGUE_FIELDS:
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not _public_selections(selection.selection_set, fragments, seen):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen:
                continue
            fragment = fragments.get(name)
            if fragment is None or not _public_selections(
                fragment.selection_set, fragments, seen | {name}
            ):
                return False
        else:
            return False
    return True


def is_public_catalogue_query(body: bytes) -> bool:
    """True when the JSON body holds a query (not a mutation) whose top-level
    fields are all public catalogue fields."""
    try:
        payload = json.loads(body)
        document = parsed(payload["query"])
        operation = get_operation_ast(document, payload.get("operationName"))
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False
    if operation is None or operation.operation != OperationType.QUERY:
        return False
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    return _public_selections(operation.selection_set, fragments, frozenset())


class StorefrontGraphQLView(GraphQLView):
    """GraphiQL only with DEBUG; POST bodies must be JSON or application/graphql,
    which browsers cannot send cross-site without a CORS preflight. Anonymous
    answers to public catalogue queries are cached like public pages, keyed
    by the catalogue version, so a catalogue write retires them; carts,
    orders and mutations never are."""

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
            or not is_public_catalogue_query(request.body)
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
        if response.status_code == 200 and b'"errors"' not in response.content:
            cache.set(key, response.content, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's flow for POSTs, with the document parsed and
        validated once per distinct query text (storefront.graphql.documents).
        GET (GraphiQL, DEBUG only) keeps the library's own path."""
        if request.method != "POST" or not query:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        schema = self.schema.graphql_schema
        document, errors = checked_document(schema, query)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
        }
        # Mutations take their own transactions in the services they call
        # (graphene's ATOMIC_MUTATIONS stays off, as before).
        try:
            return execute(schema, document, **options)
        except Exception as error:  # noqa: BLE001 - becomes a GraphQL error
            return ExecutionResult(errors=[error])
