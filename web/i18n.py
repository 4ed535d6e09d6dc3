"""Languages, language negotiation and gettext catalogs read straight from the .po files.

The catalogs are the only source of UI text: `web/translations/<lang>/LC_MESSAGES/messages.po`.
They are parsed with Babel at first use (no compile step). A msgid that a catalog lacks, or
whose translation is empty or fuzzy, is rendered in English *and recorded* in `MISSING`; the
test suite fails on any such gap, so nothing falls back silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from markupsafe import Markup, escape

from api.domain.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from api.domain.languages import LANGUAGES as LANGUAGES
from api.domain.languages import Language as Language
from api.domain.languages import match_language as match_language
from api.domain.languages import negotiate as negotiate
from api.domain.languages import parse_accept_language as parse_accept_language
from api.domain.languages import regions as regions

log = logging.getLogger("remit.web.i18n")

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


# (language code, msgid) pairs looked up but not translated; the tests assert it stays empty.
MISSING: set[tuple[str, str]] = set()
_missing_lock = threading.Lock()


def catalog_path(code: str) -> Path:
    return TRANSLATIONS_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def messages(code: str) -> Mapping[str, str]:
    """msgid -> translation for one language; untranslated and fuzzy entries are left out."""
    path = catalog_path(code)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[code].babel)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not isinstance(message.id, str):
            continue
        if isinstance(message.string, str) and message.string:
            out[message.id] = message.string
    return out


class Translator:
    """gettext for one language. Returns Markup: the translation and every argument are
    HTML-escaped, so a value passed in (say a query parameter) can never become markup,
    while Markup arguments (e.g. an amount already wrapped in <bdi>) stay as they are."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._messages = messages(language.code)

    def gettext(self, msgid: str, /, **values: object) -> Markup:
        text = self._messages.get(msgid)
        if text is None:
            with _missing_lock:
                if (self.language.code, msgid) not in MISSING:
                    log.warning("no %s translation for %r", self.language.code, msgid)
                MISSING.add((self.language.code, msgid))
            text = msgid
        out = escape(text)
        return out % values if values else out

    __call__ = gettext


def translator(code: str) -> Translator:
    return Translator(LANGUAGES[code])


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return msgid
