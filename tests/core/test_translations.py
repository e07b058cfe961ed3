"""The catalogues are complete: every string on screen has its Chinese and English text.

`depot manage i18n_update` brings them up to date; see docs/development.md.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import unfold

SRC = Path(__file__).resolve().parents[2] / "src" / "depot"
UNFOLD = Path(unfold.__file__).resolve().parent
CATALOGUES = {
    "en": SRC / "locale" / "en" / "LC_MESSAGES" / "django.po",
    "zh_Hans": SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    "zh_Hans (Unfold)": SRC / "core" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
}
# What a translation must carry over from its msgid: %-placeholders, {}-placeholders and HTML tags.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdfir]|%[sdfir]|\{[^{}]*\}|</?[a-zA-Z][^>]*>")


@pytest.mark.parametrize("name", CATALOGUES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(name):
    po = polib.pofile(str(CATALOGUES[name]))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == [], f"{name}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("name", CATALOGUES)
def test_compiled_catalogue_matches_its_source(name):
    po_path = CATALOGUES[name]
    with open(po_path.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    po = polib.pofile(str(po_path))
    stale = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if mo._catalog.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert stale == [], f"{name}: .mo is older than .po (run depot manage i18n_update), e.g. {stale[:5]}"


@pytest.mark.parametrize("name", CATALOGUES)
def test_translations_keep_the_placeholders_and_markup_of_their_msgid(name):
    broken = []
    for entry in polib.pofile(str(CATALOGUES[name])).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                broken.append(entry.msgid)
    assert broken == [], f"{name}: placeholders or tags differ, e.g. {broken[:5]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext")
@pytest.mark.parametrize(("package", "name"), [(SRC, "en"), (UNFOLD, "zh_Hans (Unfold)")])
def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path, package, name):
    copy = tmp_path / package.name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po", "locale"))
    (copy / "locale").mkdir()
    subprocess.run(
        ["django-admin", "makemessages", "-l", "en", "--no-location", "--ignore=migrations/*"],
        cwd=copy, check=True, capture_output=True, env={"PATH": _path(), "DJANGO_SETTINGS_MODULE": ""},
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    known = {e.msgid for e in polib.pofile(str(CATALOGUES[name]))}
    assert sorted(extracted - known) == [], "run depot manage i18n_update and translate the new entries"


def _path() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
