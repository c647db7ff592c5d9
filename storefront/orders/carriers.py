"""The carriers a parcel can be shipped with, their tracking-number formats and
tracking pages.

`Fulfillment.carrier` stores the code (`Carrier`); parcels shipped before the
list existed may hold free text, which `carrier_name` shows as it is.

Formats, checked after `normalize_tracking` (NFKC, so full-width digits typed
on a phone count; every space removed; upper case). They follow what the
carriers publish, widened by a digit or two either way, because refusing a
real number at the packing table is worse than letting an odd one through:

| code  | carrier            | accepted                                              |
|-------|--------------------|-------------------------------------------------------|
| sf    | 顺丰速运 SF Express | "SF" + 10–15 digits, or 12–15 digits                  |
| zto   | 中通快递 ZTO        | 12–15 digits                                          |
| yto   | 圆通速递 YTO        | "YT" + 12–17 digits                                   |
| sto   | 申通快递 STO        | 12–15 digits                                          |
| yunda | 韵达快递 Yunda      | 13–15 digits                                          |
| jt    | 极兔速递 J&T        | "JT" + 12–15 digits                                   |
| jd    | 京东物流 JD         | "JD" + 11–16 letters/digits (JDV…, JDX… included)     |
| ems   | 中国邮政 EMS        | EA123456789CN (2 letters, 9 digits, 2), or 13 digits  |
| other | 其他 other          | 6–40 letters, digits or "-"                           |
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import TextChoices


class Carrier(TextChoices):
    SF = "sf", "顺丰速运 SF Express"
    ZTO = "zto", "中通快递 ZTO Express"
    YTO = "yto", "圆通速递 YTO Express"
    STO = "sto", "申通快递 STO Express"
    YUNDA = "yunda", "韵达快递 Yunda Express"
    JT = "jt", "极兔速递 J&T Express"
    JD = "jd", "京东物流 JD Logistics"
    EMS = "ems", "中国邮政 EMS"
    OTHER = "other", "其他 other"


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name_zh: str
    name_en: str
    pattern: re.Pattern
    format_zh: str
    format_en: str
    # kuaidi100's company code, for carriers without a page of their own here.
    kuaidi100: str = ""
    aliases: tuple[str, ...] = ()


def _p(regex: str) -> re.Pattern:
    return re.compile(rf"(?:{regex})\Z")


CARRIERS: dict[str, CarrierInfo] = {
    info.code: info
    for info in (
        CarrierInfo(
            "sf",
            "顺丰速运",
            "SF Express",
            _p(r"SF\d{10,15}|\d{12,15}"),
            "SF 加 10–15 位数字，或 12–15 位数字",
            '"SF" and 10–15 digits, or 12–15 digits',
            aliases=("顺丰", "顺丰快递", "sf"),
        ),
        CarrierInfo(
            "zto",
            "中通快递",
            "ZTO Express",
            _p(r"\d{12,15}"),
            "12–15 位数字",
            "12–15 digits",
            kuaidi100="zhongtong",
            aliases=("中通", "zto"),
        ),
        CarrierInfo(
            "yto",
            "圆通速递",
            "YTO Express",
            _p(r"YT\d{12,17}"),
            "YT 加 12–17 位数字",
            '"YT" and 12–17 digits',
            kuaidi100="yuantong",
            aliases=("圆通", "圆通快递", "yto"),
        ),
        CarrierInfo(
            "sto",
            "申通快递",
            "STO Express",
            _p(r"\d{12,15}"),
            "12–15 位数字",
            "12–15 digits",
            kuaidi100="shentong",
            aliases=("申通", "sto"),
        ),
        CarrierInfo(
            "yunda",
            "韵达快递",
            "Yunda Express",
            _p(r"\d{13,15}"),
            "13–15 位数字",
            "13–15 digits",
            kuaidi100="yunda",
            aliases=("韵达", "韵达速递", "yunda"),
        ),
        CarrierInfo(
            "jt",
            "极兔速递",
            "J&T Express",
            _p(r"JT\d{12,15}"),
            "JT 加 12–15 位数字",
            '"JT" and 12–15 digits',
            kuaidi100="jtexpress",
            aliases=("极兔", "极兔快递", "J&T", "JT", "J&T快递"),
        ),
        CarrierInfo(
            "jd",
            "京东物流",
            "JD Logistics",
            _p(r"JD[0-9A-Z]{11,16}"),
            "JD 加 11–16 位字母或数字（如 JDV、JDX 开头）",
            '"JD" and 11–16 letters or digits (JDV…, JDX… included)',
            kuaidi100="jd",
            aliases=("京东", "京东快递", "JD", "JD Express"),
        ),
        CarrierInfo(
            "ems",
            "中国邮政 EMS",
            "China Post EMS",
            _p(r"[A-Z]{2}\d{9}[A-Z]{2}|\d{13}"),
            "如 EA123456789CN（2 字母 + 9 数字 + 2 字母），或 13 位数字",
            "like EA123456789CN (2 letters, 9 digits, 2 letters), or 13 digits",
            kuaidi100="ems",
            aliases=("EMS", "邮政", "中国邮政", "邮政EMS", "邮政快递", "China Post"),
        ),
        CarrierInfo(
            "other",
            "其他",
            "other",
            _p(r"[A-Z0-9-]{6,40}"),
            "6–40 位字母、数字或 -",
            '6–40 letters, digits or "-"',
            aliases=("其它", "other"),
        ),
    )
}


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


_BY_NAME: dict[str, str] = {}
for _info in CARRIERS.values():
    for _name in (
        _info.code,
        _info.name_zh,
        _info.name_en,
        Carrier(_info.code).label,
        *_info.aliases,
    ):
        _BY_NAME[_key(_name)] = _info.code


def carrier_code(text: str | None) -> str | None:
    """The carrier's code for its code, Chinese or English name (or a common
    short name: 顺丰, 中通, J&T…); None when it is none of the list."""
    if not text:
        return None
    return _BY_NAME.get(_key(text))


def normalize_tracking(number: str | None) -> str:
    """What a tracking number is stored as: full-width characters made
    ASCII, every space removed, upper case."""
    if not number:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()


def tracking_valid(code: str, number: str) -> bool:
    """`number` (normalised) fits the format `code`'s carrier publishes."""
    return bool(CARRIERS[code].pattern.match(number))


def format_hint(code: str) -> tuple[str, str]:
    """(Chinese, English) description of the carrier's format."""
    info = CARRIERS[code]
    return (
        f"{info.name_zh}运单号应为{info.format_zh}",
        f"{info.name_en} numbers are {info.format_en}",
    )


def carrier_name(value: str) -> str:
    """The label to show for a stored carrier: the list's "中文 English" for a
    code, or the free text of a parcel shipped before the list existed."""
    code = value if value in CARRIERS else carrier_code(value)
    return Carrier(code).label if code else (value or "")


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for this number ('' without one)."""
    if not number:
        return ""
    code = carrier if carrier in CARRIERS else carrier_code(carrier)
    if code == Carrier.SF:
        return "https://www.sf-express.com/chn/sc/waybill/list?" + urlencode(
            {"billno": number}
        )
    params = {"nu": number}
    if code and CARRIERS[code].kuaidi100:
        params = {"com": CARRIERS[code].kuaidi100, "nu": number}
    return "https://www.kuaidi100.com/chaxun?" + urlencode(params)
