"""World Bank DataBank export "Remittance Prices Worldwide (Corridors)" (CSV) -> published
corridor figures.

Layout (as DataBank writes it): `Sending Countries Name, Sending Countries Code, Series Name,
Series Code, Receiving Countries  Name, Receiving Countries  Code` (DataBank doubles the space
in the last two), then one column per quarter named like `2014Q3 [YR2014Q3]`. Values are
text; `..` means no observation. DataBank appends a few footer lines ("Data from database:
...", "Last Updated: ...") after a blank line: they are not data and are skipped. Anything
else that does not fit the layout raises ParseError naming the line and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.ingestion.formats import ParseError

NO_OBSERVATION = ".."
_QUARTER_COLUMN = re.compile(r"^(\d{4})Q([1-4]) \[YR\1Q\2\]$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_ID_COLUMNS = (
    "sending countries name",
    "sending countries code",
    "series name",
    "series code",
    "receiving countries name",
    "receiving countries code",
)
_FOOTERS = ("data from database", "last updated")


@dataclass(frozen=True, slots=True)
class DataBankPoint:
    line: int
    sending_name: str
    sending_iso3: str
    receiving_name: str
    receiving_iso3: str
    series_name: str
    series_code: str
    period: str  # "2014Q3"
    value: Decimal  # as published (percent of the amount sent)


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).lower()


def looks_like_databank(content: bytes) -> bool:
    """True when the first line is a DataBank corridors header (for format detection)."""
    first = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    cells = [_norm(c) for c in next(csv.reader([first]), [])]
    return tuple(cells[:6]) == _ID_COLUMNS


def parse(content: bytes) -> list[DataBankPoint]:
    """Every published value of the file (`..` cells are left out: no observation)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (byte {exc.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ParseError("empty file")
    header = rows[0]
    if tuple(_norm(c) for c in header[:6]) != _ID_COLUMNS:
        raise ParseError(
            "line 1: not a DataBank corridors export (expected the columns "
            "'Sending Countries Name, Sending Countries Code, Series Name, Series Code, "
            "Receiving Countries Name, Receiving Countries Code, <quarters>')"
        )
    periods: list[str] = []
    for i, name in enumerate(header[6:], start=7):
        match = _QUARTER_COLUMN.match(name.strip())
        if not match:
            raise ParseError(
                f"line 1, column {i}: {name!r} is not a quarter like 2014Q3 [YR2014Q3]"
            )
        periods.append(f"{match.group(1)}Q{match.group(2)}")
    if not periods:
        raise ParseError("line 1: no quarter columns")
    if len(set(periods)) != len(periods):
        raise ParseError("line 1: a quarter column appears twice")
    points: list[DataBankPoint] = []
    seen: set[tuple[str, str, str]] = set()
    ended = False
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            ended = True  # DataBank's footer follows a blank line
            continue
        if ended or _norm(row[0]).startswith(_FOOTERS):
            if _norm(row[0]).startswith(_FOOTERS):
                ended = True
                continue
            raise ParseError(f"line {number}: data after the end of the table")
        if len(row) != len(header):
            raise ParseError(f"line {number}: {len(row)} columns, the header has {len(header)}")
        s_name, s_code, series_name, series_code, r_name, r_code = (c.strip() for c in row[:6])
        for column, code in (
            ("Sending Countries Code", s_code),
            ("Receiving Countries Code", r_code),
        ):
            if not _ISO3.match(code):
                raise ParseError(
                    f"line {number}, {column}: {code!r} is not an ISO 3166 alpha-3 code"
                )
        if not series_code:
            raise ParseError(f"line {number}, Series Code: empty")
        key = (series_code, s_code, r_code)
        if key in seen:
            raise ParseError(f"line {number}: {s_code}->{r_code} {series_code} appears twice")
        seen.add(key)
        for period, cell in zip(periods, row[6:], strict=True):
            raw = cell.strip()
            if raw == NO_OBSERVATION:
                continue
            try:
                value = Decimal(raw)
            except InvalidOperation:
                raise ParseError(
                    f"line {number}, column {period}: {raw!r} is neither a number nor '..'"
                ) from None
            if not value.is_finite() or not Decimal(-100) <= value <= Decimal(100):
                raise ParseError(f"line {number}, column {period}: {raw!r} is not a percentage")
            points.append(
                DataBankPoint(
                    number, s_name, s_code, r_name, r_code, series_name, series_code, period, value
                )
            )
    if not seen:
        raise ParseError("no corridor rows")
    return points
