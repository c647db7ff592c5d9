"""Where our schema uses one of Saleor's type names, it uses Saleor's shape:
every field both have is typed alike (nullability included) and takes
Saleor's arguments with Saleor's types; an enum holds only Saleor's values;
an input object's fields are Saleor's. Fields Saleor lacks may be added (the
shop's own domain). MISMATCHED lists the types not reshaped yet: the test
fails when one of them starts to match (strike it) and when one that
matched stops."""

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

from tests.saleor.surface import saleor_schema

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"

MISMATCHED: set[str] = set()


def _differences(ours, theirs) -> list[str]:
    found = []
    if type(ours) is not type(theirs):
        return [f"is a {type(ours).__name__}, Saleor's a {type(theirs).__name__}"]
    if isinstance(ours, GraphQLEnumType):
        extra = set(ours.values) - set(theirs.values)
        return [f"values Saleor lacks: {sorted(extra)}"] if extra else []
    if isinstance(ours, GraphQLInputObjectType):
        for name, field in ours.fields.items():
            if name not in theirs.fields:
                found.append(f"input field {name} is not Saleor's")
            elif str(field.type) != str(theirs.fields[name].type):
                found.append(
                    f"{name}: {field.type}, Saleor's {theirs.fields[name].type}"
                )
        for name, field in theirs.fields.items():
            if name not in ours.fields and str(field.type).endswith("!"):
                found.append(f"required input field {name} missing")
        return found
    if isinstance(ours, (GraphQLObjectType, GraphQLInterfaceType)):
        for name, field in ours.fields.items():
            if name not in theirs.fields:
                continue
            saleor = theirs.fields[name]
            if str(field.type) != str(saleor.type):
                found.append(f"{name}: {field.type}, Saleor's {saleor.type}")
            for arg_name, arg in field.args.items():
                if arg_name in saleor.args and str(arg.type) != str(
                    saleor.args[arg_name].type
                ):
                    found.append(
                        f"{name}({arg_name}:) {arg.type}, "
                        f"Saleor's {saleor.args[arg_name].type}"
                    )
            for arg_name in saleor.args:
                if arg_name not in field.args:
                    found.append(f"{name}({arg_name}:) missing")
    return found


def mismatches() -> dict[str, list[str]]:
    ours = build_schema(SCHEMA.read_text(encoding="utf-8"))
    theirs = saleor_schema()
    found = {}
    for name, type_ in ours.type_map.items():
        if name.startswith("__") or name not in theirs.type_map:
            continue
        if name in ("Query", "Mutation"):
            continue
        differences = _differences(type_, theirs.type_map[name])
        if differences:
            found[name] = differences
    found.update(_root_mismatches(ours, theirs))
    return found


def _root_mismatches(ours, theirs) -> dict[str, list[str]]:
    """Root fields Saleor also has, checked like any other type's fields."""
    found = {}
    for root in ("query_type", "mutation_type"):
        mine, saleor = getattr(ours, root), getattr(theirs, root)
        differences = _differences(mine, saleor)
        if differences:
            found[saleor.name] = differences
    return found


def test_types_named_like_saleor_s_have_saleor_s_shape():
    found = mismatches()
    newly = {name: found[name] for name in set(found) - MISMATCHED}
    assert newly == {}, "these do not match Saleor's shape"
    assert MISMATCHED - set(found) == set(), "these match now: strike them"
