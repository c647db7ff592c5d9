"""What a query may ask for, checked before it is validated or run.

Validation itself is the first cost an attacker can impose (graphql-core's
overlapping-fields rule is quadratic in the selections of one response key:
300 × `__typename` take 0.2 s), so the body size is checked before the body
is read, the token count while parsing, and aliases, selections merged
under one field, depth and cost by one walk over every operation and
fragment, which stops as soon as any limit is passed. GRAPHQL_MAX_ALIASES
bounds both the aliases and the selections merged under one field.

Cost: every field selected costs 1, times the page sizes of the connections
it sits in. A field is a connection when it takes `first`/`last`; its page
size is `first` or `last` (a literal, a variable's value or the variable's
default), capped at the page cap like the resolvers cap it, and the page cap
itself when neither is given. So `products(first: 20) { edges { node { name
variants { sku } } } }` costs 1 + 20 × (1 + 1 + 1 + 1 + 1) = 101.
docs/graphql-limits.md has the measured needs of the shop's own queries.
"""

from dataclasses import dataclass, field

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
)

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True)
class QueryLimits:
    body_bytes: int
    tokens: int
    aliases: int
    depth: int
    cost: int
    page_cap: int

    @classmethod
    def from_settings(cls) -> "QueryLimits":
        return cls(
            body_bytes=settings.GRAPHQL_MAX_BODY_BYTES,
            tokens=settings.GRAPHQL_MAX_TOKENS,
            aliases=settings.GRAPHQL_MAX_ALIASES,
            depth=settings.GRAPHQL_MAX_DEPTH,
            cost=settings.GRAPHQL_MAX_COST,
            page_cap=settings.GRAPHQL_PAGE_MAX,
        )


def too_complex(zh: str, en: str, *, limit: str, value, maximum) -> GraphQLError:
    return GraphQLError(
        f"查询过于复杂：{zh} (query too complex: {en})",
        extensions={
            "code": QUERY_TOO_COMPLEX,
            "limit": limit,
            "value": value,
            "maximum": maximum,
        },
    )


def body_too_large(size: int, maximum: int) -> GraphQLError:
    return too_complex(
        f"请求体 {size} 字节，上限 {maximum} 字节",
        f"body of {size} bytes, at most {maximum} allowed",
        limit="bodyBytes",
        value=size,
        maximum=maximum,
    )


def too_many_tokens(maximum: int) -> GraphQLError:
    return too_complex(
        f"记号超过 {maximum} 个",
        f"more than {maximum} tokens, at most {maximum} allowed",
        limit="tokens",
        value=maximum + 1,
        maximum=maximum,
    )


def _merge(into: dict, other: dict) -> int:
    """Merge the response-key tree `other` into `into` (a tree this walk
    owns; subtrees may be shared, so they are copied, never changed) and
    return the largest count it made."""
    largest = 0
    for key, (count, children) in other.items():
        mine = into.get(key)
        if mine is None:
            into[key] = (count, children)
            continue
        merged = dict(mine[1])
        largest = max(largest, mine[0] + count, _merge(merged, children))
        into[key] = (mine[0] + count, merged)
    return largest


@dataclass
class Measure:
    """The figures of a selection set and what it selects: `cost` at a page
    size of 1 around it, `depth` in fields, `aliases` with fragments expanded,
    and `repeats`, the most selections merged under one response key.

    `keys` is the tree of response keys, {key: (selections, {child keys})},
    merged the way execution (and graphql-core's overlapping-fields rule)
    merges them: validation compares every pair of selections merged under
    one key, so `repeats` is what bounds its work."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0
    repeats: int = 0
    keys: dict = field(default_factory=dict)

    def add(self, other: "Measure") -> None:
        self.cost += other.cost
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.repeats = max(self.repeats, other.repeats, _merge(self.keys, other.keys))


class _Exceeded(Exception):
    def __init__(self, measure: Measure):
        self.measure = measure


class _Walk:
    """Measures selection sets bottom-up. Each fragment is measured once and
    its figures reused wherever it is spread, so the work grows with the
    text, not with how often fragments multiply; a spread of a fragment that
    is being measured (a cycle, which validation refuses) counts nothing."""

    def __init__(self, schema, document, variables, limits: QueryLimits):
        self.schema = schema
        self.variables = variables if isinstance(variables, dict) else {}
        self.limits = limits
        self.fragments = {
            d.name.value: d
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.measuring: set[str] = set()
        self.defaults: dict[str, int] = {}

    def check(self, measure: Measure) -> Measure:
        limits = self.limits
        if (
            measure.aliases > limits.aliases
            or measure.repeats > limits.aliases
            or measure.depth > limits.depth
            or measure.cost > limits.cost
        ):
            raise _Exceeded(measure)
        return measure

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        self.defaults = {
            d.variable.name.value: int(d.default_value.value)
            for d in operation.variable_definitions or ()
            if isinstance(d.default_value, IntValueNode)
        }
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.measuring:
            return Measure()  # unknown or cyclic: validation will say so
        self.measuring.add(name)
        inner = self.schema.get_type(fragment.type_condition.name.value)
        measure = self.selections(fragment.selection_set, inner)
        self.measuring.discard(name)
        self.measured[name] = measure
        return measure

    def selections(self, selection_set, parent_type) -> Measure:
        total = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent_type)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = (
                    self.schema.get_type(condition.name.value)
                    if condition
                    else parent_type
                )
                part = self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            else:
                continue
            total.add(part)
            self.check(total)
        return total

    def field(self, node: FieldNode, parent_type) -> Measure:
        key = (node.alias or node.name).value
        own = Measure(cost=1, depth=1, aliases=int(node.alias is not None))
        own.repeats = 1
        if node.selection_set is None:
            own.keys[key] = (1, {})
            return own
        fields = getattr(parent_type, "fields", None)
        definition = fields.get(node.name.value) if fields is not None else None
        field_type = get_named_type(definition.type) if definition else None
        inner = self.selections(node.selection_set, field_type)
        multiplier = 1
        if definition is not None and (
            "first" in definition.args or "last" in definition.args
        ):
            multiplier = self.page_size(node)
        own.cost += multiplier * inner.cost
        own.depth += inner.depth
        own.aliases += inner.aliases
        own.repeats = max(own.repeats, inner.repeats)
        own.keys[key] = (1, inner.keys)
        return self.check(own)

    def page_size(self, node: FieldNode) -> int:
        sizes = []
        for argument in node.arguments:
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            size = None
            if isinstance(value, IntValueNode):
                size = int(value.value)
            elif isinstance(value, VariableNode):
                name = value.name.value
                size = self.variables.get(name, self.defaults.get(name))
            if isinstance(size, int) and not isinstance(size, bool):
                sizes.append(size)
        if not sizes:
            return self.limits.page_cap
        # The resolvers serve at most the page cap, and at least the
        # connection itself is resolved.
        return max(1, min(max(sizes), self.limits.page_cap))


def measure_document(
    schema, document, variables, limits: QueryLimits
) -> tuple[Measure, bool]:
    """The figures of the largest operation or fragment in `document` (all
    of them are validated, so all are measured) and whether a limit was
    passed; past a limit, the figures reached when the walk stopped."""
    walk = _Walk(schema, document, variables, limits)
    largest = Measure()
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                measure = walk.operation(definition)
            elif isinstance(definition, FragmentDefinitionNode):
                measure = walk.fragment(definition.name.value)
            else:
                continue
            if measure.cost >= largest.cost:
                largest = measure
    except _Exceeded as exceeded:
        return exceeded.measure, True
    except RecursionError:
        # Deeper than Python's stack is far deeper than any limit.
        return Measure(depth=limits.depth + 1), True
    return largest, False


def limit_errors(schema, document, variables, limits: QueryLimits) -> list:
    """[] when every operation and fragment of `document` is within the
    limits, else the error naming the limit passed."""
    measure, exceeded = measure_document(schema, document, variables, limits)
    if not exceeded:
        return []
    passed = [
        (name, zh, en, value, maximum)
        for name, zh, en, value, maximum in (
            ("aliases", "别名", "aliases", measure.aliases, limits.aliases),
            (
                "fieldRepeats",
                "同一字段合并后的选择次数",
                "selections merged under one field",
                measure.repeats,
                limits.aliases,
            ),
            ("depth", "嵌套深度", "depth", measure.depth, limits.depth),
            ("cost", "估算成本", "estimated cost", measure.cost, limits.cost),
        )
        if value > maximum
    ]
    name, zh, en, value, maximum = passed[0]
    # The walk stops at the first figure over a limit, so it is a lower bound.
    return [
        too_complex(
            f"{zh}至少 {value}，上限 {maximum}",
            f"{en} at least {value}, at most {maximum} allowed",
            limit=name,
            value=value,
            maximum=maximum,
        )
    ]
