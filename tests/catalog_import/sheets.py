"""Upload files made in tests: CSV bytes in any encoding and delimiter, XLSX
bytes (formulas, merged cells, several sheets, number formats) and ZIP bytes
(photos, unsafe members, members that lie about their size)."""

import csv
import io
import stat
import zipfile
from collections.abc import Iterable, Sequence

from catalog_import.columns import TEMPLATE_HEADERS

Rows = Sequence[Sequence[object]]

# Our template's header with its English aliases, for tests that want them.
ENGLISH_HEADERS = [
    "product code",
    "name",
    "name en",
    "variant",
    "sku",
    "price",
    "compare at price",
    "stock",
    "weight (g)",
    "category",
    "brand",
    "description",
    "ingredients",
    "net content",
    "shelf life",
    "storage",
    "producer",
    "sc licence",
    "images",
    "published",
    "barcode",
    "option1 name",
    "option1 value",
    "option2 name",
    "option2 value",
    "option3 name",
    "option3 value",
]

SHOPIFY_CLASSIC_HEADERS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Google Shopping / Google Product Category",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Price / International",
    "Compare At Price / International",
    "Status",
]

# Shopify's product CSV headers since 2024 (Title first, "URL handle" …).
SHOPIFY_2024_HEADERS = [
    "Title",
    "URL handle",
    "Description",
    "Vendor",
    "Product category",
    "Type",
    "Tags",
    "Published on online store",
    "Status",
    "SKU",
    "Barcode",
    "Option1 name",
    "Option1 value",
    "Option1 Linked To",
    "Option2 name",
    "Option2 value",
    "Option2 Linked To",
    "Option3 name",
    "Option3 value",
    "Option3 Linked To",
    "Price",
    "Compare-at price",
    "Cost per item",
    "Charge tax",
    "Tax code",
    "Unit price total measure",
    "Unit price total measure unit",
    "Unit price base measure",
    "Unit price base measure unit",
    "Inventory tracker",
    "Inventory quantity",
    "Continue selling when out of stock",
    "Weight value (grams)",
    "Weight unit for display",
    "Requires shipping",
    "Fulfillment service",
    "Product image URL",
    "Image position",
    "Image alt text",
    "Variant image URL",
    "Gift card",
    "SEO title",
    "SEO description",
    "Color (product.metafields.shopify.color-pattern)",
    "Google Shopping / Google product category",
    "Google Shopping / Gender",
    "Google Shopping / Manufacturer part number (MPN)",
    "Google Shopping / Custom label 0",
]


def table(headers: Sequence[str], *rows: dict) -> list[list[str]]:
    """A header row and one row per dict (header → value; others empty)."""
    unknown = {key for row in rows for key in row} - set(headers)
    assert not unknown, f"not in the headers: {unknown}"
    return [list(headers)] + [[str(row.get(h, "")) for h in headers] for row in rows]


def template_table(*rows: dict) -> list[list[str]]:
    return table(TEMPLATE_HEADERS, *rows)


def csv_bytes(
    rows: Rows,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    bom: bool = False,
    line_end: str = "\r\n",
    final_newline: bool = True,
) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    text = out.getvalue()
    if not final_newline:
        text = text.removesuffix(line_end)
    data = text.encode(encoding)
    if bom and encoding.replace("-", "").lower() == "utf8":
        data = b"\xef\xbb\xbf" + data
    return data


def xlsx_bytes(
    rows: Rows,
    *,
    title: str = "Sheet1",
    more_sheets: dict[str, Rows] | None = None,
    merged: Iterable[str] = (),
    number_formats: dict[str, str] | None = None,
) -> bytes:
    """An XLSX whose first sheet holds `rows`. Strings starting with "=" are
    formulas (as openpyxl writes them); `merged` are ranges like "A2:A3" (write
    the value in the top-left cell); number_formats maps "B2" → "0.00E+00"."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for cells in merged:
        ws.merge_cells(cells)
    for ref, fmt in (number_formats or {}).items():
        ws[ref].number_format = fmt
    for name, sheet_rows in (more_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bytes(
    members: dict[str, bytes],
    *,
    symlinks: dict[str, str] | None = None,
    declared_sizes: dict[str, int] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    encrypted: Iterable[str] = (),
) -> bytes:
    """A ZIP of `members` (name → bytes). `symlinks` adds Unix symbolic links
    (name → target); `declared_sizes` makes the central directory claim
    another uncompressed size for a member (a bomb, or a lie); `encrypted`
    members get the encryption flag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
            if name in set(encrypted):
                info.flag_bits |= 0x1
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
        for name, size in (declared_sizes or {}).items():
            zf.getinfo(name).file_size = size
    return out.getvalue()


def zip_with_gbk_name(sheet: bytes, chinese_name: str, image: bytes) -> bytes:
    """A ZIP as Chinese Windows writes it: the photo's name in GBK bytes and
    no UTF-8 flag."""
    gbk = chinese_name.encode("gbk")
    placeholder = "X" * (len(gbk) - 4) + chinese_name[-4:]
    assert placeholder.isascii() and len(placeholder.encode()) == len(gbk)
    data = zip_bytes(
        {"products.csv": sheet, placeholder: image}, compression=zipfile.ZIP_STORED
    )
    assert data.count(placeholder.encode()) == 2  # local header + directory
    return data.replace(placeholder.encode(), gbk)


def zeros(size: int, chunk: int = 1024 * 1024) -> Iterable[bytes]:
    while size > 0:
        yield b"\0" * min(chunk, size)
        size -= chunk


def zip_with_zeros(members: dict[str, bytes], name: str, size: int) -> bytes:
    """A ZIP holding `members` and a real member of `size` zero bytes, written
    from a generator (deflate shrinks it about a thousandfold)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
        with zf.open(name, "w", force_zip64=True) as bomb:
            for block in zeros(size):
                bomb.write(block)
    return out.getvalue()


def upload(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
