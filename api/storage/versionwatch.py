"""Knowing that a data version changed without reading the version table on every request.

Every compare answer and page is keyed by its corridor's data version (`data_version`,
bumped by every stored quote or rate, `api/storage/pricebook.py`). Reading that table costs
a query per request; this module reads it again only when something may have changed:

- SQLite: `PRAGMA data_version` on one connection kept for the purpose. Its value changes
  when any *other* connection commits (this process's pool or another process), and reading
  it takes no lock.
- PostgreSQL: a trigger on the version table (migration 0009_speed) sends
  `NOTIFY remit_data_version` in the committing transaction; a thread LISTENs on its own
  connection. While it is not listening (starting, connection lost) every read queries.
- This process: a transaction that bumps a version marks its connection; reads through that
  connection are never cached (they see their own uncommitted writes, which others must not
  be given), and its rollback counts as a change.

`REMIT_DATA_VERSION_WATCH=false` turns all of it off: the table is read on every request.
The versions of every scope are read together (the table holds one row per corridor), kept
with the change count they were read under, and used while that count has not moved.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event, select
from sqlmodel import Session, col

from api.storage.models import DataVersion

log = logging.getLogger("remit.versions")

CHANNEL = "remit_data_version"
TRIGGER = "data_version_notify"
# PostgreSQL: the trigger of migration 0009_speed, also put back after `remit db restore`
# (which drops every trigger a backup brings, then installs this one from here).
NOTIFY_SQL = (
    f"""CREATE OR REPLACE FUNCTION remit_data_version_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', '');
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON data_version",
    f"""CREATE TRIGGER {TRIGGER}
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON data_version
    FOR EACH STATEMENT EXECUTE FUNCTION remit_data_version_notify()""",
)
BUMPED = "remit_bumped_versions"  # connection.info flag: this transaction bumped a version
_ALL = select(col(DataVersion.scope), col(DataVersion.version))


class VersionWatch:
    """One per engine: a change counter and the versions read under it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.changes = 0  # bumped by every sign that the version table may have changed
        self._cached: tuple[int, dict[str, int]] | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._sqlite: sqlite3.Connection | None = None
        self._pragma: int | None = None
        self._listening = False
        self._thread: threading.Thread | None = None
        event.listen(engine, "rollback", self._rolled_back)
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "engine_disposed", self._disposed)
        if engine.dialect.name == "sqlite":
            path = engine.url.database
            if path and path != ":memory:":
                self._sqlite = sqlite3.connect(path, check_same_thread=False)
        elif engine.dialect.name == "postgresql":
            self._thread = threading.Thread(
                target=self._listen, name="remit-version-listener", daemon=True
            )
            self._thread.start()

    @property
    def watching(self) -> bool:
        """Whether a change would be seen (else every read queries)."""
        return self._sqlite is not None or self._listening

    def changed(self) -> None:
        with self._lock:
            self.changes += 1

    def versions(self, session: Session, scopes: Sequence[str]) -> tuple[int, ...]:
        found = self._current(session)
        return tuple(found.get(s, 0) for s in scopes)

    def total(self, session: Session) -> int:
        """The sum of every scope's version: it grows whenever anything is stored."""
        return sum(self._current(session).values())

    def _current(self, session: Session) -> dict[str, int]:
        if not self._poll() or _bumped(session):
            found = _read(session)
        else:
            seen = self.changes  # before the read: a change during it moves the count on
            cached = self._cached
            if cached is not None and cached[0] == seen:
                found = cached[1]
            else:
                found = _read(session)
                self._cached = (seen, found)
        return found

    def known(self, scopes: Sequence[str]) -> tuple[int, ...] | None:
        """The versions when they are known without a query (a change would be seen and none
        was since they were read), else None. Without I/O on PostgreSQL (the listener
        counts changes); on SQLite the pragma read of `_poll`."""
        if not self._poll():
            return None
        cached = self._cached
        if cached is None or cached[0] != self.changes:
            return None
        return tuple(cached[1].get(s, 0) for s in scopes)

    def _poll(self) -> bool:
        if self._sqlite is not None:
            with self._lock:
                value = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
                if value != self._pragma:
                    self._pragma = value
                    self.changes += 1
            return True
        return self._listening

    # -- this process's writers ---------------------------------------------------------------

    def _committed(self, conn: Any) -> None:
        if conn.info.pop(BUMPED, None):
            self.changed()  # seen at once, without waiting for the pragma or notification

    def _rolled_back(self, conn: Any) -> None:
        if conn.info.pop(BUMPED, None):
            self.changed()

    # -- PostgreSQL -----------------------------------------------------------------------------

    def _listen(self) -> None:
        import psycopg

        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        wait = 0.5
        while not self._stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.changed()  # anything may have happened while nobody listened
                    self._listening = True
                    wait = 0.5
                    while not self._stopped.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.changed()
            except Exception as exc:  # the database went away: query until listening again
                if self._listening:
                    log.warning("data version notifications lost (%s); reading the table", exc)
            finally:
                self._listening = False
                self.changed()
            self._stopped.wait(wait)
            wait = min(wait * 2, 10.0)

    def _disposed(self, *_args: Any) -> None:
        with _watches_lock:
            if _watches.get(self.engine) is self:
                del _watches[self.engine]
        self.stop()

    def stop(self) -> None:
        self._stopped.set()
        self._listening = False
        if self._sqlite is not None:
            with self._lock:
                self._sqlite.close()
                self._sqlite = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def _bumped(session: Session) -> bool:
    """Whether the session's transaction bumped a version (then it must read its own).
    A session that has not begun one holds no connection: none is checked out to ask."""
    bind = session.get_bind()
    if isinstance(bind, Connection):  # a session joined to a caller's connection
        return bool(bind.info.get(BUMPED))
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(BUMPED))


def _read(session: Session) -> dict[str, int]:
    return {scope: int(v) for scope, v in session.connection().execute(_ALL)}


_watches: dict[Engine, VersionWatch] = {}
_watches_lock = threading.Lock()


def watch_for(engine: Engine) -> VersionWatch:
    hit = _watches.get(engine)
    if hit is not None:
        return hit
    with _watches_lock:
        hit = _watches.get(engine)
        if hit is None:
            hit = _watches[engine] = VersionWatch(engine)
        return hit


def mark_bumped(session: Session) -> None:
    """Called by every writer of the version table, in its transaction."""
    connection = session.connection()
    connection.info[BUMPED] = True
    watch = _watches.get(connection.engine)
    if watch is not None:
        watch.changed()


def stop_all() -> None:
    with _watches_lock:
        watches = list(_watches.values())
        _watches.clear()
    for watch in watches:
        watch.stop()
