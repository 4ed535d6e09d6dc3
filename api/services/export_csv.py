"""The CSV writer: byte chunks, BOM and header first (fields per `api.domain.csvtext`)."""

from __future__ import annotations

from collections.abc import Iterator

from api.domain.csvtext import (
    BOM,
    NEWLINE,
)
from api.services.export_table import ExportTable, Progress, counted, csv_cells, csv_record
from api.storage.exports import (
    header_line,
)


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
    for batch in counted(table, progress):
        if batch:
            lines = [csv_record(cells, row) for row in batch]
            lines.append("")
            yield NEWLINE.join(lines).encode("utf-8")
