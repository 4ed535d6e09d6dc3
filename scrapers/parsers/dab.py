"""Da Afghanistan Bank: ``/exchange-rates?field_date_value=YYYY-MM-DD`` (HTML).

The page holds two tables with the same columns
``Currency | Cash (Sell) | Cash (Buy) | Transfer (Sell) | Transfer (Buy)``:
the day's rates under the heading "Exchange Rates" (parsed) and the previous
month's "Average Rates" (ignored). Values are AFN per currency unit, except the
"IRAN Toman" row: 1 toman = 10 IRR, so it is divided by 10 and emitted as IRR.
A holiday renders "There were no results" instead of the table: that is the one
case where an empty list is returned.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import lxml.html
from lxml import etree

from scrapers.parsers import ParseError
from scrapers.parsers._common import consistent_pair, divide, logger, midpoint, parse_decimal
from scrapers.parsers.types import RateObservation

SOURCE = "dab"
RATE_TYPE = "official"
QUOTE = "AFN"
RATES_HEADING = "exchange rates"
NO_RESULTS = "there were no results"

#: Row labels with currency symbols stripped, upper-cased -> ISO 4217.
LABELS: dict[str, str] = {
    "USD": "USD",
    "EURO": "EUR",
    "POUND": "GBP",
    "SWISS": "CHF",
    "INDIAN RS.": "INR",
    "PAKISTAN RS.": "PKR",
    "IRAN TOMAN": "IRR",
    "CNY": "CNY",
    "UAE DIRHAM": "AED",
    "SAUDI RIYAL": "SAR",
}
#: Source units per ISO unit (the page quotes IRR per toman = 10 rials).
UNITS: dict[str, Decimal] = {"IRR": Decimal(10)}

#: Header text -> (variant, side).
COLUMNS: dict[str, tuple[str, str]] = {
    "cash (sell)": ("cash", "sell"),
    "cash (buy)": ("cash", "buy"),
    "transfer (sell)": ("transfer", "sell"),
    "transfer (buy)": ("transfer", "buy"),
}
VARIANTS = ("cash", "transfer")


def parse(content: bytes, as_of: date | None = None) -> list[RateObservation]:
    """The day's DAB rates; ``as_of`` (the requested date) wins over the page's date."""
    document = _document(content)
    table = _rates_table(document)
    if table is None:
        if NO_RESULTS in _text(document).lower():
            logger.info("DAB: page says there were no results (holiday)")
            return []
        raise ParseError("DAB page: no table under the 'Exchange Rates' heading")
    day = as_of or _page_date(document)
    columns = _columns(table)
    observations: list[RateObservation] = []
    for cells in _body_rows(table, len(columns)):
        observations.extend(_row_observations(cells, columns, day))
    if not observations:
        raise ParseError("DAB page: rates table has no usable rows")
    return observations


def _document(content: bytes) -> etree._Element:
    if not content.strip():
        raise ParseError("DAB page: empty body")
    if b"</html>" not in content[-4096:].lower():
        raise ParseError("DAB page: body truncated (no closing </html>)")
    try:
        return lxml.html.fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"DAB page: not parseable HTML ({exc})") from exc


def _text(element: etree._Element) -> str:
    return re.sub(r"\s+", " ", str(element.text_content())).replace("\ufeff", "").strip()


def _rates_table(document: etree._Element) -> etree._Element | None:
    tables = [
        table
        for table in document.iter("table")
        if any(_text(h).lower() == RATES_HEADING for h in table.xpath("preceding::h2[1]"))
    ]
    if len(tables) > 1:
        raise ParseError("DAB page: several tables under the 'Exchange Rates' heading")
    return tables[0] if tables else None


def _page_date(document: etree._Element) -> date:
    for value in document.xpath("//input[@name='field_date_value']/@value"):
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            continue
    match = re.search(r"Last updated:\s*(\d{1,2} [A-Za-z]+ \d{4})", _text(document))
    if match:
        try:
            return datetime.strptime(match.group(1), "%d %B %Y").date()
        except ValueError:
            pass
    raise ParseError("DAB page: no date in the page and no as_of given")


def _columns(table: etree._Element) -> list[tuple[str, str] | None]:
    headers = [_text(th).lower() for th in table.xpath(".//thead//th")]
    if not headers:
        raise ParseError("DAB page: rates table has no header row")
    columns: list[tuple[str, str] | None] = []
    for header in headers:
        if header == "currency":
            columns.append(None)
        elif header in COLUMNS:
            columns.append(COLUMNS[header])
        else:
            raise ParseError(f"DAB page: unexpected column {header!r}")
    if headers[0] != "currency" or sorted(filter(None, columns)) != sorted(COLUMNS.values()):
        raise ParseError(f"DAB page: unexpected columns {headers!r}")
    return columns


def _body_rows(table: etree._Element, width: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for tr in table.xpath(".//tbody/tr"):
        cells = [_text(td) for td in tr.xpath("./td")]
        if len(cells) != width:
            raise ParseError(f"DAB page: row {cells!r} has {len(cells)} cells, expected {width}")
        rows.append(cells)
    if not rows:
        raise ParseError("DAB page: rates table has no rows")
    return rows


def _label_code(label: str) -> str | None:
    cleaned = re.sub(r"[$€£₣¥]", "", label)
    cleaned = re.sub(r"\s+", " ", cleaned).strip().upper()
    return LABELS.get(cleaned)


def _row_observations(
    cells: list[str], columns: list[tuple[str, str] | None], day: date
) -> list[RateObservation]:
    code = _label_code(cells[0])
    if code is None:
        logger.warning("DAB page: unknown currency %r skipped", cells[0])
        return []
    prices: dict[tuple[str, str], Decimal] = {}
    for text, column in zip(cells, columns, strict=True):
        if column is not None and text not in ("", "-"):
            prices[column] = parse_decimal(text, what=f"DAB {code} {column}")
    unit = UNITS.get(code, Decimal(1))
    observations = []
    for variant in VARIANTS:
        buy, sell = prices.get((variant, "buy")), prices.get((variant, "sell"))
        if buy is None or sell is None:
            continue
        if not consistent_pair(buy, sell, what=f"DAB {code} {variant} {day}"):
            continue
        buy, sell = divide(buy, unit), divide(sell, unit)
        observations.append(
            RateObservation(
                base=code,
                quote=QUOTE,
                rate=midpoint(buy, sell),
                rate_type=RATE_TYPE,
                source=SOURCE,
                as_of=day,
                buy=buy,
                sell=sell,
                variant=variant,
            )
        )
    return observations
