"""Read an upload — CSV, XLSX, or a ZIP of one sheet and its photos — into its
headers and a stream of rows. Rows are read one at a time, never all at once.

CSV: the encoding is the BOM's (UTF-8 or UTF-16), else UTF-8 when every line
is UTF-8, else GB18030 (a superset of GBK). A file whose lines disagree — some
UTF-8 Chinese, some not — or with bytes that neither reads, is refused as a
whole (ENCODING_UNKNOWN naming the first bad line): a row decoded with the
wrong encoding would import garbled names without anyone noticing. The
delimiter is whichever of comma, semicolon and tab the header line holds most
of (comma on a tie).

XLSX: read-only openpyxl with formulas kept as formulas (flagged in
RawRow.formulas). Numbers come out as written (12, not 12.0; floats through
their shortest repr, never binary noise), dates as ISO text, and a number
shown in scientific format ("0.00E+00") as that text, so normalise can refuse
it where the digits matter.

ZIP: see parse_zip.py."""

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from pathlib import PurePosixPath

from .errors import ImportErrorCode, ImportFileError, Severity
from .types import (
    MAX_BLANK_RUN,
    MAX_RECORDS,
    MAX_ROWS,
    MAX_SHEET_BYTES,
    MAX_ZIP_BYTES,
    ParsedSheet,
    Problem,
    RawRow,
    ReadCount,
)
from .values import visible

CHUNK = 1024 * 1024
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# An XLSX is itself a ZIP: its XML may unpack to at most this much.
MAX_XLSX_UNPACKED = MAX_ZIP_BYTES
DELIMITERS = (",", ";", "\t")

# (row number, cell texts, indexes of the cells that hold a formula)
Record = tuple[int, list[str], frozenset[int]]


def parse_upload(name: str, fileobj, *, sheet: str | None = None) -> ParsedSheet:
    """Open an uploaded file (`name` as uploaded; `fileobj` binary, seekable).

    Raises ImportFileError when the file cannot be read at all: empty, too
    large, unsupported, unreadable, unsafe (ZIP), no such sheet, no rows. Rows
    past MAX_ROWS raise TOO_MANY_ROWS while they are being read."""
    size = _size(fileobj)
    if size == 0:
        raise ImportFileError(ImportErrorCode.FILE_EMPTY)
    kind = file_kind(name, fileobj)
    if kind == "zip":
        if size > MAX_ZIP_BYTES:
            raise ImportFileError(
                ImportErrorCode.FILE_TOO_LARGE, detail=megabytes(MAX_ZIP_BYTES)
            )
        from .parse_zip import parse_zip

        return parse_zip(fileobj, sheet=sheet)
    if size > MAX_SHEET_BYTES:
        raise ImportFileError(
            ImportErrorCode.FILE_TOO_LARGE, detail=megabytes(MAX_SHEET_BYTES)
        )
    return parse_sheet(kind, fileobj, sheet=sheet)


def file_kind(name: str, fileobj) -> str:
    """'csv', 'xlsx' or 'zip', from the content first and the name second (an
    XLSX renamed .csv is still read as XLSX)."""
    suffix = PurePosixPath(str(name or "").replace("\\", "/")).suffix.lower()
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if suffix in XLSX_SUFFIXES:
            return "xlsx"
        if suffix == ".zip":
            return "zip"
        try:
            with zipfile.ZipFile(fileobj) as zf:
                is_xlsx = "xl/workbook.xml" in zf.namelist()
        except Exception:
            raise ImportFileError(ImportErrorCode.FILE_UNREADABLE) from None
        finally:
            fileobj.seek(0)
        return "xlsx" if is_xlsx else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            ImportErrorCode.FILE_TYPE_UNSUPPORTED,
            detail="旧版 .xls，请另存为 .xlsx / legacy .xls: save it as .xlsx",
        )
    if suffix in (*XLSX_SUFFIXES, ".zip"):
        raise ImportFileError(ImportErrorCode.FILE_UNREADABLE, detail=suffix)
    if suffix in CSV_SUFFIXES or not suffix:
        return "csv"
    raise ImportFileError(ImportErrorCode.FILE_TYPE_UNSUPPORTED, detail=suffix)


def parse_sheet(kind: str, fileobj, *, sheet: str | None = None) -> ParsedSheet:
    """A CSV or XLSX file, already known to be within the size limit."""
    if kind == "xlsx":
        records, hint = _xlsx_records(fileobj, sheet)
    else:
        records, hint = _csv_records(fileobj)
    read, problems = ReadCount(), []
    records = _bounded(records, read, problems)
    header = next(_non_blank(records), None)
    if header is None:
        raise ImportFileError(ImportErrorCode.FILE_EMPTY)
    header_number, values, _ = header
    headers = _headers(values)
    rows = _rows(records, headers)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(ImportErrorCode.NO_ROWS)
    if hint is not None:
        hint = max(hint - header_number, 1)
    return ParsedSheet(
        headers=headers,
        rows=chain([first], rows),
        file_problems=problems,
        row_count_hint=hint,
        read=read,
    )


def _headers(values: list[str]) -> list[str]:
    headers = [visible(str(v).replace("\ufeff", "")).strip() for v in values]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _bounded(
    records: Iterator[Record], read: ReadCount, problems: list[Problem]
) -> Iterator[Record]:
    """The file's rows until MAX_BLANK_RUN blank rows in a row (then a
    warning, and the rest is not read); TOO_MANY_ROWS at row MAX_RECORDS + 1,
    blank or not. Either way the file is never read to its end: a sheet of
    millions of empty rows costs what its first few thousand do."""
    blank_run = 0
    try:
        for record in records:
            read.records += 1
            if read.records > MAX_RECORDS:
                raise ImportFileError(
                    ImportErrorCode.TOO_MANY_ROWS,
                    detail=f"> {MAX_RECORDS:,}（含空行 including empty rows）",
                )
            if any(v.strip() for v in record[1]):
                blank_run = 0
            else:
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    first = record[0] - blank_run + 1
                    problems.append(
                        Problem(
                            ImportErrorCode.BLANK_ROWS_STOPPED,
                            detail=(
                                f"第 {first:,} 行起连续 {blank_run:,} 行为空 / "
                                f"{blank_run:,} empty rows from row {first:,}"
                            ),
                            severity=Severity.WARNING,
                        )
                    )
                    return
            yield record
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()  # an XLSX generator closes its workbook


def _non_blank(records: Iterator[Record]) -> Iterator[Record]:
    for record in records:
        if any(v.strip() for v in record[1]):
            yield record


def _rows(records: Iterator[Record], headers: list[str]) -> Iterator[RawRow]:
    """RawRows of the non-blank rows under the headers; stops the file with
    TOO_MANY_ROWS at row MAX_ROWS + 1 (counting rows, not blank lines)."""
    named = [(i, h) for i, h in enumerate(headers) if h]
    count = 0
    for number, values, formula_at in records:
        cells = {h: (values[i] if i < len(values) else "") for i, h in named}
        if not any(v.strip() for v in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(
                ImportErrorCode.TOO_MANY_ROWS, detail=f"> {MAX_ROWS:,}"
            )
        formulas = frozenset(h for i, h in named if i in formula_at)
        yield RawRow(number=number, cells=cells, formulas=formulas)


def _size(fileobj) -> int:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


# ------------------------------------------------------------------------ CSV


class _Raw(io.RawIOBase):
    """Any object with read() as a raw stream, so io.TextIOWrapper can decode
    it (Django's UploadedFile is not an io object). Closing it leaves the
    underlying file open."""

    def __init__(self, fileobj):
        self._fileobj = fileobj

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fileobj.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _binary_lines(fileobj) -> Iterator[bytes]:
    """The file's lines split at b'\\n' (never inside a UTF-8 or GB18030
    character), read a chunk at a time."""
    pending = b""
    while chunk := fileobj.read(CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


def _has_utf8_chinese(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def detect_encoding(fileobj) -> tuple[str, int]:
    """(codec name, number of lines) of a CSV file; reads it once, a chunk at a
    time. Raises ENCODING_UNKNOWN for mixed or undecodable text."""
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", _check_whole("utf-16", fileobj)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", _check_whole("utf-8-sig", fileobj)

    lines = 0
    first_utf8_chinese = first_other = None
    for number, raw in enumerate(_binary_lines(fileobj), start=1):
        lines = number
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError(
                    ImportErrorCode.ENCODING_UNKNOWN,
                    detail=f"第 {number} 行 / line {number}",
                ) from None
            first_other = first_other or number
        else:
            if first_utf8_chinese is None and _has_utf8_chinese(text):
                first_utf8_chinese = number
        if first_other and first_utf8_chinese:
            raise ImportFileError(
                ImportErrorCode.ENCODING_UNKNOWN,
                detail=(
                    f"第 {first_utf8_chinese} 行是 UTF-8，第 {first_other} 行不是 / "
                    f"line {first_utf8_chinese} is UTF-8, line {first_other} is not"
                ),
            )
    fileobj.seek(0)
    return ("gb18030" if first_other else "utf-8"), lines


def _check_whole(encoding: str, fileobj) -> int:
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    try:
        while chunk := fileobj.read(CHUNK):
            lines += decoder.decode(chunk).count("\n")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileError(
            ImportErrorCode.ENCODING_UNKNOWN, detail=f"{encoding}, ~ line {lines}"
        ) from None
    fileobj.seek(0)
    return lines


def sniff_delimiter(line: str) -> str:
    """The delimiter the header line uses most, outside quotes; comma on a tie."""
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # first wins a tie: comma
    return best if counts[best] else ","


def _csv_records(fileobj) -> tuple[Iterator[Record], int]:
    encoding, line_count = detect_encoding(fileobj)
    text = io.TextIOWrapper(
        io.BufferedReader(_Raw(fileobj), CHUNK), encoding=encoding, newline=""
    )
    consumed = []
    for line in text:
        consumed.append(line)
        if line.strip():
            break
    delimiter = sniff_delimiter(consumed[-1]) if consumed else ","
    reader = csv.reader(chain(consumed, text), delimiter=delimiter)
    return _csv_iter(reader), line_count


def _csv_iter(reader) -> Iterator[Record]:
    number = 0
    try:
        for number, values in enumerate(reader, start=1):  # noqa: B007
            yield number, values, frozenset()
    except csv.Error as exc:
        raise ImportFileError(
            ImportErrorCode.FILE_UNREADABLE, detail=f"row {number + 1}: {exc}"
        ) from None
    except UnicodeDecodeError:
        raise ImportFileError(ImportErrorCode.ENCODING_UNKNOWN) from None


# ----------------------------------------------------------------------- XLSX


def _size_from_sheet_head(worksheet) -> None:
    """openpyxl's ReadOnlyWorksheet._get_size, reading only the head of the
    sheet. openpyxl looks for <dimension> on "end" events, so a sheet without
    one is parsed to its very end before the first row is read (7 million
    empty rows: ~25 s). The element can only come before <sheetData>, so
    the "start" events up to there say all there is to say."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with worksheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                dimension = SheetDimension.from_tree(element)
                (
                    worksheet._min_column,
                    worksheet._min_row,
                    worksheet._max_column,
                    worksheet._max_row,
                ) = dimension.boundaries
                return
            if element.tag == DATA_TAG:
                return


def _bounded_openpyxl():
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if ReadOnlyWorksheet._get_size is not _size_from_sheet_head:
        ReadOnlyWorksheet._get_size = _size_from_sheet_head


def _xlsx_records(fileobj, sheet: str | None) -> tuple[Iterator[Record], int | None]:
    _check_xlsx_container(fileobj)
    from openpyxl import load_workbook

    _bounded_openpyxl()

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(
                fileobj, read_only=True, data_only=False, keep_links=False
            )
    except Exception as exc:  # openpyxl raises anything on a broken file
        raise ImportFileError(
            ImportErrorCode.FILE_UNREADABLE, detail=_xlsx_failure(exc)
        ) from None
    try:
        ws = _worksheet(wb, sheet)
        hint = ws.max_row if isinstance(ws.max_row, int) else None
        # Some writers record a wrong sheet size; read every row there is.
        ws.reset_dimensions()
    except BaseException:
        wb.close()
        raise
    return _xlsx_iter(wb, ws), hint


def _xlsx_failure(exc: Exception) -> str:
    """What to say about an XLSX openpyxl could not read. XML cannot hold a
    NUL (nor most control characters), so a cell with one breaks the file."""
    text = str(exc)
    if "invalid character" in text or "not well-formed" in text:
        return (
            "表格中有 XML 不允许的字符（如空字符 NUL），请删除后重新保存 / "
            "the sheet holds a character XML does not allow (such as NUL); "
            f"remove it and save again ({visible(text)[:80]})"
        )
    return type(exc).__name__


def _worksheet(wb, sheet: str | None):
    worksheets = list(wb.worksheets)
    if sheet:
        for ws in worksheets:
            if (
                ws.title == sheet
                or ws.title.strip().casefold() == sheet.strip().casefold()
            ):
                return ws
        raise ImportFileError(
            ImportErrorCode.SHEET_NOT_FOUND,
            detail=f"{sheet} ({', '.join(ws.title for ws in worksheets)})",
        )
    if not worksheets:
        raise ImportFileError(ImportErrorCode.SHEET_NOT_FOUND)
    return worksheets[0]


def _check_xlsx_container(fileobj) -> None:
    """Refuse an XLSX whose parts claim to unpack to more than
    MAX_XLSX_UNPACKED (zipfile never reads more than a part claims)."""
    try:
        with zipfile.ZipFile(fileobj) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except Exception:
        raise ImportFileError(ImportErrorCode.FILE_UNREADABLE) from None
    finally:
        fileobj.seek(0)
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(
            ImportErrorCode.FILE_TOO_LARGE, detail=megabytes(MAX_XLSX_UNPACKED)
        )


def _xlsx_iter(wb, ws) -> Iterator[Record]:
    """Rows of the sheet; after the header, only as many columns as it has
    (a sheet formatted out to column XFD would otherwise give 16,384 cells a
    row)."""
    try:
        width = None
        for number, row in enumerate(ws.iter_rows(min_row=1), start=1):
            values, formulas = _xlsx_values(row)
            yield number, values, formulas
            if any(v.strip() for v in values):
                width = len(_headers(values))
                break
        else:
            return
        data = ws.iter_rows(min_row=number + 1, max_col=max(width, 1))
        for number, row in enumerate(data, start=number + 1):  # noqa: B020
            values, formulas = _xlsx_values(row)
            yield number, values, formulas
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            ImportErrorCode.FILE_UNREADABLE, detail=_xlsx_failure(exc)
        ) from None
    finally:
        wb.close()


def _xlsx_values(row) -> tuple[list[str], frozenset[int]]:
    values, formulas = [], set()
    for i, cell in enumerate(row):
        value = cell.value
        if value is None:
            values.append("")
            continue
        if type(value) is str:  # the common case, kept quick
            if value.startswith("=") or cell.data_type == "f":
                formulas.add(i)
            values.append(value)
            continue
        text, is_formula = cell_text(
            value,
            data_type=getattr(cell, "data_type", None),
            number_format=getattr(cell, "number_format", None),
        )
        values.append(text)
        if is_formula:
            formulas.add(i)
    return values, frozenset(formulas)


_SCIENTIFIC_FORMAT = re.compile(r"0(?:\.(0*))?E[+-]", re.IGNORECASE)


def cell_text(value, *, data_type=None, number_format=None) -> tuple[str, bool]:
    """(text, is_formula) of one XLSX cell value."""
    if value is None:
        return "", False
    if data_type == "f" or hasattr(value, "text") and hasattr(value, "ref"):
        return str(getattr(value, "text", value) or ""), True
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, int | float):
        match = _SCIENTIFIC_FORMAT.search(number_format or "")
        if match:
            return f"{value:.{len(match.group(1) or '')}E}", False
        return number_text(value), False
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat(), False
        return value.isoformat(), False
    if isinstance(value, date | time):
        return value.isoformat(), False
    if isinstance(value, timedelta):
        return str(value), False
    text = str(value)
    return text, text.startswith("=")


def number_text(value: int | float) -> str:
    """12 -> '12', 12.0 -> '12', 12.5 -> '12.5', 0.1 -> '0.1' (shortest repr,
    exactly as Decimal), 1e20 -> '100000000000000000000'."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f")
