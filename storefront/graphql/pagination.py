"""Cursor connections over querysets with a hard page cap.

A client asking for `first: 10000` gets the documented maximum instead of an
error, so a careless query still returns data."""

from functools import partial

from django.conf import settings
from django.db.models import QuerySet
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphql_relay import connection_from_array_slice, cursor_to_offset


def page_cap() -> int:
    return settings.GRAPHQL_PAGE_MAX


def clamp(value: int | None) -> int | None:
    if value is None:
        return None
    return max(0, min(value, page_cap()))


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
    total = queryset.count()
    start = 0
    end = total
    if after is not None:
        offset = cursor_to_offset(after)
        if offset is not None:
            start = max(start, min(offset + 1, total))
    if before is not None:
        offset = cursor_to_offset(before)
        if offset is not None:
            end = min(end, max(offset, 0))
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    page = list(queryset[start:end]) if end > start else []
    connection = connection_from_array_slice(
        page,
        {"first": None, "last": None, "after": None, "before": None},
        slice_start=start,
        array_length=total,
        connection_type=partial(connection_adapter, connection_type),
        edge_type=connection_type.Edge,
        page_info_type=page_info_adapter,
    )
    connection.page_info.has_previous_page = start > 0
    connection.page_info.has_next_page = end < total
    connection.total_count = total
    return connection
