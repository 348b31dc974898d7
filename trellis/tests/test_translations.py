"""The Spanish catalog ships compiled; these catch a .po edited but not compiled."""

import ast
import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def entries(po: Path) -> dict[str, str]:
    found = {}
    for msgid, msgstr in ENTRY.findall(po.read_text(encoding="utf-8")):
        key = "".join(ast.literal_eval(line) for line in msgid.splitlines())
        if key:
            found[key] = "".join(ast.literal_eval(line) for line in msgstr.splitlines())
    return found


@pytest.fixture(scope="module")
def spanish():
    po = LOCALE / "es" / "LC_MESSAGES" / "django.po"
    with (po.with_suffix(".mo")).open("rb") as mo:
        return entries(po), gettext.GNUTranslations(mo)


def test_every_message_has_a_spanish_translation(spanish):
    po, _ = spanish
    untranslated = [msgid for msgid, msgstr in po.items() if not msgstr]
    assert untranslated == []


def test_the_compiled_catalog_matches_the_translations(spanish):
    po, mo = spanish
    stale = [msgid for msgid, msgstr in po.items() if mo.gettext(msgid) != msgstr]
    assert stale == []


def test_placeholders_survive_translation(spanish):
    po, _ = spanish
    placeholder = re.compile(r"%\(\w+\)s")
    broken = [
        msgid
        for msgid, msgstr in po.items()
        if sorted(set(placeholder.findall(msgid))) != sorted(set(placeholder.findall(msgstr)))
    ]
    assert broken == []


def test_every_plural_message_has_its_spanish_forms():
    text = (LOCALE / "es" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert re.findall(r'^msgstr\[\d\] ""\n(?!")', text, re.M) == []
