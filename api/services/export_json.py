"""The JSON writer: `{"meta", "columns", "rows"}` as byte chunks, decimals as exact strings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from api.domain.money import plain
from api.services.export_table import ExportTable, Progress, counted, iso_utc
from api.storage.exports import Kind


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
    for batch in counted(table, progress):
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
