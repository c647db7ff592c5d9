"""The Saleor storefront's 60 operations (tests/saleor/surface.py writes a
document for each from the surface facts) against the committed schema.

Each document is first checked against Saleor 3.23's own schema, so a fault
in the writer cannot pass for a gap in ours. NOT_YET lists the operations
our schema does not serve yet: the test fails when one of them starts to
validate (strike it from the list) and when one that validated stops."""

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from tests.saleor.surface import documents, operations, saleor_schema

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"

NOT_YET: set[str] = set()


@pytest.fixture(scope="module")
def saleor_documents():
    return documents(saleor_schema())


def test_the_surface_has_sixty_operations():
    ops = operations()
    assert len(ops) == 60
    assert len({op.name for op in ops}) == 60
    assert all(op.root and op.reads for op in ops)


def test_every_document_is_valid_against_saleor_itself(saleor_documents):
    schema = saleor_schema()
    invalid = {
        name: [error.message for error in validate(schema, parse(text))]
        for name, text in saleor_documents.items()
    }
    assert {name: errors for name, errors in invalid.items() if errors} == {}


def test_which_operations_the_committed_schema_serves(saleor_documents):
    ours = build_schema(SCHEMA.read_text(encoding="utf-8"))
    failing = {
        name for name, text in saleor_documents.items() if validate(ours, parse(text))
    }
    assert failing - NOT_YET == set(), "these served before and no longer do"
    assert NOT_YET - failing == set(), "these are served now: strike them"
