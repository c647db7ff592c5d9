import json

from django.conf import settings
from django.core.cache import cache
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import get_language
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationType,
    get_operation_ast,
)

from brands.permissions import Action, may_act_for_some_workshop
from storefront.accounts import jwt as account_jwt
from storefront.accounts.errors import AccountError
from storefront.catalog.cache import catalog_cache_seconds, public_cache_key

from .account_types import saleor_code
from .documents import CACHEABLE_QUERY_CHARS, not_text, parsed
from .execution import checked_operation, run
from .limits import body_too_large

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
        "category",
        "products",
        "product",
        "productVariant",
        "productVariants",
        "collections",
        "collection",
        "menu",
        "menus",
        "page",
        "pages",
        "channels",
        "channel",
        "addressValidationRules",
        "__typename",
    }
)


def _public_selections(selection_set, fragments, known) -> bool:
    """`known` remembers each fragment's answer (None while it is being
    looked at), so fragments spread many times are looked at once."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value not in PUBLIC_CATALOGUE_FIELDS:
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not _public_selections(selection.selection_set, fragments, known):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in known:
                fragment = fragments.get(name)
                known[name] = None  # a cycle, which validation refuses
                known[name] = fragment is not None and _public_selections(
                    fragment.selection_set, fragments, known
                )
            if known[name] is False:
                return False
        else:
            return False
    return True


def is_public_catalogue_query(body: bytes) -> bool:
    """True when the JSON body holds a query (not a mutation) whose top-level
    fields are all public catalogue fields."""
    try:
        payload = json.loads(body)
        document = parsed(payload["query"], settings.GRAPHQL_MAX_TOKENS)
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
    return _public_selections(operation.selection_set, fragments, {})


MULTIPART = "multipart/form-data"
# A multipart body larger than this is refused before it is read: the largest
# upload (a catalogue ZIP) is 200 MB, plus the other parts.
MULTIPART_MAX_BYTES = 201 * 1024 * 1024


def _refusal(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
    )


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large(request) -> JsonResponse | None:
    """The refusal of a query text over GRAPHQL_MAX_BODY_BYTES, judged from
    Content-Length (or the query string) before anything is read."""
    maximum = settings.GRAPHQL_MAX_BODY_BYTES
    size = (
        _content_length(request)
        if request.method == "POST"
        else len(request.META.get("QUERY_STRING", ""))
    )
    if size <= maximum:
        return None
    return JsonResponse(
        {"errors": [body_too_large(size, maximum).formatted]}, status=400
    )


def _bad_multipart(reason: str):
    return HttpError(HttpResponseBadRequest(f"multipart request: {reason}"))


def _place_file(operations: dict, path: str, upload) -> None:
    """Put `upload` at `path` ("variables.file", "variables.files.0")."""
    parts = path.split(".") if isinstance(path, str) else []
    if len(parts) < 2 or parts[0] != "variables":
        raise _bad_multipart(f"a map path must start with variables.: {path!r}")
    target = operations
    try:
        for part in parts[:-1]:
            target = target[int(part) if isinstance(target, list) else part]
        last = parts[-1]
        if isinstance(target, list):
            target[int(last)] = upload
        elif isinstance(target, dict):
            target[last] = upload
        else:
            raise TypeError(path)
    except (KeyError, IndexError, ValueError, TypeError):
        raise _bad_multipart(f"no such variable: {path!r}") from None


def multipart_operation(request) -> dict:
    """The operation of a GraphQL multipart request (the spec at
    github.com/jaydenseric/graphql-multipart-request-spec): the `operations`
    part is the JSON body, `map` says which variable each file part fills
    ({"0": ["variables.file"]}). One operation per request."""
    try:
        text = request.POST.get("operations") or "null"
        operations = json.loads(text)
        mapping = json.loads(request.POST.get("map") or "{}")
    except (ValueError, MultiPartParserError):
        raise _bad_multipart("operations and map must be JSON") from None
    if not isinstance(operations, dict):
        raise _bad_multipart("operations must be one JSON object")
    if not isinstance(mapping, dict):
        raise _bad_multipart("map must be a JSON object")
    for key, paths in mapping.items():
        upload = request.FILES.get(key)
        if upload is None or not isinstance(paths, list):
            raise _bad_multipart(f"file part {key!r} is missing")
        for path in paths:
            _place_file(operations, path, upload)
    return operations


BEARER_PREFIXES = ("bearer ", "jwt ")


def _bearer_refusal(request) -> JsonResponse | None:
    """With `Authorization: Bearer <access token>` (storefront.accounts.jwt)
    the request is that token's user's, whatever its cookies say; a token
    that is expired, tampered with, revoked or a refresh token is refused
    with a GraphQL error (JWT_SIGNATURE_EXPIRED / JWT_INVALID_TOKEN)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith(BEARER_PREFIXES):
        return None
    token = header.split(" ", 1)[1].strip()
    try:
        user = account_jwt.user_of(token)
    except AccountError as exc:
        return JsonResponse(
            {
                "errors": [
                    {
                        "message": exc.message,
                        "extensions": {"code": saleor_code(exc)},
                    }
                ]
            },
            status=401,
        )
    request.user = user
    request.jwt_user = True
    return None


class StorefrontGraphQLView(GraphQLView):
    """GraphiQL only with DEBUG; POST bodies must be JSON or application/graphql,
    which browsers cannot send cross-site without a CORS preflight. Anonymous
    answers to public catalogue queries are cached like public pages, keyed
    by the catalogue version, so a catalogue write retires them; carts,
    orders and mutations never are.

    File uploads (catalogImportCreate) come as multipart/form-data, which a
    cross-site form CAN send: such a request is accepted only from a signed-in
    user and only when it passes Django's CSRF check (the X-CSRFToken header
    matching the csrftoken cookie), which the exempt view otherwise skips."""

    ACCEPTED_POST_TYPES = {"application/json", "application/graphql"}

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.DEBUG)
        super().__init__(**kwargs)

    def _multipart_refusal(self, request):
        """None when a multipart POST may go on, else the refusal."""
        if _content_length(request) > MULTIPART_MAX_BYTES:
            return _refusal(
                "上传的内容过大 (the upload is too large)", "payload_too_large", 413
            )
        if not request.user.is_authenticated:
            # To anyone not signed in, a form encoding is simply not accepted.
            return _refusal(
                "请以 application/json 发送 GraphQL 请求；上传文件须先登录 "
                "(send GraphQL requests as application/json; sign in to upload "
                "files)",
                "unsupported_media_type",
                415,
            )
        # Only catalogue imports send more than a shopper's photos
        # (orderReturnRequestCreate: 3 photos): refused before reading.
        small = _content_length(request) <= settings.AFTERSALES_UPLOAD_MAX_BYTES
        if not small and not may_act_for_some_workshop(
            request.user, Action.IMPORT_CATALOG
        ):
            megabytes = settings.AFTERSALES_PHOTO_MAX_BYTES // (1024 * 1024)
            return _refusal(
                f"上传的内容过大：售后照片最多 3 张，每张不超过 {megabytes} MB "
                "(the upload is too large: at most 3 after-sales photos of "
                f"{megabytes} MB each)",
                "payload_too_large",
                413,
            )
        try:
            request.POST  # noqa: B018 - parse now: a broken body is a 400
        except MultiPartParserError:
            return _refusal(
                "无法解析上传内容 (malformed multipart body)", "bad_request", 400
            )
        if getattr(request, "jwt_user", False):
            # A bearer token is no cookie: a cross-site form cannot send one.
            return None
        csrf = CsrfViewMiddleware(lambda request: None)
        if csrf.process_view(request, None, (), {}) is not None:
            return _refusal(
                "CSRF 校验失败：请带上 X-CSRFToken 请求头 "
                "(CSRF check failed: send the X-CSRFToken header)",
                "csrf_failed",
                403,
            )
        return None

    def parse_body(self, request):
        if request.method == "POST" and self.get_content_type(request) == MULTIPART:
            return multipart_operation(request)
        return super().parse_body(request)

    def dispatch(self, request, *args, **kwargs):
        refusal = _bearer_refusal(request)
        if refusal is not None:
            return refusal
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type != MULTIPART and (refusal := _too_large(request)):
            return refusal
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        if content_type == MULTIPART:
            refusal = self._multipart_refusal(request)
            if refusal is not None:
                return refusal
            return super().dispatch(request, *args, **kwargs)
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
            or "HTTP_AUTHORIZATION" in request.META
            or content_type != ("application/json")
            # Longer texts are not remembered (documents.py): parsing one
            # here would parse it twice.
            or len(request.body) > CACHEABLE_QUERY_CHARS
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
        """graphene-django's flow, with the limits checked before validation,
        the document parsed and validated once per distinct query text, and
        unexpected failures masked (storefront.graphql.execution)."""
        if not query:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        if not isinstance(query, str):
            return ExecutionResult(data=None, errors=[not_text()])
        # JSON bodies were measured before they were read; this is for the
        # query inside a multipart upload.
        size, maximum = len(query.encode()), settings.GRAPHQL_MAX_BODY_BYTES
        if size > maximum:
            return ExecutionResult(data=None, errors=[body_too_large(size, maximum)])
        schema = self.schema.graphql_schema
        document, operation, errors = checked_operation(
            schema, query, variables, operation_name
        )
        if errors:
            return ExecutionResult(data=None, errors=errors)
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation.operation.value} operation "
                    "from a POST request.",
                )
            )
        # Mutations take their own transactions in the services they call
        # (graphene's ATOMIC_MUTATIONS stays off, as before).
        return run(
            schema,
            document,
            root_value=self.get_root_value(request),
            context_value=self.get_context(request),
            variable_values=variables,
            operation_name=operation_name,
            middleware=self.get_middleware(request),
        )
