"""Hand-written XLSX files for the reader's limits: the sheet's XML is
written straight into the ZIP, so a sheet of millions of empty rows takes
about a second to make (openpyxl would take minutes), and a cell may hold
what no spreadsheet program writes (a NUL, as the character reference &#0;)."""

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{TYPES}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" '
        f'ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{SHEET_TYPE}.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
        '<sheet name="商品" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
EMPTY_ROWS_CHUNK = 100_000


def column_letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(row: int, column: int, value: str) -> str:
    text = escape(value).replace("\x00", "&#0;")
    return (
        f'<c r="{column_letter(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'
    )


def xlsx(
    rows: list[list[str]],
    *,
    empty_rows: int = 0,
    numbered: bool = False,
    dimension: str | None = None,
    lone_cell_row: int | None = None,
) -> bytes:
    """A one-sheet XLSX: `rows` from row 1, then `empty_rows` empty <row/>
    elements (`numbered`: <row r="N"/>, as spreadsheet programs write them,
    which compresses far less), then (optionally) one cell holding a space at
    row `lone_cell_row` — a sheet formatted far down."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN}">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
    )
    body = "".join(
        f'<row r="{n}">'
        + "".join(_cell(n, i, v) for i, v in enumerate(values) if v != "")
        + "</row>"
        for n, values in enumerate(rows, start=1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in PARTS.items():
            zf.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write((head + body).encode())
            first = len(rows) + 1
            for start in range(first, first + empty_rows, EMPTY_ROWS_CHUNK):
                count = min(EMPTY_ROWS_CHUNK, first + empty_rows - start)
                if numbered:
                    sheet.write(
                        "".join(
                            f'<row r="{n}"/>' for n in range(start, start + count)
                        ).encode()
                    )
                else:
                    sheet.write(b"<row/>" * count)
            if lone_cell_row:
                cell = _cell(lone_cell_row, 0, " ")
                sheet.write(f'<row r="{lone_cell_row}">{cell}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()
