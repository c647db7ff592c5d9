"""One request's way through the schema: parse within the token limit,
measure against the cost limits, validate, refuse NUL inputs, execute, and
keep unexpected failures to the log.

An exception a resolver did not mean to raise (anything but a GraphQLError
or a DomainError) says something about our code or data, never about the
request: the client gets a generic INTERNAL_ERROR (the details too, with
DEBUG) and the log gets the traceback."""

import logging
from types import CoroutineType

from django.conf import settings
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)

from storefront.core.errors import DomainError

from .documents import parsed, validation_errors
from .inputs import operation_nul_error
from .limits import QueryLimits, limit_errors

logger = logging.getLogger("storefront.graphql")

INTERNAL_ERROR = "INTERNAL_ERROR"
INTERNAL_MESSAGE = "服务器内部错误 (internal server error)"


def checked_operation(schema, query, variables, operation_name):
    """(document, operation, errors) for `query`; `errors` says why it must
    not run (too complex, invalid, a NUL input)."""
    limits = QueryLimits.from_settings()
    try:
        document = parsed(query, limits.tokens)
    except GraphQLError as error:
        return None, None, [error]
    operation = get_operation_ast(document, operation_name)
    errors = limit_errors(schema, document, variables, limits)
    if errors:
        return document, operation, errors
    errors = validation_errors(
        schema, query, limits.tokens, settings.GRAPHQL_INTROSPECTION
    )
    if errors:
        return document, operation, errors
    if operation is not None and operation.operation == OperationType.QUERY:
        # Mutations report NUL inputs in their own `errors` (DomainMutation).
        error = operation_nul_error(document, operation, variables)
        if error is not None:
            return document, operation, [error]
    return document, operation, []


def synchronous_awaitable(value) -> bool:
    """graphql-core asks of every value whether it is awaitable; its own
    check looks for `__await__` on each (a few µs a field on a page of
    products). No resolver of ours is async, so only a coroutine can be."""
    return isinstance(value, CoroutineType)


def run(schema, document, **options) -> ExecutionResult:
    """execute(), with unexpected failures logged and masked."""
    options.setdefault("is_awaitable", synchronous_awaitable)
    try:
        result = execute(schema, document, **options)
    except Exception as error:  # noqa: BLE001 - becomes a GraphQL error
        result = ExecutionResult(errors=[error])
    if result.errors:
        result.errors = [public_error(error) for error in result.errors]
    return result


def _unexpected(error) -> BaseException | None:
    """The exception behind `error` when no one meant to raise it."""
    if not isinstance(error, GraphQLError):
        return error
    original = error.original_error
    if original is None or isinstance(original, (GraphQLError, DomainError)):
        return None
    # Without a path it is about the request (a variable that does not
    # coerce), and graphql-core has already worded it for the client.
    return original if error.path is not None else None


def public_error(error) -> GraphQLError:
    original = _unexpected(error)
    if original is None:
        return error
    path = getattr(error, "path", None)
    logger.error(
        "GraphQL resolver failed at %s",
        ".".join(str(part) for part in path) if path else "(execution)",
        exc_info=(type(original), original, original.__traceback__),
    )
    extensions = {"code": INTERNAL_ERROR}
    if settings.DEBUG:
        extensions["exception"] = {
            "type": type(original).__name__,
            "message": str(original),
        }
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=getattr(error, "nodes", None),
        path=path,
        extensions=extensions,
    )
