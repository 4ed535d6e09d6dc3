"""One digit system per language: the default numbering system of CLDR for the locale.

English, Urdu and Arabic (`ar`: CLDR's default is Latin) write 0-9; Dari, Pashto and
Iranian Persian write Extended Arabic-Indic digits (۰-۹, CLDR "arabext") and Bengali its
own digits (০-৯, "beng"). Babel formats numbers with the locale's symbols but always with
Latin digits, so the web formatter and the lesson checker both go through this module:
the formatter to write the digits, the checker to find text that mixes the systems.

Pure: no I/O.
"""

from __future__ import annotations

import re

# Language code (as in the web pages and lessons/) -> its digits 0-9, where not Latin.
NATIVE_DIGITS: dict[str, str] = {
    "fa-AF": "۰۱۲۳۴۵۶۷۸۹",
    "fa-IR": "۰۱۲۳۴۵۶۷۸۹",
    "ps": "۰۱۲۳۴۵۶۷۸۹",
    "bn": "০১২৩৪৫৬৭৮৯",
}
_TABLES = {lang: str.maketrans("0123456789", digits) for lang, digits in NATIVE_DIGITS.items()}

# Runs of Latin digits a reader of these languages should not see in running text. Left
# alone: digits inside a token that also holds Latin letters or is an address ("10.c",
# "CC BY 4.0" is handled by LATIN_NAMES, "https://…", "M-Paisa"), Markdown list markers
# ("1. " at the start of a line) and `code spans`.
_TOKEN = re.compile(r"\S+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LIST_MARKER = re.compile(r"^(\s*)(\d{1,3})([.)])(?=\s)", re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
# In Extended Arabic-Indic numbers the decimal and group separators are ٫ and ٬ (CLDR).
_SEPARATORS = {"۰": str.maketrans({".": "٫", ",": "٬"})}
# Names that carry Latin digits as part of the name.
LATIN_NAMES: tuple[str, ...] = ("CC BY 4.0", "ISO 4217")


def percent_sign(lang: str) -> str:
    """The percent sign written with `lang`'s digits (CLDR: ٪ with Extended Arabic-Indic)."""
    return "٪" if NATIVE_DIGITS.get(lang, "0")[0] == "۰" else "%"


def native_digits(lang: str) -> str | None:
    """The digits 0-9 of `lang`, or None when it writes Latin digits."""
    return NATIVE_DIGITS.get(lang)


def to_native(text: str, lang: str) -> str:
    """Every Latin digit in `text` written in `lang`'s digits (formatted numbers, dates)."""
    table = _TABLES.get(lang)
    return text.translate(table) if table else text


def _kept(text: str) -> list[tuple[int, int]]:
    """Spans of `text` whose Latin digits stay Latin."""
    spans = [m.span() for m in _CODE_SPAN.finditer(text)]
    spans += [m.span(2) for m in _LIST_MARKER.finditer(text)]
    for name in LATIN_NAMES:
        start = text.find(name)
        while start >= 0:
            spans.append((start, start + len(name)))
            start = text.find(name, start + 1)
    for m in _TOKEN.finditer(text):
        token = m.group()
        if "://" in token or _LATIN_LETTER.search(token):
            spans.append(m.span())
    return spans


def latin_digit_runs(text: str, lang: str) -> list[str]:
    """Latin digit runs in running text of a language that writes other digits."""
    if lang not in NATIVE_DIGITS:
        return []
    kept = _kept(text)
    return [
        m.group()
        for m in _DIGITS.finditer(text)
        if not any(a <= m.start() and m.end() <= b for a, b in kept)
    ]


def prose_to_native(text: str, lang: str) -> str:
    """`text` with the Latin digits that `latin_digit_runs` reports written natively."""
    table = _TABLES.get(lang)
    if table is None:
        return text
    kept = _kept(text)
    out: list[str] = []
    last = 0
    for m in _DIGITS.finditer(text):
        if any(a <= m.start() and m.end() <= b for a, b in kept):
            continue
        out.append(text[last : m.start()])
        number = m.group().translate(table)
        out.append(number.translate(_SEPARATORS.get(chr(table[ord("0")]), {})))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def to_latin(text: str) -> str:
    """Any Unicode decimal digit written 0-9 (for parsing what a reader typed)."""
    return "".join(str(int(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)
