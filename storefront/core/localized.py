"""Model content is stored in Chinese with an optional English twin."""

from django.utils.translation import get_language


def pick(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


class LocalizedNameMixin:
    """`localized_name` shows name_en to English readers when it is filled in."""

    name: str
    name_en: str

    @property
    def localized_name(self) -> str:
        return pick(self.name, self.name_en)
