"""World Bank RPW observations (`rpwobservation`): idempotent inserts keyed by row content."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from api.storage.models import Corridor, Country, RpwObservation


def corridor_codes(session: Session) -> dict[tuple[str, str], str]:
    """(source ISO3, destination ISO3) -> our corridor code, e.g. ("GBR", "PAK") -> "GB-PK"."""
    iso3 = {c.code: c.iso3 for c in session.exec(select(Country))}
    out: dict[tuple[str, str], str] = {}
    for corridor in session.exec(select(Corridor)):
        src, dst = iso3.get(corridor.from_country), iso3.get(corridor.to_country)
        if src and dst:
            out[(src, dst)] = corridor.code
    return out


def existing_keys(session: Session, keys: Collection[str]) -> set[str]:
    if not keys:
        return set()
    stmt = select(RpwObservation.row_key).where(col(RpwObservation.row_key).in_(keys))
    return set(session.exec(stmt))


def insert_observations(session: Session, records: Sequence[dict[str, Any]]) -> int:
    """Insert `rpwobservation` rows (column name -> value) in one statement."""
    if records:
        session.execute(insert(RpwObservation), list(records))
    return len(records)


def count_observations(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(RpwObservation)).one())
