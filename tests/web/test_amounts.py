"""Amounts typed as people type them (web.amounts): per-locale readings, ambiguity, errors,
and a round trip of every figure the pages print, in all six languages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from web.amounts import Ambiguous, AmountError, canonical, parse_amount
from web.formatting import Formatter
from web.i18n import LANGUAGES

D = Decimal


@pytest.mark.parametrize(
    ("raw", "lang", "expected"),
    [
        ("150,00", "en", D("150")),  # the DE->AF case read as 15,000 before
        ("150,00", "ps", D("150")),
        ("1,5", "en", D("1.5")),  # read as 15 before
        ("1,5", "fa-AF", D("1.5")),
        ("1.000,50", "en", D("1000.50")),
        ("1.000,50", "ps", D("1000.50")),
        ("1,000.50", "en", D("1000.50")),
        ("1,000.50", "ps", D("1000.50")),
        ("1,000", "en", D("1000")),  # English groups with commas
        ("1.000", "ps", D("1000")),  # Pashto groups with dots
        ("750,00", "ps", D("750")),  # the Pashto page printed SAR 750,00 and read 75,000
        ("1,000,000", "ur", D("1000000")),
        ("1.000.000", "en", D("1000000")),
        ("1,00,000", "bn", D("100000")),  # lakh grouping, as Bengali and Urdu print it
        ("0.500", "en", D("0.5")),
        ("200", "ar", D("200")),
        ("٢٠٠", "ar", D("200")),  # Arabic-Indic digits
        ("۲۰۰", "fa-AF", D("200")),  # Eastern Arabic-Indic (Persian) digits
        ("۷۵۰٫۵۰", "ps", D("750.50")),  # with the Arabic decimal sign
        ("١٬٠٠٠", "ar", D("1000")),  # with the Arabic thousands sign
        ("২০০", "bn", D("200")),  # Bengali digits
        ("১,০০০.৫০", "bn", D("1000.50")),
        (" 1 000,50 ", "en", D("1000.50")),
        ("\u200f200.00", "ar", D("200")),  # a direction mark copied from the page
        ("1.234", "en", D("1234")),  # 1.234 pounds cannot be: a thousands group
    ],
)
def test_reads_amounts_as_typed(raw: str, lang: str, expected: Decimal) -> None:
    value = parse_amount(raw, LANGUAGES[lang].babel, currency="GBP")
    assert value == expected


@pytest.mark.parametrize(
    ("raw", "lang"), [("1.000", "en"), ("1.000", "ur"), ("1.000", "bn"), ("1,000", "ps")]
)
def test_one_separator_and_three_digits_is_a_question(raw: str, lang: str) -> None:
    found = parse_amount(raw, LANGUAGES[lang].babel, currency="EUR")
    assert isinstance(found, Ambiguous)
    assert found.choices == (D("1000"), D("1"))


def test_three_decimal_currencies_read_the_locale_point_as_a_point() -> None:
    assert parse_amount("1.500", "en", currency="KWD") == D("1.5")
    assert parse_amount("1,500", "ps", currency="KWD") == D("1.5")
    assert parse_amount("1,500", "en", currency="KWD") == D("1500")


@pytest.mark.parametrize(
    ("raw", "msgid"),
    [
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("−5", "The amount must be more than zero."),
        ("abc", "Please enter an amount as a number, for example 200."),
        ("", "Please enter an amount as a number, for example 200."),
        ("1,2.3", "Please enter an amount as a number, for example 200."),
        ("1,0,0", "Please enter an amount as a number, for example 200."),
        ("£200", "Please type only the number, without a currency sign or code."),
        ("200 PKR", "Please type only the number, without a currency sign or code."),
        ("$ 20", "Please type only the number, without a currency sign or code."),
        ("2000000000", "This amount is too large."),
        ("1.2345", "Please use at most %(places)s decimal places."),
    ],
)
def test_rejects_what_is_not_an_amount(raw: str, msgid: str) -> None:
    with pytest.raises(AmountError) as err:
        parse_amount(raw, "en", currency="GBP")
    assert err.value.msgid == msgid


def test_too_many_decimal_places_names_the_limit() -> None:
    with pytest.raises(AmountError) as err:
        parse_amount("12.3456", "en", currency="GBP")
    assert err.value.msgid == "Please use at most %(places)s decimal places."
    assert err.value.values == {"places": 2}
    assert parse_amount("0", "en", allow_zero=True) == 0


MONEY = st.decimals(min_value=D("0.01"), max_value=D("999999999"), places=2)
WHOLE = st.integers(min_value=1, max_value=999_999_999)


@settings(max_examples=150, deadline=None)
@given(value=MONEY, lang=st.sampled_from(list(LANGUAGES)), native=st.booleans())
def test_round_trip_two_decimals_in_every_language(value: Decimal, lang: str, native: bool) -> None:
    """What the page prints (Babel, Latin or native digits) reads back as the same number."""
    babel = LANGUAGES[lang].babel
    system = "default" if native else "latn"
    text = format_decimal(value, format="#,##0.00", locale=babel, numbering_system=system)
    assert parse_amount(text, babel, currency="SAR") == value


@settings(max_examples=150, deadline=None)
@given(value=WHOLE, lang=st.sampled_from(list(LANGUAGES)), native=st.booleans())
def test_round_trip_whole_amounts_in_every_language(value: int, lang: str, native: bool) -> None:
    babel = LANGUAGES[lang].babel
    system = "default" if native else "latn"
    text = format_decimal(value, format="#,##0", locale=babel, numbering_system=system)
    assert parse_amount(text, babel, currency="GBP") == value


@settings(max_examples=100, deadline=None)
@given(value=MONEY, lang=st.sampled_from(list(LANGUAGES)))
def test_round_trip_of_the_page_money_figures(value: Decimal, lang: str) -> None:
    """The number inside fmt.money ('SAR 750,00' on the Pashto page, now 'SAR ۷۵۰٫۰۰' in
    Pashto's own digits and separators) reads back equal."""
    fmt = Formatter(LANGUAGES[lang])
    printed = fmt.money(value, "SAR")
    found = re.search(r"\d[\d.,\u066b\u066c]*\d|\d", printed)
    assert found is not None
    number = found.group(0)
    assert parse_amount(number, LANGUAGES[lang].babel, currency="SAR") == value


@settings(max_examples=150, deadline=None)
@given(
    value=st.decimals(min_value=D("0.001"), max_value=D("999999"), places=3),
    lang=st.sampled_from(list(LANGUAGES)),
    currency=st.sampled_from(["GBP", "KWD", None]),
)
def test_canonical_links_read_back_the_same_in_every_language(
    value: Decimal, lang: str, currency: str | None
) -> None:
    places = 3 if currency in (None, "KWD") else 2
    value = value.quantize(D(1).scaleb(-places))
    if value <= 0:
        return
    assert parse_amount(canonical(value), LANGUAGES[lang].babel, currency=currency) == value
