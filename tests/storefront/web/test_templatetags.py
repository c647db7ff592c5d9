"""Template helpers format money through the one formatter and pick languages."""

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from storefront.web.i18n_compile import main as compile_main
from storefront.web.templatetags.catalog import attribute_items, bilingual


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("fen", "shown"),
    [(1280, "¥12.80"), (5, "¥0.05"), (128000, "¥1,280.00"), (None, ""), ("", "")],
)
def test_fen_filter(fen, shown):
    assert render("{% load money %}{{ value|fen }}", value=fen) == shown


def test_bilingual_picks_the_active_language():
    with translation.override("zh-hans"):
        assert bilingual("生产加工 Production and processing") == "生产加工"
    with translation.override("en"):
        assert bilingual("生产加工 Production and processing") == (
            "Production and processing"
        )
        assert bilingual("储存条件 storage") == "Storage"
        assert bilingual("单语") == "单语"


def test_attribute_items_flattens_values():
    assert attribute_items({"产地": "象山", "方式": ["网", "钓"], "n": 3}) == [
        ("产地", "象山"),
        ("方式", "网、钓"),
        ("n", "3"),
    ]
    assert attribute_items(["not", "a", "dict"]) == []


def test_compile_script_writes_mo_next_to_po(tmp_path):
    po_dir = tmp_path / "fr" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Search", msgstr="Chercher"))
    po.save(str(po_dir / "django.po"))

    assert compile_main([str(tmp_path)]) == 0

    mo = polib.mofile(str(po_dir / "django.mo"))
    assert {e.msgid: e.msgstr for e in mo} == {"Search": "Chercher"}


def test_compile_script_reports_nothing_to_do(tmp_path):
    assert compile_main([str(tmp_path)]) == 1
