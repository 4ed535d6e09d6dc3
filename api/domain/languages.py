"""The languages the service speaks and how a request's language is chosen.

Pure data and functions (no I/O): the admin API, the command line and the pages
(`web/i18n.py`, which adds the gettext catalogs) all import them from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
