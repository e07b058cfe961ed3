"""`depot manage i18n_update [--check]`: bring the translation catalogues up to date with the code.

- `locale/en` and `locale/zh_Hans`: every msgid in Depot's code and templates (migrations aside),
  existing translations kept, strings no longer in the code dropped. In `zh_Hans` a Chinese msgid is
  its own translation; new `en` entries (and non-Chinese msgids in `zh_Hans`) are left for a translator.
- `core/locale/zh_Hans`: the installed Unfold's strings in Chinese, existing translations kept, new
  ones taken from Django's own Chinese catalogue when Django has the same msgid.
- Every `.mo` is compiled, then each catalogue's untranslated (or fuzzy) entries are counted;
  `--check` makes the command fail when there are any.

New entries never get a guessed ("fuzzy") translation: a changed msgid is a new, empty entry.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import depot

DEPOT = Path(depot.__file__).resolve().parent
LANGUAGES = ("en", "zh_Hans")
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "Simplified Chinese"}
PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "zh_Hans": "nplurals=1; plural=0;"}
HEADER_HOWTO = "Run `depot manage i18n_update` after changing strings, then translate the empty entries."
# Han characters, CJK punctuation and full-width forms: a msgid with any of them is Chinese.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def depot_catalogue(language: str) -> Path:
    return DEPOT / "locale" / language / "LC_MESSAGES" / "django.po"


UNFOLD_CATALOGUE = DEPOT / "core" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


class Command(BaseCommand):
    help = "Update Depot's translation catalogues from the code and the installed Unfold, compile them."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="exit with status 1 when any entry still lacks a translation")

    def handle(self, *args, check=False, verbosity=1, **options):
        polib = _polib()
        if shutil.which("xgettext") is None:
            raise CommandError("GNU gettext is needed to extract strings (Debian: apt install gettext).")
        import unfold

        depot_template = _extract(polib, DEPOT)
        unfold_template = _extract(polib, Path(unfold.__file__).resolve().parent)

        catalogues = {}
        for language in LANGUAGES:
            fill = _chinese_is_its_own_translation if language == "zh_Hans" else None
            catalogues[language] = _merge(polib, depot_template, depot_catalogue(language), language, fill,
                                          header=f"Depot's interface in {LANGUAGE_NAMES[language]}.")
        django_chinese = _django_chinese(polib)
        catalogues["zh_Hans (Unfold)"] = _merge(
            polib, unfold_template, UNFOLD_CATALOGUE, "zh_Hans",
            lambda entry: _copy_translation(django_chinese.get(_key(entry)), entry),
            header="django-unfold's interface in Simplified Chinese.",
        )

        missing_total = 0
        for name, path in catalogues.items():
            _compile(polib, path)
            po = polib.pofile(str(path))
            missing = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
            missing_total += len(missing)
            self.stdout.write(f"{name}: {len(po)} entries, {len(missing)} untranslated "
                              f"({path.relative_to(DEPOT.parent)})")
            if verbosity >= 2:
                for entry in missing:
                    self.stdout.write(f"    {entry.msgid!r}")
        if check and missing_total:
            raise CommandError(f"{missing_total} entries lack a translation.")


def _polib():
    try:
        import polib
    except ImportError:
        raise CommandError("This command needs polib: pip install polib (or pip install -e '.[test]').") from None
    return polib


def _extract(polib, package: Path):
    """The msgids of a package's Python files and templates, as makemessages finds them."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / package.name
        # Without its locale folders the copy's strings all go to one catalogue, whatever app they are in.
        shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po", "locale"))
        (copy / "locale").mkdir()
        result = subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "--locale=en", "--keep-pot", "--no-location",
             "--ignore=migrations/*"],
            cwd=copy, env={**os.environ, "DJANGO_SETTINGS_MODULE": ""}, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"makemessages failed on {package}:\n{result.stderr}")
        return polib.pofile(str(copy / "locale" / "django.pot"))


def _key(entry) -> tuple:
    return entry.msgctxt, entry.msgid, entry.msgid_plural


def _nplurals(po) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(found.group(1)) if found else 2


def _merge(polib, template, path: Path, language: str, fill=None, *, header: str) -> Path:
    """Write `path` with exactly the template's entries, keeping the translations it already has."""
    if path.exists():
        old = polib.pofile(str(path))
        known = {_key(e): e for e in old if not e.obsolete}
    else:
        old, known = None, {}
    po = polib.POFile(wrapwidth=100)
    po.header = old.header if old else f"{header}\n{HEADER_HOWTO}"
    po.metadata = dict(old.metadata) if old else {
        "Project-Id-Version": "Depot",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS[language],
    }
    nplurals = _nplurals(po)
    for source in template:
        entry = polib.POEntry(
            msgctxt=source.msgctxt, msgid=source.msgid, msgid_plural=source.msgid_plural,
            comment=source.comment, flags=[f for f in source.flags if f != "fuzzy"],
        )
        if source.msgid_plural:
            entry.msgstr_plural = dict.fromkeys(range(nplurals), "")
        previous = known.get(_key(source))
        if previous is not None:
            _copy_translation(previous, entry)
            entry.tcomment = previous.tcomment
            if "fuzzy" in previous.flags:
                entry.flags.append("fuzzy")
        if fill is not None and not entry.translated():
            fill(entry)
        po.append(entry)

    text = str(po) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def _copy_translation(source, entry) -> None:
    if source is None:
        return
    if entry.msgid_plural:
        forms = source.msgstr_plural
        if all(forms.get(i) for i in entry.msgstr_plural):
            entry.msgstr_plural = {i: forms[i] for i in entry.msgstr_plural}
    elif source.msgstr:
        entry.msgstr = source.msgstr


def _chinese_is_its_own_translation(entry) -> None:
    if not CHINESE.search(entry.msgid):
        return
    if entry.msgid_plural:
        entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, entry.msgid_plural)
    else:
        entry.msgstr = entry.msgid


def _django_chinese(polib) -> dict:
    """Django's own Chinese translations (admin first, as it takes precedence at run time)."""
    import django

    root = Path(django.__file__).resolve().parent
    table: dict = {}
    for folder in (root / "contrib" / "admin" / "locale", root / "conf" / "locale"):
        messages = folder / "zh_Hans" / "LC_MESSAGES"
        if (messages / "django.po").exists():
            catalogue = polib.pofile(str(messages / "django.po"))
        elif (messages / "django.mo").exists():
            catalogue = polib.mofile(str(messages / "django.mo"))
        else:
            continue
        for entry in catalogue:
            if entry.translated() and not entry.obsolete and "fuzzy" not in entry.flags:
                table.setdefault(_key(entry), entry)
    return table


def _compile(polib, po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        return
    result = subprocess.run([msgfmt, "--check-format", "-o", str(mo_path), str(po_path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"msgfmt rejected {po_path}:\n{result.stderr}")
