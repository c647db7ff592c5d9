"""Cell text → values, the way a Chinese workshop's spreadsheet writes them:
prices in yuan, whole numbers, weights, yes/no, and description HTML."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html.parser import HTMLParser

from storefront.core.html import sanitize_html
from storefront.core.money import MoneyParseError, parse_yuan

# What Excel makes of a long number in a General cell: 6.9E+12, 3.65275E+11.
EXCEL_SCIENTIFIC = re.compile(r"^[+-]?\d(?:\.\d+)?E[+-]\d{1,3}$", re.IGNORECASE)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋　", "0123456789.,-+ ")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_TRUE = {"是", "是的", "y", "yes", "true", "t", "1", "on", "上架", "已上架"}
_TRUE |= {"active", "published", "发布", "显示"}
_FALSE = {"否", "不", "n", "no", "false", "f", "0", "off", "下架", "未上架", "不上架"}
_FALSE |= {"draft", "archived", "unpublished", "隐藏"}
# NUL and lone surrogates cannot be stored (PostgreSQL text and JSON, UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_VISIBLE = {0: "\u2400", **{c: "\ufffd" for c in range(0xD800, 0xE000)}}


def visible(text: str) -> str:
    """`text` with what UNSTORABLE matches shown as ␀ (NUL) or �: safe to
    store and to show in a report."""
    return text.translate(_VISIBLE) if UNSTORABLE.search(text) else text


_GRAMS_PER = {
    "g": Decimal(1),
    "gram": Decimal(1),
    "grams": Decimal(1),
    "克": Decimal(1),
    "kg": Decimal(1000),
    "千克": Decimal(1000),
    "公斤": Decimal(1000),
    "斤": Decimal(500),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


def parse_price(text: str) -> int:
    """Yuan → fen. '12.5元', '１２．５', '¥1,280.00' are fine; a comma is only
    read as a thousands separator (groups of three digits: '1,280'), so '12,50'
    — a decimal comma, or a typo? — is refused rather than guessed."""
    cleaned = str(text).translate(_FULLWIDTH)
    for token in ("¥", "￥", "元", "RMB", "CNY", " "):
        cleaned = cleaned.replace(token, "")
    if "," in cleaned and not _THOUSANDS.match(cleaned):
        raise MoneyParseError("逗号含义不明", "ambiguous comma", text)
    return parse_yuan(cleaned)


def parse_integer(text: str) -> int:
    """'12', '１２', '10.0', '1,000' → int; '1.5', '1E+3', 'abc' → ValueError."""
    cleaned = str(text).translate(_FULLWIDTH).replace(" ", "")
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise ValueError(text)
        cleaned = cleaned.replace(",", "")
    number = _decimal(cleaned)
    if number != number.to_integral_value():
        raise ValueError(text)
    return int(number)


def parse_grams(text: str, unit: str = "g") -> int:
    """A weight in `unit` → whole grams, rounded half up (Shopify writes
    grams like 226.796185)."""
    cleaned = str(text).translate(_FULLWIDTH).replace(" ", "").replace(",", "")
    factor = _GRAMS_PER.get(str(unit).strip().casefold())
    if factor is None:
        raise ValueError(f"unit {unit!r}")
    grams = _decimal(cleaned) * factor
    try:
        return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise ValueError(text) from None


def parse_bool(text: str) -> bool:
    word = str(text).translate(_FULLWIDTH).strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(text)


def _decimal(text: str) -> Decimal:
    if "e" in text.casefold() or len(text) > 40:
        raise ValueError(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def sanitise_description(text: str) -> tuple[str, bool]:
    """(sanitised HTML, whether anything that matters was removed). Escaping
    ('&' → '&amp;'), quoting, <br/> → <br> and the rel the sanitiser adds to
    links are not changes."""
    clean = sanitize_html(text)
    if clean == text:
        return clean, False
    try:
        return clean, _outline(clean) != _outline(text)
    except Exception:  # html.parser is lenient; if not, assume a change
        return clean, True


class _Outliner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list = []

    def handle_starttag(self, tag, attrs):
        kept = tuple(sorted((k, v or "") for k, v in attrs if k != "rel"))
        self.parts.append((tag, kept))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] += data
        else:
            self.parts.append(data)

    def handle_comment(self, data):
        self.parts.append(("!--",))

    def handle_decl(self, decl):
        self.parts.append(("!",))

    handle_pi = handle_unknown_decl = handle_decl


def _outline(html: str) -> list:
    parser = _Outliner()
    parser.feed(html)
    parser.close()
    outline = []
    for part in parser.parts:
        if isinstance(part, str):
            part = " ".join(part.split())
            if not part:
                continue
        outline.append(part)
    return outline
