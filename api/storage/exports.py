"""Reads for the quotes export: one streamed query (server-side cursor on PostgreSQL,
batched fetches on SQLite), so memory stays flat however many quotes match.

`dump_quotes_csv` is the fast path of the CSV export. On PostgreSQL the database renders
every cell (exact decimal text, ISO 8601 UTC times, true/false, formula-neutralised text)
and frames the rows itself with `COPY ... TO STDOUT (FORMAT csv)`. On SQLite, whose stored
values are already text, Python's csv writer frames the stored values after the few
conversions they need (measured faster than doing them in SQLite's SQL). Both give the same
bytes: LF line ends, minimal quoting, NULL and '' both an empty field.
"""

from __future__ import annotations

import csv
import io
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    Text,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    null,
    select,
    type_coerce,
)
from sqlmodel import Session, col

from api.storage.models import Provider, Quote, Service

Kind = Literal["str", "int", "decimal", "bool", "datetime"]
BATCH = 2000
CHUNK = 1 << 16  # bytes per streamed CSV chunk from COPY
# A text cell starting with one of these is neutralised with a leading ' in CSV and XLSX
# (spreadsheet formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class QuoteFilter:
    corridor: str | None = None
    start: datetime | None = None  # inclusive, UTC
    end: datetime | None = None  # exclusive, UTC

    def conditions(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.corridor is not None:
            conds.append(col(Quote.corridor_code) == self.corridor)
        if self.start is not None:
            conds.append(col(Quote.collected_at) >= self.start)
        if self.end is not None:
            conds.append(col(Quote.collected_at) < self.end)
        return conds


# (column name in every export format, kind, SQL expression), in export order.
QUOTE_COLUMNS: tuple[tuple[str, Kind, Any], ...] = (
    ("quote_id", "int", col(Quote.id)),
    ("corridor", "str", col(Quote.corridor_code)),
    ("provider", "str", col(Provider.slug)),
    ("provider_name", "str", col(Provider.name)),
    ("provider_type", "str", col(Provider.type)),
    ("payin_method", "str", col(Service.payin_method)),
    ("payout_method", "str", col(Quote.payout_method)),
    ("speed", "str", col(Quote.speed)),
    ("send_amount", "decimal", col(Quote.send_amount)),
    ("send_currency", "str", col(Quote.send_currency)),
    ("fee", "decimal", col(Quote.fee)),
    ("rate", "decimal", col(Quote.rate)),
    ("receive_currency", "str", col(Quote.receive_currency)),
    ("receive_fee", "decimal", col(Quote.receive_fee)),
    ("mid_rate", "decimal", col(Quote.mid_rate)),
    ("mid_rate_type", "str", col(Quote.mid_rate_type)),
    ("mid_rate_source", "str", col(Quote.mid_rate_source)),
    ("fx_margin_pct", "decimal", col(Quote.fx_margin_pct)),
    ("total_cost_pct", "decimal", col(Quote.total_cost_pct)),
    ("total_cost", "decimal", col(Quote.total_cost)),
    ("received_amount", "decimal", col(Quote.received_amount)),
    ("markup_pct", "decimal", col(Quote.markup_pct)),
    ("transparent", "bool", col(Quote.transparent)),
    ("promotional", "bool", col(Quote.promotional)),
    ("estimated", "bool", col(Quote.estimated)),
    ("source", "str", col(Quote.source)),
    ("collected_at", "datetime", col(Quote.collected_at)),
    ("source_captured_at", "datetime", col(Quote.source_captured_at)),
    ("sample", "bool", col(Quote.sample)),
    ("payload_hash", "str", col(Quote.payload_hash)),
)


def neutralise(text: str) -> str:
    """Spreadsheet formula-injection guard: a text cell starting with = + - @ (or tab/CR)
    gets a leading apostrophe, so a spreadsheet shows it as text and never evaluates it."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _neutralised_sql(expr: Any, dialect: str) -> Any:
    """`neutralise` in SQL, with '' as NULL (COPY would quote an empty string). Compares
    the first character's code point, not text (no collation work per cell)."""
    text = func.nullif(expr, "")
    first = func.ascii(text) if dialect == "postgresql" else func.unicode(text)
    risky = first.in_([ord(c) for c in FORMULA_PREFIXES])
    return case((risky, literal("'").op("||")(text)), else_=text)


def _pg_iso_utc(expr: Any) -> Any:
    """A timestamptz as the text Python's isoformat() writes for an aware UTC datetime:
    "2025-02-10T12:00:00+00:00", with ".ffffff" only when the microseconds are not 0."""
    utc = func.timezone("UTC", expr)
    micro = cast(extract("microseconds", expr), BigInteger) % 1_000_000
    fraction = case((micro == 0, literal("")), else_=func.to_char(utc, ".US"))
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS').op("||")(fraction).op("||")("+00:00")


def _raw(kind: Kind, expr: Any, dialect: str) -> Any:
    """The column without Python type conversion. Decimals: their exact plain text on both
    databases (SQLite stores it; PostgreSQL's numeric output is the same notation).
    PostgreSQL: datetimes as ISO 8601 UTC text, booleans as true/false. SQLite: datetimes
    as the stored naive-UTC text, booleans as 0/1 (see `sqlite_iso_utc`)."""
    if kind == "decimal":
        return cast(expr, Text) if dialect == "postgresql" else type_coerce(expr, String)
    if dialect != "postgresql":
        if kind == "datetime":
            return type_coerce(expr, String)
        if kind == "bool":
            return type_coerce(expr, Integer)
        return expr
    if kind == "datetime":
        return type_coerce(_pg_iso_utc(expr), String)
    if kind == "bool":
        return cast(expr, Text)  # PostgreSQL writes booleans as true/false
    return expr


def sqlite_iso_utc(stored: str) -> str:
    """SQLite's stored UTC text ("2025-02-10 12:00:00.000000") as isoformat() writes the
    aware datetime ("2025-02-10T12:00:00+00:00"); other forms go through datetime."""
    if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        tail = "" if stored.endswith(".000000") else stored[19:]
        return f"{stored[:10]}T{stored[11:19]}{tail}+00:00"
    parsed = datetime.fromisoformat(stored)
    if parsed.tzinfo is None:
        return parsed.isoformat() + "+00:00"
    return parsed.astimezone(UTC).isoformat()


def quote_select(
    flt: QuoteFilter,
    *,
    raw_for: str | None = None,
    sample_notice: str | None = None,
    csv_cells: bool = False,
) -> Select[Any]:
    """The export query (also what benchmarks hand to the database's own CSV dump).
    `raw_for`: a dialect name, to select final text for decimals, times and booleans (see
    `_raw`); `csv_cells`: text neutralised too (needs raw_for); `sample_notice`: add a last
    column `notice` holding this text on sample rows (NULL on the others)."""
    exprs = []
    for name, kind, expr in QUOTE_COLUMNS:
        cell = _raw(kind, expr, raw_for) if raw_for else expr
        if csv_cells and kind == "str":
            cell = _neutralised_sql(expr, raw_for or "postgresql")
        exprs.append(cell.label(name))
    if sample_notice is not None:
        notice = case((col(Quote.sample), literal(sample_notice)), else_=null())
        exprs.append(notice.label("notice"))
    return (
        select(*exprs)
        .join(Provider, col(Provider.id) == col(Quote.provider_id))
        .join(Service, col(Service.id) == col(Quote.service_id))
        .where(*flt.conditions())
        .order_by(col(Quote.id))
    )


def dump_quotes_csv(
    session: Session, flt: QuoteFilter, *, sample_notice: str | None, batch: int = BATCH
) -> Iterator[tuple[bytes, int]]:
    """The quotes export as a CSV document: (chunk, data rows in it) pairs, header first.
    Row counts from COPY are line counts (a quoted line break would count twice): they
    only drive progress bars."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt = quote_select(flt, raw_for=dialect, sample_notice=sample_notice, csv_cells=True)
        yield from _copy_csv(conn, stmt)
        return
    yield from _sqlite_csv(
        conn, quote_select(flt, raw_for=dialect, sample_notice=sample_notice), batch
    )


def _sqlite_csv(conn: Connection, stmt: Select[Any], batch: int) -> Iterator[tuple[bytes, int]]:
    kinds = [kind for _, kind, _ in QUOTE_COLUMNS]
    text = [i for i, k in enumerate(kinds) if k == "str"]
    stamps = [i for i, k in enumerate(kinds) if k == "datetime"]
    flags = [i for i, k in enumerate(kinds) if k == "bool"]
    first = frozenset(FORMULA_PREFIXES)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    result = conn.execute(stmt.execution_options(yield_per=batch))
    try:
        writer.writerow(result.keys())
        for part in result.partitions():
            rows = []
            for row in part:
                cells = list(row)
                for i in text:
                    v = cells[i]
                    if v and v[0] in first:
                        cells[i] = "'" + v
                for i in stamps:
                    v = cells[i]
                    if v is None:
                        continue
                    if len(v) == 26 and v[10] == " ":  # sqlite_iso_utc's fast path, inlined
                        tail = "" if v[20:] == "000000" else v[19:]
                        cells[i] = f"{v[:10]}T{v[11:19]}{tail}+00:00"
                    else:
                        cells[i] = sqlite_iso_utc(v)
                for i in flags:
                    v = cells[i]
                    if v is not None:
                        cells[i] = "true" if v else "false"
                rows.append(cells)
            writer.writerows(rows)
            yield buf.getvalue().encode("utf-8"), len(rows)
            buf.seek(0)
            buf.truncate()
        if buf.tell():
            yield buf.getvalue().encode("utf-8"), 0
    finally:
        result.close()


def _copy_csv(conn: Connection, stmt: Select[Any]) -> Iterator[tuple[bytes, int]]:
    """PostgreSQL renders and frames the rows itself (COPY TO STDOUT), in this transaction."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    sql = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    if not params:  # psycopg only turns %% back into % when it merges parameters
        sql = sql.replace("%%", "%")
    dbapi = typing.cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    header = True
    buf = bytearray()
    # In a savepoint: a reader that stops early (a client that disconnects) cancels the
    # COPY, which would otherwise leave the whole transaction aborted.
    savepoint = conn.begin_nested()
    try:
        with dbapi.cursor() as cur, cur.copy(sql, params or None) as copy:
            for data in copy:
                buf += data
                if len(buf) >= CHUNK:
                    lines = buf.count(b"\n") - header
                    header = False
                    yield bytes(buf), lines
                    buf.clear()
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    if buf:
        yield bytes(buf), buf.count(b"\n") - header


def iter_quote_rows(
    session: Session,
    flt: QuoteFilter,
    batch: int = BATCH,
    *,
    typed: bool = True,
    sample_notice: str | None = None,
) -> Iterator[Sequence[Sequence[Any]]]:
    """Batches of quote rows (tuples in QUOTE_COLUMNS order, then the notice column when
    `sample_notice` is given), oldest id first, through a server-side cursor (PostgreSQL)
    or batched fetches (SQLite).

    typed=True gives Decimal, aware datetime and bool values. typed=False gives the values
    without Python type conversion (see `_raw`): several times cheaper for text formats."""
    conn = session.connection()
    raw_for = None if typed else conn.dialect.name
    stmt = quote_select(flt, raw_for=raw_for, sample_notice=sample_notice)
    result = conn.execute(stmt.execution_options(yield_per=batch))
    try:
        yield from result.partitions()
    finally:
        result.close()


def quote_count(session: Session, flt: QuoteFilter) -> int:
    stmt = select(func.count(col(Quote.id))).where(*flt.conditions())
    return int(session.execute(stmt).scalar_one())


def has_sample_quotes(session: Session, flt: QuoteFilter) -> bool:
    stmt = select(exists().where(col(Quote.sample).is_(True), *flt.conditions()))
    return bool(session.execute(stmt).scalar_one())
