"""Report: every problem of an import as a spreadsheet to download.

One row per problem: row, column, code, severity, message (Chinese and
English), product code. CSV is UTF-8 with a BOM, so Excel on Chinese Windows
opens it correctly; XLSX is written with openpyxl. A cell that a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) is
written with a leading apostrophe, so a file cannot smuggle a formula into
the report."""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .errors import Severity
from .types import Problem

HEADERS = (
    "行 row",
    "列 column",
    "代码 code",
    "级别 severity",
    "说明 message",
    "商品编码 product code",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    """`value` made safe for a spreadsheet cell (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _severity_label(value: str) -> str:
    try:
        return Severity(value).label
    except ValueError:
        return value


def _fields(problem: Problem | dict) -> tuple[int | str, list[str]]:
    data = problem.as_dict() if isinstance(problem, Problem) else dict(problem)
    row = data.get("row")
    texts = [
        data.get("column"),
        data.get("code"),
        _severity_label(str(data.get("severity") or "")),
        data.get("message"),
        data.get("product_code"),
    ]
    row_cell = row if isinstance(row, int) and not isinstance(row, bool) else ""
    return row_cell, [str(text or "") for text in texts]


def problem_row(problem: Problem | dict) -> list[object]:
    """A problem (or its as_dict(), as a job's report stores it) as a row:
    the row number stays a number, every text is escaped."""
    row, texts = _fields(problem)
    return [row, *(escape_cell(text) for text in texts)]


def problems_csv(problems: Iterable[Problem | dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for problem in problems:
        writer.writerow(problem_row(problem))
    return out.getvalue().encode("utf-8-sig")


def problems_xlsx(problems: Iterable[Problem | dict]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题 problems")
    sheet.append(HEADERS)
    for problem in problems:
        row, texts = _fields(problem)
        # XML cannot hold most control characters: drop them, then escape.
        sheet.append(
            [row, *(escape_cell(ILLEGAL_CHARACTERS_RE.sub("", t)) for t in texts)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
