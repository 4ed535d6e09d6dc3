"""Test fixtures: every storage and API test runs on SQLite and on PostgreSQL.

One database per test worker (per backend), schema built by the Alembic migrations, the demo
data loaded once; each test runs inside a transaction that is rolled back.

PostgreSQL: `REMIT_TEST_POSTGRES_URL` (default postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres)
must point at a role allowed to create databases. When it is not reachable the PostgreSQL
variants are skipped with a clear message, unless REMIT_REQUIRE_POSTGRES=1, which turns
that into a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

# The API rate limit would turn fuzzing and page sweeps into 429s; its own test sets it.
os.environ.setdefault("REMIT_RATE_LIMIT_PER_MINUTE", "0")
# Tests change data between requests; the response cache has its own test.
os.environ.setdefault("REMIT_COMPARE_CACHE_S", "0")

import pytest
from fastapi.testclient import TestClient
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from api.http.deps import get_now
from api.services.compare import BOOK
from api.storage.db import get_session, make_engine
from api.storage.migrate import upgrade
from api.storage.types import utcnow
from api.storage.viewcount import VIEWS
from remit.app import create_app
from web.lean_page import SHAPES

# The browser fixtures (one live server and one Chromium per test process) are shared by the
# web, widget and lessons tests, so they are registered here, above all of them.
pytest_plugins = ["tests.browser_fixtures"]

PG_ADMIN_URL = os.environ.get(
    "REMIT_TEST_POSTGRES_URL", "postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("REMIT_REQUIRE_POSTGRES") == "1"
_skipped: dict[str, str] = {}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def drop_database(conn: Connection, name: str) -> None:
    """DROP DATABASE ... WITH (FORCE), on a connection in autocommit.

    FORCE refuses (InsufficientPrivilege, "must be a member of the role whose process is
    being terminated") when an autovacuum worker happens to be in the database: its process
    belongs to no role the test role is a member of. Then this role's own sessions are ended
    and a plain DROP, which cancels autovacuum and waits for it, is made instead."""
    try:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except ProgrammingError as exc:
        if not isinstance(exc.orig, InsufficientPrivilege):
            raise
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"
                " AND usename = current_user AND pid <> pg_backend_pid()"
            ),
            {"db": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def _admin_engine() -> Engine:
    return create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def _pg_unreachable(exc: OperationalError) -> None:
    where = PG_ADMIN_URL.split("@")[-1]
    reason = f"PostgreSQL not reachable at {where} ({exc.orig.__class__.__name__})"
    if REQUIRE_POSTGRES:
        pytest.fail(f"REMIT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    _skipped["postgres"] = reason
    pytest.skip(reason + "; PostgreSQL variants skipped (set REMIT_REQUIRE_POSTGRES=1 to fail)")


def _pg_url(db: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"


def _pg_template() -> str:
    """The template database of this run: named after the controlling pytest process (the
    parent of the xdist workers), which drops it when the run ends."""
    run = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
    return f"remit_test_template_{run}"


@contextmanager
def _run_lock(run_dir: Path, name: str) -> Iterator[None]:
    """One test process at a time (the first builds what the others then reuse)."""
    with (run_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _load_demo(eng: Engine, demo_now: datetime) -> None:
    from api.storage.db import session_scope
    from scrapers.demo import load_demo

    upgrade(eng)
    with session_scope(eng) as s:
        # Sample quotes, asked for explicitly (`remit demo --sample`), on every corridor (GB-PK
        # too, beside its real survey prices), so the mechanics are tested everywhere;
        # tests/core/test_survey.py checks the shipped demo (real material only).
        load_demo(s, demo_now, sample=True, sample_on_real_corridors=True)
    eng.dispose()


def _sqlite_database(run_dir: Path, path: Path, demo_now: datetime) -> Engine:
    """A copy of the run's demo SQLite file (migrated and loaded once per run)."""
    template = run_dir / "demo-db-template.sqlite3"
    with _run_lock(run_dir, "demo-db-sqlite"):
        if not template.exists():
            partial = run_dir / "demo-db-template.partial.sqlite3"
            _load_demo(make_engine(f"sqlite:///{partial}"), demo_now)
            partial.rename(template)
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


def _postgres_template(run_dir: Path, demo_now: datetime) -> str:
    """The run's demo database on PostgreSQL (migrated and loaded once per run, marked done
    by a file so a half-built template is never copied); its name."""
    template, done = _pg_template(), run_dir / "demo-db-postgres.done"
    admin = _admin_engine()
    try:
        with _run_lock(run_dir, "demo-db-postgres"):
            if not done.exists():
                with admin.connect() as conn:
                    drop_database(conn, template)
                    conn.execute(text(f'CREATE DATABASE "{template}"'))
                _load_demo(make_engine(_pg_url(template)), demo_now)
                done.touch()
    except OperationalError as exc:
        _pg_unreachable(exc)
    finally:
        admin.dispose()
    return template


def _postgres_database(run_dir: Path, db: str, demo_now: datetime) -> Engine:
    """CREATE DATABASE ... TEMPLATE: a copy of the run's demo database."""
    template = _postgres_template(run_dir, demo_now)
    admin = _admin_engine()
    try:
        with _run_lock(run_dir, "demo-db-postgres"), admin.connect() as conn:
            drop_database(conn, db)
            conn.execute(text(f'CREATE DATABASE "{db}" TEMPLATE "{template}"'))
    except OperationalError as exc:
        _pg_unreachable(exc)
    finally:
        admin.dispose()
    return make_engine(_pg_url(db))


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by the parallel test processes of this run (and only this run)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_now(run_dir: Path) -> datetime:
    """The moment the demo data was loaded; tests compare against it. Two days before the
    machine's clock, so a test can store prices newer than the demo's that are still in the
    past (a capture time in the future is refused) on any day the suite runs. One moment for
    the whole run: the test processes share the demo databases built with it."""
    path = run_dir / "demo-now.txt"
    with _run_lock(run_dir, "demo-now"):
        if not path.exists():
            path.write_text((utcnow() - timedelta(days=2)).isoformat(), encoding="utf-8")
    return datetime.fromisoformat(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    run_dir: Path,
    demo_now: datetime,
) -> Iterator[Engine]:
    """The demo database of this test process, copied from the run's template."""
    if request.param == "sqlite":
        if _worker() == "gw1":
            # Both workers start with SQLite: while the first builds its template, the
            # second builds PostgreSQL's instead of waiting (it copies SQLite's after).
            with suppress(pytest.skip.Exception):
                _postgres_template(run_dir, demo_now)
        path = tmp_path_factory.mktemp("db") / f"remit_{_worker()}.sqlite3"
        eng = _sqlite_database(run_dir, path, demo_now)
    else:
        # One database per worker and run, so parallel runs on one machine never collide.
        db = f"remit_test_{_worker()}_{os.getpid()}"
        eng = _postgres_database(run_dir, db, demo_now)
    yield eng
    eng.dispose()
    if request.param == "postgres":
        admin = _admin_engine()
        with admin.connect() as conn:
            drop_database(conn, db)
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
        # The price books (and page shapes) of this test's data go with it: the rolled-back
        # data versions are counted again by the next test, with other data (the book is
        # on, as shipped).
        BOOK.clear()
        SHAPES.clear()


@pytest.fixture()
def client(session: Session, demo_now: datetime) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_now] = lambda: demo_now
    with TestClient(app) as c:
        yield c
    VIEWS.clear()  # widget views counted in memory belong to this test's rolled-back data


# -- slow suites and where the time goes ---------------------------------------------------
# Every browser test (marked `browser` or using the browser) is slow: a real Chromium against
# a live server; other slow suites carry @pytest.mark.slow themselves. `-m "not slow"` gives
# the quick answer; the summary at the end of every run says how long the slow part took.
_durations: dict[str, dict[str, float]] = {"slow": {}, "other": {}}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_browser = "browser" in getattr(item, "fixturenames", ())
        if uses_browser or item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)
    # The slow tests first (in their own order): `--dist loadgroup` hands out the tests in
    # this order as workers free up, so the long browser tests, collected last (tests/web),
    # no longer leave one worker running them alone at the end while the other waits.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# Modules whose tests all run on one test process under `make test` (`--dist loadgroup`): a
# module-scoped fixture of theirs starts its own server, which a second process would start
# again. pytest-xdist's xdist_group mark did this by renaming item._nodeid, which pytest 9
# no longer reads (its node id is item._id): the mark silently grouped nothing, and the
# widget tests went to both processes, each starting the module's server and organisation.
# The scheduler groups them by path instead, without renaming any test.
ONE_PROCESS = {"tests/web/test_widget_browser.py"}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadGroupScheduling

    if config.getvalue("dist") != "loadgroup":
        return None  # another --dist: xdist's own scheduler

    class ModuleGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path in ONE_PROCESS else super()._split_scope(nodeid)

    return ModuleGroups(config, log)  # type: ignore[arg-type]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Setup + call + teardown of each test, summed on the controller (also under xdist).
    kind = _durations["slow" if "slow" in report.keywords else "other"]
    kind[report.nodeid] = kind.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER") and "postgres" not in _skipped:
        # The controlling process ends last: the template database of the run goes.
        try:
            admin = _admin_engine()
            with admin.connect() as conn:
                # The run's templates: the demo's and those of suites that build their own
                # once per run (named after it, e.g. tests/messages/conftest.py).
                names = conn.execute(
                    text(
                        "SELECT datname FROM pg_database"
                        " WHERE datname = :run OR starts_with(datname, :run || '_')"
                    ),
                    {"run": _pg_template()},
                ).scalars()
                for name in list(names):
                    drop_database(conn, name)
            admin.dispose()
        except OperationalError:
            pass  # PostgreSQL not reachable: nothing was created
    holder = sys.modules.get("_remit_shared_chromium")
    browser = getattr(holder, "browser", None)
    if holder is not None and browser is not None:
        browser.close()
        holder.playwright.stop()
        holder.browser = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """A test that does not drive the browser runs with no event loop marked as running.

    The shared Playwright (tests/web/web_live.py) drives its loop from a greenlet of the
    main thread and leaves that loop marked as this thread's running loop between browser
    calls, so any later test on the same worker that runs a loop of its own fails: an async
    test ("Cannot run the event loop while another loop is running") and a plain one that
    calls code using `asyncio.run` (the collectors, message delivery: "asyncio.run() cannot
    be called from a running event loop"). The browser tests now run first, so every such
    test meets the mark. It is lifted for each test that does not use the browser fixture
    and put back for the browser tests after it."""
    import asyncio

    if "browser" in getattr(item, "fixturenames", ()):
        yield
        return
    held = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(held)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if any(_durations.values()):
        terminalreporter.write_sep("-", "time by suite (test seconds, summed over workers)")
        for kind, times in _durations.items():
            total = sum(times.values())
            terminalreporter.write_line(f"{kind:>5}: {total:8.1f} s in {len(times)} tests")
    for what, reason in _skipped.items():
        terminalreporter.write_line(f"SKIPPED {what}: {reason}", yellow=True)
