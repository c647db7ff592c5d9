"""Saleor's languages: `LanguageCodeEnum` and `translation(languageCode:)`.

The shop's own language is Chinese: the plain fields (`name`, `description`)
are Chinese, and the English names are the EN translation. A translation is
null where Saleor's would be (no translation in that language): for Chinese,
and for any language the shop does not speak, so a client falls back to the
plain Chinese fields."""

import graphene

from .language_codes import LANGUAGE_CODES

LanguageCodeEnum = graphene.Enum(
    "LanguageCodeEnum", [(code, code) for code in LANGUAGE_CODES]
)

# Saleor's display names for the two the shop speaks.
LANGUAGE_NAMES = {"EN": "English", "ZH_HANS": "简体中文"}


def english(language_code) -> bool:
    """True for EN and its regional forms (EN_US, EN_GB, ...)."""
    code = getattr(language_code, "value", language_code) or ""
    return code == "EN" or code.startswith("EN_")


class LanguageDisplay(graphene.ObjectType):
    code = graphene.Field(LanguageCodeEnum, required=True)
    language = graphene.String(required=True)


def language_display(code: str = "EN") -> LanguageDisplay:
    return LanguageDisplay(code=code, language=LANGUAGE_NAMES.get(code, code))
