"""Stable, shareable slugs. Django's slugify drops Chinese characters, so
Chinese names are transliterated to pinyin first."""

from django.db.models import Model
from django.utils.text import slugify

SLUG_MAX_LENGTH = 80


def pinyin(text: str) -> list[str]:
    """'活黄鱼' -> ['huo', 'huang', 'yu']; other characters pass through."""
    # Imported on first use: pypinyin loads its phrase dictionary (~1 s) at
    # import, which every process start (commands, workers, tests) would pay.
    from pypinyin import lazy_pinyin

    return lazy_pinyin(text or "", errors="default")


def slug_base(text: str, *, fallback: str = "item") -> str:
    """'斑斓海岸 活黄鱼' -> 'ban-lan-hai-an-huo-huang-yu'."""
    words = pinyin(text)
    base = slugify(" ".join(words))[: SLUG_MAX_LENGTH - 8].strip("-")
    return base or slugify(fallback)[: SLUG_MAX_LENGTH - 8] or "item"


def unique_slug(model: type[Model], text: str, *, fallback: str = "item") -> str:
    """A slug for a new row of `model`, suffixed -2, -3 … until unused."""
    base = slug_base(text, fallback=fallback)
    taken = set(
        model._default_manager.filter(slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
