"""The cells and framing of every CSV export, as pure functions on text.

The same rules are compiled to SQL for the database paths of the quotes export
(`api/storage/exports.py`); tests prove both give the same bytes for the same rows.

- A text cell starting with = + - @ TAB or CR is *neutralised*: it gets a leading
  apostrophe, so a spreadsheet shows it as text and never evaluates it as a formula.
- A field containing a comma, a double quote, CR or LF is quoted (quotes doubled), so no
  character in a cell can end a record or a field; every other field is written as is.
  NULL and the empty string are both an empty field. Records end with LF. A text cell
  ends at a NUL character, if it holds one (SQLite's printf and GLOB stop there).
- Decimals are written in plain notation; rounded for display (`round_text`) half-even,
  exactly, on the decimal text, without a negative zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_SPECIALS = (",", '"', "\r", "\n")
BOM = "\ufeff"  # UTF-8 byte-order mark: Excel otherwise reads the file as a legacy code page
NEWLINE = "\n"
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 19)}


def neutralise(text: str) -> str:
    """Spreadsheet formula-injection guard: a leading apostrophe on a text cell starting
    with = + - @ TAB or CR."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_field(text: str | None) -> str:
    """One CSV field: quoted (quotes doubled) when it holds , " CR or LF. Text ends at a
    NUL character (U+0000), as in SQLite's text functions (PostgreSQL cannot store one)."""
    if not text:
        return ""
    if "\x00" in text:
        text = text.partition("\x00")[0]
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def text_field(text: str | None) -> str:
    """A text cell as a CSV field: neutralised, then framed."""
    if text and "\x00" in text:
        text = text.partition("\x00")[0]
    return csv_field(neutralise(text)) if text else ""


def is_plain_number(text: str) -> bool:
    """True for plain decimal notation ("-12.50", "3"), the form every stored decimal has
    (no exponent, no NaN or infinity)."""
    digits = text[1:] if text.startswith("-") else text
    head, _, tail = digits.partition(".")
    return head.isdigit() and head.isascii() and (not tail or (tail.isdigit() and tail.isascii()))


def round_text(text: str, places: int) -> str:
    """A plain decimal's text rounded half-even to `places` decimals, exactly ("0.5" ->
    "0.5000", "3.253000028" -> "3.2530"); no negative zero. Text that is not a plain
    number (NaN, Infinity) is returned as is."""
    if not is_plain_number(text):
        return text
    dot = text.find(".")
    have = 0 if dot < 0 else len(text) - dot - 1
    if have == places:
        return text
    if have < places:
        return text + ("." if dot < 0 else "") + "0" * (places - have)
    with localcontext(prec=len(text) + places + 2):
        value = Decimal(text).quantize(_QUANTA[places], rounding=ROUND_HALF_EVEN)
    out = format(value, "f")
    return out[1:] if out.startswith("-") and not value else out


def round_decimal(value: Decimal, places: int) -> Decimal:
    """`round_text` for a Decimal (finite values only; others are returned as they are)."""
    if not value.is_finite():
        return value
    return Decimal(round_text(format(value, "f"), places))


def decimal_field(text: str | None) -> str:
    """A decimal cell as a CSV field: plain numbers as they are, anything else (NaN,
    Infinity, '-Infinity') treated as text (neutralised)."""
    if not text:
        return ""
    return text if is_plain_number(text) else text_field(text)
