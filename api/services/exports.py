"""Exports of quotes and corridor trends as CSV, XLSX, Parquet and JSON.

One table description (`ExportTable`: typed columns, a lazy iterator of row batches and
metadata) and four writers:

- CSV and JSON are generators of byte chunks: the HTTP layer streams them as rows are read.
- XLSX is written with XlsxWriter in constant_memory mode (rows flushed as written).
- Parquet is written with pyarrow one row group per batch.

Memory stays flat as rows grow in every format. Text cells that start with = + - @ (or a
tab / carriage return) are neutralised with a leading ' in CSV and XLSX, so a spreadsheet
never runs them as formulas; numbers are written as numbers. Every export carries the
provenance columns (source, collected_at, sample, payload_hash) and says "sample data — not
live prices" in its metadata (and on every sample row) when sample rows are included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from sqlmodel import Session

from api.domain.csvtext import (
    BOM,
    NEWLINE,
    decimal_field,
    is_plain_number,
    neutralise,
    round_text,
    text_field,
)
from api.domain.money import MINOR_UNITS, plain
from api.domain.periods import PeriodKind
from api.services.compare import SAMPLE_NOTICE, BadRequest
from api.services.trends import (
    OURS,
    PUBLISHED,
    SERIES_LABELS,
    FlowWeightedPoint,
    PeriodStats,
    TrendsTable,
    basket_amount,
    find_corridor,
    sdg_check,
    trends_table,
)
from api.storage.exports import (
    PCT_PLACES,
    QUOTE_COLUMNS,
    QUOTE_ROUNDING,
    Kind,
    QuoteFilter,
    dump_quotes_csv,
    has_sample_quotes,
    header_line,
    iter_quote_rows,
    minor_units_map,
    quote_count,
    sqlite_iso_utc,
)
from api.storage.published import RPW_URL, PublishedFigure
from api.storage.types import utcnow

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


def _decimal_text(value: Decimal | str) -> str:
    return value if isinstance(value, str) else plain(value)


def _json_cell(kind: Kind, value: Any) -> Any:
    """JSON value of a cell, typed or already text (decimals stay exact strings)."""
    if value is None or kind in ("str", "int"):
        return value
    if kind == "decimal":
        return _decimal_text(value)
    if kind == "bool":
        return value == "true" if isinstance(value, str) else bool(value)
    return iso_utc(value)


Cell = Callable[[Any, Row], str]


def _places(table: ExportTable, column: Column) -> Callable[[Row], int] | None:
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
    places = _places(table, column)

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


def _counted(table: ExportTable, progress: Progress | None) -> Iterator[Sequence[Row]]:
    for batch in table.batches:
        yield batch
        if progress is not None:
            progress(len(batch))


def csv_chunks(table: ExportTable, progress: Progress | None = None) -> Iterator[bytes]:
    """The CSV document as byte chunks: a UTF-8 byte-order mark and the header first, then
    one chunk per batch of rows. Fields per `api.domain.csvtext`; records end with LF."""
    if table.csv_dump is not None:
        for chunk, rows in table.csv_dump():
            if progress is not None and rows:
                progress(rows)
            yield chunk
        return
    yield (BOM + header_line([c.name for c in table.columns])).encode("utf-8")
    cells = csv_cells(table)
    for batch in _counted(table, progress):
        if batch:
            lines = [csv_record(cells, row) for row in batch]
            lines.append("")
            yield NEWLINE.join(lines).encode("utf-8")


def json_chunks(table: ExportTable, progress: Progress | None = None) -> Iterator[bytes]:
    """`{"meta": {...}, "columns": [...], "rows": [{...}, ...]}` as byte chunks."""
    head = {
        "meta": {**table.metadata(), "sample": table.sample},
        "columns": [{"name": c.name, "type": c.kind} for c in table.columns],
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [').encode("utf-8")
    names = [c.name for c in table.columns]
    kinds = [c.kind for c in table.columns]
    first = True
    for batch in _counted(table, progress):
        parts = [
            json.dumps(
                {n: _json_cell(k, v) for n, k, v in zip(names, kinds, row, strict=True)},
                ensure_ascii=False,
            )
            for row in batch
        ]
        if not parts:
            continue
        yield (("" if first else ",\n") + ",\n".join(parts)).encode("utf-8")
        first = False
    yield b"]}\n"


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


_WIDTH = {"int": 10, "decimal": 14, "bool": 10, "datetime": 20}
_FLOAT_MAX = 1e300  # beyond this (or not finite) a number is written as its exact text


def _xlsx_number(text: str) -> float | None:
    """A display decimal as a spreadsheet number, or None when no double holds it."""
    if not is_plain_number(text):
        return None
    number = float(text)
    return number if math.isfinite(number) and abs(number) < _FLOAT_MAX else None


def write_xlsx(table: ExportTable, path: Path, progress: Progress | None = None) -> None:
    """XLSX in constant_memory mode (each row flushed once written): column widths, an
    autofilter, number formats by display precision, frozen header, an "about" sheet.
    Values no spreadsheet number can hold (400 digits, NaN) are written as their text."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    meta = table.metadata()
    workbook.set_properties(
        {
            "title": f"{PRODUCER} {table.name} export",
            "author": PRODUCER,
            "comments": table.notice or meta.get("source", ""),
        }
    )
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    formats: dict[int, Any] = {}

    def places_format(places: int) -> Any:
        if places not in formats:
            pattern = "0" if places == 0 else "0." + "0" * places
            formats[places] = workbook.add_format({"num_format": f"#,##{pattern}"})
        return formats[places]

    cols = table.columns
    shown = [display_decimal(table, c) if c.kind == "decimal" else None for c in cols]
    places = [_places(table, c) for c in cols]
    ncols = len(cols)

    def new_sheet(index: int) -> Any:
        sheet = workbook.add_worksheet(table.name if index == 1 else f"{table.name}_{index}")
        for j, c in enumerate(cols):
            width = _WIDTH.get(c.kind, 16)
            sheet.set_column(j, j, max(width, min(len(c.name) + 2, 40)))
            sheet.write_string(0, j, c.name, bold)
        sheet.freeze_panes(1, 0)
        return sheet

    def close_sheet(sheet: Any, rows: int) -> None:
        sheet.autofilter(0, 0, max(rows - 1, 0), ncols - 1)

    sheets = 1
    sheet = new_sheet(sheets)
    r = 1
    for batch in _counted(table, progress):
        for row in batch:
            if r == XLSX_MAX_ROWS:
                close_sheet(sheet, r)
                sheets += 1
                sheet, r = new_sheet(sheets), 1
            for j, value in enumerate(row):
                if value is None:
                    continue
                kind = cols[j].kind
                if kind == "str":
                    sheet.write_string(r, j, neutralise(value))
                elif kind == "decimal":
                    text = shown[j](value, row)  # type: ignore[misc]
                    number = _xlsx_number(text) if text is not None else None
                    if number is None:
                        sheet.write_string(r, j, neutralise(str(text)))
                    else:
                        at = places[j]
                        fmt = places_format(at(row)) if at is not None else None
                        sheet.write_number(r, j, number, fmt)
                elif kind == "int":
                    if abs(int(value)) < 2**53:
                        sheet.write_number(r, j, int(value))
                    else:
                        sheet.write_string(r, j, str(value))
                elif kind == "bool":
                    sheet.write_boolean(r, j, value in (True, 1, "true"))
                elif isinstance(value, datetime) and value.year >= 1900:
                    sheet.write_datetime(r, j, value.astimezone(UTC).replace(tzinfo=None), when)
                else:
                    sheet.write_string(r, j, iso_utc(value))
            r += 1
    close_sheet(sheet, r)
    about = workbook.add_worksheet("about")
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 110)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    about.write_string(0, 0, "field", bold)
    about.write_string(0, 1, "value", bold)
    for i, (key, value) in enumerate(about_rows(table), start=1):
        about.write_string(i, 0, key)
        about.write_string(i, 1, neutralise(value), wrap)
    if table.sample:
        about.activate()
    workbook.close()


def _parquet_type(kind: Kind) -> pa.DataType:
    return {
        "str": pa.string(),
        "int": pa.int64(),
        "decimal": pa.decimal128(38, PARQUET_SCALE),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }[kind]


_PARQUET_QUANTUM = Decimal(1).scaleb(-PARQUET_SCALE)
_PARQUET_INTEGER_DIGITS = 38 - PARQUET_SCALE


def _parquet_decimal(value: Decimal | str | None) -> Decimal | None:
    """A decimal for decimal128(38, 18): None for NULL and for values it cannot hold
    (NaN, infinity, 21 or more integer digits), rounded half-even at the 18th place."""
    if value is None:
        return None
    if isinstance(value, str):
        if not is_plain_number(value):
            return None
        value = Decimal(value)
    if not value.is_finite() or (value and value.adjusted() >= _PARQUET_INTEGER_DIGITS):
        return None
    with localcontext() as ctx:
        ctx.prec = 38
        return value.quantize(_PARQUET_QUANTUM, rounding=ROUND_HALF_EVEN)


def write_parquet(table: ExportTable, path: Path, progress: Progress | None = None) -> None:
    """Parquet written one row group per batch of rows (decimal128(38, 18) for decimals:
    values with more than 18 decimal places, only ever computed percentages, are rounded
    half-even at the 18th). A value decimal128(38, 18) cannot hold (NaN, infinity, 21 or
    more integer digits) is written as null and counted in the file's key-value metadata
    (`unrepresentable_decimals`, with the columns); the JSON export has it exactly."""
    meta = {k.encode(): v.encode() for k, v in table.metadata().items()}
    schema = pa.schema(
        [pa.field(c.name, _parquet_type(c.kind)) for c in table.columns], metadata=meta
    )
    lost: dict[str, int] = {}
    with pq.ParquetWriter(str(path), schema) as writer:
        wrote = False
        for batch in _counted(table, progress):
            if not batch:
                continue
            arrays = []
            for j, c in enumerate(table.columns):
                values = [row[j] for row in batch]
                if c.kind == "decimal":
                    converted = [_parquet_decimal(v) for v in values]
                    missing = sum(v is not None for v in values) - sum(
                        v is not None for v in converted
                    )
                    if missing:
                        lost[c.name] = lost.get(c.name, 0) + missing
                    values = converted
                arrays.append(pa.array(values, type=schema.field(j).type))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())
        if lost:
            writer.add_key_value_metadata(
                {
                    "unrepresentable_decimals": str(sum(lost.values())),
                    "unrepresentable_columns": ", ".join(f"{k}={n}" for k, n in lost.items()),
                    "unrepresentable_note": "values decimal128(38, 18) cannot hold are null "
                    "here; the JSON export has them exactly",
                }
            )


def write_file(
    table: ExportTable, fmt: ExportFormat, path: Path, progress: Progress | None = None
) -> None:
    """Write any format to a file (the CLI's path; XLSX and Parquet for HTTP too)."""
    if fmt is ExportFormat.XLSX:
        write_xlsx(table, path, progress)
    elif fmt is ExportFormat.PARQUET:
        write_parquet(table, path, progress)
    else:
        chunks = csv_chunks if fmt is ExportFormat.CSV else json_chunks
        with path.open("wb") as fh:
            for chunk in chunks(table, progress):
                fh.write(chunk)


def chunks(table: ExportTable, fmt: ExportFormat) -> Iterator[bytes]:
    if fmt is ExportFormat.CSV:
        return csv_chunks(table)
    if fmt is ExportFormat.JSON:
        return json_chunks(table)
    raise ValueError(f"{fmt.value} is written to a file, not streamed")


# -- quotes ------------------------------------------------------------------------

QUOTE_EXPORT_COLUMNS: tuple[Column, ...] = (
    *(Column(name, kind, QUOTE_ROUNDING.get(name)) for name, kind, _ in QUOTE_COLUMNS),
    Column("notice", "str"),
)


def day_range(
    from_date: date | None, to_date: date | None
) -> tuple[datetime | None, datetime | None]:
    """Inclusive UTC calendar days -> [start, end)."""
    if from_date and to_date and from_date > to_date:
        raise BadRequest("from_date", f"from_date {from_date} is after to_date {to_date}")
    start = datetime.combine(from_date, time(0), tzinfo=UTC) if from_date else None
    # to_date = date.max (9999-12-31) has no next day: it means "no end".
    end = (
        datetime.combine(to_date + timedelta(days=1), time(0), tzinfo=UTC)
        if to_date and to_date < date.max
        else None
    )
    return start, end


def quotes_export(
    session: Session,
    corridor: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    *,
    count: bool = False,
    typed: bool = True,
) -> ExportTable:
    """Every stored quote matching the filters, streamed oldest id first. `typed=False`
    reads driver-level values, for the text formats (CSV, JSON) only."""
    code = find_corridor(session, corridor).code if corridor else None
    start, end = day_range(from_date, to_date)
    flt = QuoteFilter(code, start, end)
    query = {"corridor": code, "from_date": from_date, "to_date": to_date}
    meta = {
        "query": "quotes " + (" ".join(f"{k}={v}" for k, v in query.items() if v) or "(all)"),
        "source": f"{PRODUCER} stored quotes (RPW cost model); provider, source and payload "
        "hash per row",
        "corridor": code or "all",
        "from_date": from_date.isoformat() if from_date else "",
        "to_date": to_date.isoformat() if to_date else "",
        "generated_at": utcnow().isoformat(),
    }
    return ExportTable(
        name="quotes",
        columns=QUOTE_EXPORT_COLUMNS,
        batches=iter_quote_rows(session, flt, typed=typed, sample_notice=SAMPLE_NOTICE),
        csv_dump=lambda: dump_quotes_csv(session, flt, sample_notice=SAMPLE_NOTICE),
        sample=has_sample_quotes(session, flt),
        rows_expected=quote_count(session, flt) if count else None,
        meta=meta,
        minor_units=minor_units_map(session),
    )


def quotes_stem(corridor: str | None, from_date: date | None, to_date: date | None) -> str:
    parts = ["quotes", corridor.upper() if corridor else "all"]
    if from_date:
        parts.append(f"from-{from_date.isoformat()}")
    if to_date:
        parts.append(f"to-{to_date.isoformat()}")
    return "-".join(parts)


# -- trends ------------------------------------------------------------------------

# The RPW aggregates of one corridor and period, in every trends dataset that lists them.
STAT_COLUMNS: tuple[Column, ...] = (
    Column("average_pct", "decimal", "pct"),
    Column("median_pct", "decimal", "pct"),
    Column("min_pct", "decimal", "pct"),
    Column("smart_pct", "decimal", "pct"),
    Column("share_at_or_below_5_pct", "decimal", "pct"),
)

TREND_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("series", "str"),
    Column("scope", "str"),
    Column("corridor", "str"),
    Column("basket_usd", "int"),
    Column("basket_amount", "decimal", "money:basket_currency"),
    Column("basket_currency", "str"),
    Column("period", "str"),
    *STAT_COLUMNS,
    Column("by_provider_type", "str"),
    Column("services", "int"),
    Column("providers", "int"),
    Column("observations", "int"),
    Column("sdg_average_at_or_below_3", "bool"),
    Column("sdg_at_or_below_5", "bool"),
    Column("source", "str"),
    Column("source_url", "str"),
    Column("collected_at", "datetime"),
    Column("sample", "bool"),
    Column("payload_hash", "str"),
    Column("notice", "str"),
)
_PCT4 = Decimal("0.0001")


def _by_type(values: dict[str, Decimal]) -> str:
    parts = (f"{k or 'unknown'}={plain(v.quantize(_PCT4))}" for k, v in sorted(values.items()))
    return "; ".join(parts)


def _stats_row(p: PeriodStats, table: TrendsTable) -> Row:
    corridor = next(c for c in table.corridors if c.code == p.corridor)
    s = p.stats
    return (
        p.series,
        "corridor",
        p.corridor,
        p.basket_usd,
        basket_amount(corridor, p.basket_usd) if p.series == OURS else None,
        corridor.send_currency if p.series == OURS else None,
        p.period,
        s.average_pct,
        s.median_pct,
        s.min_pct,
        s.smart_pct,
        s.share_at_or_below_5_pct,
        _by_type(s.by_provider_type),
        s.services,
        p.providers,
        p.observations,
        p.sdg.average_at_or_below_3,
        p.sdg.at_or_below_5,
        ",".join(p.sources) if p.series == OURS else SERIES_LABELS[p.series],
        None,
        p.newest,
        p.sample,
        p.inputs_sha256,
        SAMPLE_NOTICE if p.sample else None,
    )


def _published_row(f: PublishedFigure) -> Row:
    sdg = sdg_check(f.average_pct, f.smart_pct, corridor=f.scope == "corridor")
    return (
        PUBLISHED,
        f.scope,
        f.corridor,
        f.basket_usd,
        f.basket_amount,
        f.basket_currency,
        f.period,
        f.average_pct,
        f.median_pct,
        None,
        f.smart_pct,
        f.share_at_or_below_5_pct,
        None,
        f.services,
        f.firms,
        None,
        sdg.average_at_or_below_3,
        sdg.at_or_below_5,
        f.source + (f" ({', '.join(f.files)})" if f.files else ""),
        f.source_url,
        None,
        False,
        ";".join(f.file_sha256) or None,
        None,
    )


def _flow_row(p: FlowWeightedPoint) -> Row:
    return (
        f"{OURS}_flow_weighted",
        "all_corridors",
        "ALL",
        p.basket_usd,
        None,
        None,
        p.period,
        p.average_pct,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        len(p.corridors),
        p.sdg.average_at_or_below_3,
        p.sdg.at_or_below_5,
        f"flow-weighted over {', '.join(p.corridors)}; weights: {'; '.join(p.flow_sources)}",
        None,
        None,
        p.sample,
        None,
        SAMPLE_NOTICE if p.sample else None,
    )


def trends_rows(table: TrendsTable) -> list[Row]:
    rows: list[Row] = [_stats_row(p, table) for p in table.ours]
    rows += [_stats_row(p, table) for p in table.rpw]
    rows += [_published_row(f) for f in table.published]
    rows += [_flow_row(p) for p in table.flow_weighted]
    return rows


def trends_export(
    session: Session, corridor: str | None = None, kind: PeriodKind = PeriodKind.QUARTER
) -> ExportTable:
    """Corridor trends (ours, imported RPW rows, World Bank published) for both baskets."""
    table = trends_table(session, corridor, kind)
    return ExportTable.of_rows(
        "trends",
        TREND_EXPORT_COLUMNS,
        trends_rows(table),
        sample=table.sample,
        minor_units=minor_units_map(session),
        meta={
            "query": f"trends corridor={corridor.upper() if corridor else 'all'} "
            f"period={kind.value}",
            "source": f"series {OURS}: our stored quotes; series rpw: imported World Bank RPW "
            f"rows; series {PUBLISHED}: published World Bank RPW figures (CC BY 4.0)",
            "corridor": corridor.upper() if corridor else "all",
            "period": kind.value,
            "payload_hash": "for computed rows, SHA-256 over the sorted payload hashes (or "
            "dedupe keys / RPW row keys) of the observations used; for published rows, "
            "SHA-256 of the reference file",
            "generated_at": utcnow().isoformat(),
        },
    )


def trends_stem(corridor: str | None, kind: PeriodKind) -> str:
    return f"trends-{corridor.upper() if corridor else 'all'}-{kind.value}"
