"""The numbers behind /metrics that live in the database: collector runs by source and
status, the last good run per source, and the newest quote per corridor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from api.storage.collectors import GOOD
from api.storage.models import CollectorRun, Quote


@dataclass(frozen=True)
class StoredFigures:
    runs: dict[tuple[str, str], int]  # (source, status) -> runs
    last_success: dict[str, datetime]  # source -> finish time of its last good run
    newest_quote: dict[tuple[str, bool], datetime]  # (corridor, sample) -> newest collected_at


def stored_figures(session: Session) -> StoredFigures:
    run = CollectorRun.__table__.c  # type: ignore[attr-defined]
    quote = Quote.__table__.c  # type: ignore[attr-defined]
    runs = {
        (source, status): int(n)
        for source, status, n in session.execute(
            sa_select(run.source, run.status, func.count()).group_by(run.source, run.status)
        )
    }
    last = {
        source: when
        for source, when in session.execute(
            sa_select(run.source, func.max(run.finished_at))
            .where(run.status.in_(GOOD))
            .group_by(run.source)
        )
        if when is not None
    }
    newest = {
        (corridor, bool(sample)): when
        for corridor, sample, when in session.execute(
            sa_select(quote.corridor_code, quote.sample, func.max(quote.collected_at)).group_by(
                quote.corridor_code, quote.sample
            )
        )
        if when is not None
    }
    return StoredFigures(runs, last, newest)
