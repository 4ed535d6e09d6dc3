"""Reads for the quotes export: one streamed query (server-side cursor on PostgreSQL,
batched fetches on SQLite), so memory stays flat however many quotes match.

`dump_quotes_csv` is the fast path of the CSV export: the database renders every cell by
the rules of `api.domain.csvtext` (neutralised text, decimals rounded for display exactly,
ISO 8601 UTC times, true/false) from one set of SQL expressions built here for both
dialects. PostgreSQL frames the rows itself with `COPY ... TO STDOUT (FORMAT csv)`;
SQLite frames each record in SQL too (one text value per row, read with the raw DB-API
cursor), with a Python function registered for the rare cells its SQL cannot round
exactly. Both give the bytes `api.services.exports` writes for the same typed rows.
"""

from __future__ import annotations

import typing
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from api.domain.csvtext import (
    BOM,
    CSV_SPECIALS,
    FORMULA_PREFIXES,
    NEWLINE,
    neutralise,
    round_text,
    text_field,
)
from api.domain.money import MINOR_UNITS
from api.storage.models import Currency, Provider, Quote, Service

Kind = Literal["str", "int", "decimal", "bool", "datetime"]
BATCH = 2000
CHUNK = 1 << 16  # bytes per streamed CSV chunk
PCT_PLACES = 4


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


# (column name in every export format, kind, SQL expression), in export order. Where a
# column means what a World Bank RPW row-level column means, it has RPW's name (firm,
# firm_type, payment instrument, pickup method, speed actual, transparent; our values keep
# our vocabulary); the rest are ours, with the provenance columns source, collected_at,
# source_captured_at, sample and payload_hash.
QUOTE_COLUMNS: tuple[tuple[str, Kind, Any], ...] = (
    ("quote_id", "int", col(Quote.id)),
    ("corridor", "str", col(Quote.corridor_code)),
    ("provider", "str", col(Provider.slug)),
    ("firm", "str", col(Provider.name)),
    ("firm_type", "str", col(Provider.type)),
    ("payment instrument", "str", col(Service.payin_method)),
    ("pickup method", "str", col(Quote.payout_method)),
    ("speed actual", "str", col(Quote.speed)),
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


# How a decimal column is rounded for display in CSV and XLSX (JSON and Parquet keep every
# digit): "pct" to 4 places, "money:<column>" to the minor units of the currency named in
# that column; decimals not listed (rates) are written as stored, at their source's
# precision.
QUOTE_ROUNDING: dict[str, str] = {
    "send_amount": "money:send_currency",
    "fee": "money:send_currency",
    "receive_fee": "money:receive_currency",
    "fx_margin_pct": "pct",
    "total_cost_pct": "pct",
    "total_cost": "money:send_currency",
    "received_amount": "money:receive_currency",
    "markup_pct": "pct",
}


def minor_units_map(session: Session) -> dict[str, int]:
    """ISO 4217 minor units per currency: the reference data (data/corridors.yaml's
    currencies, in the currency table) over the built-in list; others default to 2."""
    units = dict(MINOR_UNITS)
    units.update(
        {
            code: int(n)
            for code, n in session.execute(select(col(Currency.code), col(Currency.minor_units)))
        }
    )
    return units


def places_for(rule: str, currency: str | None, units: dict[str, int]) -> int:
    if rule == "pct":
        return PCT_PLACES
    return units.get((currency or "").upper(), 2)


def _neutralised_sql(expr: Any, dialect: str) -> Any:
    """`neutralise` in SQL, with '' as NULL (COPY would quote an empty string). Most cells
    start with a letter: one bytewise comparison ("C" collation, no locale work) answers
    those; the others compare the first character's code point."""
    first = func.ascii(expr) if dialect == "postgresql" else func.unicode(expr)
    risky = first.in_([ord(c) for c in FORMULA_PREFIXES])
    return case(
        (expr.collate("C") >= "A", expr),
        (expr == "", null()),
        (risky, literal("'").op("||")(expr)),
        else_=expr,
    )


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
) -> Select[Any]:
    """The export query (also what benchmarks hand to the database's own CSV dump).
    `raw_for`: a dialect name, to select final text for decimals, times and booleans (see
    `_raw`); `sample_notice`: add a last
    column `notice` holding this text on sample rows (NULL on the others)."""
    exprs = []
    for name, kind, expr in QUOTE_COLUMNS:
        cell = _raw(kind, expr, raw_for) if raw_for else expr
        exprs.append(cell.label(name))
    if sample_notice is not None:
        notice = case((col(Quote.sample), literal(sample_notice)), else_=null())
        exprs.append(notice.label("notice"))
    return _joined(select(*exprs), flt)


def _joined(stmt: Select[Any], flt: QuoteFilter) -> Select[Any]:
    return (
        stmt.join(Provider, col(Provider.id) == col(Quote.provider_id))
        .join(Service, col(Service.id) == col(Quote.service_id))
        .where(*flt.conditions())
        .order_by(col(Quote.id))
    )


# -- the CSV cells in SQL ------------------------------------------------------------------
# One definition of each cell (api.domain.csvtext's rules) for both dialects. PostgreSQL:
# SQLAlchemy expressions over the typed columns, framed by COPY. SQLite: SQL text over the
# stored text (decimals and times are text there), framed into one record per row here.

_RISKY = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES)


def _units_case(currency: Any, units: dict[str, int], default: int = 2) -> Any:
    odd = {code: n for code, n in sorted(units.items()) if n != default}
    if not odd:
        return literal(default)
    return case(*((currency == code, literal(n)) for code, n in odd.items()), else_=default)


def _pg_round(x: Any, places: Any) -> Any:
    """`round_text` in PostgreSQL numeric arithmetic: exact, half-even (round() alone rounds
    half away from zero), numeric text with exactly `places` decimals, no negative zero.
    A tie needs exactly places + 1 significant decimals ending in 5, so the common case
    costs one trim_scale() and one round()."""
    r = func.round(x, places)
    ten = cast(10, Numeric)
    maybe_tie = func.scale(func.trim_scale(x)) == places + 1
    five = func.mod(func.trunc(func.abs(x) * func.power(ten, places + 1)), 10) == 5
    even = func.mod(func.trunc(func.abs(x) * func.power(ten, places)), 2) == 0
    return case((maybe_tie & five & even, func.trunc(x, places)), else_=r)


def _pg_decimal(column: Any, places: Any | None) -> Any:
    x = type_coerce(column, Numeric())
    # '-Infinity' is the only numeric text that starts like a formula and is no number
    minus_infinity = x == literal("-Infinity", Numeric)
    if places is None:
        return case((minus_infinity, literal("'-Infinity")), else_=cast(x, Text))
    # a value with no more decimals than shown needs no rounding, so no tie check (and is
    # finite: scale() of NaN or Infinity is NULL)
    return case(
        (func.scale(x) <= places, cast(func.round(x, places), Text)),
        (minus_infinity, literal("'-Infinity")),
        else_=cast(_pg_round(x, places), Text),
    )


def _pg_iso_text(expr: Any) -> Any:
    """`_pg_iso_utc` from PostgreSQL's own timestamp text, several times cheaper than
    to_char, valid when DateStyle is ISO: "2025-02-10 12:00:00.5" (fraction trimmed, absent
    when zero) -> "2025-02-10T12:00:00.500000+00:00"."""
    text = func.replace(cast(func.timezone("UTC", expr), Text), " ", "T")
    return case((func.length(text) == 19, text), else_=func.rpad(text, 26, "0")).op("||")("+00:00")


def _pg_cells(
    flt: QuoteFilter,
    units: dict[str, int],
    sample_notice: str | None,
    iso_datestyle: bool = False,
) -> Select[Any]:
    exprs = []
    by_name = {name: expr for name, _, expr in QUOTE_COLUMNS}
    # minor units from the currency table (one hash join per currency column), the
    # built-in list for codes it lacks
    joins: dict[str, Any] = {}
    for money in sorted(set(QUOTE_ROUNDING.values())):
        if money.startswith("money:"):
            joins[money.removeprefix("money:")] = aliased(Currency, name=f"units_{len(joins)}")
    for name, kind, expr in QUOTE_COLUMNS:
        rule = QUOTE_ROUNDING.get(name)
        if kind == "str":
            cell = _neutralised_sql(expr, "postgresql")
        elif kind == "decimal":
            places: Any = None
            if rule == "pct":
                places = literal(PCT_PLACES)
            elif rule is not None:
                currency = rule.removeprefix("money:")
                places = func.coalesce(
                    col(joins[currency].minor_units), _units_case(by_name[currency], units)
                )
            cell = _pg_decimal(expr, places)
        elif kind == "datetime" and iso_datestyle:
            cell = _pg_iso_text(expr)
        else:
            cell = _raw(kind, expr, "postgresql")
        exprs.append(cell.label(name))
    if sample_notice is not None:
        notice = case((col(Quote.sample), literal(neutralise(sample_notice))), else_=null())
        exprs.append(notice.label("notice"))
    stmt = select(*exprs)
    for currency, table in joins.items():
        stmt = stmt.outerjoin(table, col(table.code) == by_name[currency])
    return _joined(stmt.select_from(Quote), flt)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sq_text(c: str) -> str:
    """`text_field` in SQLite SQL (NULL stays NULL: printf writes it as an empty field).
    The common case costs one GLOB and one unicode(); CR and LF are literal characters
    inside the GLOB class. printf's %w doubles the quotes; like GLOB, it stops at a NUL."""
    prefix = f"CASE WHEN unicode({c}) IN ({_RISKY}) THEN '''' ELSE '' END"
    return (
        f"CASE WHEN {c} GLOB '*[,\"\n\r]*' "
        f"THEN printf('\"%s%w\"', {prefix}, {c}) "
        f"WHEN unicode({c}) IN ({_RISKY}) THEN '''' || {c} ELSE {c} END"
    )


def _sq_round(c: str, k: str) -> str:
    """Plain decimal text rounded for display. SQLite's printf rounds the nearest binary
    double, which is exact for 0 <= x < 10^7 unless the digits after the kept places
    start 4999 or 5000 (a tie or next to one; "5", "50", "500" when shorter); those,
    negative and larger values go to Python's exact `round_text` (registered as a SQL
    function)."""
    dot = f"instr({c}, '.')"
    exact = (
        f"{c} < '0' OR {dot} > 8 OR ({dot} = 0 AND length({c}) > 15) "
        f"OR substr({c}, {dot} + {k} + 1, 4) IN ('4999', '5000', '5', '50', '500')"
    )
    return f"CASE WHEN {exact} THEN remit_round_text({c}, {k}) ELSE printf('%.*f', {k}, {c}) END"


def _sq_units(currency: str, units: dict[str, int]) -> str:
    odd = {code: n for code, n in sorted(units.items()) if n != 2}
    if not odd:
        return "2"
    whens = " ".join(f"WHEN '{code}' THEN {n}" for code, n in odd.items() if code.isalnum())
    return f"(CASE {currency} {whens} ELSE 2 END)"


def _sq_cell(name: str, kind: Kind, units: dict[str, int]) -> str:
    """One cell of the SQLite record: its text, or NULL for an empty field."""
    c = _q(name)
    if kind == "str":
        return _sq_text(c)
    if kind == "int":
        return c
    if kind == "bool":
        return f"CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END"
    if kind == "datetime":
        fast = f"length({c}) = 26 AND substr({c}, 11, 1) = ' ' AND substr({c}, 20, 1) = '.'"
        return (
            f"CASE WHEN {fast} THEN substr({c}, 1, 10) || 'T' || "
            f"substr({c}, 12, 8) || CASE WHEN substr({c}, 21) = '000000' THEN '' "
            f"ELSE substr({c}, 20) END || '+00:00' WHEN {c} IS NOT NULL "
            f"THEN remit_iso_utc({c}) END"
        )
    rule = QUOTE_ROUNDING.get(name)
    if rule is None:
        value = c
    elif rule == "pct":
        value = _sq_round(c, str(PCT_PLACES))
    else:
        value = _sq_round(c, _sq_units(_q(rule.removeprefix("money:")), units))
    # stored decimals are plain numbers, or NaN / Infinity / sNaN (written as text): a
    # text comparison finds those cheaper than a GLOB
    return (
        f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} >= 'A' OR ({c} < '0' AND {c} GLOB '-[A-Za-z]*') "
        f"THEN {_sq_text(c)} "
        f"ELSE {value} END"
    )


def _sqlite_record(units: dict[str, int], with_notice: bool) -> str:
    """The whole CSV record of a row: one printf (one allocation), NULL as ''."""
    cells = [_sq_cell(name, kind, units) for name, kind, _ in QUOTE_COLUMNS]
    if with_notice:  # the notice is one constant, framed in Python (see _sqlite_csv)
        cells.append(_q("notice"))
    template = ",".join(["%s"] * len(cells))
    return f"printf('{template}', " + ", ".join(cells) + ")"


# The fast record. Every cell is final but for the CSV quoting (checked per chunk in
# Python), and costs a comparison or two and one or two C calls in the common case:
# - a text cell is neutralised exactly only when its first character sorts where a
#   formula prefix does (below '0', or '=' to '@'): two comparisons otherwise;
# - a decimal that starts with a digit, below 10^7 and not next to a tie (the digits after
#   the kept places do not start 4999 or 5000, or a shorter 5 / 50 / 500) is rounded by
#   SQLite's printf, exact there (the nearest double is within 10^-5 of a unit of the kept
#   places; printf's long-double digits are exact up to 16 significant digits); a tie, a
#   larger or negative value, more than 4 places, or NaN / Infinity text goes to the exact
#   per-cell rules above (`_sq_cell`, Python's `round_text` where SQL cannot be exact);
# - a stored time of the usual shape is rearranged with two substr calls.
FAST_PLACES = range(0, 5)


def _sq_fast_text(c: str) -> str:
    return (
        f"CASE WHEN {c} < '0' OR ({c} >= '=' AND {c} < 'A') THEN "
        f"CASE WHEN unicode({c}) IN ({_RISKY}) THEN '''' || {c} ELSE {c} END ELSE {c} END"
    )


def _sq_fast_round(c: str, places: int) -> str:
    """A decimal's text (starting with a digit) rounded by printf, or NULL where printf
    might not be exact. The first GLOB (is the first dropped digit 4 or 5?) spares most
    cells the concatenation the second needs (it also sees the short ties 5, 50, 500)."""
    kept = "?" * places
    near_tie = f"{c} GLOB '*.{kept}[45]*' AND ({c} || '000') GLOB '*.{kept}[45][09][09][09]*'"
    return (
        f"CASE WHEN {near_tie} OR CAST({c} AS REAL) >= 1e7 THEN NULL "
        f"ELSE printf('%.{places}f', {c}) END"
    )


def _sq_fast_cell(name: str, kind: Kind, units: dict[str, int]) -> str:
    c = _q(name)
    if kind == "str":
        return _sq_fast_text(c)
    if kind == "datetime":
        shape = "?" * 10 + " " + "?" * 8 + "." + "?" * 6
        return (
            f"CASE WHEN {c} GLOB '{shape}' THEN substr({c}, 1, 10) || 'T' || "
            f"CASE WHEN substr({c}, 21) = '000000' THEN substr({c}, 12, 8) "
            f"ELSE substr({c}, 12) END || '+00:00' ELSE {_sq_cell(name, kind, units)} END"
        )
    if kind != "decimal":
        return _sq_cell(name, kind, units)
    rule = QUOTE_ROUNDING.get(name)
    exact = _sq_cell(name, kind, units)
    if rule is None:
        fast = c
    elif rule == "pct":
        fast = _sq_fast_round(c, PCT_PLACES)
    else:
        k = _q("k_" + rule.removeprefix("money:"))
        places = sorted({n for n in units.values() if n in FAST_PLACES} | {2})
        whens = " ".join(f"WHEN {n} THEN {_sq_fast_round(c, n)}" for n in places)
        fast = f"CASE {k} {whens} END"
    return f"CASE WHEN {c} >= '0' AND {c} < ':' THEN coalesce({fast}, {exact}) ELSE {exact} END"


def _sqlite_rows(flt: QuoteFilter, units: dict[str, int], notice: str | None) -> Select[Any]:
    """(quote_id, fast record) per row; the minor units of both currencies by joining the
    currency table (the built-in list for codes it lacks)."""
    by_name = {name: expr for name, _, expr in QUOTE_COLUMNS}
    currencies = sorted(
        {r.removeprefix("money:") for r in QUOTE_ROUNDING.values() if r.startswith("money:")}
    )
    tables = {cur: aliased(Currency, name=f"units_{cur}") for cur in currencies}
    places = [
        func.coalesce(col(tables[cur].minor_units), _units_case(by_name[cur], units)).label(
            "k_" + cur
        )
        for cur in currencies
    ]
    rows = quote_select(flt, raw_for="sqlite", sample_notice=notice).add_columns(*places)
    for cur, table in tables.items():
        rows = rows.outerjoin(table, col(table.code) == by_name[cur])
    q = rows.subquery("q")
    cells = [_sq_fast_cell(name, kind, units) for name, kind, _ in QUOTE_COLUMNS]
    if notice is not None:
        cells.append(_q("notice"))
    template = ",".join(["%s"] * len(cells))
    record = literal_column(f"printf('{template}', " + ", ".join(cells) + ")", String)
    return select(q.c.quote_id, record.label("record")).select_from(q)


def _sqlite_chunk(rows: Select[Any]) -> Select[Any]:
    """One chunk of records, joined by LF in SQL (one value per chunk, not per row): the
    rows with quote_id > :after, oldest first, at most :size of them. The subquery with
    its ORDER BY and LIMIT is a co-routine feeding group_concat in that order."""
    part = (
        rows.where(literal_column("q.quote_id") > bindparam("after"))
        .order_by(literal_column("q.quote_id"))
        .limit(bindparam("size"))
        .subquery("chunk")
    )
    return select(
        func.group_concat(part.c.record, NEWLINE), func.max(part.c.quote_id), func.count()
    ).select_from(part)


def _sqlite_iso_cell(stored: object) -> str:
    """The datetime cells SQLite's SQL does not convert itself (not the stored form)."""
    text = str(stored)
    try:
        return sqlite_iso_utc(text)
    except ValueError:
        return text_field(text)


def _sqlite_round_cell(stored: object, places: int) -> str:
    return round_text(str(stored), int(places))


def header_line(names: Sequence[str]) -> str:
    return ",".join(text_field(n) for n in names) + NEWLINE


def dump_quotes_csv(
    session: Session, flt: QuoteFilter, *, sample_notice: str | None, batch: int = BATCH
) -> Iterator[tuple[bytes, int]]:
    """The quotes export as a CSV document (BOM and header first): (chunk, data rows in it)
    pairs. Row counts from COPY are line counts (a quoted line break would count twice):
    they only drive progress bars."""
    conn = session.connection()
    units = minor_units_map(session)
    if conn.dialect.name == "postgresql":
        datestyle = str(session.execute(select(func.current_setting("DateStyle"))).scalar_one())
        stmt = _pg_cells(flt, units, sample_notice, datestyle.startswith("ISO"))
        chunks = _copy_csv(conn, stmt)
        try:
            first, rows = next(chunks, (b"", 0))
            yield BOM.encode() + first, rows
            yield from chunks
        finally:
            chunks.close()  # a reader that stops early cancels the COPY now
        return
    yield from _sqlite_csv(conn, flt, units, sample_notice, batch)


def _sqlite_csv(
    conn: Connection,
    flt: QuoteFilter,
    units: dict[str, int],
    sample_notice: str | None,
    batch: int,
) -> Iterator[tuple[bytes, int]]:
    """The fast SQLite path: the database writes each record with every cell final except
    the CSV quoting, which almost no row needs, and joins a chunk of records into one value
    (so Python handles a value per chunk, not per row); Python checks the chunk at C speed
    (the commas and line feeds counted, no double quote or CR) and asks the exact per-cell
    record (`_sqlite_record`) only for the rows of a chunk that fail the check. A statement
    kept open for the whole export holds one read snapshot for all its chunk queries."""
    dbapi = typing.cast("Any", conn.connection.dbapi_connection)
    dbapi.create_function("remit_round_text", 2, _sqlite_round_cell, deterministic=True)
    dbapi.create_function("remit_iso_utc", 1, _sqlite_iso_cell, deterministic=True)
    notice = text_field(sample_notice) if sample_notice is not None else None
    names = [name for name, _, _ in QUOTE_COLUMNS] + (["notice"] if sample_notice else [])
    commas = len(names) - 1
    if notice is not None and any(c in notice for c in CSV_SPECIALS):
        commas = -1  # never true: every row is checked, then framed exactly
    yield (BOM + header_line(names)).encode(), 0
    rows = _sqlite_rows(flt, units, notice)
    chunk = _sqlite_chunk(rows)
    snapshot = dbapi.execute("SELECT 1 FROM quote")  # open: one read transaction throughout
    after = -(1 << 63)
    try:
        while True:
            with _bytes_text(dbapi):  # the records as UTF-8 bytes: no decoding, encoding
                text, last, n = conn.execute(chunk, {"after": after, "size": batch}).one()
                if not n:
                    break
                data = text + b"\n"
                if not (
                    data.count(b",") == commas * n
                    and data.count(b"\n") == n
                    and b'"' not in data
                    and b"\r" not in data
                ):
                    data = _reframed(conn, rows, flt, units, notice, after, last, commas)
            yield data, n
            after = last
    finally:
        snapshot.close()


@contextmanager
def _bytes_text(dbapi: Any) -> Iterator[None]:
    """Text values as bytes on this connection, for one fetch (never across a yield)."""
    saved = dbapi.text_factory
    dbapi.text_factory = bytes
    try:
        yield
    finally:
        dbapi.text_factory = saved


def _reframed(
    conn: Connection,
    rows: Select[Any],
    flt: QuoteFilter,
    units: dict[str, int],
    notice: str | None,
    after: int,
    last: int,
    commas: int,
) -> bytes:
    """A chunk with some cell needing CSV quoting: its records one by one, those failing
    the check written again by the exact per-cell record."""
    ids: Any = literal_column("q.quote_id")
    fast = conn.execute(rows.where(ids > after, ids <= last).order_by(ids)).all()
    bad = [
        qid
        for qid, line in fast
        if line.count(b",") != commas or b'"' in line or b"\r" in line or b"\n" in line
    ]
    inner = (
        quote_select(flt, raw_for="sqlite", sample_notice=notice)
        .where(col(Quote.id).in_(bad))
        .subquery("q")
    )
    record = literal_column(_sqlite_record(units, notice is not None), String)
    exact = {int(qid): text for qid, text in conn.execute(select(inner.c.quote_id, record))}
    return b"".join(exact.get(qid, line) + b"\n" for qid, line in fast)


def _copy_csv(conn: Connection, stmt: Select[Any]) -> Generator[tuple[bytes, int]]:
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
        with dbapi.cursor() as cur:
            # One process renders the cells: a parallel plan (Gather Merge of wide rendered
            # rows) measured slower on this 2-core machine, and COPY reads in id order
            # anyway. SET LOCAL: until this transaction ends.
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            with cur.copy(sql, params or None) as copy:
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
