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
from babel.numbers import NumberPattern, format_decimal, format_percent, get_currency_symbol
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


@lru_cache(maxsize=4096)
def _money_babel(code: str, rtl: bool, amount: Decimal, currency: str, lang: str = "") -> str:
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


@lru_cache(maxsize=4096)
def _percent_babel(code: str, value: Decimal, lang: str = "") -> str:
    text = format_percent(
        value / 100, format="#,##0.00%", locale=_locale(code), numbering_system="default"
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
