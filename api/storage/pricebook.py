"""The price book: current prices maintained at write time, and data versions.

`current_price` holds the newest observation per (service, amount point); it is updated in
the same transaction that stores quotes (`after_quotes_stored`, called by `store_quotes`), so
the comparison reads a few hundred rows of one corridor whatever the size of the history.
The quote history itself stays append-only for trends and exports.

`data_version` counts, per corridor (and "*" for reference rates), how often something the
comparison shows was stored; response caches and ETags key on it, so a new quote or rate is
visible on the very next request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from api.storage.models import CurrentPrice, DataVersion, Quote
from api.storage.versionwatch import mark_bumped

SURVEY_SOURCES = frozenset({"rpw"})  # surveyed prices: real but old, shown as their own tier
RATES_SCOPE = "*"
LIVE, SURVEY = "live", "survey"


def tier_of(source: str) -> str:
    return SURVEY if source in SURVEY_SOURCES else LIVE


def amount_key(amount: Decimal) -> str:
    """One spelling per amount ("200", "200.0" and "2E+2" are the same point)."""
    return format(amount.normalize(), "f")


@dataclass(frozen=True, slots=True)
class _Entry:
    service_id: int
    amount_key: str
    corridor_code: str
    tier: str
    quote_id: int
    observed_at: datetime

    def row(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "amount_key": self.amount_key,
            "corridor_code": self.corridor_code,
            "tier": self.tier,
            "quote_id": self.quote_id,
            "observed_at": self.observed_at,
        }

    def newer_than(self, other: _Entry) -> bool:
        return (self.observed_at, self.quote_id) > (other.observed_at, other.quote_id)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE, replacing a current price only by a newer one."""
    table = CurrentPrice.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(rows)
    new = stmt.excluded
    newer = (new.observed_at > table.c.observed_at) | (
        (new.observed_at == table.c.observed_at) & (new.quote_id > table.c.quote_id)
    )
    return stmt.on_conflict_do_update(
        index_elements=["service_id", "amount_key"],
        set_={"quote_id": new.quote_id, "observed_at": new.observed_at, "tier": new.tier},
        where=newer,
    )


def _entries(quotes: Iterable[Quote]) -> list[_Entry]:
    newest: dict[tuple[int, str], _Entry] = {}
    for q in quotes:
        assert q.id is not None
        e = _Entry(
            q.service_id,
            amount_key(q.send_amount),
            q.corridor_code,
            tier_of(q.source),
            q.id,
            q.collected_at,
        )
        cur = newest.get((e.service_id, e.amount_key))
        if cur is None or e.newer_than(cur):
            newest[(e.service_id, e.amount_key)] = e
    return list(newest.values())


UPSERT_CHUNK = 500


def after_quotes_stored(session: Session, quotes: Sequence[Quote]) -> None:
    """Keep the price book current for quotes just inserted (ids assigned) in this
    transaction, and bump the data version of every corridor they touch."""
    entries = _entries(quotes)
    for start in range(0, len(entries), UPSERT_CHUNK):
        chunk = entries[start : start + UPSERT_CHUNK]
        session.execute(_upsert(session, [e.row() for e in chunk]))
    bump_versions(session, {e.corridor_code for e in entries})


def bump_versions(session: Session, scopes: Iterable[str]) -> None:
    """Increment the data version of each scope (a corridor code, or RATES_SCOPE)."""
    wanted = sorted(set(scopes))
    if not wanted:
        return
    mark_bumped(session)
    known = set(
        session.execute(
            select(col(DataVersion.scope)).where(col(DataVersion.scope).in_(wanted))
        ).scalars()
    )
    if known:
        session.execute(
            update(DataVersion)
            .where(col(DataVersion.scope).in_(sorted(known)))
            .values(version=DataVersion.version + 1)
        )
    missing = [s for s in wanted if s not in known]
    if missing:
        dialect = session.get_bind().dialect.name
        table = DataVersion.__table__  # type: ignore[attr-defined]
        rows = [{"scope": s, "version": 1} for s in missing]
        stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(rows)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["scope"], set_={"version": table.c.version + 1}
            )
        )


_VERSIONS = select(col(DataVersion.scope), col(DataVersion.version)).where(
    col(DataVersion.scope).in_(bindparam("scopes", expanding=True))
)


def data_versions(session: Session, scopes: Sequence[str]) -> tuple[int, ...]:
    """The data version of each scope, 0 where nothing was ever stored, in the given order.
    Read on every compare answer, so through Core on the session's connection with one
    statement built once (the ORM's statement building was half of this read)."""
    rows = session.connection().execute(_VERSIONS, {"scopes": list(scopes)})
    found: dict[str, int] = {scope: version for scope, version in rows}
    return tuple(int(found.get(s, 0)) for s in scopes)


def total_data_version(session: Session) -> int:
    """The sum of every scope's data version: it grows whenever anything is stored."""
    total = session.connection().execute(select(func.sum(DataVersion.version))).scalar()
    return int(total or 0)


def rebuild_current_prices(
    session: Session, corridors: Collection[str] | None = None, batch: int = 50_000
) -> int:
    """Rebuild the price book from the quote history (migration, bulk loaders, after
    quotes were deleted), for every corridor or only the given ones. Reads only the
    columns it needs, in batches; returns the number of current prices written."""
    wipe = delete(CurrentPrice)
    if corridors is not None:
        wipe = wipe.where(col(CurrentPrice.corridor_code).in_(sorted(corridors)))
    session.execute(wipe)
    stmt = select(
        col(Quote.id),
        col(Quote.service_id),
        col(Quote.send_amount),
        col(Quote.corridor_code),
        col(Quote.source),
        col(Quote.collected_at),
    ).execution_options(yield_per=batch)
    if corridors is not None:
        stmt = stmt.where(col(Quote.corridor_code).in_(sorted(corridors)))
    newest: dict[tuple[int, str], _Entry] = {}
    for qid, service_id, amount, corridor, source, collected in session.execute(stmt):
        e = _Entry(service_id, amount_key(amount), corridor, tier_of(source), qid, collected)
        cur = newest.get((service_id, e.amount_key))
        if cur is None or e.newer_than(cur):
            newest[(service_id, e.amount_key)] = e
    rows = [e.row() for e in newest.values()]
    table = CurrentPrice.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), UPSERT_CHUNK):
        session.execute(table.insert(), rows[start : start + UPSERT_CHUNK])
    touched = set(corridors) if corridors is not None else set()
    bump_versions(session, {e.corridor_code for e in newest.values()} | touched | {RATES_SCOPE})
    return len(rows)


__all__ = [
    "LIVE",
    "RATES_SCOPE",
    "SURVEY",
    "SURVEY_SOURCES",
    "after_quotes_stored",
    "amount_key",
    "bump_versions",
    "data_versions",
    "rebuild_current_prices",
    "tier_of",
]
