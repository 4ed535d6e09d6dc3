"""Maintain the gettext catalogs of the web pages.

    python -m web.i18n_tool extract   # print the msgids found in web/ (Python and templates)
    python -m web.i18n_tool update    # add new msgids to every catalog, mark removed ones
    python -m web.i18n_tool check     # exit 1 if any catalog lacks a translation

New msgids arrive untranslated (empty msgstr): the check, and the test suite, fail until
every language has a translation. English msgstrs are filled with the msgid.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from web.i18n import LANGUAGES, catalog_path

WEB_DIR = Path(__file__).resolve().parent
ROOT = WEB_DIR.parent
# Plain-language texts outside web/ that the API gives in English and the pages translate.
SHARED_SOURCES = ("api/domain/verdict.py",)
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS_MAP = {"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "N_": None}
HEADER = """\
# Silk Routes Remit web pages: {name} ({code}).
# Translations need review by a native speaker: they were drafted for the first release
# and have not yet been checked by a native speaker of {name_en}.
# Maintain with `python -m web.i18n_tool update`; `python -m web.i18n_tool check` fails on
# any missing or fuzzy translation."""
ENGLISH_NAMES = {
    "en": "English",
    "ur": "Urdu",
    "fa-AF": "Dari",
    "fa-IR": "Persian (Iran)",
    "ps": "Pashto",
    "bn": "Bengali",
    "ar": "Arabic",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extract() -> Catalog:
    """Every msgid used by the web pages, with its locations."""
    catalog = Catalog(project="silkroutes-remit web", fuzzy=False)
    found: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]
    found = extract_from_dir(
        str(WEB_DIR),
        method_map=METHOD_MAP,
        options_map=OPTIONS_MAP,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
    )
    for filename, lineno, message, comments, context in found:
        if filename.startswith("i18n_tool"):
            continue
        catalog.add(
            message,
            None,
            [(f"web/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    for name in SHARED_SOURCES:
        for lineno, message, comments, context in extract_from_file(
            "python", str(ROOT / name), keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            catalog.add(message, None, [(name, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(code: str) -> Catalog:
    path = catalog_path(code)
    with path.open("rb") as fh:
        return read_po(fh, locale=LANGUAGES[code].babel)


def write_catalog(code: str, catalog: Catalog) -> None:
    lang = LANGUAGES[code]
    catalog.header_comment = HEADER.format(
        name=lang.native, code=code, name_en=ENGLISH_NAMES.get(code, code)
    )
    catalog.project = "silkroutes-remit web"
    catalog.version = "0.1.0"
    catalog.fuzzy = False
    catalog.revision_date = datetime.now(UTC)
    for message in catalog:
        # Babel flags any text with a '%' followed by letters ("the 5% limit") as a Python
        # format; our texts are formatted only through named placeholders, so a text without
        # one is plain (otherwise `msgfmt -c` rejects every translation of it).
        if isinstance(message.id, str) and not PLACEHOLDER.search(message.id):
            message.flags.discard("python-format")
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, include_previous=False)
    path = catalog_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def update() -> None:
    for code, lang in LANGUAGES.items():
        template = extract()  # fresh per language: Catalog.update shares Message objects
        path = catalog_path(code)
        if path.exists():
            catalog = read_catalog(code)
        else:
            catalog = Catalog(locale=lang.babel, project="silkroutes-remit web")
        catalog.update(template, no_fuzzy_matching=True)
        if code == "en":
            for message in catalog:
                if message.id and isinstance(message.id, str):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        catalog.obsolete.clear()
        write_catalog(code, catalog)


def problems(template: Catalog | None = None) -> list[str]:
    """Every way a catalog falls short: missing, empty, fuzzy, placeholder mismatch."""
    template = template or extract()
    wanted = {m.id for m in template if m.id and isinstance(m.id, str)}
    out: list[str] = []
    for code in LANGUAGES:
        if not catalog_path(code).exists():
            out.append(f"{code}: no catalog at {catalog_path(code)}")
            continue
        catalog = read_catalog(code)
        by_id: dict[str, Message] = {m.id: m for m in catalog if m.id and isinstance(m.id, str)}
        for msgid in sorted(wanted):
            message = by_id.get(msgid)
            if message is None:
                out.append(f"{code}: missing msgid {msgid!r}")
            elif not message.string or not isinstance(message.string, str):
                out.append(f"{code}: untranslated {msgid!r}")
            elif message.fuzzy:
                out.append(f"{code}: fuzzy {msgid!r}")
            elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(message.string)):
                out.append(f"{code}: placeholders differ in {msgid!r}")
        for msgid in sorted(set(by_id) - wanted):
            out.append(f"{code}: unused msgid {msgid!r} (run update)")
        if "native speaker" not in (catalog.header_comment or ""):
            out.append(f"{code}: header does not say translations need native review")
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        for message in extract():
            if message.id:
                print(message.id)
        return 0
    if command == "update":
        update()
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
