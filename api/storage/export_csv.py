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

from collections.abc import Iterator

from sqlalchemy import (
    func,
    select,
)
from sqlmodel import Session

from api.domain.csvtext import (
    BOM,
)
from api.storage.export_csv_postgres import copy_csv, pg_cells
from api.storage.export_csv_sqlite import sqlite_csv
from api.storage.exports import BATCH, QuoteFilter, minor_units_map


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
        stmt = pg_cells(flt, units, sample_notice, datestyle.startswith("ISO"))
        chunks = copy_csv(conn, stmt)
        try:
            first, rows = next(chunks, (b"", 0))
            yield BOM.encode() + first, rows
            yield from chunks
        finally:
            chunks.close()  # a reader that stops early cancels the COPY now
        return
    yield from sqlite_csv(conn, flt, units, sample_notice, batch)
