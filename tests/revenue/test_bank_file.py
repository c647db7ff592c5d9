"""The bank-transfer file of an approved batch: its rows, both encodings, a
name GBK cannot write, and cells a spreadsheet would run as formulas."""

import csv
import io

import pytest

from revenue.bank_file import HEADER, bank_file
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import PartyKind, PayoutStatus
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_cancel,
    payout_batch_propose,
    payout_cancel,
    payout_mark_paid,
)
from storefront.core.csv_safe import safe_cell
from tests.factories import make_user

from .payout_helpers import make_party, owe

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def operator(db):
    return make_user(staff=True)


def _rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def _bank_party(name, owed, *, number="6228480012345678901", bank="中国农业银行"):
    party = make_party(
        PartyKind.VILLAGE, bank=True, name=name, number=number, bank_name=bank
    )
    owe(party, owed)
    return party


def _approved(operator):
    batch = payout_batch_propose(user=operator)
    return payout_batch_approve(batch=batch, user=operator)


def test_the_gbk_file_lists_the_bank_payouts_and_their_total(operator):
    first = _bank_party("黄避岙村股份经济合作社", 123_456)
    second = _bank_party("王小明", 10_001, number="6217000011112222", bank="中国银行")
    dropped = _bank_party("李四", 20_000)
    stripe = make_party(PartyKind.WORKSHOP, stripe="acct_notinfile")
    owe(stripe, 50_000)
    batch = _approved(operator)
    payout_cancel(payout=batch.payouts.get(party=dropped), user=operator)
    payouts = list(
        batch.payouts.filter(method="bank")
        .exclude(status=PayoutStatus.CANCELLED)
        .order_by("pk")
    )

    data = bank_file(batch=batch, encoding="gbk")

    assert not data.startswith(BOM)
    assert b"\r\n" in data
    rows = _rows(data, "gbk")
    assert rows[0] == list(HEADER)
    assert rows[0][:5] == [
        "序号 No.",
        "收款户名 Account name",
        "收款账号 Account number",
        "开户行 Bank",
        "金额(元) Amount (yuan)",
    ]
    assert rows[1:] == [
        [
            "1",
            "黄避岙村股份经济合作社",
            "6228480012345678901",
            "中国农业银行",
            "1234.56",
            f"共富工坊分账 {batch}",
            str(batch),
            str(payouts[0].pk),
        ],
        [
            "2",
            "王小明",
            "6217000011112222",
            "中国银行",
            "100.01",
            f"共富工坊分账 {batch}",
            str(batch),
            str(payouts[1].pk),
        ],
    ]
    assert [p.party for p in payouts] == [first, second]
    total = sum(round(float(row[4]) * 100) for row in rows[1:])
    assert total == sum(p.amount_fen for p in payouts) == 133_457


def test_the_utf8_file_has_a_bom_for_excel_and_the_same_rows(operator):
    _bank_party("黄避岙村股份经济合作社", 12_345)
    batch = _approved(operator)
    data = bank_file(batch=batch)
    assert data.startswith(BOM)
    assert _rows(data, "utf-8-sig") == _rows(
        bank_file(batch=batch, encoding="gbk"), "gbk"
    )
    assert bank_file(batch=batch, encoding="UTF-8") == data


def test_a_name_gbk_cannot_write_refuses_the_gbk_file_only(operator):
    _bank_party("王小明", 15_000)
    rare = _bank_party("𠮷野家", 16_000)
    batch = _approved(operator)

    with pytest.raises(RevenueError) as excinfo:
        bank_file(batch=batch, encoding="gbk")
    error = excinfo.value
    assert error.code == RevenueErrorCode.NOT_ENCODABLE
    assert error.field == "encoding"
    assert rare.name in error.message
    assert "𠮷" in error.message
    assert "GBK" in error.message and "UTF-8" in error.message

    rows = _rows(bank_file(batch=batch, encoding="utf-8"), "utf-8-sig")
    assert [row[1] for row in rows[1:]] == ["王小明", "𠮷野家"]


def test_spreadsheet_formulas_are_written_as_text(operator):
    names = ['=HYPERLINK("http://x")', "+8613800138000", "-1+2", "@SUM(A1)"]
    for name in names:
        _bank_party(name, 11_000, bank="=cmd|' /C calc'!A0")
    batch = _approved(operator)
    rows = _rows(bank_file(batch=batch, encoding="gbk"), "gbk")[1:]
    assert [row[1] for row in rows] == ["'" + name for name in names]
    assert {row[3] for row in rows} == {"'=cmd|' /C calc'!A0"}
    # Amounts are numbers, left as they are.
    assert {row[4] for row in rows} == {"110.00"}


@pytest.mark.parametrize(
    "text, safe",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("王=小明", "王=小明"),
        ("6228480012345678901", "6228480012345678901"),
        ("", ""),
    ],
)
def test_safe_cell(text, safe):
    assert safe_cell(text) == safe


@pytest.mark.parametrize("encoding", ["latin-1", "gb18030", "", "utf-16", None])
def test_an_unknown_encoding_is_refused(operator, encoding):
    _bank_party("王小明", 15_000)
    batch = _approved(operator)
    with pytest.raises(ValueError, match="encoding"):
        bank_file(batch=batch, encoding=encoding)


def test_only_an_approved_or_completed_batch_has_a_file(operator):
    party = _bank_party("王小明", 15_000)
    batch = payout_batch_propose(user=operator)
    with pytest.raises(RevenueError) as excinfo:
        bank_file(batch=batch)
    assert excinfo.value.code == RevenueErrorCode.INVALID_TRANSITION
    payout_batch_cancel(batch=batch, user=operator)
    with pytest.raises(RevenueError):
        bank_file(batch=batch)

    batch = _approved(operator)
    payout_mark_paid(payout=batch.payouts.get(party=party), user=operator)
    batch.refresh_from_db()
    assert batch.status == "completed"
    rows = _rows(bank_file(batch=batch, encoding="gbk"), "gbk")
    assert [row[1] for row in rows[1:]] == ["王小明"]


def test_a_batch_without_bank_payouts_has_just_the_header(operator):
    owe(make_party(PartyKind.WORKSHOP, stripe="acct_only"), 20_000)
    batch = _approved(operator)
    assert _rows(bank_file(batch=batch, encoding="gbk"), "gbk") == [list(HEADER)]
