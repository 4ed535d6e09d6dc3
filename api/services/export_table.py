"""What every export is: typed columns, lazy row batches and metadata (`ExportTable`), the
cell rules shared by the writers (CSV fields, display rounding), and the "about" rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from api.domain.csvtext import (
    BOM,
    NEWLINE,
    decimal_field,
    round_text,
    text_field,
)
from api.domain.money import MINOR_UNITS, plain
from api.services.compare import SAMPLE_NOTICE
from api.storage.exports import (
    PCT_PLACES,
    Kind,
    header_line,
    sqlite_iso_utc,
)
from api.storage.published import RPW_URL

Row = Sequence[Any]
Progress = Callable[[int], None]

XLSX_MAX_ROWS = 1_048_576
PARQUET_SCALE = 18  # decimals in Parquet: decimal128(38, 18)
PRODUCER = "silkroutes-remit"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "parquet": "application/vnd.apache.parquet",
            "json": "application/json",
        }[self.value]

    @property
    def streams(self) -> bool:
        """CSV and JSON are produced while rows are read; XLSX and Parquet need a file."""
        return self in (ExportFormat.CSV, ExportFormat.JSON)


@dataclass(frozen=True, slots=True)
class Column:
    """One export column. `rounding` (decimals only) is how CSV and XLSX show it: "pct" to
    4 places, "money:<column>" to the minor units of the currency in that column, None as
    stored (rates: their source's precision). JSON and Parquet keep every digit."""

    name: str
    kind: Kind
    rounding: str | None = None


@dataclass
class ExportTable:
    name: str  # "quotes" or "trends"
    columns: tuple[Column, ...]
    batches: Iterable[Sequence[Row]]
    sample: bool
    rows_expected: int | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # the whole CSV document, rendered by the database: (chunk, rows) pairs
    csv_dump: Callable[[], Iterator[tuple[bytes, int]]] | None = None
    # minor units per currency code, for "money:" rounding (others: 2)
    minor_units: dict[str, int] = field(default_factory=lambda: dict(MINOR_UNITS))

    @property
    def notice(self) -> str | None:
        return SAMPLE_NOTICE if self.sample else None

    def metadata(self) -> dict[str, str]:
        out = {"dataset": self.name, "producer": PRODUCER, "times": "UTC"}
        out.update(self.meta)
        out["sample"] = "true" if self.sample else "false"
        if self.notice:
            out["notice"] = self.notice
        return out

    def filename(self, fmt: ExportFormat, stem: str) -> str:
        return f"{stem}{'-SAMPLE' if self.sample else ''}.{fmt.value}"

    @classmethod
    def of_rows(
        cls,
        name: str,
        columns: tuple[Column, ...],
        rows: Sequence[Row],
        *,
        sample: bool,
        meta: dict[str, str],
        **more: Any,
    ) -> ExportTable:
        """A table whose rows are all in memory (trends, the summary, a chart: small)."""
        return cls(name, columns, [rows], sample, len(rows), meta, **more)


# -- cells -------------------------------------------------------------------------


def iso_utc(value: datetime | str) -> str:
    """ISO 8601 in UTC with its offset ("2025-02-10T12:00:00+00:00"), from an aware datetime
    or from text (SQLite's stored naive-UTC text, or ISO text already)."""
    if isinstance(value, str):
        return sqlite_iso_utc(value)
    return value.astimezone(UTC).isoformat()


Cell = Callable[[Any, Row], str]


def places_of(table: ExportTable, column: Column) -> Callable[[Row], int] | None:
    """The display places of a decimal column, per row (None: as stored)."""
    rule = column.rounding
    if rule is None or column.kind != "decimal":
        return None
    if rule == "pct":
        return lambda _row: PCT_PLACES
    if not rule.startswith("money:"):
        raise ValueError(f"column {column.name}: unknown rounding {rule!r}")
    at = [c.name for c in table.columns].index(rule.removeprefix("money:"))
    units = table.minor_units
    return lambda row: units.get(str(row[at] or "").upper(), 2)


def _decimal_text_cell(value: Any) -> str:
    return value if isinstance(value, str) else plain(value)


def display_decimal(table: ExportTable, column: Column) -> Callable[[Any, Row], str | None]:
    """A decimal cell as display text (rounded by the column's rule), None for NULL."""
    places = places_of(table, column)

    def shown(value: Any, row: Row) -> str | None:
        if value is None:
            return None
        text = _decimal_text_cell(value)
        return text if places is None else round_text(text, places(row))

    return shown


def _bool_cell(value: Any, _row: Row) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "true" if value else "false"


def _time_cell(value: Any, _row: Row) -> str:
    return "" if value is None else iso_utc(value)


def _int_cell(value: Any, _row: Row) -> str:
    return "" if value is None else str(value)


def _text_cell(value: Any, _row: Row) -> str:
    return text_field(value)


def csv_cells(table: ExportTable) -> list[Cell]:
    """One function per column turning a row's value into its CSV field (the rules of
    `api.domain.csvtext`); built once per export, applied per row."""
    cells: list[Cell] = []
    for column in table.columns:
        if column.kind == "str":
            cells.append(_text_cell)
        elif column.kind == "int":
            cells.append(_int_cell)
        elif column.kind == "bool":
            cells.append(_bool_cell)
        elif column.kind == "datetime":
            cells.append(_time_cell)
        else:
            cells.append(_decimal_cell(display_decimal(table, column)))
    return cells


def _decimal_cell(shown: Callable[[Any, Row], str | None]) -> Cell:
    def cell(value: Any, row: Row) -> str:
        return decimal_field(shown(value, row))

    return cell


def csv_record(cells: Sequence[Cell], row: Row) -> str:
    return ",".join([cell(v, row) for cell, v in zip(cells, row, strict=True)])


# -- writers -----------------------------------------------------------------------


def counted(table: ExportTable, progress: Progress | None) -> Iterator[Sequence[Row]]:
    for batch in table.batches:
        yield batch
        if progress is not None:
            progress(len(batch))


RPW_ATTRIBUTION = "The World Bank: Remittance Prices Worldwide"
LICENCES = (
    f'World Bank RPW figures and rows: CC BY 4.0, attribution "{RPW_ATTRIBUTION}" '
    f"({RPW_URL}). Our collected quotes: each row's source and payload hash say where it "
    "came from; sample rows are labelled and are not live prices."
)
PRECISION = (
    "CSV and XLSX show percentages to 4 decimal places and money to its currency's minor "
    "units (rounded half-even); exchange rates as their source gave them. JSON and Parquet "
    "keep every stored digit."
)


def about_rows(table: ExportTable) -> list[tuple[str, str]]:
    """What the XLSX "about" sheet and the CSV sidecar (`<file>.about.csv`) say: the query,
    when it was generated, the sources and licences, how numbers are rounded."""
    rows = list(table.metadata().items())
    rows += [("licences", LICENCES), ("attribution", RPW_ATTRIBUTION), ("precision", PRECISION)]
    rows.append(("columns", ", ".join(c.name for c in table.columns)))
    return rows


def about_csv(table: ExportTable) -> bytes:
    """The about rows as a two-column CSV (field, value), BOM first: the CSV export's
    sidecar, so the data file itself stays a plain table for pandas and Excel."""
    lines = [header_line(["field", "value"])]
    lines += [f"{text_field(k)},{text_field(v)}{NEWLINE}" for k, v in about_rows(table)]
    return (BOM + "".join(lines)).encode("utf-8")
