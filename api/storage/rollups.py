"""Trends rollups: what the RPW aggregates need, kept per corridor x period x basket x
source x service, so trends, the summary and the /trends pages never scan the quote history.

The RPW aggregates (mean, median, min, SmaRT, share <= 5 %, by provider type) are computed
over one observation per service and period: the service's newest non-estimated quote made
at exactly the corridor's basket amount (USD 200 or 500 equivalent). That observation is all
a rollup row holds, for each period kind (day, ISO week, month, quarter), so an aggregate
read is a few rows per service whatever the history size, and the figures are exactly those
recomputed from the raw quotes (tests/trends/test_rollups.py proves it on generated
histories).

Maintenance:
- `update_rollups(session, quotes)` runs in the transaction that stores quotes
  (`store_quotes` calls it after its flush): one upsert that keeps a row only if the new
  quote is newer (collected_at, then id). Storing the same quote again is a duplicate the
  quote table refuses, and re-upserting an older or equal observation changes nothing, so
  re-import and re-collection never double count.
- `rebuild_rollups(session)` recomputes everything from the stored history (the migration,
  bulk loaders, and anything that deletes quotes).
- `refresh_rpw_workbook_rollups(session)` recomputes the rows of imported RPW workbook rows
  (`rpwobservation`, each row its own observation, keyed "w:<row key>"), after an import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from api.domain.periods import PeriodKind, period_of
from api.domain.speed import Speed
from api.storage.models import Corridor, Provider, Quote, RpwObservation, TrendRollup
from api.storage.trends import iter_basket_quotes

KINDS: tuple[PeriodKind, ...] = (
    PeriodKind.DAY,
    PeriodKind.WEEK,
    PeriodKind.MONTH,
    PeriodKind.QUARTER,
)
RPW_SOURCE = "rpw"
WORKBOOK_PREFIX = "w:"
QUOTE_PREFIX = "q:"
BATCH = 1000
KEY_COLUMNS = ("corridor_code", "period_kind", "period", "basket_usd", "source", "service_key")
# RPW 'speed actual' bands that take longer than 5 days (not SmaRT-eligible).
_SLOW_RPW_SPEEDS = ("6 days", "more than 5", "over 5", "> 5", ">5")


@dataclass(frozen=True, slots=True)
class RollupRow:
    """One rollup row as read back (the fields the aggregates and their provenance need)."""

    corridor_code: str
    period_kind: str
    period: str
    basket_usd: int
    source: str
    service_key: str
    provider_key: str
    provider_type: str
    total_cost_pct: Decimal
    transparent: bool
    within_5_days: bool
    accessible: bool
    sample: bool
    observed_at: datetime | None
    quote_id: int
    input_key: str
    promotional: bool = False

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.observed_at or datetime.min.replace(tzinfo=UTC), self.quote_id)


def within_5_days(speed: str) -> bool:
    try:
        return Speed(speed).within_5_days
    except ValueError:
        return False


def rpw_within_5_days(speed: str | None) -> bool:
    text = (speed or "").lower()
    return not any(s in text for s in _SLOW_RPW_SPEEDS)


def _basket_usd(corridor: tuple[Decimal | None, Decimal | None], amount: Decimal) -> int | None:
    b200, b500 = corridor
    if b200 is not None and amount == b200:
        return 200
    if b500 is not None and amount == b500:
        return 500
    return None


def _quote_rows(
    *,
    corridor_code: str,
    basket: int,
    service_id: int,
    provider_id: int,
    provider_type: str,
    total_cost_pct: Decimal,
    transparent: bool,
    speed: str,
    sample: bool,
    source: str,
    collected_at: datetime,
    quote_id: int,
    input_key: str,
    promotional: bool,
) -> Iterator[dict[str, Any]]:
    for kind in KINDS:
        yield {
            "corridor_code": corridor_code,
            "period_kind": kind.value,
            "period": period_of(collected_at, kind),
            "basket_usd": basket,
            "source": source,
            "service_key": f"{QUOTE_PREFIX}{service_id}",
            "provider_key": str(provider_id),
            "provider_type": provider_type,
            "total_cost_pct": total_cost_pct,
            "transparent": transparent,
            "within_5_days": within_5_days(speed),
            "accessible": True,  # every service we list is open to the public
            "sample": sample,
            "observed_at": collected_at,
            "quote_id": quote_id,
            "input_key": input_key,
            "promotional": promotional or total_cost_pct < 0,
        }


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in KEY_COLUMNS)


def _newest(rows: Iterable[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Per rollup key, the newest observation (collected_at, then quote id)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = _key(row)
        cur = out.get(key)
        if cur is None or (row["observed_at"], row["quote_id"]) > (
            cur["observed_at"],
            cur["quote_id"],
        ):
            out[key] = row
    return out


def _upsert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows; where the key exists keep the newer observation (never an older one)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table = TrendRollup.__table__  # type: ignore[attr-defined]
    stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    newer = or_(
        stmt.excluded.observed_at > table.c.observed_at,
        and_(
            stmt.excluded.observed_at == table.c.observed_at,
            stmt.excluded.quote_id > table.c.quote_id,
        ),
    )
    updated = {
        c: stmt.excluded[c]
        for c in (
            "provider_key",
            "provider_type",
            "total_cost_pct",
            "transparent",
            "within_5_days",
            "accessible",
            "sample",
            "promotional",
            "observed_at",
            "quote_id",
            "input_key",
        )
    }
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=updated, where=newer)
    for start in range(0, len(rows), BATCH):
        session.execute(stmt, list(rows[start : start + BATCH]))


def update_rollups(session: Session, stored_quotes: Iterable[Quote]) -> int:
    """Fold newly stored quotes into the rollups, in the caller's transaction. Quotes not at
    a basket amount, and estimated ones, are not RPW observations and are skipped. Returns
    the number of rollup rows offered (before keeping only newer observations)."""
    quotes = [q for q in stored_quotes if not q.estimated and q.id is not None]
    if not quotes:
        return 0
    codes = {q.corridor_code for q in quotes}
    baskets = {
        code: (b200, b500)
        for code, b200, b500 in session.execute(
            select(col(Corridor.code), col(Corridor.basket_200), col(Corridor.basket_500)).where(
                col(Corridor.code).in_(codes)
            )
        )
    }
    candidates = []
    for q in quotes:
        basket = _basket_usd(baskets.get(q.corridor_code, (None, None)), q.send_amount)
        if basket is not None:
            candidates.append((q, basket))
    if not candidates:
        return 0
    types = dict(
        session.execute(
            select(col(Provider.id), col(Provider.type)).where(
                col(Provider.id).in_({q.provider_id for q, _ in candidates})
            )
        ).all()
    )
    rows = _newest(
        row
        for q, basket in candidates
        for row in _quote_rows(
            corridor_code=q.corridor_code,
            basket=basket,
            service_id=q.service_id,
            provider_id=q.provider_id,
            provider_type=types.get(q.provider_id, ""),
            total_cost_pct=q.total_cost_pct,
            transparent=q.transparent,
            speed=q.speed,
            sample=q.sample,
            source=q.source,
            collected_at=q.collected_at,
            quote_id=q.id or 0,
            input_key=q.payload_hash or q.dedupe_key,
            promotional=q.promotional,
        )
    )
    _upsert(session, list(rows.values()))
    return len(rows)


def _workbook_rows(session: Session) -> Iterator[dict[str, Any]]:
    stmt = (
        select(
            col(RpwObservation.row_key),
            col(RpwObservation.period),
            col(RpwObservation.corridor_code),
            col(RpwObservation.firm),
            col(RpwObservation.firm_type),
            col(RpwObservation.speed_actual),
            col(RpwObservation.cc1_total_cost_pct),
            col(RpwObservation.cc2_total_cost_pct),
            col(RpwObservation.transparent),
            col(RpwObservation.surveyed_on),
        )
        .where(col(RpwObservation.corridor_code).is_not(None))
        .order_by(col(RpwObservation.id))
    )
    for key, period, code, firm, firm_type, speed, cc1, cc2, transparent, day in session.execute(
        stmt
    ):
        when = datetime.combine(day, time(0), tzinfo=UTC) if day else None
        for basket, cost in ((200, cc1), (500, cc2)):
            if cost is None:
                continue
            yield {
                "corridor_code": code,
                "period_kind": PeriodKind.QUARTER.value,
                "period": period,
                "basket_usd": basket,
                "source": RPW_SOURCE,
                "service_key": f"{WORKBOOK_PREFIX}{key}",
                "provider_key": firm[:128],
                "provider_type": (firm_type or "")[:64],
                "total_cost_pct": cost,
                "transparent": transparent,
                "within_5_days": rpw_within_5_days(speed),
                "accessible": True,
                "sample": False,
                "observed_at": when,
                "quote_id": 0,
                "input_key": key,
                "promotional": cost < 0,  # RPW's promotions are its negative total costs
            }


def refresh_rpw_workbook_rollups(session: Session) -> int:
    """Recompute the rollup rows of imported RPW workbook rows (small: one per row)."""
    session.execute(
        delete(TrendRollup).where(col(TrendRollup.service_key).startswith(WORKBOOK_PREFIX))
    )
    rows = list(_workbook_rows(session))
    _upsert(session, rows)
    return len(rows)


def rebuild_rollups(session: Session, corridor_codes: Iterable[str] | None = None) -> int:
    """Recompute the rollups from the stored history (all corridors, or the given ones)."""
    wanted = None if corridor_codes is None else set(corridor_codes)
    stmt = delete(TrendRollup).where(col(TrendRollup.service_key).startswith(QUOTE_PREFIX))
    if wanted is not None:
        stmt = stmt.where(col(TrendRollup.corridor_code).in_(wanted))
    session.execute(stmt)
    corridors = session.execute(
        select(col(Corridor.code), col(Corridor.basket_200), col(Corridor.basket_500))
    ).all()
    by_amount: list[dict[str, Decimal]] = [{}, {}]
    for code, b200, b500 in corridors:
        if wanted is not None and code not in wanted:
            continue
        if b200 is not None:
            by_amount[0][code] = b200
        if b500 is not None:
            by_amount[1][code] = b500
    total = 0
    for basket, baskets in zip((200, 500), by_amount, strict=True):
        rows = _newest(
            row
            for q in iter_basket_quotes(session, baskets)
            for row in _quote_rows(
                corridor_code=q.corridor_code,
                basket=basket,
                service_id=q.service_id,
                provider_id=q.provider_id,
                provider_type=q.provider_type,
                total_cost_pct=q.total_cost_pct,
                transparent=q.transparent,
                speed=q.speed,
                sample=q.sample,
                source=q.source,
                collected_at=q.collected_at,
                quote_id=q.id,
                input_key=q.payload_hash or q.dedupe_key,
                promotional=q.promotional,
            )
        )
        _upsert(session, list(rows.values()))
        total += len(rows)
    if wanted is None:
        total += refresh_rpw_workbook_rollups(session)
    return total


def read_rollups(
    session: Session,
    kind: PeriodKind,
    basket: int,
    corridor_codes: Iterable[str] | None = None,
    *,
    source: str | None = None,
) -> list[RollupRow]:
    """Rollup rows of one period kind and basket (all corridors, or the given ones; one
    source, or all), ordered by corridor and period."""
    t = TrendRollup.__table__.c  # type: ignore[attr-defined]
    # Core columns, not ORM attributes: rows come back as plain tuples (no ORM loading).
    stmt = select(
        t.corridor_code,
        t.period_kind,
        t.period,
        t.basket_usd,
        t.source,
        t.service_key,
        t.provider_key,
        t.provider_type,
        t.total_cost_pct,
        t.transparent,
        t.within_5_days,
        t.accessible,
        t.sample,
        t.observed_at,
        t.quote_id,
        t.input_key,
        t.promotional,
    ).where(t.period_kind == kind.value, t.basket_usd == basket)
    if corridor_codes is not None:
        stmt = stmt.where(t.corridor_code.in_(list(corridor_codes)))
    if source is not None:
        stmt = stmt.where(t.source == source)
    return [RollupRow(*tuple(r)) for r in session.connection().execute(stmt)]


__all__ = [
    "KINDS",
    "RPW_SOURCE",
    "RollupRow",
    "read_rollups",
    "rebuild_rollups",
    "refresh_rpw_workbook_rollups",
    "update_rollups",
]
