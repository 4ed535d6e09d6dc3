"""European Central Bank euro reference rates, data API ``format=csvdata``.

Columns are found by name (``CURRENCY``, ``TIME_PERIOD``, ``OBS_VALUE``; the full
SDMX csvdata also carries ``KEY``, ``CURRENCY_DENOM``, ``TITLE`` ... which are
allowed). Values are currency units per 1 EUR. Empty or ``NaN`` values are gaps.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from scrapers.parsers import ParseError
from scrapers.parsers._common import decode_text, parse_decimal, require_iso_code
from scrapers.parsers.types import RateObservation

SOURCE = "ecb"
RATE_TYPE = "official"
BASE = "EUR"
REQUIRED = ("CURRENCY", "TIME_PERIOD", "OBS_VALUE")
GAPS = {"", "nan", "na"}


def parse(content: bytes) -> list[RateObservation]:
    """One observation per (currency, day) row of an ECB EXR csvdata body."""
    text = decode_text(content, what="ECB csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ParseError("ECB csv: empty body")
    columns = _columns(header)
    observations = [
        observation
        for line, row in enumerate(reader, start=2)
        if row and (observation := _row(row, columns, len(header), line)) is not None
    ]
    if not observations:
        raise ParseError("ECB csv: no observations")
    return observations


def _columns(header: list[str]) -> dict[str, int]:
    names = [name.strip().upper() for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ParseError(f"ECB csv: missing column(s) {missing}; header is {header!r}")
    wanted = (*REQUIRED, "CURRENCY_DENOM", "FREQ")
    return {name: names.index(name) for name in wanted if name in names}


def _row(row: list[str], columns: dict[str, int], width: int, line: int) -> RateObservation | None:
    if len(row) != width:
        raise ParseError(f"ECB csv: line {line} has {len(row)} fields, expected {width}")
    where = f"ECB csv line {line}"
    if "CURRENCY_DENOM" in columns and row[columns["CURRENCY_DENOM"]].strip() != BASE:
        raise ParseError(f"{where}: denominator {row[columns['CURRENCY_DENOM']]!r} is not EUR")
    if "FREQ" in columns and row[columns["FREQ"]].strip() != "D":
        raise ParseError(f"{where}: frequency {row[columns['FREQ']]!r} is not daily")
    value = row[columns["OBS_VALUE"]].strip()
    if value.lower() in GAPS:
        return None
    try:
        as_of = date.fromisoformat(row[columns["TIME_PERIOD"]].strip())
    except ValueError as exc:
        raise ParseError(f"{where}: TIME_PERIOD is not a day: {row!r}") from exc
    rate = parse_decimal(value, what=where)
    if rate <= 0:
        raise ParseError(f"{where}: non-positive rate {value!r}")
    return RateObservation(
        base=BASE,
        quote=require_iso_code(row[columns["CURRENCY"]], what=where),
        rate=rate,
        rate_type=RATE_TYPE,
        source=SOURCE,
        as_of=as_of,
    )
