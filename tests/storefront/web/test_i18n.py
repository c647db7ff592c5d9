"""Chinese by default, English on request, and complete committed catalogues."""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from storefront.web.i18n_compile import compile_po

TEMPLATES = Path(settings.BASE_DIR) / "storefront" / "web" / "templates"
ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# templatize() turns a template into the pseudo-Python that makemessages reads:
# every {% translate %} / {% blocktranslate %} becomes gettext(u'...').
_CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")
_LITERAL = re.compile(r"""\s*,?\s*(u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))""")


def template_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for call in _CALL.finditer(source):
            literals, pos = [], call.end()
            while match := _LITERAL.match(source, pos):
                literals.append(ast.literal_eval(match.group(1)))
                pos = match.end()
            kind = call.group(1)
            context = literals.pop(0) if kind.startswith(("pgettext", "npg")) else None
            found.add((context, literals[0]))
    return found


def test_template_scan_sees_translate_and_blocktranslate():
    msgids = {msgid for _, msgid in template_msgids()}

    assert "Search" in msgids
    assert "Results for “%(query)s”" in msgids
    assert len(msgids) > 40


def test_every_template_string_has_a_chinese_translation():
    catalogue = {
        (entry.msgctxt, entry.msgid): entry
        for entry in polib.pofile(str(ZH_PO))
        if not entry.obsolete
    }

    missing = sorted(
        msgid
        for key in template_msgids()
        for msgid in [key[1]]
        if key not in catalogue
        or not catalogue[key].msgstr.strip()
        or catalogue[key].fuzzy
    )

    assert missing == [], "untranslated (add to django.po, then compile)"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(ZH_PO)):
        wanted = sorted(re.findall(r"%\(\w+\)s", entry.msgid))
        assert sorted(re.findall(r"%\(\w+\)s", entry.msgstr)) == wanted, entry.msgid


def _entries(mo_path: Path) -> dict:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.mofile(str(mo_path))
    }


@pytest.mark.parametrize(
    "po_path",
    sorted((Path(settings.BASE_DIR) / "locale").glob("*/LC_MESSAGES/django.po")),
    ids=lambda path: path.parent.parent.name,
)
def test_committed_mo_matches_po(po_path, tmp_path):
    committed = po_path.with_suffix(".mo")
    assert committed.exists(), "run: python -m storefront.web.i18n_compile"

    fresh = compile_po(po_path, tmp_path / "django.mo")

    assert _entries(committed) == _entries(fresh), (
        "stale .mo: run python -m storefront.web.i18n_compile"
    )


@pytest.mark.django_db
def test_default_language_is_chinese(client, shop):
    html = client.get(reverse("web:home")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert ">搜索</button>" in html
    assert "品牌" in html
    assert ">登录</a>" in html


@pytest.mark.django_db
def test_switching_to_english_and_back(client, shop):
    product_url = reverse("web:product", args=[shop.product.slug])

    response = client.get(reverse("web:language", args=["en"]), {"next": product_url})

    assert response.status_code == 302
    assert response["Location"] == product_url
    html = client.get(product_url).content.decode()
    assert '<html lang="en">' in html
    assert ">Search</button>" in html
    assert "In stock" in html and "Only a few left" in html
    assert "Food label (GB 7718)" in html
    assert "有货" not in html and ">搜索</button>" not in html
    assert f'href="/language/zh-hans/?next={product_url}' in html

    client.get(reverse("web:language", args=["zh-hans"]), {"next": "/"})
    assert ">搜索</button>" in client.get(product_url).content.decode()


@pytest.mark.django_db
def test_404_page_follows_the_language(client):
    client.get(reverse("web:language", args=["en"]))

    response = client.get(reverse("web:brand", args=["nope"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_chinese_even_for_a_browser_set_to_english(client):
    """The shop is Chinese first: Accept-Language alone does not switch it."""
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "搜索" in response.content.decode()


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_chinese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-evil"
    response = client.get("/")
    assert response.headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.get("/language/xx/").status_code == 404
    response = client.get(
        reverse("web:language", args=["en"]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_django_set_language_form_still_works(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()
