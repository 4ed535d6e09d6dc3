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

from collections.abc import Iterator
from pathlib import Path

from api.services.export_csv import csv_chunks
from api.services.export_json import json_chunks
from api.services.export_parquet import write_parquet
from api.services.export_table import ExportFormat, ExportTable, Progress
from api.services.export_xlsx import write_xlsx


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
