"""Short link codes: short, unguessable, and the same whatever the case a
phone keyboard or a chat app gives them."""

import re
import secrets

# Lower case and digits without the look-alikes 0/o, 1/l/i.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 10  # 31^10 ≈ 8 × 10^14 codes
MAX_LENGTH = 16
_WELL_FORMED = re.compile(rf"^[{ALPHABET}]{{4,{MAX_LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str) -> str | None:
    """The code as stored, or None when it cannot be one (checked before any
    database read, so junk and huge codes cost nothing)."""
    if not raw or len(raw) > MAX_LENGTH:
        return None
    code = raw.lower()
    return code if _WELL_FORMED.match(code) else None
