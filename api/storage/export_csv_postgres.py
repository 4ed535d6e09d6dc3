"""The quotes CSV rendered by PostgreSQL: one SQLAlchemy expression per cell (the rules of
`api.domain.csvtext`), framed by `COPY ... TO STDOUT (FORMAT csv)`."""

from __future__ import annotations

import typing
from collections.abc import Generator
from typing import Any

import psycopg
from sqlalchemy import (
    Connection,
    Numeric,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased
from sqlmodel import col

from api.domain.csvtext import (
    neutralise,
)
from api.storage.exports import (
    PCT_PLACES,
    QUOTE_COLUMNS,
    QUOTE_ROUNDING,
    QuoteFilter,
    joined,
    neutralised_sql,
    raw_cell,
    units_case,
)
from api.storage.models import Currency, Quote

CHUNK = 1 << 16  # bytes per streamed CSV chunk

# -- the CSV cells in SQL ------------------------------------------------------------------
# One definition of each cell (api.domain.csvtext's rules) for both dialects. PostgreSQL:
# SQLAlchemy expressions over the typed columns, framed by COPY. SQLite: SQL text over the
# stored text (decimals and times are text there), framed into one record per row here.


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


def pg_cells(
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
            cell = neutralised_sql(expr, "postgresql")
        elif kind == "decimal":
            places: Any = None
            if rule == "pct":
                places = literal(PCT_PLACES)
            elif rule is not None:
                currency = rule.removeprefix("money:")
                places = func.coalesce(
                    col(joins[currency].minor_units), units_case(by_name[currency], units)
                )
            cell = _pg_decimal(expr, places)
        elif kind == "datetime" and iso_datestyle:
            cell = _pg_iso_text(expr)
        else:
            cell = raw_cell(kind, expr, "postgresql")
        exprs.append(cell.label(name))
    if sample_notice is not None:
        notice = case((col(Quote.sample), literal(neutralise(sample_notice))), else_=null())
        exprs.append(notice.label("notice"))
    stmt = select(*exprs)
    for currency, table in joins.items():
        stmt = stmt.outerjoin(table, col(table.code) == by_name[currency])
    return joined(stmt.select_from(Quote), flt)


def copy_csv(conn: Connection, stmt: Select[Any]) -> Generator[tuple[bytes, int]]:
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
