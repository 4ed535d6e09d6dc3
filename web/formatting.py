"""Numbers, money, percentages, dates and ages formatted per locale with Babel (CLDR).

Values arrive already rounded for display by `api.http.present`; this module only lays
them out the way each language writes them. Nothing here computes a cost.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import (
    NumberPattern,
    format_decimal,
    format_percent,
    get_currency_symbol,
    parse_pattern,
)
from markupsafe import Markup, escape

from api.domain.money import minor_units
from api.domain.numerals import percent_sign, to_native
from api.domain.periods import period_start
from web.i18n import N_, Language, translator

# CLDR puts no space between an ISO code and the digits in some patterns ("PKR74,111");
# its currency-spacing rule says to add one, which Babel does not do.
_CODE_THEN_DIGIT = re.compile(r"([A-Za-z])(\d)")
_DIGIT_THEN_CODE = re.compile(r"(\d)([A-Za-z])")
_LATIN = re.compile(r"[A-Za-z]")
# First-strong isolate ... pop directional isolate: keeps a symbol such as "UK£" in one
# piece inside a right-to-left amount (otherwise Arabic pages show "£UK 200.00").
FSI, PDI = "\u2068", "\u2069"


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=256)
def _money_pattern(code: str, places: int) -> NumberPattern:
    pattern: NumberPattern = copy.copy(_locale(code).currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return pattern


# Formatting is pure in (locale, value). An amount or percentage with a layout (below) is
# its digits put into a kept format string, cheaper than looking it up in a cache of texts
# (most figures of a page at a new amount are new values, and a miss costs about half again
# as much); what Babel formats itself (zero, odd values) is kept (bounded) per process.
def _money(code: str, rtl: bool, amount: Decimal, currency: str, lang: str = "") -> str:
    places = minor_units(currency)
    key = _layout_key(amount, places)
    if key is not None:
        layout = _money_layout(code, rtl, currency, lang, *key[:2])
        if layout is not None:
            return layout.format(*to_native(key[2], lang))
    return _money_babel(code, rtl, amount, currency, lang)


def _money_babel(code: str, rtl: bool, amount: Decimal, currency: str, lang: str = "") -> str:
    # Kept by sign too: 0 and -0 are equal (one key) but Babel writes -0 with a minus.
    return _money_signed(code, rtl, amount, currency, lang, amount.is_signed())


@lru_cache(maxsize=4096)
def _money_signed(
    code: str, rtl: bool, amount: Decimal, currency: str, lang: str, signed: bool
) -> str:
    locale = _locale(code)
    pattern = _money_pattern(code, minor_units(currency))
    text = pattern.apply(
        amount, locale, currency=currency, currency_digits=False, numbering_system="default"
    )
    text = to_native(text, lang)
    text = _CODE_THEN_DIGIT.sub("\\1\u00a0\\2", text)
    text = _DIGIT_THEN_CODE.sub("\\1\u00a0\\2", text)
    if rtl:
        symbol = get_currency_symbol(currency, locale)
        if _LATIN.search(symbol) and symbol in text:
            text = text.replace(symbol, FSI + symbol + PDI, 1)
    return text


# Digits: one system per language, CLDR's default numbering system (api.domain.numerals);
# Babel writes the locale's separators for it but always Latin digits.
@lru_cache(maxsize=16384)
def _decimal(code: str, value: Decimal | int, fmt: str, lang: str = "") -> str:
    text = format_decimal(value, format=fmt, locale=_locale(code), numbering_system="default")
    return to_native(text, lang)


def _percent(code: str, value: Decimal, lang: str = "") -> str:
    # Babel rounds the percentage to two decimals in the current context (half even);
    # exactly so when the value has a few decimals (the presenters give four).
    exact = value.is_finite() and abs(value) < 10**15 and value == value.quantize(_MICRO)
    key = _layout_key(value.quantize(_CENT), 2) if exact else None
    if key is not None:
        layout = _percent_layout(code, lang, *key[:2])
        if layout is not None:
            return layout.format(*to_native(key[2], lang))
    return _percent_babel(code, value, lang)


PERCENT_FORMAT = "#,##0.00%"
_PERCENT = parse_pattern(PERCENT_FORMAT)


def _percent_babel(code: str, value: Decimal, lang: str = "") -> str:
    return _percent_signed(code, value, lang, value.is_signed())  # as `_money_babel`


@lru_cache(maxsize=4096)
def _percent_signed(code: str, value: Decimal, lang: str, signed: bool) -> str:
    text = format_percent(
        value / 100, format=PERCENT_FORMAT, locale=_locale(code), numbering_system="default"
    )
    return to_native(text, lang).replace("%", percent_sign(lang))


# A figure's text depends on its digits only through their count: Babel writes the same
# signs, separators and symbol around every amount with the same sign and the same number
# of integer digits (at fixed decimals). So each such layout is asked of Babel once, with
# two probes (all 1s, all 2s) whose texts must differ exactly where the digits go, and kept
# as a format string; an amount is then its digits put in place (tests/web/test_amounts.py
# compares with Babel's own text). Anything else (more decimals than shown, zero) is
# formatted by Babel.
def _layout_key(value: Decimal, places: int) -> tuple[bool, int, str] | None:
    """(negative, integer digits, the digits) of a nonzero value with at most `places`
    decimals; None otherwise."""
    if not value.is_finite() or not value:
        return None
    quantum = _QUANTA.get(places)
    if quantum is None:
        return None
    shown = value.quantize(quantum)
    if shown != value:
        return None
    # With at most six decimals `str` writes a nonzero value's exponent -places plainly,
    # as format "f" does (scientific notation only for an exponent above 0 or an adjusted
    # exponent below -6).
    text = str(shown)
    negative = text[0] == "-"
    whole, _, frac = (text[1:] if negative else text).partition(".")
    return negative, len(whole), whole + frac


def _layout(probe: Callable[[Decimal], str], negative: bool, whole: int, places: int) -> str | None:
    """The format string of the texts `probe` writes for this sign and digit count."""
    texts = []
    for digit in "12":
        value = Decimal(digit * whole + ("." + digit * places if places else ""))
        texts.append(probe(-value if negative else value))
    one, two = texts
    if len(one) != len(two):
        return None
    spots = [i for i, (a, b) in enumerate(zip(one, two, strict=True)) if a != b]
    if len(spots) != whole + places:
        return None
    out, start = [], 0
    for i in spots:
        out.append(one[start:i].replace("{", "{{").replace("}", "}}") + "{}")
        start = i + 1
    out.append(one[start:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


@lru_cache(maxsize=4096)
def _money_layout(
    code: str, rtl: bool, currency: str, lang: str, negative: bool, whole: int
) -> str | None:
    def probe(value: Decimal) -> str:
        return _money_babel(code, rtl, value, currency, lang)

    return _layout(probe, negative, whole, minor_units(currency))


@lru_cache(maxsize=1024)
def _percent_layout(code: str, lang: str, negative: bool, whole: int) -> str | None:
    return _layout(lambda value: _percent_babel(code, value, lang), negative, whole, 2)


_CENT, _MICRO = Decimal("0.01"), Decimal("0.000001")
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


# Iranians count in toman (10 rials); every amount and rate in rials shows it beside.
RIALS_PER_TOMAN = 10
TOMAN = N_("%(amount)s toman")


class Formatter:
    def __init__(self, language: Language) -> None:
        self.language = language
        self.locale = _locale(language.babel)

    # -- numbers ---------------------------------------------------------------------------
    def money(self, amount: Decimal, currency: str) -> str:
        """An amount with its currency, in the locale's pattern, to the currency's minor units."""
        language = self.language
        text = _money(language.babel, language.rtl, amount, currency, language.code)
        if currency == "IRR":
            text = f"{text} ({self.tomans(amount)})"
        return text

    def tomans(self, rials: Decimal, rate: bool = False) -> str:
        """An amount (or an exchange rate) in rials, in toman: '100,000 toman'."""
        toman = Decimal(rials) / RIALS_PER_TOMAN
        places = 0 if toman == toman.to_integral_value() else 1
        shown = self.rate(toman) if rate else self.number(toman, places)
        return str(translator(self.language.code).gettext(TOMAN, amount=shown))

    def number(self, value: Decimal | int, places: int = 0) -> str:
        fmt = "#,##0" + ("." + "0" * places if places else "")
        return _decimal(self.language.babel, value, fmt, self.language.code)

    def pct(self, value: Decimal) -> str:
        """A percentage given in percent units (1.35 -> '1.35%'), two decimals."""
        return _percent(self.language.babel, value, self.language.code)

    def rate(self, value: Decimal) -> str:
        """An exchange rate: four decimals, more when the rate is below 1."""
        fmt = "#,##0.####" if value >= 1 else "#,##0.########"
        return _decimal(self.language.babel, value, fmt, self.language.code)

    # -- bidi-isolated markup ---------------------------------------------------------------
    def bdi(self, text: str) -> Markup:
        """Text isolated from the surrounding direction (amounts inside RTL sentences)."""
        return Markup("<bdi>%s</bdi>") % escape(text)

    def money_bdi(self, amount: Decimal, currency: str) -> Markup:
        return self.bdi(self.money(amount, currency))

    def rate_bdi(self, base: str, quote: str, value: Decimal) -> Markup:
        text = f"{self.number(1)} {base} = {self.rate(value)} {quote}"
        if quote == "IRR":
            text += f" ({self.tomans(value, rate=True)})"
        return self.bdi(text)

    # -- dates -------------------------------------------------------------------------------
    def day(self, value: date | datetime) -> str:
        text = format_date(value, format="medium", locale=self.locale)
        return to_native(text, self.language.code)

    def quarter(self, period: str) -> str:
        """A survey quarter in the locale's month names: "2025Q1" -> "Jan – Mar 2025"."""
        start = period_start(period)
        last = date(start.year, start.month + 2, 1)
        return (
            format_date(start, format="MMM", locale=self.locale)
            + " – "
            + format_date(last, format="MMM y", locale=self.locale)
        )

    def age(self, then: datetime, now: datetime) -> str:
        """'3 hours ago', in the locale's words."""
        delta = max(now - then, timedelta(0))
        text = format_timedelta(
            -delta, granularity="minute", add_direction=True, locale=self.locale
        )
        return to_native(text, self.language.code)

    def duration(self, delta: timedelta) -> str:
        text = format_timedelta(delta, granularity="hour", locale=self.locale)
        return to_native(text, self.language.code)

    def duration_hours(self, hours: int) -> str:
        return self.duration(timedelta(hours=hours))

    # -- names ---------------------------------------------------------------------------------
    def country(self, code: str) -> str:
        return str(self.locale.territories.get(code.upper(), code.upper()))

    def currency_name(self, code: str) -> str:
        return str(self.locale.currencies.get(code.upper(), code.upper()))


# -- writers: one kind of figure in one language, many values ------------------------------
# A page written from its shape (web/lean_page.py) writes a hundred figures per request, of
# a few kinds (USD amounts, PKR amounts, percentages). A writer is one kind in one language:
# Python's own `format` gives the digits (grouped by threes, or regrouped as the pattern
# says), one `str.translate` the locale's separators and digits, and the sign's prefix and
# suffix, as Babel wrote them around a probe, go around them. A writer is checked against
# Babel's text (every digit count, both signs, zero, halves) when it is made and is not used
# if any differs; and it writes only what it is sure of (an amount with exactly the
# currency's decimals, a percentage of a few digits), the rest through the Formatter's own
# path. tests/web/test_formatting_writers.py compares them with Babel's text.
_LIMIT = 24  # characters of a number a writer writes (Babel normalises to 28 digits)
_Write = Callable[[Decimal], str]


def _escaped(write: _Write) -> _Write:
    return lambda value: str(escape(write(value)))


def _regroup(whole: str, primary: int, secondary: int) -> str:
    """Latin digits grouped with commas as Babel groups: `primary` digits last, then
    `secondary` at a time (3, 3: thousands; 3, 2: lakhs)."""
    if len(whole) <= primary:
        return whole
    head, groups = whole[:-primary], [whole[-primary:]]
    while len(head) > secondary:
        groups.append(head[-secondary:])
        head = head[:-secondary]
    groups.append(head)
    return ",".join(reversed(groups))


def _probes(places: int) -> list[Decimal]:
    """Values a writer must write as Babel does: every digit count, both signs, zero."""
    out = [Decimal(0).scaleb(-places), Decimal("1.5"), Decimal("0.125"), Decimal("0.135")]
    for n in range(1, 14):
        for digits in ("1" * n, "9" * n, "1234567890123"[:n]):
            out.append(Decimal(digits + ("." + "50505"[:places] if places else "")))
    out += [Decimal("0.005"), Decimal("0.015"), Decimal("1E+3"), Decimal("1234.56789")]
    return out + [-v for v in out]


def _number_writer(
    babel: _Write,
    slow: _Write,
    lang: str,
    places: int,
    grouping: tuple[int, int],
    rounds: bool,
    html: bool,
) -> _Write:
    """`slow` (which writes what `babel` writes: Babel's text) made fast where it can be.
    `rounds`: a value with more decimals than `places` is rounded (half even, as Babel
    rounds; else it is written by `slow`); `html`: the text escaped as Jinja escapes it."""

    fallback = _escaped(slow) if html else slow
    probe = Decimal(1000).quantize(_QUANTA[places])  # 1000.00
    latin = format(probe, ",f")  # "1,000.00"
    shown = {sign: babel(sign * probe) for sign in (1, -1)}
    digits = to_native("0123456789", lang)
    spots = [i for i, c in enumerate(shown[1]) if c in digits]
    number = shown[1][spots[0] : spots[-1] + 1] if spots else ""  # as the locale writes it
    if len(number) != len(latin):
        return fallback
    seps = {",": number[1], ".": number[-1 - places] if places else "."}
    table = str.maketrans({**seps, **dict(zip("0123456789", digits, strict=True))})
    if latin.translate(table) != number:
        return fallback
    affixes = []
    for text in shown.values():
        if text.count(number) != 1:
            return fallback
        before, _, after = text.partition(number)
        affixes.append((str(escape(before)), str(escape(after))) if html else (before, after))
    (pre, suf), (neg_pre, neg_suf) = affixes
    latin_only = all(chr(k) == v for k, v in table.items())
    threes = grouping == (3, 3)
    spec = ("," if threes else "") + (f".{places}f" if rounds else "f")
    primary, secondary = grouping
    cut = places + 1

    def lay(text: str) -> str:
        """A number as `format(value, spec)` wrote it, as the locale writes it."""
        if text[0] == "-":
            before, after, text = neg_pre, neg_suf, text[1:]
        else:
            before, after = pre, suf
        if not threes:
            whole, dot, frac = text.partition(".")
            text = _regroup(whole, primary, secondary) + dot + frac
        return before + (text if latin_only else text.translate(table)) + after

    if threes and latin_only:  # most pages: the signs and the affixes only

        def lay(text: str) -> str:
            if text[0] == "-":
                return neg_pre + text[1:] + neg_suf
            return pre + text + suf

    def write(value: Decimal) -> str:
        text = format(value, spec)
        # Only a finite value with exactly `places` decimals, of a few digits.
        if text[-1] > "9" or not places < len(text) <= _LIMIT:
            return fallback(value)
        if (text[-cut] != ".") if places else ("." in text):
            return fallback(value)
        return lay(text)

    def write_rounded(value: Decimal) -> str:
        exact = format(value, "f")
        if len(exact) > _LIMIT or exact[-1] > "9":  # long, or not a finite value
            return fallback(value)
        return lay(format(value, spec))

    if rounds:
        write = write_rounded

    for value in _probes(places):
        if write(value) != fallback(value) or fallback(value) != (
            str(escape(babel(value))) if html else babel(value)
        ):
            return fallback
    return write


@lru_cache(maxsize=512)
def money_writer(language: Language, currency: str, html: bool = False) -> _Write:
    """`Formatter(language).money(value, currency)` for many values (escaped if `html`)."""
    code, rtl, lang = language.babel, language.rtl, language.code
    fmt = Formatter(language)
    places = minor_units(currency)

    def babel(value: Decimal) -> str:
        return _money_babel(code, rtl, value, currency, lang)

    def slow(value: Decimal) -> str:
        return fmt.money(value, currency)

    if currency == "IRR" or places not in _QUANTA:  # IRR: with its toman beside
        return _escaped(slow) if html else slow
    grouping = _money_pattern(code, places).grouping
    return _number_writer(babel, slow, lang, places, grouping, False, html)


@lru_cache(maxsize=64)
def pct_writer(language: Language, html: bool = False) -> _Write:
    """`Formatter(language).pct(value)` for many values (escaped if `html`)."""
    code, lang = language.babel, language.code

    def babel(value: Decimal) -> str:
        return _percent_babel(code, value, lang)

    def slow(value: Decimal) -> str:
        return _percent(code, value, lang)

    return _number_writer(babel, slow, lang, 2, _PERCENT.grouping, True, html)
