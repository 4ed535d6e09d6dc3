"""IMF representative exchange rates, ``rms_mth.aspx?...&reportType=REP&tsvflag=Y``.

A title line, then one or more tab-separated tables (the month is split in two
halves, the second titled "... Continued"): ``Currency <TAB> March 02, 2026 ...``
and one row per currency name, then a "Notes:" section. Values are currency
units per USD, except rows whose name ends in ``(1)``: USD per currency unit,
inverted here (28 significant digits) so every observation is quote per 1 USD.
``NA`` is a gap; "1,435.400000" has thousands separators. The U.S. dollar row
(always 1) is dropped.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from scrapers.parsers import ParseError
from scrapers.parsers._common import decode_text, divide, logger, parse_decimal
from scrapers.parsers.types import RateObservation

SOURCE = "imf"
RATE_TYPE = "official"
BASE = "USD"
GAPS = {"NA", "N/A", ""}
INVERTED_MARK = "(1)"
NOTES_MARK = "notes:"

#: IMF currency names (lower case, without the ``(1)`` mark) -> ISO 4217:
#: every name in the 2026-03 report, plus the Silk Routes currencies the IMF
#: lists in other months.
CURRENCIES: dict[str, str] = {
    "algerian dinar": "DZD",
    "australian dollar": "AUD",
    "botswana pula": "BWP",
    "brazilian real": "BRL",
    "brunei dollar": "BND",
    "canadian dollar": "CAD",
    "chilean peso": "CLP",
    "chinese yuan": "CNY",
    "czech koruna": "CZK",
    "danish krone": "DKK",
    "euro": "EUR",
    "indian rupee": "INR",
    "israeli new shekel": "ILS",
    "japanese yen": "JPY",
    "korean won": "KRW",
    "kuwaiti dinar": "KWD",
    "malaysian ringgit": "MYR",
    "mauritian rupee": "MUR",
    "mexican peso": "MXN",
    "new zealand dollar": "NZD",
    "norwegian krone": "NOK",
    "omani rial": "OMR",
    "peruvian sol": "PEN",
    "philippine peso": "PHP",
    "polish zloty": "PLN",
    "qatari riyal": "QAR",
    "saudi arabian riyal": "SAR",
    "singapore dollar": "SGD",
    "swedish krona": "SEK",
    "swiss franc": "CHF",
    "thai baht": "THB",
    "trinidadian dollar": "TTD",
    "u.a.e. dirham": "AED",
    "u.k. pound": "GBP",
    "u.s. dollar": "USD",
    "uruguayan peso": "UYU",
    # not in the recorded month, but published by the IMF in others
    "bahrain dinar": "BHD",
    "bangladeshi taka": "BDT",
    "iranian rial": "IRR",
    "pakistani rupee": "PKR",
    "russian ruble": "RUB",
    "south african rand": "ZAR",
    "sri lankan rupee": "LKR",
    "turkish lira": "TRY",
}


def parse(content: bytes) -> list[RateObservation]:
    """Every non-NA value of every table, as ``USD -> currency`` rates."""
    text = decode_text(content, what="IMF tsv")
    lines = text.splitlines()
    if not any(line.strip().lower() == NOTES_MARK for line in lines):
        raise ParseError("IMF tsv: no 'Notes:' section after the tables (truncated body?)")
    observations: list[RateObservation] = []
    tables = 0
    dates: list[date] | None = None
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if cells[0].strip() == "Currency":
            dates = _header_dates(cells, number)
            tables += 1
        elif not line.strip() or cells[0].strip().lower() == NOTES_MARK:
            dates = None  # a table ends at a blank line or at the notes
        elif dates is not None:
            observations.extend(_row(cells, dates, number))
    if tables == 0:
        raise ParseError("IMF tsv: no 'Currency <TAB> <dates>' header line")
    if not observations:
        raise ParseError("IMF tsv: tables hold no values")
    return observations


def _header_dates(cells: list[str], number: int) -> list[date]:
    dates = []
    for text in cells[1:]:
        try:
            dates.append(datetime.strptime(text.strip(), "%B %d, %Y").date())
        except ValueError as exc:
            raise ParseError(f"IMF tsv line {number}: {text!r} is not a date") from exc
    if not dates:
        raise ParseError(f"IMF tsv line {number}: header has no dates")
    return dates


def _currency(name: str, number: int) -> tuple[str | None, bool]:
    """(ISO code or None if unknown, inverted?) for a row name."""
    name = name.strip()
    inverted = name.endswith(INVERTED_MARK)
    if inverted:
        name = name[: -len(INVERTED_MARK)].strip()
    if re.search(r"\(\d+\)$", name):
        raise ParseError(f"IMF tsv line {number}: unknown footnote mark in {name!r}")
    return CURRENCIES.get(name.lower()), inverted


def _row(cells: list[str], dates: list[date], number: int) -> list[RateObservation]:
    if len(cells) != len(dates) + 1:
        raise ParseError(f"IMF tsv line {number}: {len(cells) - 1} values for {len(dates)} dates")
    code, inverted = _currency(cells[0], number)
    if code is None:
        logger.warning("IMF tsv line %s: unknown currency %r skipped", number, cells[0])
        return []
    if code == BASE:
        return []
    observations = []
    for text, as_of in zip(cells[1:], dates, strict=True):
        if text.strip().upper() in GAPS:
            continue
        value = parse_decimal(text, what=f"IMF tsv line {number} {code} {as_of}")
        if value <= 0:
            raise ParseError(f"IMF tsv line {number}: non-positive value {text!r}")
        rate = divide(Decimal(1), value) if inverted else value
        observations.append(_observation(code, rate, as_of))
    return observations


def _observation(code: str, rate: Decimal, as_of: date) -> RateObservation:
    return RateObservation(
        base=BASE, quote=code, rate=rate, rate_type=RATE_TYPE, source=SOURCE, as_of=as_of
    )
