"""The Parquet writer: pyarrow, one row group per batch, decimals as decimal128(38, 18)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from api.domain.csvtext import (
    is_plain_number,
)
from api.services.export_table import ExportTable, Progress, counted
from api.storage.exports import (
    Kind,
)

PARQUET_SCALE = 18  # decimals in Parquet: decimal128(38, 18)


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
        for batch in counted(table, progress):
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
