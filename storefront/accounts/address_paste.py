"""A whole address pasted as one text ("王小明 13800138000 浙江省宁波市象山县
黄避岙乡高泥村 1 号") split into the address fields, for the shopper to check
before saving. Province, city and district come from `cpca` (a maintained
recogniser over the national administrative division list); the name and the
mobile number are found here. Nothing is saved."""

import re
import unicodedata
from functools import lru_cache

from storefront.core.address import Province, normalise_mobile

from .errors import AccountError, AccountErrorCode

# A name, a mobile number and an address fit in far fewer; a longer text is
# refused before cpca (CPU heavy) sees it.
MAX_PASTE_LENGTH = 200
# A mainland mobile as people write it: +86 / 0086, spaces or dashes inside.
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
# "收货人：", "手机号码:", "所在地区：" … as copied from shopping apps.
_LABELS = re.compile(
    r"(收货人|收件人|联系人|姓名|手机号码|手机号|手机|联系电话|电话|所在地区|"
    r"详细地址|收货地址|地址)\s*[:：]"
)
_SEPARATORS = re.compile(r"[\s,，;；、|/]+")
_DIGIT = re.compile(r"\d")
NAME_MAX_LENGTH = 20


@lru_cache(maxsize=1)
def _cpca():
    # pandas is slow to import; only the paste needs it.
    import cpca

    return cpca


def _divisions(texts: list[str]) -> list[dict[str, str]]:
    frame = _cpca().transform(texts)
    rows = []
    for _, row in frame.iterrows():
        rows.append(
            {
                key: (value if isinstance(value, str) else "")
                for key, value in (
                    ("province", row["省"]),
                    ("city", row["市"]),
                    ("district", row["区"]),
                    ("street_address", row["地址"]),
                )
            }
        )
    return rows


def _looks_like_name(token: str, found: dict[str, str]) -> bool:
    return (
        0 < len(token) <= NAME_MAX_LENGTH
        and not _DIGIT.search(token)
        and not (found["province"] or found["city"] or found["district"])
    )


def address_parse(text: str) -> dict[str, str]:
    """The fields found in `text` (recipient_name, phone, province, city,
    district, street_address; those not found are ''). NOT_AN_ADDRESS when
    no province and city can be recognised, PASTE_TOO_LONG over
    MAX_PASTE_LENGTH characters."""
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\x00", "")
    text = text.strip()
    if len(text) > MAX_PASTE_LENGTH:
        raise AccountError(AccountErrorCode.PASTE_TOO_LONG, field="text")
    if not text:
        raise AccountError(AccountErrorCode.NOT_AN_ADDRESS, field="text")
    text = _LABELS.sub(" ", text)
    phone = ""
    match = _MOBILE.search(text)
    if match:
        phone = normalise_mobile(match.group())
        text = text[: match.start()] + " " + text[match.end() :]
    tokens = [token for token in _SEPARATORS.split(text) if token]
    if not tokens:
        raise AccountError(AccountErrorCode.NOT_AN_ADDRESS, field="text")
    # The whole text and each token in one call: the tokens say which one
    # holds no place name (the recipient's, first or last as apps write it).
    whole, *each = _divisions([" ".join(tokens), *tokens])
    name = ""
    for index in (0, len(tokens) - 1):
        if len(tokens) > 1 and _looks_like_name(tokens[index], each[index]):
            name = tokens.pop(index)
            break
    if name:
        whole = _divisions([" ".join(tokens)])[0]
    province, city = whole["province"], whole["city"]
    if province not in Province.values or not city:
        raise AccountError(AccountErrorCode.NOT_AN_ADDRESS, field="text")
    if city in ("市辖区", "县"):
        # Beijing, Tianjin, Shanghai and Chongqing: the city is the province.
        city = province
    street = _SEPARATORS.sub(" ", whole["street_address"]).strip()
    return {
        "recipient_name": name,
        "phone": phone,
        "province": province,
        "city": city,
        "district": whole["district"],
        "street_address": street,
    }
