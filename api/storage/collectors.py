"""Collector runs (the `collectorrun` table), provider upserts for sources that name their
providers, and the status queries behind the admin API."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.storage.models import CollectorRun, Provider, ReferenceRate

Bind = Engine | Connection
RUNNING = "running"
OK = "ok"
PARTIAL = "partial"
FAILED = "failed"
GOOD = (OK, PARTIAL)
ERROR_MAX = 4000
ABANDON_AFTER = timedelta(hours=2)  # a `running` row this old on another host is dead


def worker_id() -> str:
    """host:pid of this process, as a run records who is running it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def open_session(bind: Bind) -> Session:
    """A session on an engine, or inside a caller's connection (tests) as a savepoint."""
    return Session(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


# -- runs ----------------------------------------------------------------------------


def start_run(bind: Bind, source: str, *, now: datetime, worker: str) -> CollectorRun:
    """Insert a `running` row and commit it at once, so the run is on record whatever
    happens next."""
    with open_session(bind) as session:
        run = CollectorRun(source=source, started_at=now, status=RUNNING, worker=worker[:96])
        session.add(run)
        session.commit()
        return run


def finish_run(
    bind: Bind,
    run_id: int,
    *,
    status: str,
    finished_at: datetime,
    stored: int = 0,
    duplicates: int = 0,
    rejected: int = 0,
    error: str | None = None,
) -> CollectorRun:
    with open_session(bind) as session:
        run = session.get(CollectorRun, run_id)
        if run is None:  # pragma: no cover - the row was committed by start_run
            raise LookupError(f"collector run {run_id} vanished")
        run.status = status
        run.finished_at = finished_at
        run.rows_stored = stored
        run.rows_duplicate = duplicates
        run.rows_rejected = rejected
        run.error = error[:ERROR_MAX] if error else None
        session.add(run)
        session.commit()
        return run


def running_runs(session: Session, source: str | None = None) -> list[CollectorRun]:
    stmt = select(CollectorRun).where(CollectorRun.status == RUNNING)
    if source is not None:
        stmt = stmt.where(CollectorRun.source == source)
    return list(session.exec(stmt))


def mark_abandoned(session: Session, runs: Iterable[CollectorRun], now: datetime) -> int:
    n = 0
    for run in runs:
        run.status = FAILED
        run.finished_at = now
        who = f"the process running it ({run.worker or 'unknown'}) died"
        if run.rows_stored or run.rows_duplicate:  # a feed import commits batch by batch
            run.error = (
                f"abandoned: {who} after committing {run.rows_stored} rows "
                f"({run.rows_duplicate} already stored); importing the same file again "
                "finishes it (the rows it stored are recognised and skipped)"
            )
        else:
            run.error = f"abandoned: {who} before it finished; nothing of it was stored"
        session.add(run)
        n += 1
    return n


def abandon_dead_runs(bind: Bind, now: datetime, source: str | None = None) -> int:
    """Mark runs whose process died as failed (of one source, or of all: a scheduler that
    takes over does this at once, not at each source's next run)."""
    with open_session(bind) as session:
        return abandon_dead(session, now, source)


def abandon_dead(session: Session, now: datetime, source: str | None = None) -> int:
    """`abandon_dead_runs` in the caller's session (it commits)."""
    dead = [r for r in running_runs(session, source) if _is_dead(r, now)]
    if dead:
        mark_abandoned(session, dead, now)
        session.commit()
    return len(dead)


def _is_dead(run: CollectorRun, now: datetime) -> bool:
    host, _, pid = (run.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    return now - run.started_at > ABANDON_AFTER


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recent_runs(session: Session, source: str, limit: int = 5) -> list[CollectorRun]:
    stmt = (
        select(CollectorRun)
        .where(CollectorRun.source == source)
        .order_by(col(CollectorRun.started_at).desc(), col(CollectorRun.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


def last_good_run(session: Session, source: str) -> CollectorRun | None:
    stmt = (
        select(CollectorRun)
        .where(CollectorRun.source == source, col(CollectorRun.status).in_(GOOD))
        .order_by(col(CollectorRun.started_at).desc(), col(CollectorRun.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def last_started(session: Session) -> dict[str, datetime]:
    """When each source last started a run (the scheduler plans its first runs from it)."""
    stmt = select(CollectorRun.source, func.max(CollectorRun.started_at)).group_by(
        col(CollectorRun.source)
    )
    return {source: started for source, started in session.exec(stmt) if started is not None}


# -- data the runner checks against ---------------------------------------------------


def known_series(session: Session, source: str) -> set[tuple[str, str, str, str]]:
    """(base, quote, rate_type, variant) the source has published before."""
    rr = ReferenceRate.__table__.c  # type: ignore[attr-defined]
    stmt = (
        sa_select(rr.base, rr.quote, rr.rate_type, rr.variant).where(rr.source == source).distinct()
    )
    return {(b, q, t, v) for b, q, t, v in session.execute(stmt)}


def anchor_rate(
    session: Session, base: str, quote: str, exclude_source: str
) -> tuple[ReferenceRate, bool] | None:
    """The newest direct, non-sample rate of the pair (either way round) from another
    source, and whether it is inverted relative to base->quote."""
    stmt = (
        select(ReferenceRate)
        .where(
            or_(
                and_(col(ReferenceRate.base) == base, col(ReferenceRate.quote) == quote),
                and_(col(ReferenceRate.base) == quote, col(ReferenceRate.quote) == base),
            ),
            ReferenceRate.source != exclude_source,
            col(ReferenceRate.sample).is_(False),
            col(ReferenceRate.derived).is_(False),
        )
        .order_by(col(ReferenceRate.as_of).desc())
        .limit(1)
    )
    row = session.exec(stmt).first()
    if row is None:
        return None
    return row, row.base != base


# -- providers ----------------------------------------------------------------------------


def ensure_provider(session: Session, slug: str, name: str, type_: str) -> Provider:
    """The provider with this slug, created (from the source's own naming) if unknown."""
    provider = session.exec(select(Provider).where(Provider.slug == slug)).first()
    if provider is None:
        provider = Provider(slug=slug, name=name, type=type_)
        session.add(provider)
        session.flush()
    return provider
