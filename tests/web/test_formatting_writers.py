"""The money and percentage writers (web/formatting.py: one kind of figure in one language,
made once, used by web/lean_page.py for every figure of a page) write Babel's own text,
the text `Formatter.money` and `Formatter.pct` write, in every language and currency, for
edge values too; escaped as Jinja escapes it when asked."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from markupsafe import escape

from web import formatting
from web.formatting import Formatter, money_writer, pct_writer
from web.i18n import LANGUAGES

CURRENCIES = ("USD", "PKR", "GBP", "EUR", "BDT", "AFN", "IRR", "JPY", "KWD", "AED", "IQD", "TND")
EDGES = [
    "0",
    "0.00",
    "-0",
    "-0.00",
    "0.005",
    "-0.005",
    "0.015",
    "0.125",
    "0.135",
    "1",
    "1.5",
    "1.005",
    "12.345678",
    "1234.5678912345",
    "-1234.56",
    "999999.995",
    "1E+3",
    "1E-7",
    "1000000000",
    "1000000000.00",
    "-1000000000.00",
    "123456789012.34",
    "1234567890123456789012.34",
    "0.1234567890123456789012345678901",
]


def values(places: int, rnd: random.Random) -> list[Decimal]:
    out = [Decimal(v) for v in EDGES]
    for _ in range(40):  # what the page writes: the currency's decimals, any digit count
        value = Decimal(rnd.randint(0, 10 ** rnd.randint(1, 13))).scaleb(-places)
        out.append(value * rnd.choice([1, 1, -1]))
    return out


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_money_writers_write_babels_text(code: str) -> None:
    language, rnd = LANGUAGES[code], random.Random(code)
    fmt = Formatter(language)
    for ccy in CURRENCIES:
        write, html = money_writer(language, ccy), money_writer(language, ccy, html=True)
        # Made fast (not the Formatter's own path) wherever Babel's text allows it.
        assert write.__name__.startswith("write") == (ccy != "IRR"), (code, ccy)
        for value in values(formatting.minor_units(ccy), rnd):
            text = fmt.money(value, ccy)
            if ccy != "IRR":
                babel = formatting._money_babel(
                    language.babel, language.rtl, value, ccy, language.code
                )
                assert text == babel, (code, ccy, value)
            assert write(value) == text, (code, ccy, value)
            assert html(value) == str(escape(text)), (code, ccy, value)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_percentage_writers_write_babels_text(code: str) -> None:
    language, rnd = LANGUAGES[code], random.Random(code)
    fmt = Formatter(language)
    write, html = pct_writer(language), pct_writer(language, html=True)
    assert write.__name__.startswith("write"), code
    for places in (2, 4, 4, 6, 9):  # the presenters give four (x.xx50: halves)
        for value in values(places, rnd):
            babel = formatting._percent_babel(language.babel, value, language.code)
            assert fmt.pct(value) == babel, (code, value)
            assert write(value) == babel, (code, value)
            assert html(value) == str(escape(babel)), (code, value)


def test_zero_and_minus_zero_are_kept_apart() -> None:
    """0 and -0 are equal Decimals (one key of a cache) but Babel writes -0 with its sign:
    whichever is written first, each keeps its own text."""
    fmt = Formatter(LANGUAGES["en"])
    for first, second in (("-0.00", "0.00"), ("0.00", "-0.00")):
        texts = [fmt.money(Decimal(v), "USD") for v in (first, second)]
        assert texts == [("-" if v.startswith("-") else "") + "$0.00" for v in (first, second)]
    assert [fmt.pct(Decimal(v)) for v in ("-0", "0")] == ["-0.00%", "0.00%"]


def test_a_writer_whose_probe_text_it_cannot_lay_out_is_the_slow_path() -> None:
    """A locale whose text the writer cannot take apart gets the Formatter's path."""

    def odd(value: Decimal) -> str:  # digits in the symbol: "1,000.00" twice
        return f"1,000.00 {value:f}"

    write = formatting._number_writer(odd, odd, "en", 2, (3, 3), False, False)
    assert write is odd
    assert formatting._regroup("1234567", 3, 2) == "12,34,567"
    assert formatting._regroup("123", 3, 2) == "123"
