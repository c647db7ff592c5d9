"""Compile every locale/*/LC_MESSAGES/django.po to django.mo with polib.

The machines have no GNU gettext (`msgfmt`), so Django's compilemessages is
not available. Run: python -m storefront.web.i18n_compile [locale dirs...]
"""

import sys
from collections.abc import Iterable
from pathlib import Path

import polib

PROJECT_LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_files(roots: Iterable[Path]) -> list[Path]:
    return sorted(
        path for root in roots for path in Path(root).glob("*/LC_MESSAGES/django.po")
    )


def compile_po(po_path: Path, mo_path: Path | None = None) -> Path:
    """Write the .mo for one .po (next to it unless mo_path is given)."""
    mo_path = mo_path or po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    roots = [Path(arg) for arg in args] or [PROJECT_LOCALE]
    found = po_files(roots)
    for po_path in found:
        print(f"compiled {compile_po(po_path)}")
    if not found:
        print("no django.po files found under: " + ", ".join(map(str, roots)))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
