"""Text inputs the database cannot store: PostgreSQL refuses the NUL
character in text with a raw error, so a NUL in any GraphQL input is refused
before anything runs, against the input field that holds it.

Mutations answer in their `errors { field code message }` list (see
DomainMutation); queries, which have no such list, with a GraphQL error whose
extensions carry `code: INVALID` and the `field`."""

from graphene.utils.str_converters import to_camel_case
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    VariableNode,
)

INVALID = "INVALID"
NUL_MESSAGE = "不能包含空字符 NUL (must not contain the NUL character)"


def nul_path(value, path: tuple = ()) -> tuple | None:
    """The path (keys and list indexes) to the first text in `value` holding
    a NUL, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = nul_path(item, (*path, key))
        if found is not None:
            return found
    return None


def field_name(path: tuple) -> str:
    """`("filter", "search")` as the client typed it: `filter.search`;
    Python names (`recipient_name`) come out camelCased."""
    return ".".join(
        to_camel_case(part) if isinstance(part, str) else str(part) for part in path
    )


def invalid_input(field: str) -> GraphQLError:
    return GraphQLError(
        f"{field}: {NUL_MESSAGE}", extensions={"code": INVALID, "field": field}
    )


def _value_path(node, variables: dict, path: tuple) -> tuple | None:
    if isinstance(node, StringValueNode):
        return path if "\x00" in node.value else None
    if isinstance(node, VariableNode):
        return nul_path(variables.get(node.name.value), path)
    if isinstance(node, ListValueNode):
        for index, item in enumerate(node.values):
            found = _value_path(item, variables, (*path, index))
            if found is not None:
                return found
    if isinstance(node, ObjectValueNode):
        for item in node.fields:
            found = _value_path(item.value, variables, (*path, item.name.value))
            if found is not None:
                return found
    return None


def operation_nul_error(document, operation, variables) -> GraphQLError | None:
    """The error for the first argument of `operation` (literal or from a
    variable) whose text holds a NUL, else None."""
    variables = variables if isinstance(variables, dict) else {}
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    pending = [(operation.selection_set, frozenset())]
    while pending:
        selection_set, spreads = pending.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments:
                    found = _value_path(
                        argument.value, variables, (argument.name.value,)
                    )
                    if found is not None:
                        return invalid_input(field_name(found))
                if selection.selection_set is not None:
                    pending.append((selection.selection_set, spreads))
            elif isinstance(selection, InlineFragmentNode):
                pending.append((selection.selection_set, spreads))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in spreads:
                    pending.append((fragments[name].selection_set, spreads | {name}))
    return None
