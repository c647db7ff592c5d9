"""Primary keys read from text a client sent (a form field, a URL, the
number inside a Relay global ID)."""

# PostgreSQL's bigint: a larger number cannot name a row, and would fail in
# the database rather than be "not found".
MAX_PK = 2**63 - 1


def pk_from_text(text) -> int | None:
    """The positive whole number `text` spells in ASCII digits, else None."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    if len(text) > len(str(MAX_PK)):
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_PK else None
