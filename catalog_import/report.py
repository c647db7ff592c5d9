"""Report: every problem of an import as a spreadsheet to download.

One row per problem: row, column, code, severity, message (Chinese and
English), product code. CSV is UTF-8 with a BOM, so Excel on Chinese Windows
opens it correctly; XLSX is written with openpyxl. A cell that a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) is
written with a leading apostrophe, so a file cannot smuggle a formula into
the report."""

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from storefront.core import csv_safe
from storefront.core.csv_safe import safe_cell

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


def problems_csv(problems: Iterable[Problem | dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv_safe.writer(out)
    writer.writerow(HEADERS)
    for problem in problems:
        row, texts = _fields(problem)
        writer.writerow([row, *texts])
    return out.getvalue().encode("utf-8-sig")


def problems_xlsx(problems: Iterable[Problem | dict]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题 problems")
    sheet.append(HEADERS)
    for problem in problems:
        row, texts = _fields(problem)
        # XML cannot hold most control characters: drop them, then escape.
        sheet.append(
            [row, *(safe_cell(ILLEGAL_CHARACTERS_RE.sub("", t)) for t in texts)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
