"""Test fixtures: every storage and API test runs on SQLite and on PostgreSQL.

One database per test worker (per backend), schema built by the Alembic migrations, the demo
data loaded once; each test runs inside a transaction that is rolled back.

PostgreSQL: `REMIT_TEST_POSTGRES_URL` (default postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres)
must point at a role allowed to create databases. When it is not reachable the PostgreSQL
variants are skipped with a clear message, unless REMIT_REQUIRE_POSTGRES=1, which turns
that into a failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

# The API rate limit would turn fuzzing and page sweeps into 429s; its own test sets it.
os.environ.setdefault("REMIT_RATE_LIMIT_PER_MINUTE", "0")
# Tests change data between requests; the response cache has its own test.
os.environ.setdefault("REMIT_COMPARE_CACHE_S", "0")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.http.deps import get_now
from api.storage.db import get_session, make_engine
from api.storage.migrate import upgrade
from api.storage.types import utcnow
from api.storage.viewcount import VIEWS
from remit.app import create_app

PG_ADMIN_URL = os.environ.get(
    "REMIT_TEST_POSTGRES_URL", "postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("REMIT_REQUIRE_POSTGRES") == "1"
_skipped: dict[str, str] = {}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin_engine() -> Engine:
    return create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def _postgres_engine(db: str) -> Engine:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
    except OperationalError as exc:
        where = PG_ADMIN_URL.split("@")[-1]
        reason = f"PostgreSQL not reachable at {where} ({exc.orig.__class__.__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"REMIT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        _skipped["postgres"] = reason
        pytest.skip(reason + "; PostgreSQL variants skipped (set REMIT_REQUIRE_POSTGRES=1 to fail)")
    finally:
        admin.dispose()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"
    return make_engine(url)


@pytest.fixture(scope="session")
def demo_now() -> datetime:
    """The moment the demo data was loaded; tests compare against it. Two days before the
    machine's clock, so a test can store prices newer than the demo's that are still in the
    past (a capture time in the future is refused) on any day the suite runs."""
    return utcnow() - timedelta(days=2)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_now: datetime
) -> Iterator[Engine]:
    from api.storage.db import session_scope
    from scrapers.demo import load_demo

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / f"remit_{_worker()}.sqlite3"
        eng = make_engine(f"sqlite:///{path}")
    else:
        # One database per worker and run, so parallel runs on one machine never collide.
        db = f"remit_test_{_worker()}_{os.getpid()}"
        eng = _postgres_engine(db)
    upgrade(eng)
    with session_scope(eng) as s:
        # Sample quotes on every corridor (GB-PK too, beside its real survey prices), so the
        # mechanics are tested everywhere; tests/core/test_survey.py checks the shipped demo.
        load_demo(s, demo_now, sample_on_real_corridors=True)
    yield eng
    eng.dispose()
    if request.param == "postgres":
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    conn = engine.connect()
    trans = conn.begin()
    if conn.dialect.name == "sqlite":
        # pysqlite defers BEGIN to the first write; without this, a commit inside the code
        # under test would release the outermost savepoint, i.e. commit for good.
        conn.exec_driver_sql("BEGIN")
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


@pytest.fixture()
def client(session: Session, demo_now: datetime) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_now] = lambda: demo_now
    with TestClient(app) as c:
        yield c
    VIEWS.clear()  # widget views counted in memory belong to this test's rolled-back data


def pytest_sessionfinish(session: pytest.Session) -> None:
    holder = sys.modules.get("_remit_shared_chromium")
    browser = getattr(holder, "browser", None)
    if holder is not None and browser is not None:
        browser.close()
        holder.playwright.stop()
        holder.browser = None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for what, reason in _skipped.items():
        terminalreporter.write_line(f"SKIPPED {what}: {reason}", yellow=True)
