"""Corridor listing with live provider counts and the time of the newest quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.storage.models import Corridor, Country, Quote


@dataclass(frozen=True)
class CorridorSummary:
    corridor: Corridor
    from_name: str
    to_name: str
    live_providers: int
    last_update: datetime | None
    sample: bool


def list_corridors(session: Session, now: datetime) -> list[CorridorSummary]:
    corridors = list(
        session.exec(select(Corridor).order_by(col(Corridor.to_country), col(Corridor.code)))
    )
    names = {c.code: c.name for c in session.exec(select(Country))}
    stats: dict[str, tuple[int, datetime | None, bool]] = {}
    for corridor in corridors:
        since = now - timedelta(hours=corridor.expiry_hours)
        row = session.execute(
            sa_select(
                func.count(func.distinct(Quote.provider_id)),
                func.max(Quote.collected_at),
                func.max(case((col(Quote.sample), 1), else_=0)),
            ).where(col(Quote.corridor_code) == corridor.code, col(Quote.collected_at) >= since)
        ).one()
        stats[corridor.code] = (int(row[0] or 0), row[1], bool(row[2]))
    out = []
    for c in corridors:
        live, last, sample = stats[c.code]
        out.append(
            CorridorSummary(c, names[c.from_country], names[c.to_country], live, last, sample)
        )
    return out


def summarize(
    session: Session, corridor: Corridor, live: int, last: datetime | None, sample: bool
) -> CorridorSummary:
    src, dst = (
        session.get(Country, corridor.from_country),
        session.get(Country, corridor.to_country),
    )
    return CorridorSummary(
        corridor,
        src.name if src else corridor.from_country,
        dst.name if dst else corridor.to_country,
        live,
        last,
        sample,
    )
