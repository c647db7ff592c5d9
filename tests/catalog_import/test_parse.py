"""parse_upload: CSV encodings and delimiters, XLSX cells, ZIP safety, limits."""

import datetime
import io
import os
import zipfile
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from catalog_import import parse, parse_zip
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import ImportFileError
from catalog_import.parse import parse_upload
from catalog_import.types import MAX_ROWS, MAX_SHEET_BYTES
from tests.factories import png_bytes

from .sheets import (
    csv_bytes,
    upload,
    xlsx_bytes,
    zip_bytes,
    zip_with_gbk_name,
    zip_with_zeros,
)

ROWS = [
    ["商品编码", "商品名称", "价格(元)"],
    ["HY-001", "黄鱼鲞，东海野生", "58.00"],
    ["HY-002", '虾干 "特级"', "１２．５元"],
]


def parsed_rows(name: str, data: bytes, **kw):
    sheet = parse_upload(name, upload(data), **kw)
    return sheet, list(sheet.rows)


def file_error(name: str, data: bytes, **kw) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        sheet = parse_upload(name, upload(data), **kw)
        list(sheet.rows)
    return caught.value


# ------------------------------------------------------------------ CSV


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)],
)
def test_csv_encodings_are_detected(encoding, bom):
    sheet, rows = parsed_rows("商品.csv", csv_bytes(ROWS, encoding=encoding, bom=bom))
    assert sheet.headers == ROWS[0]
    assert [r.cells["商品名称"] for r in rows] == ["黄鱼鲞，东海野生", '虾干 "特级"']
    assert [r.number for r in rows] == [2, 3]


def test_gb18030_characters_outside_gbk_are_read():
    rows = [["商品编码", "商品名称"], ["A1", "䶮𠀀鲜"]]
    _, parsed = parsed_rows("x.csv", csv_bytes(rows, encoding="gb18030"))
    assert parsed[0].cells["商品名称"] == "䶮𠀀鲜"


def test_excel_unicode_text_utf16_with_tabs_is_read():
    data = b"\xff\xfe" + csv_bytes(ROWS, delimiter="\t").decode().encode("utf-16-le")
    sheet, rows = parsed_rows("商品.txt", data)
    assert sheet.headers == ROWS[0]
    assert rows[1].cells["价格(元)"] == "１２．５元"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_taken_from_the_header_line(delimiter):
    sheet, rows = parsed_rows("x.csv", csv_bytes(ROWS, delimiter=delimiter))
    assert sheet.headers == ROWS[0]
    assert rows[0].cells == dict(zip(ROWS[0], ROWS[1], strict=True))


def test_sniff_delimiter_ignores_quoted_text_and_prefers_comma_on_a_tie():
    assert parse.sniff_delimiter('"a;b;c",d,e\n') == ","
    assert parse.sniff_delimiter("a;b,c\n") == ","
    assert parse.sniff_delimiter("a;b;c,d\n") == ";"
    assert parse.sniff_delimiter("single\n") == ","


def test_crlf_quoted_newlines_and_no_final_newline():
    rows = [["商品编码", "描述"], ["A1", "第一行\r\n第二行, 逗号"], ["A2", 'say "hi"']]
    data = csv_bytes(rows, line_end="\r\n", final_newline=False)
    assert not data.endswith(b"\n")
    _, parsed = parsed_rows("x.csv", data)
    assert [r.cells["描述"] for r in parsed] == ["第一行\r\n第二行, 逗号", 'say "hi"']
    assert [r.number for r in parsed] == [2, 3]  # one sheet row per record


def test_bare_lf_and_old_mac_cr_line_ends():
    for line_end in ("\n", "\r"):
        _, parsed = parsed_rows("x.csv", csv_bytes(ROWS, line_end=line_end))
        assert [r.cells["商品编码"] for r in parsed] == ["HY-001", "HY-002"]


def test_blank_rows_are_skipped_but_keep_the_numbering():
    data = "\n商品编码,商品名称\n\nA1,甲\n,\n  ,  \nA2,乙\n".encode()
    sheet, rows = parsed_rows("x.csv", data)
    assert sheet.headers == ["商品编码", "商品名称"]
    assert [(r.number, r.cells["商品编码"]) for r in rows] == [(4, "A1"), (7, "A2")]


def test_headers_are_stripped_and_trailing_empty_headers_dropped():
    data = "\ufeff 商品编码 ,商品名称,,\nA1,甲,x,y\nA2\n".encode()
    sheet, rows = parsed_rows("x.csv", data)
    assert sheet.headers == ["商品编码", "商品名称"]
    assert rows[0].cells == {"商品编码": "A1", "商品名称": "甲"}
    assert rows[1].cells == {"商品编码": "A2", "商品名称": ""}  # short row


def test_rows_are_streamed():
    sheet = parse_upload("x.csv", upload(csv_bytes(ROWS)))
    assert isinstance(sheet.rows, Iterator)
    assert sheet.row_count_hint == 2


def test_mixed_encodings_are_refused_naming_the_lines():
    data = "商品编码,商品名称\nA1,黄鱼\n".encode() + "A2,虾干\n".encode("gbk")
    error = file_error("x.csv", data)
    assert error.code == Code.ENCODING_UNKNOWN
    assert "1" in error.message_en and "3" in error.message_en


def test_bytes_no_encoding_can_read_are_refused():
    data = "商品编码,商品名称\n".encode("gbk") + b"A1,\xff\xfe\xff\n"
    assert file_error("x.csv", data).code == Code.ENCODING_UNKNOWN


def test_a_utf8_bom_with_invalid_utf8_after_it_is_refused():
    data = b"\xef\xbb\xbf" + "商品编码,商品名称\nA1,".encode() + "黄鱼".encode("gbk")
    assert file_error("x.csv", data).code == Code.ENCODING_UNKNOWN


def test_empty_and_blank_files():
    assert file_error("x.csv", b"").code == Code.FILE_EMPTY
    assert file_error("x.csv", b"\r\n\r\n  \n").code == Code.FILE_EMPTY
    assert file_error("x.csv", b",,,\n").code == Code.FILE_EMPTY


def test_header_only_file_has_no_rows():
    assert file_error("x.csv", "商品编码,商品名称\r\n".encode()).code == Code.NO_ROWS
    assert file_error("x.csv", "商品编码,商品名称\n,\n\n".encode()).code == Code.NO_ROWS


def test_too_many_rows_stops_the_file_while_streaming():
    ok = csv_bytes([["商品编码"], *([f"A{i}"] for i in range(MAX_ROWS))])
    sheet, rows = parsed_rows("x.csv", ok)
    assert len(rows) == MAX_ROWS

    over = csv_bytes([["商品编码"], *([f"A{i}"] for i in range(MAX_ROWS + 1))])
    sheet = parse_upload("x.csv", upload(over))  # opening is fine…
    seen = 0
    with pytest.raises(ImportFileError) as caught:
        for _ in sheet.rows:  # …reading stops at the first row too many
            seen += 1
    assert caught.value.code == Code.TOO_MANY_ROWS
    assert seen == MAX_ROWS


def test_a_sheet_over_20_mb_is_refused():
    data = b"a\n" + b"x" * MAX_SHEET_BYTES
    assert file_error("big.csv", data).code == Code.FILE_TOO_LARGE


def test_an_unterminated_quote_swallows_the_rest_into_one_cell():
    data = '商品编码,描述\nA1,"unterminated\nA2,x\n'.encode()
    _, rows = parsed_rows("x.csv", data)
    assert [r.cells["描述"] for r in rows] == ["unterminated\nA2,x\n"]


def test_a_cell_beyond_the_csv_field_limit_is_a_file_error():
    data = "商品编码,描述\nA1,ok\nA2,".encode() + b"x" * 200_000 + b"\n"
    error = file_error("x.csv", data)
    assert error.code == Code.FILE_UNREADABLE
    assert "row 3" in error.message_en


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "unsupported"),
        ("doc.pdf", b"%PDF-1.4 ...", "unsupported"),
        ("fake.xlsx", b"not a zip at all", "unreadable"),
        ("fake.zip", b"not a zip at all", "unreadable"),
        ("broken.xlsx", b"PK\x03\x04" + b"\0" * 64, "unreadable"),
    ],
)
def test_unsupported_and_unreadable_files(name, data, code):
    expected = {
        "unsupported": Code.FILE_TYPE_UNSUPPORTED,
        "unreadable": Code.FILE_UNREADABLE,
    }[code]
    assert file_error(name, data).code == expected


def test_django_uploaded_files_are_read():
    data = csv_bytes(ROWS, encoding="gbk")
    memory = SimpleUploadedFile("商品.csv", data, content_type="text/csv")
    assert [r.cells["商品编码"] for r in parse_upload("商品.csv", memory).rows] == [
        "HY-001",
        "HY-002",
    ]
    temporary = TemporaryUploadedFile("商品.csv", "text/csv", len(data), None)
    temporary.write(data)
    temporary.seek(0)
    try:
        rows = list(parse_upload("商品.csv", temporary).rows)
    finally:
        temporary.close()
    assert rows[1].cells["商品名称"] == '虾干 "特级"'


# ----------------------------------------------------------------- XLSX


def test_xlsx_first_sheet_numbers_dates_and_booleans():
    data = xlsx_bytes(
        [
            ["商品编码", "价格(元)", "库存", "上市", "上架", "小数"],
            ["A1", 12.5, 12.0, datetime.date(2024, 1, 5), True, 0.1],
            ["A2", 12, 7, datetime.datetime(2024, 1, 5, 9, 30), False, 1e20],
        ],
        more_sheets={"Other": [["x"], ["y"]]},
    )
    sheet, rows = parsed_rows("商品.xlsx", data)
    assert sheet.headers[0] == "商品编码"
    assert rows[0].cells == {
        "商品编码": "A1",
        "价格(元)": "12.5",
        "库存": "12",
        "上市": "2024-01-05",
        "上架": "TRUE",
        "小数": "0.1",
    }
    assert rows[1].cells["上市"] == "2024-01-05T09:30:00"
    assert rows[1].cells["小数"] == "100000000000000000000"
    assert rows[1].cells["上架"] == "FALSE"


def test_xlsx_named_sheet_and_missing_sheet():
    data = xlsx_bytes(
        [["说明"], ["请看第二页"]],
        more_sheets={"商品": [["商品编码"], ["A9"]]},
    )
    _, rows = parsed_rows("x.xlsx", data, sheet="商品")
    assert rows[0].cells == {"商品编码": "A9"}
    error = file_error("x.xlsx", data, sheet="库存")
    assert error.code == Code.SHEET_NOT_FOUND
    assert "Sheet1" in error.message_en and "商品" in error.message_en


def test_xlsx_formulas_are_flagged_with_their_text():
    data = xlsx_bytes([["商品编码", "价格(元)"], ["A1", "=10*1.5"], ["A2", 9]])
    _, rows = parsed_rows("x.xlsx", data)
    assert rows[0].formulas == frozenset({"价格(元)"})
    assert rows[0].cells["价格(元)"] == "=10*1.5"
    assert rows[1].formulas == frozenset()


def test_xlsx_merged_cells_give_the_value_to_the_top_left_cell_only():
    data = xlsx_bytes(
        [["商品编码", "SKU"], ["A1", "A1-S"], [None, "A1-M"]], merged=["A2:A3"]
    )
    _, rows = parsed_rows("x.xlsx", data)
    assert [(r.cells["商品编码"], r.cells["SKU"]) for r in rows] == [
        ("A1", "A1-S"),
        ("", "A1-M"),
    ]


def test_xlsx_number_shown_in_scientific_format_reads_as_shown():
    data = xlsx_bytes(
        [["条码", "价格(元)"], [6900000000000, 12], [6901234567892, 5]],
        number_formats={"A2": "0.00E+00"},
    )
    _, rows = parsed_rows("x.xlsx", data)
    assert rows[0].cells["条码"] == "6.90E+12"
    assert rows[1].cells["条码"] == "6901234567892"  # General: all digits kept


def test_xlsx_rows_are_cut_to_the_header_width():
    data = xlsx_bytes([["商品编码", "名称"], ["A1", "甲"]])
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    wb.active.cell(row=2, column=300).value = "stray"
    out = io.BytesIO()
    wb.save(out)
    _, rows = parsed_rows("x.xlsx", out.getvalue())
    assert rows[0].cells == {"商品编码": "A1", "名称": "甲"}


def test_xlsx_header_only_and_empty_sheets():
    assert file_error("x.xlsx", xlsx_bytes([["商品编码"]])).code == Code.NO_ROWS
    assert file_error("x.xlsx", xlsx_bytes([])).code == Code.FILE_EMPTY


def test_xlsx_too_many_rows(monkeypatch):
    monkeypatch.setattr(parse, "MAX_ROWS", 3)
    data = xlsx_bytes([["商品编码"], ["A"], ["B"], [None], ["C"], ["D"]])
    assert file_error("x.xlsx", data).code == Code.TOO_MANY_ROWS


def test_xlsx_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(parse, "MAX_XLSX_UNPACKED", 2000)
    data = xlsx_bytes([["商品编码"], ["A" * 5000]])
    assert file_error("x.xlsx", data).code == Code.FILE_TOO_LARGE


def test_xlsx_is_recognised_by_content_whatever_its_name():
    data = xlsx_bytes([["商品编码"], ["A1"]])
    for name in ("renamed.csv", "noextension"):
        _, rows = parsed_rows(name, data)
        assert rows[0].cells == {"商品编码": "A1"}


def test_cell_text_of_formula_objects_and_odd_values():
    from openpyxl.worksheet.formula import ArrayFormula

    assert parse.cell_text(ArrayFormula("A1", "=SUM(B1:B2)"), data_type="f") == (
        "=SUM(B1:B2)",
        True,
    )
    assert parse.cell_text(datetime.time(8, 30)) == ("08:30:00", False)
    assert parse.cell_text(datetime.timedelta(hours=1)) == ("1:00:00", False)
    assert parse.cell_text(float("nan")) == ("nan", False)
    assert parse.cell_text(-3.0) == ("-3", False)


# ------------------------------------------------------------------ ZIP

SHEET = csv_bytes([["商品编码", "图片"], ["A1", "Photos/Red.JPG"]])


def test_zip_sheet_and_images_read_on_demand():
    red, blue = png_bytes(colour=(255, 0, 0)), png_bytes(colour=(0, 0, 255))
    data = zip_bytes(
        {
            "商品/products.csv": SHEET,
            "商品/photos/red.jpg": red,
            "blue.png": blue,
            "__MACOSX/商品/._products.csv": b"junk",
            "商品/.DS_Store": b"junk",
        }
    )
    sheet, rows = parsed_rows("upload.zip", data)
    assert rows[0].cells["图片"] == "Photos/Red.JPG"
    assert sheet.image_bytes("Photos/Red.JPG") == red  # base name, any case
    assert sheet.image_bytes("RED.jpg") == red
    assert sheet.image_bytes("C:\\phone\\blue.PNG") == blue
    assert sheet.image_bytes("green.jpg") is None


def test_zip_images_are_not_unpacked_until_asked_for(monkeypatch):
    opened = []
    original = zipfile.ZipFile.open

    def spy(self, name, *args, **kw):
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kw)

    data = zip_bytes({"p.csv": SHEET, "red.jpg": b"1", "blue.jpg": b"2"})
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    sheet = parse_upload("u.zip", upload(data))
    assert opened == ["p.csv"]
    assert sheet.image_bytes("blue.jpg") == b"2"
    assert opened == ["p.csv", "blue.jpg"]


def test_zip_with_an_xlsx_sheet():
    data = zip_bytes(
        {"p.xlsx": xlsx_bytes([["商品编码", "图片"], ["A1", "a.jpg"]]), "a.jpg": b"x"}
    )
    sheet, rows = parsed_rows("u.zip", data)
    assert rows[0].cells == {"商品编码": "A1", "图片": "a.jpg"}
    assert sheet.image_bytes("a.jpg") == b"x"


def test_zip_photo_names_written_in_gbk_by_windows_are_found():
    image = png_bytes()
    data = zip_with_gbk_name(SHEET, "红茶.jpg", image)
    sheet = parse_upload("u.zip", upload(data))
    assert sheet.image_bytes("红茶.jpg") == image


@pytest.mark.parametrize(
    "member", ["../evil.jpg", "photos/../../evil.jpg", "/etc/passwd", "C:/x.jpg"]
)
def test_zip_unsafe_paths_are_refused(member):
    error = file_error("u.zip", zip_bytes({"p.csv": SHEET, member: b"x"}))
    assert error.code == Code.ZIP_UNSAFE_PATH
    assert member in error.message_en


def test_zip_backslash_climbing_path_is_refused():
    error = file_error("u.zip", zip_bytes({"p.csv": SHEET, "..\\evil.jpg": b"x"}))
    assert error.code == Code.ZIP_UNSAFE_PATH


def test_zip_symlinks_are_refused():
    data = zip_bytes({"p.csv": SHEET}, symlinks={"red.jpg": "/etc/passwd"})
    error = file_error("u.zip", data)
    assert error.code == Code.ZIP_UNSAFE_PATH
    assert "link" in error.message_en


def test_zip_bomb_declaring_300_mb_is_refused_before_reading():
    data = zip_bytes(
        {"p.csv": SHEET, "bomb.jpg": b"\0" * 1024},
        declared_sizes={"bomb.jpg": 300 * 1024 * 1024},
    )
    assert len(data) < 10_000
    assert file_error("u.zip", data).code == Code.ZIP_TOO_LARGE


def test_zip_member_compressed_a_thousandfold_is_refused():
    data = zip_with_zeros({"p.csv": SHEET}, "zeros.jpg", 20 * 1024 * 1024)
    assert len(data) < 100_000
    error = file_error("u.zip", data)
    assert error.code == Code.ZIP_TOO_LARGE
    assert "zeros.jpg" in error.message_en


def test_zip_members_that_lie_about_their_size_are_not_trusted():
    big = csv_bytes([["商品编码"], *([f"A{i}"] for i in range(5000))])
    data = zip_bytes(
        {"p.csv": big, "a.jpg": png_bytes()},
        declared_sizes={"p.csv": 100},
        compression=zipfile.ZIP_STORED,
    )
    assert file_error("u.zip", data).code == Code.FILE_UNREADABLE

    lying_image = zip_bytes(
        {"p.csv": SHEET, "a.jpg": png_bytes()}, declared_sizes={"a.jpg": 10}
    )
    sheet = parse_upload("u.zip", upload(lying_image))
    assert sheet.image_bytes("a.jpg") == b""  # fails its CRC: not an image


def test_zip_sheet_over_the_sheet_limit_is_refused(monkeypatch):
    monkeypatch.setattr(parse_zip, "MAX_SHEET_BYTES", 100)
    data = zip_bytes({"p.csv": SHEET + b"x" * 200})
    assert file_error("u.zip", data).code == Code.FILE_TOO_LARGE


def test_zip_image_over_the_cap_comes_back_cut(monkeypatch):
    monkeypatch.setattr(parse_zip, "IMAGE_CAP", 10)
    sheet = parse_upload(
        "u.zip", upload(zip_bytes({"p.csv": SHEET, "a.jpg": b"x" * 50}))
    )
    assert sheet.image_bytes("a.jpg") == b"x" * 11


def test_zip_over_200_mb_is_refused(monkeypatch):
    monkeypatch.setattr(parse, "MAX_ZIP_BYTES", 1000)
    data = zip_bytes({"p.csv": SHEET, "a.jpg": os.urandom(5000)})
    assert file_error("u.zip", data).code == Code.FILE_TOO_LARGE


@pytest.mark.parametrize(
    "members, code",
    [
        ({"a.jpg": b"x"}, Code.ZIP_NO_SHEET),
        ({"a.csv": SHEET, "b.xlsx": b"x"}, Code.ZIP_SEVERAL_SHEETS),
        ({"readme.txt": b"hello", "a.jpg": b"x"}, Code.ZIP_NO_SHEET),
        ({"empty.csv": b""}, Code.FILE_EMPTY),
    ],
)
def test_zip_must_hold_exactly_one_sheet(members, code):
    assert file_error("u.zip", zip_bytes(members)).code == code


def test_zip_encrypted_member_is_refused():
    data = zip_bytes({"p.csv": SHEET, "a.jpg": b"x"}, encrypted=["a.jpg"])
    assert file_error("u.zip", data).code == Code.FILE_UNREADABLE
