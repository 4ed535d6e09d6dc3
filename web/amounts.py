"""Amounts as people type them, read with the page's locale (Babel/CLDR). Pure: no I/O.

`parse_amount("1.000,50", "ps")` -> Decimal("1000.50"). Both separators are accepted where
the reading is unambiguous ("150,00", "1.000,50", "1,000.50", native digits such as "۱۵۰"
or "১৫০"). Where a lone separator is followed by exactly three digits and it is not the
locale's grouping sign ("1.000" on an English page), it could mean a thousand or one, so
the result is `Ambiguous` and the page asks instead of guessing.

Anything that is not an amount raises `AmountError` carrying a msgid (and its values) for
the message shown next to the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

from api.domain.money import minor_units
from web.i18n import N_

MAX_AMOUNT = Decimal(1_000_000_000)
MAX_PLACES = 3  # when the currency is not known
NOT_A_NUMBER = N_("Please enter an amount as a number, for example 200.")
NOT_POSITIVE = N_("The amount must be more than zero.")
TOO_LARGE = N_("This amount is too large.")
NO_CURRENCY_SIGN = N_("Please type only the number, without a currency sign or code.")
TOO_MANY_PLACES = N_("Please use at most %(places)s decimal places.")

# Separators with a fixed meaning whatever the locale (Arabic decimal and thousands signs).
_DECIMAL_MARK = "\u066b"
_GROUP_MARK = "\u066c"
# Characters people type or paste between digit groups, dropped.
_DROP = {" ", "\u00a0", "\u202f", "\u2009", "'", "\u2019", "_"}
# Direction marks copied along with a figure printed on a right-to-left page.
_MARKS = {"\u200e", "\u200f", "\u061c", "\u2066", "\u2067", "\u2068", "\u2069"}
_COMMAS = {",": ",", "\u060c": ",", "\uff0c": ","}
_MINUS = {"-", "\u2212", "\u2012", "\u2013", "\u2014"}
_SHAPE = re.compile(r"^[0-9.,DG]+$")
_LETTER_OR_SYMBOL = re.compile(r"[^\W\d_]|[\u00a2-\u00a5\u20a0-\u20cf$\ufdfc]", re.UNICODE)


class AmountError(ValueError):
    """Not an amount: `msgid` (translated by the page) with its placeholder values."""

    def __init__(self, msgid: str, **values: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.values = values


@dataclass(frozen=True)
class Ambiguous:
    """'1.000' on a page where it may mean one thousand or one: ask which."""

    raw: str
    as_thousands: Decimal  # the separator read as a thousands separator
    as_decimal: Decimal  # the separator read as a decimal point
    choices: tuple[Decimal, Decimal] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", (self.as_thousands, self.as_decimal))


@lru_cache(maxsize=32)
def separators(locale: str) -> tuple[str, str]:
    """(decimal, group) signs of the locale in Latin digits, as the pages print numbers."""
    loc = Locale.parse(locale.replace("-", "_"))
    return get_decimal_symbol(loc), get_group_symbol(loc)


def _normalise(raw: str, decimal: str, group: str) -> str:
    """ASCII digits; '.' and ',' as typed; D/G for signs whose meaning is fixed."""
    out: list[str] = []
    for ch in raw.strip():
        if ch in _MARKS or ch in _DROP:
            continue
        if ch == _DECIMAL_MARK:
            out.append("D")
        elif ch == _GROUP_MARK:
            out.append("G")
        elif ch in _COMMAS:
            out.append(",")
        elif ch in "._":
            out.append(ch)
        else:
            digit = unicodedata.decimal(ch, None)
            out.append(str(digit) if digit is not None else ch)
    return "".join(out)


def _valid_groups(parts: list[str]) -> bool:
    """'1,000,000' (threes) or '1,00,000' (South Asian lakh grouping: twos, then three)."""
    head, rest = parts[0], parts[1:]
    if not rest or not 1 <= len(head) <= 3 or not head.isdigit():
        return False
    if all(len(p) == 3 and p.isdigit() for p in rest):
        return True
    *twos, last = rest
    return len(last) == 3 and last.isdigit() and all(len(p) == 2 and p.isdigit() for p in twos)


def _number(integer: str, fraction: str = "") -> Decimal:
    text = (integer or "0") + ("." + fraction if fraction else "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise AmountError(NOT_A_NUMBER) from None


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _read(text: str, decimal: str, group: str, places: int) -> Decimal | tuple[Decimal, Decimal]:
    """The number in `text` (digits, '.', ',', D, G), or both readings when ambiguous."""
    if "D" in text:  # an Arabic decimal sign: everything else before it is grouping
        integer, _, fraction = text.partition("D")
        integer = re.sub(r"[.,G]", "", integer)
        if (integer and not integer.isdigit()) or (fraction and not fraction.isdigit()):
            raise AmountError(NOT_A_NUMBER)
        return _number(integer, fraction)
    text = text.replace("G", group if group in ".," else ",")
    kinds = [k for k in ".," if k in text]
    if not kinds:
        return _number(text)
    if len(kinds) == 2:  # '1.000,50' or '1,000.50': the last sign is the decimal point
        mark = text[max(text.rfind("."), text.rfind(","))]
        sep = "," if mark == "." else "."
        integer, _, fraction = text.rpartition(mark)
        if mark in integer or not fraction.isdigit() or not _valid_groups(integer.split(sep)):
            raise AmountError(NOT_A_NUMBER)
        return _number(integer.replace(sep, ""), fraction)
    sep = kinds[0]
    parts = text.split(sep)
    if len(parts) > 2:  # '1,000,000': grouping only
        if not _valid_groups(parts):
            raise AmountError(NOT_A_NUMBER)
        return _number("".join(parts))
    integer, fraction = parts
    if len(fraction) != 3 or not integer or not _valid_groups(parts):
        if (fraction and not fraction.isdigit()) or (integer and not integer.isdigit()):
            raise AmountError(NOT_A_NUMBER)
        return _number(integer, fraction)  # '150,00', '1,5', '0.5': a decimal point
    thousands, point = _number(integer + fraction), _number(integer, fraction)
    if integer.strip("0") == "":  # '0.500'
        return point
    if sep == group:  # '1,000' on an English page, '1.000' on a Pashto one
        return thousands
    if sep == decimal and places == 3:  # KWD 1.500: the page itself prints three places
        return point
    if _decimal_places(point) > places:  # '1.234' in pounds can only be 1,234
        return thousands
    return thousands, point


def parse_amount(
    raw: str,
    locale: str,
    *,
    currency: str | None = None,
    allow_zero: bool = False,
    limit: Decimal = MAX_AMOUNT,
) -> Decimal | Ambiguous:
    """A positive amount typed on a page in `locale`, in `currency` if known."""
    decimal, group = separators(locale)
    places = minor_units(currency) if currency else MAX_PLACES
    places = max(places, 0)
    text = _normalise(raw, decimal, group)
    if not text or len(text) > 40:
        raise AmountError(NOT_A_NUMBER)
    if text[0] in _MINUS:
        raise AmountError(NOT_POSITIVE)
    if not _SHAPE.match(text):
        if _LETTER_OR_SYMBOL.search(text) and re.search(r"\d", text):
            raise AmountError(NO_CURRENCY_SIGN)
        raise AmountError(NOT_A_NUMBER)
    if not re.search(r"\d", text):
        raise AmountError(NOT_A_NUMBER)
    found = _read(text, decimal, group, places)
    if isinstance(found, tuple):
        for value in found:
            _check(value, places, allow_zero, limit)
        return Ambiguous(raw.strip(), found[0], found[1])
    _check(found, places, allow_zero, limit)
    return found


def _check(value: Decimal, places: int, allow_zero: bool, limit: Decimal) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise AmountError(NOT_POSITIVE)
    if value > limit:
        raise AmountError(TOO_LARGE)
    if _decimal_places(value) > places:
        raise AmountError(TOO_MANY_PLACES, places=places)


def canonical(value: Decimal) -> str:
    """The amount as links and form fields carry it, read back the same in every locale:
    ASCII digits, '.' as the decimal point, no grouping, never exactly three decimals
    (a trailing zero is added: '1.2340'), so it cannot be taken for a thousands group."""
    text = format(value.normalize(), "f")
    if "." in text:
        whole, frac = text.split(".")
        if len(frac) == 3:
            text = f"{whole}.{frac}0"
    return text
