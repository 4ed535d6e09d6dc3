"""The one database engine and session factory."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext
from sqlmodel import Session, create_engine

from api.settings import get_settings

log = logging.getLogger("remit.db")


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached (server down, connection
    lost, pool exhausted) rather than a fault in the statement."""
    if isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.PendingRollbackError) and "reconnect" in str(exc):
        # "Can't reconnect until invalid transaction is rolled back": the session's
        # connection was invalidated by a lost server earlier in this request.
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        # SQLite reports a missing table or a bad statement as OperationalError too: those
        # are faults, not an outage.
        message = str(exc.orig).lower()
        if message.startswith(("no such ", "syntax error", "table ", "near ")):
            return False
        return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    return False


SETTLE_S = 1.0


class DatabaseStatus:
    """Whether the database answers: one log line when it goes away, one when it is back
    (not one traceback per request while it is down).

    A recovery is a new connection that then holds for ``settle_s`` with no failure: a
    server that is shutting down still accepts a last connection and then ends it, which
    is no recovery (logging it would log the outage twice). The line is written at the
    first checkout after that, so the recovery is never lost however fast it comes."""

    def __init__(
        self, settle_s: float = SETTLE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._down_since: float | None = None
        self._back_since: float | None = None
        self.settle_s = settle_s

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def went_down(self, exc: BaseException) -> None:
        with self._lock:
            if self._down_since is not None:
                self._back_since = None  # what looked like a recovery failed too
                return
            self._down_since = self._clock()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        log.error("database unreachable: %s", reason[0] if reason else type(exc).__name__)

    def connected(self) -> None:
        """A new connection was made: the server accepts connections (again)."""
        if self._down_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self._down_since is not None and self._back_since is None:
                self._back_since = self._clock()
        self.answered()

    def answered(self) -> None:
        """A connection was checked out (after its pre-ping): log the recovery once it
        has held for ``settle_s``."""
        if self._down_since is None:
            return
        with self._lock:
            since, back = self._down_since, self._back_since
            if since is None or back is None or self._clock() - back < self.settle_s:
                return
            self._down_since = self._back_since = None
        log.warning("database reachable again after %.1f s", back - since)


database_status = DatabaseStatus()


def _on_error(context: ExceptionContext) -> None:
    err = context.sqlalchemy_exception
    if context.is_disconnect or (err is not None and is_unavailable(err)):
        database_status.went_down(err or context.original_exception)


def _on_connect(*_args: Any) -> None:
    database_status.connected()


def _on_checkout(*_args: Any) -> None:
    database_status.answered()


def make_engine(url: str) -> Engine:
    # A request that cannot get a connection within this answers 503 with Retry-After
    # (api/http/errors.py) instead of queueing for 30 s.
    kwargs: dict[str, Any] = {"pool_timeout": get_settings().db_pool_timeout_s}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        # Fail fast while the server is down (503 at once) instead of hanging each request.
        kwargs["connect_args"] = {"connect_timeout": 3}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "handle_error", _on_error)
    # SQLite keeps its connections (a lock timeout invalidates none): a checkout after a
    # failure is the sign it answers again. PostgreSQL drops every pooled connection on a
    # disconnect, so the next new connection is; later checkouts confirm it.
    if url.startswith("sqlite"):
        event.listen(engine, "checkout", _on_connect)
    else:
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "checkout", _on_checkout)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite begins a transaction only at the first write, so concurrent collectors that
    # read before they write do not deadlock on SQLite's lock upgrade.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        close_quietly(session)


def close_quietly(session: Session) -> None:
    """Close a session whose answer has been sent: when the database went away meanwhile,
    the connection's final rollback fails; that is the outage already logged, not an error
    of this request (the pool drops the dead connection)."""
    try:
        session.close()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        database_status.went_down(exc)
