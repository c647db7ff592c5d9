"""A comma in a yuan amount is only ever a thousands separator. "0,50" is
refused rather than read as ¥50.00 (or ¥0.50): an operator typing a refund
must see a clear error, in Chinese and English, not a guess."""

import pytest

from storefront.core.money import MoneyParseError, parse_yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.50", 123450),
        ("1,234", 123400),
        ("12,345,678.90", 1234567890),
        ("¥1,280", 128000),
        ("-1,234.5", -123450),
        ("１，２３４．５０元", 123450),
        ("999", 99900),
        ("1000", 100000),
    ],
)
def test_thousands_separators_are_read(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "0,50",
        "1,23",
        "12,3456",
        ",5",
        "5,",
        "1,2345.00",
        "1,234,5",
        "1.234,50",
        "0,500",
        "00,500",
        "1234,567",
        "1,,234",
        "1,234.5,0",
        "０，５０",
        "¥0,50",
    ],
)
def test_a_comma_that_is_not_a_thousands_separator_is_refused(text):
    with pytest.raises(MoneyParseError) as caught:
        parse_yuan(text)
    message = str(caught.value)
    assert message == caught.value.message
    assert "逗号只能用作千位分隔符" in message
    assert "a comma may only separate thousands" in message
    assert repr(text) in message


def test_every_refusal_is_bilingual():
    for text in ("", "abc", "1.001", "1e3", "1e40"):
        with pytest.raises(MoneyParseError) as caught:
            parse_yuan(text)
        zh, en = caught.value.message.split(" / ", 1)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
        assert en.isascii(), en
