"""Reads for the quotes export: one streamed query (server-side cursor on PostgreSQL,
batched fetches on SQLite), so memory stays flat however many quotes match. The CSV fast
path, rendered by the database, is `api.storage.export_csv` (one module per dialect)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
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

from api.domain.csvtext import (
    FORMULA_PREFIXES,
    NEWLINE,
    text_field,
)
from api.domain.money import MINOR_UNITS
from api.storage.models import Currency, Provider, Quote, Service

Kind = Literal["str", "int", "decimal", "bool", "datetime"]
BATCH = 2000
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


def neutralised_sql(expr: Any, dialect: str) -> Any:
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


def raw_cell(kind: Kind, expr: Any, dialect: str) -> Any:
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
    `raw_cell`); `sample_notice`: add a last
    column `notice` holding this text on sample rows (NULL on the others)."""
    exprs = []
    for name, kind, expr in QUOTE_COLUMNS:
        cell = raw_cell(kind, expr, raw_for) if raw_for else expr
        exprs.append(cell.label(name))
    if sample_notice is not None:
        notice = case((col(Quote.sample), literal(sample_notice)), else_=null())
        exprs.append(notice.label("notice"))
    return joined(select(*exprs), flt)


def joined(stmt: Select[Any], flt: QuoteFilter) -> Select[Any]:
    return (
        stmt.join(Provider, col(Provider.id) == col(Quote.provider_id))
        .join(Service, col(Service.id) == col(Quote.service_id))
        .where(*flt.conditions())
        .order_by(col(Quote.id))
    )


def header_line(names: Sequence[str]) -> str:
    return ",".join(text_field(n) for n in names) + NEWLINE


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
    without Python type conversion (see `raw_cell`): several times cheaper for text formats."""
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


def units_case(currency: Any, units: dict[str, int], default: int = 2) -> Any:
    odd = {code: n for code, n in sorted(units.items()) if n != default}
    if not odd:
        return literal(default)
    return case(*((currency == code, literal(n)) for code, n in odd.items()), else_=default)
