"""World Bank Remittance Prices Worldwide (RPW) workbook reader.

Reads the sheet ``Dataset (from Q2 2016)`` of the published workbook
(``rpw_dataset_2011_2025_q3.xlsx``) in openpyxl read-only mode, streaming one
:class:`RpwRow` per service observation. Columns are matched by their published
names (case, spacing and ``_``/space differences ignored), never by position.

Traps in the real file that are handled here:

- numbers stored as text (from 2024 Q3), with stray spaces, thousands commas or
  a trailing ``%``: all numbers are exact ``Decimal`` built from text;
- dates as Excel serial numbers (int/float, or as text), real datetimes, or text
  in several formats; ``dd/mm`` vs ``mm/dd`` is settled by the row's period;
- negative total costs (promotions): kept, flagged ``promotional_negative``;
- ``transparent = no``: kept, ``transparent=False`` (their margin is a false 0,
  so aggregates must exclude them);
- empty cells and placeholders (``-``, ``n/a``, ``..``) become ``None``;
- periods like ``2025_3Q`` become ``2025Q3``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import openpyxl
from openpyxl.utils.datetime import from_excel

from api.ingestion.formats import ParseError

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "RPW_SHEET",
    "RpwCost",
    "RpwRejected",
    "RpwRow",
    "iter_rpw_rows",
    "normalise_period",
    "rpw_row_key",
    "rpw_total_rows",
]

RPW_SHEET = "Dataset (from Q2 2016)"

_COST_COLUMNS = (
    "lcu amount",
    "lcu code",
    "lcu fee",
    "lcu fx rate",
    "fx margin",
    "total cost %",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "period",
    "source_code",
    "source_name",
    "destination_code",
    "destination_name",
    "firm",
    "firm_type",
    "payment instrument",
    "access point",
    "speed actual",
    *(f"cc1 {name}" for name in _COST_COLUMNS),
    *(f"cc2 {name}" for name in _COST_COLUMNS),
    "inter lcu bank fx",
    "transparent",
    "date",
)
"""Published column names the reader needs; a missing one is a ParseError."""

OPTIONAL_COLUMNS: tuple[str, ...] = (
    "id",
    "corridor",
    "cc1 denomination amount",
    "cc2 denomination amount",
)
"""Read when present (``corridor`` is derived from the codes when absent)."""

_HEADER_SCAN_ROWS = 20
_PROGRESS_EVERY = 1000
_PLACEHOLDERS = frozenset({"", "-", "--", "n/a", "na", "..", "...", "#n/a", "null", "none"})
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_PERIOD_FORMS = (
    (re.compile(r"(\d{4})([1-4])Q"), 1, 2),
    (re.compile(r"(\d{4})Q([1-4])"), 1, 2),
    (re.compile(r"Q([1-4])(\d{4})"), 2, 1),
    (re.compile(r"([1-4])Q(\d{4})"), 2, 1),
)
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})
_TEXT_DATE_FORMATS = ("%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d.%m.%Y")
_MIN_YEAR, _MAX_YEAR = 2008, 2100

PathOrFile = str | os.PathLike[str] | IO[bytes]


# -- public types ----------------------------------------------------------------


@dataclass(frozen=True)
class RpwCost:
    """One cost block (``cc1`` = USD 200 basket, ``cc2`` = USD 500 basket)."""

    amount: Decimal | None
    """Amount sent, in the local (source) currency."""
    lcu_code: str | None
    fee: Decimal | None
    fx_rate: Decimal | None
    fx_margin: Decimal | None
    """FX margin in percent."""
    total_cost_pct: Decimal | None
    denomination_amount: Decimal | None = None
    """The basket amount in USD (e.g. 200), when the column is present."""

    @property
    def is_empty(self) -> bool:
        return all(
            value is None
            for value in (self.amount, self.lcu_code, self.fee, self.fx_rate, self.fx_margin)
        ) and (self.total_cost_pct is None)


@dataclass(frozen=True)
class RpwRow:
    """One RPW service observation (a firm's product on a corridor in a period)."""

    period: str
    """Normalised, e.g. ``"2025Q3"``."""
    source_code: str
    source_name: str | None
    destination_code: str
    destination_name: str | None
    corridor: str
    """e.g. ``"GBRPAK"``."""
    firm: str
    firm_type: str | None
    payment_instrument: str | None
    access_point: str | None
    speed_actual: str | None
    cc1: RpwCost
    cc2: RpwCost
    inter_lcu_bank_fx: Decimal | None
    transparent: bool
    """``False`` for ``no`` and for an empty cell (not shown to be transparent)."""
    date: date | None
    promotional_negative: bool
    """A total cost is negative (a promotion); the row is kept as published."""
    rpw_id: str | None = None
    sheet_row: int = field(default=0, compare=False)
    """1-based row number in the sheet (provenance; not part of equality or key)."""


@dataclass(frozen=True)
class RpwRejected:
    """A row that could not be read, reported instead of raised when asked."""

    sheet_row: int
    column: str
    reason: str


# -- entry points ----------------------------------------------------------------


# The longest text a cell may hold (firm names, notes, codes); longer is a broken file.
MAX_TEXT = 500


def iter_rpw_rows(
    path_or_file: PathOrFile,
    *,
    progress: Callable[[int], None] | None = None,
    on_reject: Callable[[RpwRejected], None] | None = None,
) -> Iterator[RpwRow]:
    """Stream the rows of the RPW dataset sheet.

    ``progress`` is called with the cumulative number of data rows read, every
    1000 rows and once at the end. A malformed cell raises :class:`ParseError`
    naming its sheet row and column, unless ``on_reject`` is given: then the row
    is reported to it and skipped. Wholly empty rows are skipped silently.
    """
    workbook = _open_workbook(path_or_file)
    try:
        sheet = _dataset_sheet(workbook)
        rows = sheet.iter_rows(values_only=True)
        header_row, columns = _read_header(rows)
        reader = _RowReader(columns, getattr(workbook, "epoch", None))
        yield from _read_rows(rows, header_row, reader, progress, on_reject)
    finally:
        workbook.close()


def rpw_total_rows(path: str | os.PathLike[str]) -> int | None:
    """Rows in the dataset sheet as the file declares them (for progress bars)."""
    workbook = _open_workbook(path)
    try:
        max_row = _dataset_sheet(workbook).max_row
        return int(max_row) if max_row else None
    finally:
        workbook.close()


def rpw_row_key(row: RpwRow) -> str:
    """Stable content hash of a row, for idempotent re-import.

    Built from every parsed value (not the sheet position or the workbook's own
    ``id``), with decimals in canonical form, so ``"5.10"`` text and a ``5.1``
    number give the same key.
    """
    parts: list[str] = [
        "rpw-v1",
        row.period,
        row.source_code,
        row.destination_code,
        row.corridor,
        row.firm,
        *(_canon(v) for v in (row.firm_type, row.payment_instrument, row.access_point)),
        _canon(row.speed_actual),
        *_cost_parts(row.cc1),
        *_cost_parts(row.cc2),
        _canon(row.inter_lcu_bank_fx),
        "1" if row.transparent else "0",
        row.date.isoformat() if row.date else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def normalise_period(value: object) -> str:
    """``"2025_3Q"`` (and ``2025Q3``, ``Q3 2025``, ``3Q-2025``) -> ``"2025Q3"``."""
    text = _SPACES.sub("", str(value)).replace("_", "").replace("-", "").upper()
    for pattern, year_group, quarter_group in _PERIOD_FORMS:
        match = pattern.fullmatch(text)
        if match and _MIN_YEAR <= int(match.group(year_group)) <= _MAX_YEAR:
            return f"{match.group(year_group)}Q{match.group(quarter_group)}"
    raise ValueError(f"not a period like 2025_3Q: {value!r}")


# -- workbook and header ------------------------------------------------------------


def _open_workbook(path_or_file: PathOrFile) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl: unsupported Excel extensions
            return openpyxl.load_workbook(path_or_file, read_only=True, data_only=True)
    except Exception as exc:  # OSError, zipfile.BadZipFile, InvalidFileException, KeyError
        raise ParseError(f"not a readable xlsx workbook: {type(exc).__name__}: {exc}") from exc


def _dataset_sheet(workbook: Any) -> Any:
    names: list[str] = list(workbook.sheetnames)
    if RPW_SHEET in names:
        return workbook[RPW_SHEET]
    wanted = _norm(RPW_SHEET)
    for name in names:
        if _norm(name) == wanted:
            return workbook[name]
    raise ParseError(f"sheet {RPW_SHEET!r} not found (sheets: {', '.join(names)})")


def _norm(name: object) -> str:
    return " ".join(str(name).replace("_", " ").split()).lower()


def _read_header(rows: Iterator[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """Find the header row by name and map each known column to its index."""
    known = {_norm(c): c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    for number, values in enumerate(rows, start=1):
        columns: dict[str, int] = {}
        for index, cell in enumerate(values):
            name = known.get(_norm(cell)) if cell is not None else None
            if name is not None and name not in columns:
                columns[name] = index
        if len(columns) >= 5:
            _require_columns(columns)
            return number, columns
        if number >= _HEADER_SCAN_ROWS:
            break
    raise ParseError(
        f"sheet {RPW_SHEET!r}: no header row with the published RPW column names "
        f"(such as 'period', 'firm', 'corridor') in the first {_HEADER_SCAN_ROWS} rows"
    )


def _require_columns(columns: Mapping[str, int]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        raise ParseError(f"sheet {RPW_SHEET!r}: missing required column(s) {listed}")


def _read_rows(
    rows: Iterator[tuple[Any, ...]],
    header_row: int,
    reader: _RowReader,
    progress: Callable[[int], None] | None,
    on_reject: Callable[[RpwRejected], None] | None,
) -> Iterator[RpwRow]:
    count = 0
    for count, values in enumerate(rows, start=1):
        if progress is not None and count % _PROGRESS_EVERY == 0:
            progress(count)
        if all(_blank(v) for v in values):
            continue
        sheet_row = header_row + count
        try:
            yield reader.read(values, sheet_row)
        except _CellError as error:
            rejected = RpwRejected(sheet_row, error.column, error.reason)
            if on_reject is None:
                raise ParseError(
                    f"sheet {RPW_SHEET!r} row {sheet_row}, column {error.column!r}: {error.reason}"
                ) from error
            on_reject(rejected)
    if progress is not None:
        progress(count)


# -- one row ------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


class _RowReader:
    """Converts one tuple of cell values into an :class:`RpwRow`."""

    def __init__(self, columns: Mapping[str, int], epoch: datetime | None) -> None:
        self._columns = columns
        self._epoch = epoch
        self._values: Sequence[Any] = ()

    def read(self, values: Sequence[Any], sheet_row: int) -> RpwRow:
        self._values = values
        period = self._period()
        source_code = self._code("source_code")
        destination_code = self._code("destination_code")
        cc1, cc2 = self._cost("cc1"), self._cost("cc2")
        return RpwRow(
            period=period,
            source_code=source_code,
            source_name=self._text("source_name"),
            destination_code=destination_code,
            destination_name=self._text("destination_name"),
            corridor=self._corridor(source_code, destination_code),
            firm=self._required_text("firm"),
            firm_type=self._text("firm_type"),
            payment_instrument=self._text("payment instrument"),
            access_point=self._text("access point"),
            speed_actual=self._text("speed actual"),
            cc1=cc1,
            cc2=cc2,
            inter_lcu_bank_fx=self._decimal("inter lcu bank fx"),
            transparent=self._transparent(),
            date=self._date(period),
            promotional_negative=_negative(cc1) or _negative(cc2),
            rpw_id=self._text("id"),
            sheet_row=sheet_row,
        )

    # cells

    def _raw(self, column: str) -> Any:
        index = self._columns.get(column)
        if index is None or index >= len(self._values):
            return None
        value = self._values[index]
        return None if _blank(value) else value

    def _text(self, column: str) -> str | None:
        value = self._raw(column)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split())
        if len(text) > MAX_TEXT:  # a firm name, a corridor, a note: never 100 MB
            raise _CellError(column, f"longer than {MAX_TEXT} characters")
        return text

    def _required_text(self, column: str) -> str:
        text = self._text(column)
        if text is None:
            raise _CellError(column, "empty")
        return text

    def _code(self, column: str) -> str:
        return self._required_text(column).replace(" ", "").upper()

    def _decimal(self, column: str) -> Decimal | None:
        value = self._raw(column)
        try:
            return _to_decimal(value)
        except ValueError as exc:
            raise _CellError(column, str(exc)) from exc

    def _period(self) -> str:
        value = self._raw("period")
        if value is None:
            raise _CellError("period", "empty")
        try:
            return normalise_period(value)
        except ValueError as exc:
            raise _CellError("period", str(exc)) from exc

    def _corridor(self, source_code: str, destination_code: str) -> str:
        text = self._text("corridor")
        return text.replace(" ", "").upper() if text else source_code + destination_code

    def _cost(self, prefix: str) -> RpwCost:
        code = self._text(f"{prefix} lcu code")
        if code is not None:
            code = code.upper()
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise _CellError(f"{prefix} lcu code", f"not a currency code: {code!r}")
        return RpwCost(
            amount=self._decimal(f"{prefix} lcu amount"),
            lcu_code=code,
            fee=self._decimal(f"{prefix} lcu fee"),
            fx_rate=self._decimal(f"{prefix} lcu fx rate"),
            fx_margin=self._decimal(f"{prefix} fx margin"),
            total_cost_pct=self._decimal(f"{prefix} total cost %"),
            denomination_amount=self._decimal(f"{prefix} denomination amount"),
        )

    def _transparent(self) -> bool:
        value = self._raw("transparent")
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = _text_of(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _CellError("transparent", f"expected yes or no, got {value!r}")

    def _date(self, period: str) -> date | None:
        value = self._raw("date")
        if value is None:
            return None
        try:
            found = _to_date(value, period, self._epoch)
        except ValueError as exc:
            raise _CellError("date", str(exc)) from exc
        if not _MIN_YEAR <= found.year <= _MAX_YEAR:
            raise _CellError("date", f"implausible survey date {found.isoformat()} ({value!r})")
        return found


# -- value conversion -------------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and _SPACES.sub("", value).lower() in _PLACEHOLDERS


def _text_of(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _to_decimal(value: object) -> Decimal | None:
    """An exact Decimal from a cell: numbers via their shortest text, text cleaned."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return _decimal_from_text(str(value))


def _decimal_from_text(text: str) -> Decimal:
    cleaned = _SPACES.sub("", text).replace("\u2212", "-").removesuffix("%")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN.fullmatch(cleaned):
        raise ValueError(f"not a number: {text!r}")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards this
        raise ValueError(f"not a number: {text!r}") from exc


def _to_date(value: object, period: str, epoch: datetime | None) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int | float | Decimal):
        return _from_serial(float(value), epoch)
    return _date_from_text(str(value).strip(), period, epoch)


def _from_serial(serial: float, epoch: datetime | None) -> date:
    if not math.isfinite(serial) or not 1 <= serial < 2_958_466:
        raise ValueError(f"not an Excel serial date: {serial!r}")
    converted = from_excel(serial, epoch) if epoch is not None else from_excel(serial)
    if isinstance(converted, datetime):
        return converted.date()
    if isinstance(converted, date):
        return converted
    raise ValueError(f"not an Excel serial date: {serial!r}")  # pragma: no cover


def _date_from_text(text: str, period: str, epoch: datetime | None) -> date:
    if _PLAIN.fullmatch(text):
        return _from_serial(float(text), epoch)
    iso = _iso_date(text)
    if iso is not None:
        return iso
    slashed = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if slashed:
        first, second, year = (int(g) for g in slashed.groups())
        return _day_month_or_month_day(first, second, year, period, text)
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _iso_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]+)?", text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a date: {text!r}") from exc


def _day_month_or_month_day(first: int, second: int, year: int, period: str, text: str) -> date:
    """Read ``a/b/yyyy``; when both readings are valid, keep the one nearest the period."""
    candidates: set[date] = set()
    for day, month in ((first, second), (second, first)):
        try:
            candidates.add(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"not a date: {text!r}")
    if len(candidates) == 1:
        return candidates.pop()
    start, end = _quarter_bounds(period)
    distance = {d: _distance_to(d, start, end) for d in candidates}
    ranked = sorted(candidates, key=lambda d: distance[d])
    if distance[ranked[0]] == distance[ranked[1]]:
        raise ValueError(f"ambiguous date {text!r} (day/month or month/day) for {period}")
    return ranked[0]


def _quarter_bounds(period: str) -> tuple[date, date]:
    year, quarter = int(period[:4]), int(period[5])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def _distance_to(day: date, start: date, end: date) -> int:
    if day < start:
        return (start - day).days
    if day > end:
        return (day - end).days
    return 0


def _negative(cost: RpwCost) -> bool:
    return cost.total_cost_pct is not None and cost.total_cost_pct < 0


def _canon(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    return value


def _cost_parts(cost: RpwCost) -> list[str]:
    return [
        _canon(cost.amount),
        _canon(cost.lcu_code),
        _canon(cost.fee),
        _canon(cost.fx_rate),
        _canon(cost.fx_margin),
        _canon(cost.total_cost_pct),
        _canon(cost.denomination_amount),
    ]
