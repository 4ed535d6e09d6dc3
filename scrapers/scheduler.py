"""The collection scheduler: APScheduler 3 jobs defined in code, one active scheduler at a time.

Jobs: one per source (:data:`scrapers.sources.SOURCES`), each with its own interval, an
explicit ``misfire_grace_time``, ``coalesce=True`` and ``max_instances=1``. Each run has a
hard timeout (the source's ``timeout``, enforced by the runner around fetching and parsing),
so a hung host cannot block later runs. A job's first run is planned from the last recorded
run of that source, so restarting the scheduler does not hammer the sources.

Only one scheduler is active, elected through the database:

- PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a dedicated connection; it
  is released by the server the moment that connection (or the process) dies.
- SQLite (and any other database): the ``schedulerlock`` row, with a heartbeat. A standby
  takes the row over when the heartbeat is older than ``stale_after_s``, or at once when the
  holder is a dead process on this host.

``remit scheduler`` runs :meth:`SchedulerService.run_forever`: a second one waits as a
standby and takes over when the active one dies. ``remit serve`` (one worker) calls
:func:`start_in_process`, which does the same in a background thread.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, create_engine, delete, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col

from api.settings import Settings, get_settings
from api.storage.collectors import last_started
from api.storage.models import SchedulerLock
from api.storage.types import utcnow
from scrapers.runner import abandon_dead_runs, run_source
from scrapers.sources import SOURCES, Source

log = logging.getLogger("scrapers.scheduler")

LOCK_NAME = "scheduler"
ADVISORY_KEY = 0x52454D4954_5343  # "REMIT" "SC": one bigint for pg_try_advisory_lock
DEFAULT_HEARTBEAT_S = 10.0
DEFAULT_STALE_AFTER_S = 60.0
DEFAULT_FIRST_RUN_DELAY_S = 10.0
STAGGER_S = 5.0  # between the first runs of different sources
MAX_MISFIRE_GRACE_S = 15 * 60


# -- the lock -------------------------------------------------------------------------------


class LeaderLock(ABC):
    """Who may run the scheduler. ``try_acquire`` never blocks."""

    holder: str

    @abstractmethod
    def try_acquire(self) -> bool: ...

    @abstractmethod
    def still_held(self) -> bool:
        """Refresh the heartbeat; False when the lock was lost."""

    @abstractmethod
    def release(self) -> None: ...


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class AdvisoryLock(LeaderLock):
    """PostgreSQL session advisory lock on a dedicated (unpooled) connection."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.key = key
        self.holder = holder_id()
        self._engine = create_engine(
            engine.url.render_as_string(hide_password=False), poolclass=NullPool
        )
        self._conn: Connection | None = None
        self._held = False

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    def try_acquire(self) -> bool:
        if self._held:
            return self.still_held()
        try:
            conn = self._connection()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            conn.commit()  # the lock is session-level: it outlives this transaction
        except DBAPIError as exc:
            log.warning("scheduler lock: database unreachable (%s)", exc.__class__.__name__)
            self._drop()
            return False
        self._held = bool(got)
        return self._held

    def still_held(self) -> bool:
        if not self._held or self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
        except DBAPIError:
            log.warning("scheduler lock: lost the connection holding the advisory lock")
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None and self._held:
            with contextlib.suppress(DBAPIError):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            with contextlib.suppress(DBAPIError):  # already broken
                self._conn.close()
            self._conn = None


class RowLock(LeaderLock):
    """The ``schedulerlock`` row with a heartbeat (SQLite, or any database)."""

    def __init__(
        self,
        engine: Engine,
        *,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        name: str = LOCK_NAME,
    ) -> None:
        self.engine = engine
        self.name = name
        self.stale_after = timedelta(seconds=stale_after_s)
        self.holder = holder_id()

    def try_acquire(self) -> bool:
        now = utcnow()
        with Session(self.engine) as session:
            row = session.get(SchedulerLock, self.name)
            if row is None:
                session.add(SchedulerLock(name=self.name, holder=self.holder, heartbeat_at=now))
                try:
                    session.commit()
                except IntegrityError:  # another standby was faster
                    return False
                return True
            current = row.holder
            if current != self.holder and not (
                row.heartbeat_at < now - self.stale_after or _dead_on_this_host(current)
            ):
                return False
            # Take over only from the holder we saw: two standbys cannot both win.
            result = session.execute(
                update(SchedulerLock)
                .where(col(SchedulerLock.name) == self.name, col(SchedulerLock.holder) == current)
                .values(holder=self.holder, heartbeat_at=now)
            )
            session.commit()
            won: bool = getattr(result, "rowcount", 0) == 1
        if won and current != self.holder:
            log.info("scheduler lock: taken over from %s", current)
        return won

    def still_held(self) -> bool:
        with Session(self.engine) as session:
            result = session.execute(
                update(SchedulerLock)
                .where(
                    col(SchedulerLock.name) == self.name, col(SchedulerLock.holder) == self.holder
                )
                .values(heartbeat_at=utcnow())
            )
            session.commit()
            held: bool = getattr(result, "rowcount", 0) == 1
            return held

    def release(self) -> None:
        with Session(self.engine) as session:
            session.execute(
                delete(SchedulerLock).where(
                    col(SchedulerLock.name) == self.name,
                    col(SchedulerLock.holder) == self.holder,
                )
            )
            session.commit()


def _dead_on_this_host(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def make_lock(engine: Engine, *, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return RowLock(engine, stale_after_s=stale_after_s)


# -- the scheduler ----------------------------------------------------------------------------


def misfire_grace_s(source: Source) -> int:
    """A run may start this late (e.g. after a pause) and still run; later ones are skipped."""
    return int(min(source.interval.total_seconds() / 2, MAX_MISFIRE_GRACE_S))


class SchedulerService:
    """Elect, schedule, heartbeat; give up the jobs when the lock is lost."""

    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings | None = None,
        sources: Sequence[Source] | None = None,
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        first_run_delay_s: float = DEFAULT_FIRST_RUN_DELAY_S,
        run: Callable[[Engine, Source, Settings], object] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings or get_settings()
        self.sources = list(sources if sources is not None else SOURCES.values())
        for source in list(self.sources):
            reason = source.missing_configuration(self.settings)
            if reason:
                log.warning("scheduler: %s not scheduled: %s", source.name, reason)
                self.sources.remove(source)
        self.heartbeat_s = heartbeat_s
        self.first_run_delay_s = first_run_delay_s
        self.lock = make_lock(engine, stale_after_s=stale_after_s)
        self._run = run or _run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.scheduler: BackgroundScheduler | None = None
        self.active = threading.Event()

    # -- jobs ------------------------------------------------------------------------------

    def first_runs(self, now: datetime) -> dict[str, datetime]:
        """Each source's first run: when its interval since the last recorded run is up,
        but not before a short, staggered delay."""
        with Session(self.engine) as session:
            last = last_started(session)
        plan: dict[str, datetime] = {}
        for i, source in enumerate(self.sources):
            earliest = now + timedelta(seconds=self.first_run_delay_s + i * STAGGER_S)
            previous = last.get(source.name)
            due = previous + source.interval if previous is not None else earliest
            plan[source.name] = max(earliest, due)
        return plan

    def build(self, now: datetime | None = None) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=max(1, len(self.sources)))},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        plan = self.first_runs(now or utcnow())
        for source in self.sources:
            first = plan[source.name]
            scheduler.add_job(
                self._job,
                trigger=IntervalTrigger(
                    seconds=int(source.interval.total_seconds()), start_date=first, timezone=UTC
                ),
                args=[source.name],
                id=f"collect-{source.name}",
                name=f"collect {source.name}",
                misfire_grace_time=misfire_grace_s(source),
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
        return scheduler

    def _job(self, name: str) -> None:
        source = next(s for s in self.sources if s.name == name)
        try:
            self._run(self.engine, source, self.settings)
        except Exception:  # the runner records the run; never let a job kill the scheduler
            log.exception("scheduled run of %s failed", name)

    # -- election loop -------------------------------------------------------------------

    def run_forever(self, *, handle_signals: bool = True) -> None:
        """Standby until elected, then schedule until stopped or the lock is lost."""
        if handle_signals:
            _install_signal_handlers(self._stop)
        standby_logged = False
        try:
            while not self._stop.is_set():
                if not self.lock.try_acquire():
                    if not standby_logged:
                        log.info(
                            "scheduler standby: another scheduler is active; retrying every %gs",
                            self.heartbeat_s,
                        )
                        standby_logged = True
                    self._stop.wait(self.heartbeat_s)
                    continue
                standby_logged = False
                try:
                    self._lead()
                except Exception:  # e.g. the database went away: retry, never exit
                    log.exception("scheduler error; retrying in %gs", self.heartbeat_s)
                    self._stop.wait(self.heartbeat_s)
        finally:
            self.lock.release()
            log.info("scheduler stopped")

    def _lead(self) -> None:
        # Runs a killed scheduler left "running" are failed now, not at their next run.
        abandoned = abandon_dead_runs(self.engine, utcnow())
        if abandoned:
            log.warning("%d run(s) of a scheduler that died marked failed (abandoned)", abandoned)
        scheduler = self.scheduler = self.build()
        scheduler.start()
        self.active.set()
        log.info(
            "scheduler active (%s): %s",
            self.lock.holder,
            ", ".join(f"{s.name} every {_human(s.interval)}" for s in self.sources),
        )
        try:
            while not self._stop.wait(self.heartbeat_s):
                if not self.lock.still_held():
                    log.warning("scheduler lock lost: stopping jobs and going back to standby")
                    break
        finally:
            self.active.clear()
            scheduler.shutdown(wait=False)
            self.scheduler = None

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever,
            kwargs={"handle_signals": False},
            name="remit-scheduler",
            daemon=True,
        )
        self._thread = thread
        thread.start()
        return thread

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)


def _run(engine: Engine, source: Source, settings: Settings) -> object:
    return run_source(engine, source, settings=settings)


def _human(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}min"


def _install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler: signal %d received, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# -- in-process (remit serve with one worker) ---------------------------------------------------

_in_process: SchedulerService | None = None
_in_process_lock = threading.Lock()


def start_in_process(engine: Engine | None = None) -> SchedulerService | None:
    """Start the scheduler in a background thread of this process (idempotent). It waits as
    a standby if another scheduler is active. Off when REMIT_RUN_SCHEDULER_IN_PROCESS=false."""
    global _in_process
    settings = get_settings()
    if not settings.run_scheduler_in_process:
        log.info("in-process scheduler disabled (REMIT_RUN_SCHEDULER_IN_PROCESS=false)")
        return None
    with _in_process_lock:
        if _in_process is None:
            from api.storage.db import get_engine

            _in_process = SchedulerService(engine or get_engine(), settings=settings)
            _in_process.start_background()
            atexit.register(_in_process.stop)
        return _in_process


__all__ = [
    "AdvisoryLock",
    "LeaderLock",
    "RowLock",
    "SchedulerService",
    "make_lock",
    "misfire_grace_s",
    "start_in_process",
]
