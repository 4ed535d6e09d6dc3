"""The quotes CSV rendered by SQLite: SQL text per cell over the stored text, each record
framed in SQL (one text value per row, read with the raw DB-API cursor), with a Python
function registered for the rare cells its SQL cannot round exactly."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased
from sqlmodel import col

from api.domain.csvtext import (
    BOM,
    CSV_SPECIALS,
    FORMULA_PREFIXES,
    NEWLINE,
    round_text,
    text_field,
)
from api.storage.exports import (
    PCT_PLACES,
    QUOTE_COLUMNS,
    QUOTE_ROUNDING,
    Kind,
    QuoteFilter,
    header_line,
    quote_select,
    sqlite_iso_utc,
    units_case,
)
from api.storage.models import Currency, Quote

_RISKY = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES)


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
    if with_notice:  # the notice is one constant, framed in Python (see sqlite_csv)
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
        func.coalesce(col(tables[cur].minor_units), units_case(by_name[cur], units)).label(
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


def sqlite_csv(
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
