"""Saleor's rich text (`description`, `content`: a JSONString holding an
EditorJS document) built from the shop's text.

Product descriptions are stored as sanitised HTML, stories as plain text.
Both become paragraphs: one EditorJS `paragraph` block per paragraph, whose
`text` is escaped text (no markup passes through), so a storefront that
renders the blocks as HTML shows exactly the words."""

import html
import re

import nh3

EDITORJS_VERSION = "2.24.3"
_BREAKS = re.compile(r"(?i)</p\s*>|<br\s*/?>|</li\s*>|</h[1-6]\s*>|</div\s*>|\n\s*\n")


def _document(paragraphs: list[str], changed_at) -> dict | None:
    if not paragraphs:
        return None
    millis = int(changed_at.timestamp() * 1000) if changed_at else 0
    return {
        "time": millis,
        "blocks": [{"type": "paragraph", "data": {"text": p}} for p in paragraphs],
        "version": EDITORJS_VERSION,
    }


def editorjs_from_html(text: str | None, changed_at=None) -> dict | None:
    """Sanitised HTML → EditorJS paragraphs of escaped text (tags dropped)."""
    paragraphs = []
    for chunk in _BREAKS.split(text or ""):
        # nh3 with no allowed tags keeps the text, still escaped.
        plain = " ".join(nh3.clean(chunk, tags=set()).split())
        if plain:
            paragraphs.append(plain)
    return _document(paragraphs, changed_at)


def editorjs_from_text(text: str | None, changed_at=None) -> dict | None:
    """Plain text → one paragraph per line, HTML-escaped."""
    paragraphs = [
        html.escape(" ".join(line.split()))
        for line in (text or "").splitlines()
        if line.strip()
    ]
    return _document(paragraphs, changed_at)


def plain_text(text: str | None, limit: int = 300) -> str:
    """The first `limit` characters of sanitised HTML as plain text."""
    plain = html.unescape(nh3.clean(text or "", tags=set()))
    return " ".join(plain.split())[:limit]
