"""Quarterly means of World Bank RPW service rows (USD 200 basket), computed by a third party
(`fds_rpw_history_usd200_pk_bd_af.csv`, see data/reference/README.md) -> validated points.

Layout: `corridor, source_code, destination_code, period, n_providers, fee_pct,
fx_margin_pct, speed_penalty_pct, tci_pct`; `period` like `2016_2Q`. The total cost of a
quarter is `fee_pct + fx_margin_pct` (RPW's definition). `speed_penalty_pct` and `tci_pct` are
the third party's own construct, not RPW figures: they are checked for layout and dropped.
Anything that does not fit raises ParseError naming the line and column; a file with an error
yields nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.ingestion.formats import ParseError

COLUMNS = (
    "corridor",
    "source_code",
    "destination_code",
    "period",
    "n_providers",
    "fee_pct",
    "fx_margin_pct",
    "speed_penalty_pct",
    "tci_pct",
)
_PERIOD = re.compile(r"^(\d{4})_([1-4])Q$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_MAX_PCT = Decimal(100)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    line: int
    sending_iso3: str
    receiving_iso3: str
    period: str  # "2016Q2"
    providers: int
    fee_pct: Decimal
    fx_margin_pct: Decimal

    @property
    def total_cost_pct(self) -> Decimal:
        """RPW's total cost: fee plus FX margin (the file's tci_pct is not this)."""
        return self.fee_pct + self.fx_margin_pct


def _pct(value: str, line: int, column: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ParseError(f"line {line}: {column} {value!r} is not a number") from None
    if not number.is_finite() or abs(number) > _MAX_PCT:
        raise ParseError(f"line {line}: {column} {value!r} is not a percentage")
    return number


def parse(content: bytes) -> list[HistoryPoint]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text: {exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise ParseError(f"line 1: the header must be {','.join(COLUMNS)}")
    out: list[HistoryPoint] = []
    seen: set[tuple[str, str, str]] = set()
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            raise ParseError(f"line {line}: {len(row)} fields, expected {len(COLUMNS)}")
        cells = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
        src, dst = cells["source_code"], cells["destination_code"]
        for column, code in (("source_code", src), ("destination_code", dst)):
            if not _ISO3.match(code):
                raise ParseError(f"line {line}: {column} {code!r} is not an ISO 3166 alpha-3 code")
        if cells["corridor"] != f"{src}-{dst}":
            raise ParseError(f"line {line}: corridor {cells['corridor']!r} is not {src}-{dst}")
        period = _PERIOD.match(cells["period"])
        if period is None:
            raise ParseError(f"line {line}: period {cells['period']!r} is not like 2016_2Q")
        if not cells["n_providers"].isdigit() or int(cells["n_providers"]) < 1:
            raise ParseError(f"line {line}: n_providers {cells['n_providers']!r} is not a count")
        for column in ("speed_penalty_pct", "tci_pct"):
            _pct(cells[column], line, column)
        key = (src, dst, f"{period[1]}Q{period[2]}")
        if key in seen:
            raise ParseError(f"line {line}: {src}-{dst} {key[2]} appears twice")
        seen.add(key)
        out.append(
            HistoryPoint(
                line=line,
                sending_iso3=src,
                receiving_iso3=dst,
                period=key[2],
                providers=int(cells["n_providers"]),
                fee_pct=_pct(cells["fee_pct"], line, "fee_pct"),
                fx_margin_pct=_pct(cells["fx_margin_pct"], line, "fx_margin_pct"),
            )
        )
    if not out:
        raise ParseError("no data rows")
    return out
