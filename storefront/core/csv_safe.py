"""CSV files that people open in a spreadsheet.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage
return as a formula (OWASP, "CSV injection"), so text that came from people
(names, notes, bank details) is written with a leading ' that shows it as
text. Numbers are written as numbers: pass amounts as `int` or `Decimal`
(money.fen_to_yuan: a refund's -12.80 is a number, not a formula).
"""

import csv
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as text a spreadsheet shows as text."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose text cells cannot start a formula; int and Decimal
    cells are written as they are, None as an empty cell."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def writer(out, **options) -> SafeWriter:
    """The one CSV writer for files people download (csv.writer's options)."""
    return SafeWriter(out, **options)
