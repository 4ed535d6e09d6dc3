"""Languages, language negotiation and gettext catalogs read straight from the .po files.

The catalogs are the only source of UI text: `web/translations/<lang>/LC_MESSAGES/messages.po`.
They are parsed with Babel at first use (no compile step). A msgid that a catalog lacks, or
whose translation is empty or fuzzy, is rendered in English *and recorded* in `MISSING`; the
test suite fails on any such gap, so nothing falls back silently.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from markupsafe import Markup, escape

log = logging.getLogger("remit.web.i18n")

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # BCP 47 tag used in URLs, <html lang> and directory names
    babel: str  # Babel/CLDR locale id
    native: str  # the language's name in itself, for the language switch
    rtl: bool

    @property
    def dir(self) -> str:
        return "rtl" if self.rtl else "ltr"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "en", "English", rtl=False),
        Language("ur", "ur", "اردو", rtl=True),
        Language("fa-AF", "fa_AF", "دری", rtl=True),
        Language("fa-IR", "fa_IR", "فارسی", rtl=True),
        Language("ps", "ps", "پښتو", rtl=True),
        Language("bn", "bn", "বাংলা", rtl=False),
        Language("ar", "ar", "العربية", rtl=True),
    )
}
DEFAULT_LANGUAGE = "en"
_BY_LOWER = {code.lower(): code for code in LANGUAGES}
# Primary subtags that map onto one of our languages. Persian ("fa", "fa-IR") is served in
# the Persian of Iran; "fa-AF" and "prs" (ISO 639-3 for Dari) in Dari, the Persian of
# Afghanistan; "pbt"/"pbu" are Pashto.
_PRIMARY = {
    "en": "en",
    "ur": "ur",
    "fa": "fa-IR",
    "prs": "fa-AF",
    "ps": "ps",
    "pbt": "ps",
    "pbu": "ps",
    "bn": "bn",
    "ar": "ar",
}
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$|^\*$")

# (language code, msgid) pairs looked up but not translated; the tests assert it stays empty.
MISSING: set[tuple[str, str]] = set()
_missing_lock = threading.Lock()


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:1000].split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or not _TAG.match(tag):
            continue
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if 0 < q <= 1:
            weighted.append((-q, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def match_language(tag: str | None) -> str | None:
    """Our language code for a tag such as 'ur-PK', 'fa', 'FA-af' or 'prs'; None if unknown."""
    if not tag:
        return None
    lower = tag.strip().lower().replace("_", "-")
    if lower in _BY_LOWER:
        return _BY_LOWER[lower]
    return _PRIMARY.get(lower.split("-", 1)[0])


def negotiate(accept_language: str | None) -> str:
    for tag in parse_accept_language(accept_language):
        found = match_language(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE


def regions(accept_language: str | None) -> list[str]:
    """Region subtags in preference order ('en-GB, ar-SA' -> ['GB', 'SA'])."""
    out: list[str] = []
    for tag in parse_accept_language(accept_language):
        for sub in tag.split("-")[1:]:
            if len(sub) == 2 and sub.isalpha() and sub.upper() not in out:
                out.append(sub.upper())
    return out


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
