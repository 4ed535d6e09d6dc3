"""Numbers, money, percentages, dates and ages formatted per locale with Babel (CLDR).

Values arrive already rounded for display by `api.http.present`; this module only lays
them out the way each language writes them. Nothing here computes a cost.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import NumberPattern, format_decimal, format_percent, get_currency_symbol
from markupsafe import Markup, escape

from api.domain.money import minor_units
from api.domain.numerals import percent_sign, to_native
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


# Formatting is pure in (locale, value): a page formats the same fees, rates and
# percentages again and again, so the results are kept (bounded) per process.
@lru_cache(maxsize=16384)
def _money(code: str, rtl: bool, amount: Decimal, currency: str, lang: str = "") -> str:
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


@lru_cache(maxsize=16384)
def _percent(code: str, value: Decimal, lang: str = "") -> str:
    text = format_percent(
        value / 100, format="#,##0.00%", locale=_locale(code), numbering_system="default"
    )
    return to_native(text, lang).replace("%", percent_sign(lang))


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
