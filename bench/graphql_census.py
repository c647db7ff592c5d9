"""What the GraphQL queries we know of need from the limits
(storefront.graphql.limits): body bytes, tokens, aliases, depth and cost.

    .venv/bin/python bench/graphql_census.py [--recorded FILE]

Three sources:
- every string literal in tests/ and bench/ (but the deliberately abusive
  test_query_limits.py) that parses and validates against our schema
  (variables unknown, so connections without a literal `first` count at the
  page cap: an upper bound);
- with --recorded, the operations the test suite actually sent, with their
  variables, recorded by running pytest with this module as a plugin:
      PYTHONPATH=. GRAPHQL_CENSUS_OUT=FILE .venv/bin/pytest -p bench.graphql_census …
- the official Saleor storefront's 60 operations (../shared/saleor/
  STOREFRONT_SURFACE.md), rebuilt against Saleor 3.23's schema: each type
  selects the fields the surface says it reads, a type is not entered again
  below itself, and `first` counts at the page cap.
docs/graphql-limits.md records the figures. Not part of the test suite.
"""

import argparse
import ast
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SALEOR = ROOT.parent / "shared" / "saleor"


def pytest_configure(config):
    """As a pytest plugin: append each operation the view checks to
    $GRAPHQL_CENSUS_OUT (query, variables, operationName), one JSON a line."""
    path = os.environ.get("GRAPHQL_CENSUS_OUT")
    if not path:
        return
    from storefront.graphql import view

    checked = view.checked_operation
    out = open(path, "a")  # noqa: SIM115 - open for the whole session

    def recording(schema, query, variables, operation_name):
        record = {"query": query, "variables": variables, "operationName": None}
        record["operationName"] = operation_name
        out.write(json.dumps(record, default=str) + "\n")
        out.flush()
        return checked(schema, query, variables, operation_name)

    view.checked_operation = recording


def figures(schema, query: str, variables=None, operation_name=None) -> dict:
    from graphql import Lexer, Source, TokenKind, parse

    from storefront.graphql.limits import QueryLimits, measure_document

    lexer, tokens = Lexer(Source(query)), 0
    while lexer.advance().kind != TokenKind.EOF:
        tokens += 1
    unbounded = QueryLimits(
        body_bytes=10**12, tokens=10**12, aliases=10**12, depth=10**6,
        cost=10**15, page_cap=100,
    )  # fmt: skip
    measure, _ = measure_document(schema, parse(query), variables, unbounded)
    body = json.dumps(
        {"query": query, "variables": variables or {}}
    )  # ASCII-escaped, as Python clients (and the tests) send it: the longest
    return {
        "bytes": len(body.encode()),
        "tokens": tokens,
        "aliases": measure.aliases,
        "repeats": measure.repeats,
        "depth": measure.depth,
        "cost": measure.cost,
    }


def literal_documents(schema) -> list[tuple[str, str]]:
    """(where, text) of every string literal in tests/ and bench/ that is a
    valid operation against `schema`."""
    from graphql import GraphQLError, parse, validate

    found = {}
    for path in sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]):
        if path.name == "test_query_limits.py":
            continue  # abusive on purpose
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            if "{" not in text or text in found:
                continue
            try:
                document = parse(text)
            except GraphQLError:
                continue
            if not validate(schema, document):
                found[text] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return [(where, text) for text, where in found.items()]


def recorded_documents(schema, path: Path):
    """The distinct valid operations in the recording (the tests also send
    broken and abusive ones on purpose)."""
    from graphql import GraphQLError, parse, validate

    seen = set()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        query = record["query"]
        key = (query, json.dumps(record["variables"], sort_keys=True))
        if not isinstance(query, str) or key in seen:
            continue
        seen.add(key)
        try:
            if validate(schema, parse(query)):
                continue
        except GraphQLError:
            continue
        yield record


def saleor_documents() -> tuple[object, list[tuple[str, str]]]:
    """Saleor's schema and a document per storefront operation."""
    from graphql import (
        GraphQLInterfaceType,
        GraphQLObjectType,
        GraphQLUnionType,
        build_schema,
        get_named_type,
    )

    schema = build_schema((SALEOR / "schema-3.23.28.graphql").read_text())
    text = (SALEOR / "STOREFRONT_SURFACE.md").read_text()
    documents = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        head, *lines = section.splitlines()
        kind, name = head.split()
        reads, root = {}, None
        for line in lines:
            if line.startswith("- root: "):
                root = re.match(r"(\w+)(?:\((.*)\))?", line[8:]).groups()
            match = re.match(r"- `(\w+)`: (.*)", line)
            if match:
                reads[match[1]] = [
                    re.match(r"(\w+)(?:\((.*)\))?", part.strip()).groups()
                    for part in match[2].split(", ")
                ]

        def select(type_, path, reads=reads):
            parts = field_parts(type_, path)
            if isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType)):
                parts = ["__typename", *parts] + [
                    f"... on {possible.name} {select(possible, path)}"
                    for possible in schema.get_possible_types(type_)
                    if possible.name in reads
                ]
            return "{ " + (" ".join(parts) or "__typename") + " }"

        def field_parts(type_, path, reads=reads):
            parts = []
            for field_name, _args in reads.get(type_.name, []):
                definition = getattr(type_, "fields", {}).get(field_name)
                if definition is None:
                    continue
                inner = get_named_type(definition.type)
                if isinstance(
                    inner, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)
                ):
                    if inner.name in path:
                        continue
                    parts.append(f"{field_name} {select(inner, path | {inner.name})}")
                else:
                    parts.append(field_name)
            return parts

        root_type = schema.mutation_type if kind == "mutation" else schema.query_type
        field_name = root[0]
        inner = get_named_type(root_type.fields[field_name].type)
        body = (
            select(inner, frozenset({inner.name}))
            if not hasattr(inner, "serialize")
            else ""
        )
        documents.append((f"{kind} {name}", f"{kind} {{ {field_name} {body} }}"))
    return schema, documents


def print_table(title: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n{title}: {len(rows)} operations\n")
    print("| figure | maximum | operation |")
    print("|---|---:|---|")
    for key in ("bytes", "tokens", "aliases", "repeats", "depth", "cost"):
        where, row = max(rows, key=lambda item: item[1][key])
        print(f"| {key} | {row[key]:,} | {where} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recorded", type=Path, help="JSON lines from the plugin")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from config.schema import schema

    ours = schema.graphql_schema
    rows = [(where, figures(ours, text)) for where, text in literal_documents(ours)]
    print_table("Literal operations in tests/ and bench/ (first = page cap)", rows)
    if args.recorded:
        rows = [
            (
                (record["operationName"] or record["query"][:60]).replace("\n", " "),
                figures(
                    ours, record["query"], record["variables"], record["operationName"]
                ),
            )
            for record in recorded_documents(ours, args.recorded)
        ]
        print_table("Operations the tests sent, with their variables", rows)
    saleor, documents = saleor_documents()
    rows = [(where, figures(saleor, text)) for where, text in documents]
    print_table("Saleor storefront operations on Saleor 3.23 (first = page cap)", rows)


if __name__ == "__main__":
    main()
