"""Widget views counted in memory and written in one short transaction now and then
(issue 23, item 2): a page view never needs the database's write lock, so a long import
cannot make a widget wait (on SQLite a view used to wait up to 30 s for it).

Counts not yet written are added to what `orgs.views` reads, so the figures a process
reports are current. A flush that cannot get the write lock at once keeps the counts for
the next one; a process that dies loses at most the last FLUSH_EVERY_S of counts.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

Counts = Counter[tuple[int, date]]
FLUSH_EVERY_S = 10.0
FLUSH_LOCK_WAIT_MS = 200  # SQLite: how long a flush waits for the write lock


class ViewCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._counts: Counter[tuple[int, date]] = Counter()
        self._last = time.monotonic()

    def add(self, organisation_id: int, day: date) -> None:
        with self._lock:
            self._counts[(organisation_id, day)] += 1

    def pending(self, organisation_id: int) -> dict[date, int]:
        with self._lock:
            return {d: n for (o, d), n in self._counts.items() if o == organisation_id}

    def due(self) -> bool:
        return bool(self._counts) and time.monotonic() - self._last >= FLUSH_EVERY_S

    def forget(self, organisation_id: int) -> None:
        with self._lock:
            for key in [k for k in self._counts if k[0] == organisation_id]:
                del self._counts[key]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def flush(self, session: Session, add_views: Callable[[Session, Counts], None]) -> int:
        """Write the pending counts (one transaction); returns how many views were written.
        When the database is busy the counts stay for the next flush."""
        if not self._flushing.acquire(blocking=False):
            return 0  # another flush is under way
        try:
            with self._lock:
                taken, self._counts = self._counts, Counter()
                self._last = time.monotonic()
            if not taken:
                return 0
            try:
                if session.get_bind().dialect.name == "sqlite":
                    session.execute(text(f"PRAGMA busy_timeout={FLUSH_LOCK_WAIT_MS}"))
                add_views(session, taken)
                session.commit()
            except OperationalError:
                session.rollback()
                with self._lock:
                    self._counts.update(taken)  # busy: keep them for the next flush
                return 0
            except IntegrityError:  # an organisation removed meanwhile: its counts go too
                session.rollback()
                return 0
            finally:
                if session.get_bind().dialect.name == "sqlite":
                    session.execute(text("PRAGMA busy_timeout=30000"))
            return sum(taken.values())
        finally:
            self._flushing.release()


VIEWS = ViewCounter()
