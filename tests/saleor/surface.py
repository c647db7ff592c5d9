"""Documents for the Saleor storefront's operations, written from the facts in
data/storefront_surface.md (from ../shared/saleor/STOREFRONT_SURFACE.md): for
each operation, its root field with the arguments it passes, its variables,
and every `Type.field` it reads.

A document selects, from the root field down, each listed field of each
listed type (nested as Saleor's schema types them), with inline fragments
where a field's type is abstract and a listed type implements it. Arguments
take the variable of the same name, else the one unused variable of the
argument's type, else an input object made of variables named like its
fields, else (when required) a sample literal."""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_non_null_type,
)

# Copies of ../shared/saleor/'s facts (the schema without its descriptions),
# so the suite needs nothing outside the repository.
DATA = Path(__file__).resolve().parent / "data"
SURFACE = DATA / "storefront_surface.md"
SALEOR_SCHEMA = DATA / "saleor-3.23.28.graphql"

_HEADING = re.compile(r"^## (query|mutation) (\w+)$")
_ROOT = re.compile(r"^- root: (\w+)(?:\(([^)]*)\))?$")
_TYPE = re.compile(r"^- `(\w+)`: (.+)$")
_FIELD = re.compile(r"(\w+)(?:\(([^)]*)\))?")

# Literals for required (or listed) arguments no variable supplies.
SAMPLES = {
    "size": "256",
    "format": "WEBP",
    "first": "10",
    "limit": "10",
    "slug": '"brand"',
    "variantSelection": "ALL",
}
MAX_DEPTH = 14
# Arguments the storefront builds from its variables in its own way.
ARGUMENTS = {
    ("CheckoutAddLine", "lines"): "[{quantity: 1, variantId: $productVariantId}]",
    ("CheckoutCreate", "input"): "{channel: $channel, lines: []}",
    ("checkoutCreate", "input"): "{channel: $channel, lines: []}",
    ("SearchProducts", "sortBy"): "{field: $sortBy, direction: $sortDirection}",
    ("SearchProducts", "filter"): "{search: $search}",
}
# Nested fields take only these variables by name (a product's $slug is not
# an attribute's slug).
NESTED_VARIABLES = {
    "languageCode",
    "channel",
    "first",
    "after",
    "last",
    "before",
    "sortBy",
    "filter",
    "where",
}


@dataclass
class Operation:
    kind: str
    name: str
    root: str
    root_args: list[str]
    variables: dict[str, str] = field(default_factory=dict)
    reads: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def operations(path: Path = SURFACE) -> list[Operation]:
    found: list[Operation] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _HEADING.match(line):
            found.append(Operation(m[1], m[2], "", []))
        elif found and (m := _ROOT.match(line)):
            found[-1].root = m[1]
            found[-1].root_args = [a for a in (m[2] or "").split(",") if a]
        elif found and line.startswith("- variables: "):
            for part in line.removeprefix("- variables: ").split(", $"):
                name, type_ = part.lstrip("$").split(": ", 1)
                found[-1].variables[name] = type_
        elif found and (m := _TYPE.match(line)):
            found[-1].reads[m[1]] = {
                f[1]: [a for a in (f[2] or "").split(",") if a]
                for f in _FIELD.finditer(m[2])
            }
    return found


def _type_text(type_) -> str:
    if isinstance(type_, GraphQLNonNull):
        return _type_text(type_.of_type) + "!"
    if isinstance(type_, GraphQLList):
        return f"[{_type_text(type_.of_type)}]"
    return type_.name


class _Writer:
    def __init__(self, schema: GraphQLSchema, op: Operation):
        self.schema = schema
        self.op = op
        self.used: set[str] = set()

    def _variable_for(self, name: str, arg, nested: bool) -> str | None:
        variables = self.op.variables
        if (self.op.name, name) in ARGUMENTS and not nested:
            text = ARGUMENTS[self.op.name, name]
            self.used.update(re.findall(r"\$(\w+)", text))
            return text
        if nested:
            if name in variables and name in NESTED_VARIABLES:
                self.used.add(name)
                return f"${name}"
            return SAMPLES.get(name)
        if name in variables:
            self.used.add(name)
            return f"${name}"
        wanted = _type_text(arg.type)
        loose = wanted.rstrip("!")
        same = [
            v
            for v, t in variables.items()
            if v not in self.used and t.rstrip("!") == loose
        ]
        if len(same) == 1:
            self.used.add(same[0])
            return f"${same[0]}"
        named = get_named_type(arg.type)
        if isinstance(named, GraphQLInputObjectType):
            parts = [f"{k}: ${k}" for k in named.fields if k in variables]
            if parts:
                self.used.update(k for k in named.fields if k in variables)
                return "{" + ", ".join(parts) + "}"
        if name in SAMPLES:
            return SAMPLES[name]
        if isinstance(named, GraphQLEnumType) and is_non_null_type(arg.type):
            return next(iter(named.values))
        return None

    def _args(self, names: list[str], definition, nested: bool = True) -> str:
        values = {}
        if not nested:
            # Variables named like an argument are that argument's, first, so
            # the type heuristic below never hands them to another one.
            for name in names:
                if name in self.op.variables and name in definition.args:
                    values[name] = self._variable_for(
                        name, definition.args[name], nested
                    )
        for name in names:
            arg = definition.args.get(name)
            if arg is None or name in values:
                continue
            values[name] = self._variable_for(name, arg, nested)
        parts = [f"{name}: {values[name]}" for name in names if values.get(name)]
        return f"({', '.join(parts)})" if parts else ""

    def selection(self, type_, depth: int, path: tuple) -> str:
        named = get_named_type(type_)
        if not isinstance(
            named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
        ):
            return ""
        parts = self._fields_of(named, depth, path)
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            for concrete in self.schema.get_possible_types(named):
                if concrete.name in self.op.reads and concrete.name != named.name:
                    # Fields of one name may differ in type between fragments:
                    # each fragment's own get an alias.
                    inner = self._fields_of(concrete, depth, path, alias=concrete.name)
                    if inner:
                        parts.append(f"... on {concrete.name} {{ {' '.join(inner)} }}")
        if not parts:
            parts = ["__typename"]
        return "{ " + " ".join(parts) + " }"

    def _fields_of(self, named, depth, path, alias: str = "") -> list[str]:
        if isinstance(named, GraphQLUnionType):
            return []
        listed = self.op.reads.get(named.name, {})
        parts = []
        for name, arg_names in listed.items():
            if name == "__typename":
                parts.append("__typename")
                continue
            definition = named.fields.get(name)
            if definition is None:
                continue
            inner = ""
            target = get_named_type(definition.type)
            if isinstance(
                target, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
            ):
                if depth >= MAX_DEPTH or (named.name, name) in path:
                    continue
                inner = self.selection(
                    definition.type, depth + 1, (*path, (named.name, name))
                )
            label = f"{name}{alias}: {name}" if alias else name
            parts.append(f"{label}{self._args(arg_names, definition)} {inner}".strip())
        return parts

    def document(self) -> str:
        root_type = (
            self.schema.query_type
            if self.op.kind == "query"
            else self.schema.mutation_type
        )
        root = root_type.fields[self.op.root]
        args = self._args(self.op.root_args, root, nested=False)
        body = self.selection(root.type, 1, ())
        declared = [
            f"${name}: {type_}"
            for name, type_ in self.op.variables.items()
            if name in self.used
        ]
        head = f"({', '.join(declared)})" if declared else ""
        return f"{self.op.kind} {self.op.name}{head} {{ {self.op.root}{args} {body} }}"


@cache
def saleor_schema() -> GraphQLSchema:
    return build_schema(SALEOR_SCHEMA.read_text(encoding="utf-8"))


def documents(schema: GraphQLSchema | None = None) -> dict[str, str]:
    """Operation name → document, shaped by Saleor's own schema."""
    schema = schema or saleor_schema()
    return {op.name: _Writer(schema, op).document() for op in operations()}
