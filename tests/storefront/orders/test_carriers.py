"""The carrier list: names, tracking-number formats, tracking pages."""

import pytest

from storefront.orders.carriers import (
    CARRIERS,
    Carrier,
    carrier_code,
    carrier_name,
    normalize_tracking,
    tracking_url,
    tracking_valid,
)

# Numbers shaped as each carrier publishes them.
VALID = {
    "sf": ["SF1234567890123", "SF123456789012", "123456789012"],
    "zto": ["731234567890", "75123456789012", "3123456789012"],
    "yto": ["YT1234567890123", "YT7512345678901234"],
    "sto": ["773123456789", "268123456789012"],
    "yunda": ["4312345678901", "312345678901234"],
    "jt": ["JT1234567890123"],
    "jd": ["JD0123456789012", "JDV012345678901", "JDX012345678901"],
    "ems": ["EA123456789CN", "1123456789012"],
    "other": ["ABC-123456", "DHL1234567", "123456"],
}
INVALID = {
    "sf": ["SF123", "YT1234567890123", "SF12345678901X", "12345"],
    "zto": ["ZT998877", "73123", "7312345678901234"],
    "yto": ["1234567890123", "YT12", "YTABC4567890123"],
    "sto": ["12345", "STO123456789012"],
    "yunda": ["123456789012", "Y1234567890123"],
    "jt": ["1234567890123", "JT12345"],
    "jd": ["1234567890123", "JD12"],
    "ems": ["E1", "EA12345678CN", "123456789012"],
    "other": ["12345", "AB_123456", "X" * 41, "=1+1ABC"],
}


def test_every_carrier_of_the_issue_is_listed_with_both_names():
    assert [c.value for c in Carrier] == list(CARRIERS)
    assert list(CARRIERS) == [
        "sf", "zto", "yto", "sto", "yunda", "jt", "jd", "ems", "other",
    ]  # fmt: skip
    for info in CARRIERS.values():
        assert info.name_zh and info.name_en and info.format_zh and info.format_en


@pytest.mark.parametrize(
    ("code", "number"), [(c, n) for c, numbers in VALID.items() for n in numbers]
)
def test_published_formats_are_accepted(code, number):
    assert tracking_valid(code, normalize_tracking(number))


@pytest.mark.parametrize(
    ("code", "number"), [(c, n) for c, numbers in INVALID.items() for n in numbers]
)
def test_numbers_in_the_wrong_format_are_refused(code, number):
    assert not tracking_valid(code, normalize_tracking(number))


def test_numbers_are_normalised():
    assert normalize_tracking(" sf 1234 5678 9012\u3000") == "SF123456789012"
    assert normalize_tracking("ＳＦ１２３４５６７８９０１２") == "SF1234567890" + "12"
    assert normalize_tracking(None) == ""


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sf", "sf"),
        ("SF", "sf"),
        ("顺丰速运", "sf"),
        (" 顺丰 ", "sf"),
        ("SF Express", "sf"),
        ("中通快递", "zto"),
        ("圆通速递", "yto"),
        ("申通", "sto"),
        ("韵达快递", "yunda"),
        ("Yunda Express", "yunda"),
        ("极兔速递", "jt"),
        ("J&T", "jt"),
        ("京东物流", "jd"),
        ("中国邮政 EMS", "ems"),
        ("EMS", "ems"),
        ("其他", "other"),
        ("顺丰速运 SF Express", "sf"),
    ],
)
def test_carriers_are_known_by_code_and_by_name(text, code):
    assert carrier_code(text) == code


@pytest.mark.parametrize("text", ["", None, "DHL", "顺风", "快递"])
def test_unknown_carriers(text):
    assert carrier_code(text) is None


def test_names_to_show():
    assert carrier_name("sf") == "顺丰速运 SF Express"
    assert carrier_name("中通快递") == "中通快递 ZTO Express"
    # A parcel shipped before the list existed keeps its free text.
    assert carrier_name("某某物流") == "某某物流"


def test_tracking_pages():
    assert tracking_url("sf", "SF1234567890123") == (
        "https://www.sf-express.com/chn/sc/waybill/list?billno=SF1234567890123"
    )
    assert tracking_url("zto", "731234567890") == (
        "https://www.kuaidi100.com/chaxun?com=zhongtong&nu=731234567890"
    )
    assert tracking_url("other", "ABC-123456") == (
        "https://www.kuaidi100.com/chaxun?nu=ABC-123456"
    )
    for code in CARRIERS:
        assert tracking_url(code, "X&Y").startswith("https://")
        assert "X%26Y" in tracking_url(code, "X&Y")
    assert tracking_url("sf", "") == ""
