"""Central Bank of Iraq: page 144 (Arabic) and its daily multi-currency workbook.

``find_workbook_url`` picks, among the page's .xlsx links, the one whose label
mentions gold ("الذهب"): "daily IQD rates against the main currencies and gold
(sell, buy)". The two other links are a USD-only file and a 1995- archive of
rates against USD.

The workbook has one sheet per year (most of them empty in the recorded file).
A sheet: a header row starting "Date" with a currency per column group (the ISO
code is in the Arabic header text, or alone on the next row; "S.FR", "UAE" and
"SDR" are CBI labels), then a row of "Buy ID / Sell ID [/ Sell ID 2]" labels
(2-column groups up to 2024, 3-column groups since 2025), then month blocks: a
label row ("Jan. 2024", "Feb.2026" -- or just the year, as for January 2026),
one row per day (day number in column A, int or text), and an "Average" row.
Holidays are rows with an Arabic note instead of numbers. Values are IQD per
currency unit. The mid is (Buy + Sell) / 2; "Sell ID 2" and the gold column are
not used. Mistyped pairs (sell below buy, or sell more than 5 % above buy, e.g.
JPY buy 5.286 / sell 8.35 on 2026-02-09) are skipped with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urljoin, urlparse

import lxml.html
from lxml import etree

from scrapers.parsers import ParseError
from scrapers.parsers._common import (
    cell,
    cell_decimal,
    consistent_pair,
    is_number_text,
    load_rows,
    midpoint,
)
from scrapers.parsers.types import RateObservation

SOURCE = "cbi"
RATE_TYPE = "official"
QUOTE = "IQD"
GOLD_MARKER = "الذهب"
MAX_SPREAD = Decimal("0.05")

#: CBI header labels that are not ISO 4217 codes.
CODE_ALIASES: dict[str, str] = {"S.FR": "CHF", "UAE": "AED", "SDR": "XDR"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_LABEL = re.compile(r"\s*([A-Za-z]{3})[a-z]*\.?\s*,?\s*(\d{4})\s*")

Row = Sequence[object]


@dataclass(frozen=True)
class _Group:
    code: str
    buy: int  # column index
    sell: int


# ---------------------------------------------------------------- the page


def find_workbook_url(html: bytes, base_url: str) -> str:
    """Absolute URL of the daily multi-currency workbook linked from page 144."""
    if not html.strip():
        raise ParseError("CBI page: empty body")
    try:
        document = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"CBI page: not parseable HTML ({exc})") from exc
    links = [
        str(anchor.get("href")).strip()
        for anchor in document.iter("a")
        if _is_workbook_link(anchor.get("href")) and GOLD_MARKER in anchor.text_content()
    ]
    urls = list(dict.fromkeys(urljoin(base_url, link) for link in links))
    if not urls:
        raise ParseError("CBI page: no .xlsx link labelled with gold (الذهب) found")
    if len(urls) > 1:
        raise ParseError(f"CBI page: several candidate workbooks {urls!r}")
    return urls[0]


def _is_workbook_link(href: object) -> bool:
    if not isinstance(href, str):
        return False
    return urlparse(href.strip()).path.lower().endswith((".xlsx", ".xls"))


# ------------------------------------------------------------ the workbook


def parse(xlsx_bytes: bytes) -> list[RateObservation]:
    """Every daily IQD mid rate in the workbook (all year sheets)."""
    sheets = load_rows(xlsx_bytes, what="CBI workbook")
    observations: list[RateObservation] = []
    tables = 0
    for title, rows in sheets.items():
        if not any(any(value is not None for value in row) for row in rows):
            continue  # the recorded workbook has many empty year sheets
        tables += 1
        observations.extend(_parse_sheet(title, rows))
    if tables == 0:
        raise ParseError("CBI workbook: every sheet is empty")
    if not observations:
        raise ParseError("CBI workbook: no rates found")
    return observations


def _sheet_year(title: str) -> int:
    if re.fullmatch(r"\s*\d{4}\s*", title):
        return int(title)
    raise ParseError(f"CBI workbook: sheet {title!r} is not named after a year")


def _header_row(rows: list[tuple[object, ...]], title: str) -> int:
    for index, row in enumerate(rows):
        first = cell(row, 0)
        if isinstance(first, str) and first.strip().lower() == "date":
            return index
    raise ParseError(f"CBI workbook: sheet {title!r} has no 'Date' header row")


def _labels_row(rows: list[tuple[object, ...]], start: int, title: str) -> int:
    for index in range(start, len(rows)):
        if any(isinstance(v, str) and "buy" in v.lower() for v in rows[index]):
            return index
    raise ParseError(f"CBI workbook: sheet {title!r} has no Buy/Sell label row")


def _parse_sheet(title: str, rows: list[tuple[object, ...]]) -> list[RateObservation]:
    year = _sheet_year(title)
    header = _header_row(rows, title)
    labels = _labels_row(rows, header + 1, title)
    groups = _groups(rows[header:labels], rows[labels], title)
    return _parse_days(rows[labels + 1 :], groups, year, title)


def _groups(header_rows: list[tuple[object, ...]], labels: Row, title: str) -> list[_Group]:
    buys = [i for i, v in enumerate(labels) if isinstance(v, str) and "buy" in v.lower()]
    groups: list[_Group] = []
    width = buys[1] - buys[0] if len(buys) > 1 else 3
    for position, buy in enumerate(buys):
        end = buys[position + 1] if position + 1 < len(buys) else buy + width
        sell = _sell_column(labels, buy, end)
        code = _group_code(header_rows, buy, end)
        if code is None:
            raise ParseError(f"CBI workbook: sheet {title!r}: no currency for column {buy + 1}")
        groups.append(_Group(code=code, buy=buy, sell=sell))
    if not groups:
        raise ParseError(f"CBI workbook: sheet {title!r}: no Buy/Sell column groups")
    return groups


def _sell_column(labels: Row, start: int, end: int) -> int:
    for index in range(start + 1, end):
        value = cell(labels, index)
        if isinstance(value, str) and "sell" in value.lower() and "2" not in value:
            return index
    raise ParseError(f"CBI workbook: no 'Sell' column after 'Buy' in column {start + 1}")


def _group_code(header_rows: list[tuple[object, ...]], start: int, end: int) -> str | None:
    for row in header_rows:
        for index in range(start, end):
            value = cell(row, index)
            if isinstance(value, str) and (code := _extract_code(value)):
                return code
    return None


def _extract_code(text: str) -> str | None:
    stripped = text.strip()
    if stripped in CODE_ALIASES:
        return CODE_ALIASES[stripped]
    tokens: list[str] = re.findall(r"(?<![A-Za-z.])(S\.FR|[A-Z]{3})(?![A-Za-z])", text)
    if not tokens:
        return None
    return CODE_ALIASES.get(tokens[-1], tokens[-1])


class _MonthTracker:
    """Month of the current block: from its label, else the one after the last."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.current: int | None = None
        self.previous = 0

    def label(self, value: object) -> bool:
        """Consume a month-label row; False if ``value`` is not one."""
        if isinstance(value, int) and not isinstance(value, bool) and value == self.year:
            self.current = self.previous + 1
            return True
        if isinstance(value, str) and (match := _MONTH_LABEL.fullmatch(value)):
            if match.group(1).lower() not in MONTHS or int(match.group(2)) != self.year:
                raise ParseError(f"CBI workbook: month label {value!r} in sheet {self.year}")
            self.current = MONTHS.index(match.group(1).lower()) + 1
            return True
        return False

    def close_block(self) -> None:
        if self.current is not None:
            self.previous = self.current
        self.current = None

    def month(self) -> int:
        if self.current is None:
            self.current = self.previous + 1
        if self.current > 12:
            raise ParseError(f"CBI workbook: more than 12 month blocks in sheet {self.year}")
        return self.current


def _day_number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 1 <= int(value) <= 31:
        return int(value)
    return None


def _parse_days(
    rows: list[tuple[object, ...]], groups: list[_Group], year: int, title: str
) -> list[RateObservation]:
    months = _MonthTracker(year)
    observations: list[RateObservation] = []
    last_day = 0
    for row in rows:
        first = cell(row, 0)
        if isinstance(first, str) and first.strip().lower() == "average":
            months.close_block()
            last_day = 0
        elif months.label(first):
            last_day = 0
        elif (day := _day_number(first)) is not None:
            if day <= last_day:  # a new month started without a label or "Average" row
                raise ParseError(f"CBI workbook: sheet {title!r}: day {day} after day {last_day}")
            last_day = day
            if _is_rates_row(row, groups):
                observations.extend(_day_observations(row, groups, year, months.month(), day))
    return observations


def _rate_columns(groups: list[_Group]) -> range:
    return range(min(g.buy for g in groups), max(g.sell for g in groups) + 1)


def _is_rates_row(row: Row, groups: list[_Group]) -> bool:
    return _has_rates(row, groups) and not _is_holiday(row, groups)


def _has_rates(row: Row, groups: list[_Group]) -> bool:
    return any(
        cell_decimal(cell(row, g.buy), what="CBI") is not None
        or cell_decimal(cell(row, g.sell), what="CBI") is not None
        for g in groups
    )


def _is_holiday(row: Row, groups: list[_Group]) -> bool:
    """A holiday note (Arabic text) in the rate columns: the row is not rates."""
    return any(
        isinstance(v := cell(row, index), str) and v.strip() and not is_number_text(v)
        for index in _rate_columns(groups)
    )


def _day_observations(
    row: Row, groups: list[_Group], year: int, month: int, day: int
) -> list[RateObservation]:
    try:
        as_of = date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"CBI workbook: rates on an impossible date {year}-{month}-{day}") from exc
    observations = []
    for group in groups:
        buy = cell_decimal(cell(row, group.buy), what=f"CBI {group.code} buy {as_of}")
        sell = cell_decimal(cell(row, group.sell), what=f"CBI {group.code} sell {as_of}")
        if buy is None or sell is None:
            continue
        if not consistent_pair(buy, sell, what=f"CBI {group.code} {as_of}", max_spread=MAX_SPREAD):
            continue
        observations.append(
            RateObservation(
                base=group.code,
                quote=QUOTE,
                rate=midpoint(buy, sell),
                rate_type=RATE_TYPE,
                source=SOURCE,
                as_of=as_of,
                buy=buy,
                sell=sell,
            )
        )
    return observations
