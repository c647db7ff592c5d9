"""Cursor connections over querysets with a hard page cap.

A client asking for `first: 10000` gets the documented maximum instead of an
error, so a careless query still returns data. Pages are fetched with one
extra row to learn `hasNextPage`; the total is counted only when a client asks
for `totalCount` (or pages backwards from the end).
"""

from django.conf import settings
from django.db.models import QuerySet
from graphene.relay import PageInfo
from graphql import GraphQLError
from graphql_relay import offset_to_cursor
from graphql_relay.connection.array_connection import PREFIX as CURSOR_PREFIX
from graphql_relay.utils import unbase64

# Far past any table, and far enough inside PostgreSQL's bigint that
# OFFSET + LIMIT cannot overflow it.
MAX_OFFSET = 2**53


def page_cap() -> int:
    return settings.GRAPHQL_PAGE_MAX


def clamp(value: int | None) -> int | None:
    if value is None:
        return None
    return max(0, min(value, page_cap()))


def invalid_cursor(argument: str) -> GraphQLError:
    return GraphQLError(
        f"{argument}: 游标无效 (invalid cursor)",
        extensions={"code": "INVALID", "field": argument},
    )


def _offset(cursor: str | None, argument: str) -> int | None:
    """The offset in a cursor this module made; anything else is refused
    before it can reach the database as an out-of-range OFFSET."""
    if cursor is None or cursor == "":
        return None
    # unbase64 gives "" for anything undecodable.
    text = unbase64(cursor) if isinstance(cursor, str) else ""
    digits = text[len(CURSOR_PREFIX) :]
    if not (
        text.startswith(CURSOR_PREFIX)
        and digits.isascii()
        and digits.isdigit()
        and len(digits) <= len(str(MAX_OFFSET))
        and int(digits) <= MAX_OFFSET
    ):
        raise invalid_cursor(argument)
    return int(digits)


def paginate(
    queryset: QuerySet,
    connection_type,
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
):
    first, last = clamp(first), clamp(last)
    if first is None and last is None:
        first = page_cap()
    after_offset, before_offset = _offset(after, "after"), _offset(before, "before")

    start = after_offset + 1 if after_offset is not None else 0
    end = before_offset  # exclusive; None means "to the end"
    total = None
    if end is None and last is not None:
        total = queryset.count()
        end = total
    if first is not None:
        end = start + first if end is None else min(end, start + first)
    if last is not None:
        start = max(start, end - last)

    rows = list(queryset[start : end + 1]) if end > start else []
    has_next = len(rows) > end - start
    page = rows[: max(end - start, 0)]
    if not has_next and before_offset is not None and end == before_offset:
        has_next = True  # the `before` item itself follows this page

    edges = [
        connection_type.Edge(node=node, cursor=offset_to_cursor(start + i))
        for i, node in enumerate(page)
    ]
    connection = connection_type(
        edges=edges,
        page_info=PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=start > 0,
            has_next_page=has_next,
        ),
    )
    connection.queryset = queryset
    connection.known_total = total
    return connection
