"""Whatever bytes arrive, parsing ends in a file-level ImportFileError or in
drafts carrying their problems; whatever rows arrive, normalise gives drafts.
Never another exception."""

import io
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog_import.columns import TEMPLATE_HEADERS, resolve_columns
from catalog_import.errors import ImportFileError
from catalog_import.normalise import normalise
from catalog_import.parse import parse_upload
from catalog_import.types import ParsedSheet, Problem, ProductDraft, RawRow

from .sheets import (
    SHOPIFY_2024_HEADERS,
    SHOPIFY_CLASSIC_HEADERS,
    csv_bytes,
    template_table,
    xlsx_bytes,
    zip_bytes,
)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NAMES = st.sampled_from(["x.csv", "x.xlsx", "x.zip", "x.tsv", "x.txt", "x", "x.xls"])

VALID_CSV = csv_bytes(
    template_table(
        {"商品编码": "A1", "商品名称": "黄鱼", "SKU": "A1-S", "价格(元)": "12.5"},
        {"SKU": "A1-M", "价格(元)": "１５", "库存": "-1", "条码": "6.9E+12"},
    ),
    encoding="gbk",
)
VALID_XLSX = xlsx_bytes(
    [
        ["商品编码", "商品名称", "SKU", "价格(元)"],
        ["A1", "鱼", "S", "=1+1"],
        ["A1", "", "M", 3],
    ]
)
VALID_ZIP = zip_bytes({"p.csv": VALID_CSV, "a.jpg": b"\xff\xd8\xff" + b"x" * 50})

# Text that looks like what spreadsheets hold, and some that does not.
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "12.5元",
            "１２．５",
            "12,50",
            "-3",
            "6.9E+12",
            "=SUM(A1)",
            "是",
            "否",
            "TRUE",
            "<script>x</script>",
            "a.jpg、b.jpg",
            "Title",
            "Default Title",
            "1e400",
            "NaN",
            "\x00",
            "鱼" * 130,
        ]
    ),
)


def check_pipeline(name: str, data: bytes) -> None:
    try:
        sheet = parse_upload(name, io.BytesIO(data))
        columns = resolve_columns(sheet.headers)
        drafts = normalise(sheet, columns)
    except ImportFileError as error:
        assert error.code and error.message_zh and error.message_en
        return
    check_drafts(drafts)


def check_drafts(drafts) -> None:
    assert isinstance(drafts, list)
    for draft in drafts:
        assert isinstance(draft, ProductDraft)
        assert all(isinstance(p, Problem) for p in draft.problems)
        assert all(p.message_zh and p.message_en for p in draft.problems)
        for variant in draft.variants:
            for amount in (variant.price_fen, variant.compare_at_price_fen):
                assert amount is None or isinstance(amount, int)
            assert variant.stock is None or variant.stock >= 0


@FUZZ
@given(name=NAMES, data=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_anything_but_a_file_error(name, data):
    check_pipeline(name, data)


@FUZZ
@given(
    base=st.sampled_from([VALID_CSV, VALID_XLSX, VALID_ZIP]),
    name=NAMES,
    seed=st.integers(0, 2**32 - 1),
    flips=st.integers(1, 8),
)
def test_damaged_real_files_never_raise_anything_but_a_file_error(
    base, name, seed, flips
):
    rng = random.Random(seed)
    data = bytearray(base)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(1, len(data))]
    check_pipeline(name, bytes(data))


@FUZZ
@given(
    headers=st.sampled_from(
        [TEMPLATE_HEADERS, SHOPIFY_CLASSIC_HEADERS, SHOPIFY_2024_HEADERS]
    ),
    rows=st.lists(st.lists(CELL, max_size=12), max_size=8),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_well_formed_files_with_arbitrary_cells(headers, rows, encoding, delimiter):
    table = [headers] + [row + [""] * (len(headers) - len(row)) for row in rows]
    try:
        data = csv_bytes(table, encoding=encoding, delimiter=delimiter)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot be written in any encoding
    check_pipeline("x.csv", data)


def raw_rows(headers, rows):
    return [
        RawRow(
            number=n,
            cells={h: (row[i] if i < len(row) else "") for i, h in enumerate(headers)},
            formulas=frozenset(h for i, h in enumerate(headers) if i % 7 == n % 7)
            if n % 5 == 0
            else frozenset(),
        )
        for n, row in enumerate(rows, start=2)
    ]


@FUZZ
@given(
    headers=st.sampled_from(
        [TEMPLATE_HEADERS, SHOPIFY_CLASSIC_HEADERS, SHOPIFY_2024_HEADERS]
    ),
    rows=st.lists(
        st.lists(
            st.one_of(CELL, st.sampled_from(["A1", "A2", "", "h-1"])),
            min_size=1,
            max_size=50,
        ),
        max_size=15,
    ),
)
def test_normalise_turns_any_rows_into_drafts(headers, rows):
    columns = resolve_columns(headers)
    sheet = ParsedSheet(headers=list(headers), rows=iter(raw_rows(headers, rows)))
    drafts = normalise(sheet, columns)
    check_drafts(drafts)
    numbers = sorted(n for d in drafts for n in d.rows)
    assert len(numbers) == len(set(numbers))  # each row in one product at most
