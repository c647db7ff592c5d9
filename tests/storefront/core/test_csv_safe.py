"""The one CSV writer for downloads: text a spreadsheet would run as a
formula gets a leading ', numbers stay numbers, and every export uses it."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.core import csv_safe
from storefront.core.csv_safe import FORMULA_STARTS, safe_cell
from storefront.core.money import fen_to_yuan

ROOT = Path(__file__).resolve().parents[3]


def _written(row) -> list[str]:
    out = io.StringIO(newline="")
    csv_safe.writer(out).writerow(row)
    return next(csv.reader(io.StringIO(out.getvalue())))


def test_the_one_character_set():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'],
)
def test_formula_starts_are_written_as_text(text):
    assert safe_cell(text) == "'" + text
    assert _written([text]) == ["'" + text]


@pytest.mark.parametrize("text", ["王=小明", " =x", "12.80", "SKU-1", "", "'=x"])
def test_other_text_is_left_alone(text):
    assert safe_cell(text) == text
    assert _written([text]) == [text]


def test_numbers_stay_numbers_and_none_is_empty():
    row = [3, -5, Decimal("-12.80"), fen_to_yuan(-1280), fen_to_yuan(0), None]
    assert _written(row) == ["3", "-5", "-12.80", "-12.80", "0.00", ""]


def test_a_negative_amount_as_text_would_be_escaped():
    """Why amounts go in as numbers: as text, -12.80 looks like a formula."""
    assert _written(["-12.80"]) == ["'-12.80"]


def test_other_values_are_escaped_as_their_text():
    assert _written([True]) == ["True"]
    assert _written([_Named("=cmd")]) == ["'=cmd"]


class _Named:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


def test_writerows_and_options():
    out = io.StringIO(newline="")
    csv_safe.writer(out, lineterminator="\r\n").writerows([["=a", 1], ["b", 2]])
    assert out.getvalue() == "'=a,1\r\nb,2\r\n"


def test_every_export_writes_through_it():
    """No module writes CSV for people with csv.writer directly."""
    offenders = []
    for package in ("storefront", "revenue", "catalog_import", "brands"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "csv.writer(" in text and path.name != "csv_safe.py":
                offenders.append(str(path.relative_to(ROOT)))
            if "FORMULA_STARTS" in text and path.name != "csv_safe.py":
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
