"""Collector status for the admin API and `remit collect`: the last runs of every source
and how old its last good data is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api.storage.collectors import last_good_run, recent_runs
from api.storage.models import CollectorRun


@dataclass(frozen=True)
class SourceInfo:
    name: str
    title: str
    kind: str
    interval: timedelta


@dataclass(frozen=True)
class SourceStatus:
    info: SourceInfo
    runs: list[CollectorRun]  # newest first
    last_good: CollectorRun | None
    data_age: timedelta | None  # since the last good run finished
    stale: bool  # no good run within twice the interval


def collectors_status(
    session: Session, now: datetime, infos: list[SourceInfo], *, runs: int = 5
) -> list[SourceStatus]:
    """`infos`: the registered sources (the composition root passes `scrapers.sources`)."""
    out = []
    for info in infos:
        good = last_good_run(session, info.name)
        finished = good.finished_at if good is not None else None
        age = now - finished if finished is not None else None
        out.append(
            SourceStatus(
                info=info,
                runs=recent_runs(session, info.name, runs),
                last_good=good,
                data_age=age,
                stale=age is None or age > 2 * info.interval,
            )
        )
    return out
