"""The problem report as CSV (UTF-8 with BOM) and XLSX: Chinese text survives
and nothing in it can run as a spreadsheet formula."""

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import Severity
from catalog_import.report import HEADERS, problems_csv, problems_xlsx
from catalog_import.types import Problem
from storefront.core.csv_safe import safe_cell as escape_cell

PROBLEMS = [
    Problem(code=Code.FILE_EMPTY),
    Problem(
        code=Code.INVALID_PRICE,
        row=7,
        column="价格(元)",
        detail="十二块",
        product_code="黄鱼-01",
    ),
    Problem(
        code=Code.UNKNOWN_COLUMN,
        row=None,
        column="备注",
        severity=Severity.WARNING,
    ),
]
DANGEROUS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_csv_has_the_bilingual_headers_and_every_problem():
    rows = read_csv(problems_csv(PROBLEMS))
    assert rows[0] == list(HEADERS)
    assert rows[1][:4] == ["", "", "file_empty", "错误 error"]
    assert rows[2] == [
        "7",
        "价格(元)",
        "invalid_price",
        "错误 error",
        "价格格式不正确，请填写元，最多两位小数，例如 12.80：十二块 / "
        "Invalid price: give yuan with at most 2 decimals, e.g. 12.80: 十二块",
        "黄鱼-01",
    ]
    assert rows[3][1:4] == ["备注", "unknown_column", "提醒 warning"]


def test_xlsx_has_the_same_rows_with_numbers_as_numbers():
    rows = read_xlsx(problems_xlsx(PROBLEMS))
    assert rows[0] == list(HEADERS)
    assert rows[2][0] == 7
    assert rows[2][1] == "价格(元)"
    assert rows[2][4].startswith("价格格式不正确")
    assert rows[2][5] == "黄鱼-01"
    assert len(rows) == 4


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_starts_are_escaped_in_csv(value):
    problem = Problem(code=Code.FORMULA, row=3, column=value, product_code=value)
    row = read_csv(problems_csv([problem]))[1]
    assert row[1] == row[5] == "'" + value


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_starts_are_escaped_in_xlsx(value):
    problem = Problem(code=Code.FORMULA, row=3, column=value, product_code=value)
    data = problems_xlsx([problem])
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"  # text, not a formula
    expected = "'" + value
    if value.startswith("\r"):
        expected = "'" + "\nx"  # XML turns a lone CR into a line feed
    assert cell.value == expected
    assert sheet.cell(row=2, column=6).data_type == "s"


def test_a_message_that_starts_with_a_formula_character_is_escaped_too():
    row = read_csv(problems_csv([{"row": 2, "code": "x", "message": "=HYPERLINK()"}]))
    assert row[1][4] == "'=HYPERLINK()"


def test_safe_values_are_left_alone():
    for value in ["12.80", "黄鱼", "SKU-1", " =x", ""]:
        assert escape_cell(value) == value


def test_the_stored_report_dicts_are_accepted():
    stored = [problem.as_dict() for problem in PROBLEMS]
    assert read_csv(problems_csv(stored)) == read_csv(problems_csv(PROBLEMS))
    assert read_xlsx(problems_xlsx(stored)) == read_xlsx(problems_xlsx(PROBLEMS))


def test_control_characters_do_not_break_the_xlsx():
    problem = Problem(code=Code.FORMULA, row=2, column="a\x01b", detail="\x00=1")
    rows = read_xlsx(problems_xlsx([problem]))
    assert rows[1][1] == "ab"


def test_chinese_text_round_trips_in_both_formats():
    text = "舟山·嵊泗 贻贝（鲜活）——“特级” ￥12.80 𠀋"
    problem = Problem(code=Code.TOO_LONG, row=5, column=text, product_code=text)
    assert read_csv(problems_csv([problem]))[1][1] == text
    assert read_xlsx(problems_xlsx([problem]))[1][5] == text


def test_an_empty_report_is_just_the_headers():
    assert read_csv(problems_csv([])) == [list(HEADERS)]
    assert read_xlsx(problems_xlsx([])) == [list(HEADERS)]
