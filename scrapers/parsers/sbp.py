"""State Bank of Pakistan: "Daily Average Banks' Floating Exchange Rates".

``BFER_Daily.xlsx`` (current month) and ``BFER_Daily_Arch.xlsx`` (archive) share
one wide layout: a header row ``Country / Monetary Union | Currency | <date> ...``
then one row per currency, values in Pak Rupees per currency unit (weighted
average interbank rates). The parser walks every sheet and every header row it
finds, so an archive with more (or repeated) header blocks parses the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from scrapers.parsers import ParseError
from scrapers.parsers._common import cell, cell_decimal, excel_date, load_rows, logger
from scrapers.parsers.types import RateObservation

SOURCE = "sbp"
RATE_TYPE = "interbank"
QUOTE = "PKR"
_CURRENCY_COLUMN = 1  # column B holds the currency name
_FIRST_DATE_COLUMN = 2  # dates run from column C

#: SBP's currency labels (lower-cased, single-spaced) -> ISO 4217. Both the
#: misspellings of the current file and the spellings seen in the archive.
CURRENCIES: dict[str, str] = {
    "australian dollar": "AUD",
    "bahraini dinar": "BHD",
    "canadian dollar": "CAD",
    "chinese yuan": "CNY",
    "danish krone": "DKK",
    "euro": "EUR",
    "hong kong dollar": "HKD",
    "hongkong dollar": "HKD",
    "japanese yen": "JPY",
    "japnese yen": "JPY",
    "kuwaiti dinar": "KWD",
    "malaysian ringgit": "MYR",
    "new zealand dollar": "NZD",
    "norwegian krone": "NOK",
    "omani riyal": "OMR",
    "qatari riyal": "QAR",
    "saudi arabian riyal": "SAR",
    "singapore dollar": "SGD",
    "singaporian dollar": "SGD",
    "swedish krona": "SEK",
    "swedish krone": "SEK",
    "swiss franc": "CHF",
    "thai baht": "THB",
    "thai bhat": "THB",
    "turkish lira": "TRY",
    "uae dirham": "AED",
    "u.a.e. dirham": "AED",
    "uk pound sterling": "GBP",
    "u.k. pound sterling": "GBP",
    "u.s. dollar": "USD",
    "us dollar": "USD",
}

Row = Sequence[object]


def parse(content: bytes) -> list[RateObservation]:
    """Every (currency, date) value of an SBP BFER workbook, PKR per unit."""
    sheets = load_rows(content, what="SBP BFER workbook")
    observations: list[RateObservation] = []
    headers_seen = 0
    for title, rows in sheets.items():
        found, sheet_observations = _parse_sheet(title, rows)
        headers_seen += found
        observations.extend(sheet_observations)
    if headers_seen == 0:
        raise ParseError("SBP BFER workbook: no 'Currency' header row with dates found")
    if not observations:
        raise ParseError("SBP BFER workbook: header found but no rates under it")
    return observations


def _normalise(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip().lower()


def _is_header(row: Row) -> bool:
    label = cell(row, _CURRENCY_COLUMN)
    return isinstance(label, str) and _normalise(label) == "currency"


def _header_dates(row: Row, where: str) -> dict[int, date]:
    dates: dict[int, date] = {}
    for index in range(_FIRST_DATE_COLUMN, len(row)):
        value = row[index]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        parsed = excel_date(value)
        if parsed is None:
            raise ParseError(
                f"SBP BFER workbook: {where} column {index + 1} is not a date: {value!r}"
            )
        dates[index] = parsed
    if not dates:
        raise ParseError(f"SBP BFER workbook: {where} header row has no dates")
    return dates


def _parse_sheet(title: str, rows: list[tuple[object, ...]]) -> tuple[int, list[RateObservation]]:
    observations: list[RateObservation] = []
    dates: dict[int, date] | None = None
    headers = 0
    for number, row in enumerate(rows, start=1):
        where = f"sheet {title!r} row {number}"
        if _is_header(row):
            dates = _header_dates(row, where)
            headers += 1
        elif dates is not None:
            observations.extend(_parse_row(row, dates, where))
    return headers, observations


def _parse_row(row: Row, dates: dict[int, date], where: str) -> list[RateObservation]:
    values = {index: cell_decimal(cell(row, index), what=f"SBP {where}") for index in dates}
    numbers = {index: value for index, value in values.items() if value is not None}
    if not numbers:
        return []  # blank, footer ("Contact Person: ...") or an all-holiday row
    label = cell(row, _CURRENCY_COLUMN)
    if not isinstance(label, str) or not label.strip():
        raise ParseError(f"SBP BFER workbook: {where} has rates but no currency name")
    code = CURRENCIES.get(_normalise(label))
    if code is None:
        logger.warning("SBP BFER workbook: %s: unknown currency %r skipped", where, label)
        return []
    return [
        RateObservation(
            base=code,
            quote=QUOTE,
            rate=rate,
            rate_type=RATE_TYPE,
            source=SOURCE,
            as_of=dates[index],
        )
        for index, rate in numbers.items()
        if rate > 0
    ]
