"""One price book per corridor (issue 23 item 1) and data versions known without a query per
request (issue 22): a quote or rate stored by another process changes the next answer, on
SQLite and PostgreSQL, with the version watch on and off."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from api.domain.ranking import FeesMode
from api.services import compare as compare_module
from api.services.compare import BOOK, CompareRequest, compare, corridor_version
from api.settings import get_settings
from api.storage.db import make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.quotes import QuoteIn, store_quotes
from api.storage.rates import RateIn, store_rate
from api.storage.reference import load_reference
from api.storage.types import utcnow
from api.storage.versionwatch import VersionWatch, watch_for
from tests.collectors.conftest import _pg_create
from tests.conftest import _admin_engine, drop_database

NOW = utcnow().replace(microsecond=0) - timedelta(days=1)
REQ = CompareRequest("GB", "PK", Decimal("200"), fees=FeesMode.ON_TOP, payout="bank")


def quote_in(rate: str, at: datetime, provider: str = "hbl") -> QuoteIn:
    return QuoteIn(
        provider=provider,
        corridor="GB-PK",
        send_amount=Decimal("200"),
        send_currency="GBP",
        fee=Decimal("1.00"),
        rate=Decimal(rate),
        receive_currency="PKR",
        payout_method="bank",
        speed="2_5_days",
        payin_method="bank",
        collected_at=at,
        source="mystery",
    )


def _committed_data(url: str) -> None:
    """Schema, reference data, one rate and one quote, committed."""
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        load_reference(s)
        store_rate(
            s, RateIn("GBP", "PKR", Decimal("375"), "interbank", "test-bank", NOW.date()), NOW
        )
        store_quotes(s, [quote_in("370", NOW)])
    engine.dispose()


def _pg_drop(db: str) -> None:
    admin = _admin_engine()
    with admin.connect() as conn:
        drop_database(conn, db)
    admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The committed data built once per backend (migrations are the slow part) and copied
    for each test: a SQLite file, a PostgreSQL template database."""
    made: dict[str, str] = {}
    yield made
    if "postgres" in made:
        _pg_drop(made["postgres"])


def _template(templates: dict[str, str], backend: str, tmp: pytest.TempPathFactory) -> str:
    if backend not in templates:
        if backend == "sqlite":
            path = tmp.mktemp("versions-template") / "v.sqlite3"
            _committed_data(f"sqlite:///{path}")
            templates[backend] = str(path)
        else:
            db = f"remit_versions_tpl_{threading.get_native_id()}"
            try:
                made = _pg_create(db)
            except Exception as exc:
                pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
            _committed_data(made)
            templates[backend] = db
    return templates[backend]


@pytest.fixture(params=["sqlite", "postgres"])
def url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    templates: dict[str, str],
) -> Iterator[str]:
    """A database of its own with committed data (the shared test database rolls back)."""
    template = _template(templates, request.param, tmp_path_factory)
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("versions") / "v.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    db = f"remit_versions_{threading.get_native_id()}"
    yield _pg_create(db, template)
    _pg_drop(db)


@pytest.fixture(params=[True, False], ids=["watch", "query"])
def watch(request: pytest.FixtureRequest) -> Iterator[bool]:
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "compare_cache_s", 30.0)
    mp.setattr(get_settings(), "data_version_watch", request.param)
    BOOK.clear()
    yield request.param
    mp.undo()
    BOOK.clear()


@pytest.fixture()
def book_on() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "compare_cache_s", 30.0)
    BOOK.clear()
    yield
    mp.undo()
    BOOK.clear()


def answer(engine: Engine) -> tuple[str, Decimal, Decimal]:
    with Session(engine) as s:
        result = compare(s, REQ, NOW + timedelta(hours=1))
    assert result.reference_rate is not None
    return result.data_version, result.quotes[0].priced.rate, result.reference_rate.rate


def watched(engine: Engine, watch: bool) -> VersionWatch:
    """The engine's version watch, listening once its thread has connected (PostgreSQL)."""
    w = watch_for(engine)
    if watch and engine.dialect.name == "postgresql":
        for _ in range(200):  # the listener connects in its own thread
            if w.watching:
                break
            threading.Event().wait(0.05)
        assert w.watching
    return w


def wait_for_change(engine: Engine, seen: int) -> None:
    """A notification arrives on the listener's connection just after the writer's commit:
    wait (not time) until this process has counted it."""
    done = threading.Event()
    for _ in range(200):
        if watch_for(engine).changes != seen:
            return
        done.wait(0.05)
    raise AssertionError("no data version notification within 10 s")


def test_another_process_storing_a_quote_or_rate_changes_the_next_answer(
    url: str, watch: bool
) -> None:
    server, writer = make_engine(url), make_engine(url)  # writer: another process's engine
    try:
        w = watched(server, watch)
        first = answer(server)
        assert first[1:] == (Decimal("370"), Decimal("375"))
        statements: list[str] = []
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(server, "before_cursor_execute", listen)
        assert answer(server) == first
        event.remove(server, "before_cursor_execute", listen)
        # Book held, nothing changed: with the watch, no statement at all; without, the
        # version read.
        assert len(statements) == (0 if watch else 1), statements

        seen = w.changes
        with session_scope(writer) as s:
            store_quotes(s, [quote_in("372", NOW + timedelta(minutes=5))])
        if watch and server.dialect.name == "postgresql":
            wait_for_change(server, seen)
        second = answer(server)
        assert second[0] != first[0] and second[1] == Decimal("372")

        seen = w.changes
        with session_scope(writer) as s:
            day = NOW.date()
            store_rate(s, RateIn("GBP", "PKR", Decimal("376"), "interbank", "b2", day), NOW)
        if watch and server.dialect.name == "postgresql":
            wait_for_change(server, seen)
        third = answer(server)
        assert third[0] != second[0] and third[2] == Decimal("376")
    finally:
        server.dispose()
        writer.dispose()


def test_a_write_in_this_process_is_seen_at_once_and_a_rolled_back_one_is_forgotten(
    url: str, watch: bool
) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            before = corridor_version(s, "GB", "PK")
            store_quotes(s, [quote_in("371", NOW + timedelta(minutes=1))])
            # Its own uncommitted write: this session sees it ...
            mine = corridor_version(s, "GB", "PK")
            assert mine != before
            s.rollback()
        # ... and after the rollback nobody is given that version.
        with Session(engine) as s:
            assert corridor_version(s, "GB", "PK") == before
        with session_scope(engine) as s:
            store_quotes(s, [quote_in("373", NOW + timedelta(minutes=2))])
        _, rate, _ = answer(engine)
        assert rate == Decimal("373")
    finally:
        engine.dispose()


@pytest.mark.usefixtures("book_on")
def test_one_book_per_corridor_whatever_the_number_of_versions(url: str) -> None:
    """Every stored quote makes a new data version; only the newest book stays in memory
    (keeping each version made memory grow with every write)."""
    engine = make_engine(url)
    try:
        for i in range(6):
            with session_scope(engine) as s:
                store_quotes(s, [quote_in(str(371 + i), NOW + timedelta(minutes=i + 1))])
            version, rate, _ = answer(engine)
            assert rate == Decimal(371 + i)
            held = BOOK.held()
            assert list(held.values()) == [version], held
        with Session(engine) as s:  # another corridor: one book each
            compare(s, CompareRequest("US", "PK", Decimal("100")), NOW)
        assert len(BOOK.held()) == 2
    finally:
        engine.dispose()


def test_a_slow_build_blocks_neither_other_corridors_nor_is_replaced_by_an_older_version(
    url: str, book_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(url)
    try:
        version, _, _ = answer(engine)  # GB-PK held
        with Session(engine) as s:
            compare(s, CompareRequest("US", "PK", Decimal("100")), NOW)
        build = compare_module._build_book
        entered, release = threading.Event(), threading.Event()

        def slow_build(session: Session, code: str, v: str) -> object:
            if code == "GB-PK":
                entered.set()
                assert release.wait(30)
            return build(session, code, v)

        monkeypatch.setattr(compare_module, "_build_book", slow_build)
        with session_scope(engine) as s:
            store_quotes(s, [quote_in("379", NOW + timedelta(minutes=9))])
        got: list[tuple[str, Decimal, Decimal]] = []
        builder = threading.Thread(target=lambda: got.append(answer(engine)))
        builder.start()
        assert entered.wait(30)
        # While GB-PK's next book is being built, US-PK answers from its held book.
        with Session(engine) as s:
            other = compare(s, CompareRequest("US", "PK", Decimal("100")), NOW)
            assert other.corridor.code == "US-PK"
        release.set()
        builder.join(30)
        assert got and got[0][1] == Decimal("379")
        newest = got[0][0]
        # A reader that read the older version before the write builds its answer, but the
        # newer book stays the one held.
        with Session(engine) as s:
            compare(s, REQ, NOW + timedelta(hours=1), version)
        assert newest in BOOK.held().values() and version not in BOOK.held().values()
    finally:
        engine.dispose()


def test_the_lean_answer_on_the_event_loop_follows_the_watch(url: str, watch: bool) -> None:
    """The lean path answers on the event loop when the corridor's book is held and its
    version is known without waiting on the network: on PostgreSQL only while the watch
    knows it. Its bytes are the full route's, and a quote stored by another process
    changes the next answer (with the watch and without it)."""
    from api.http.deps import get_now
    from api.http.routes import _render_compare
    from api.storage.db import get_session
    from remit.app import create_app

    server, writer = make_engine(url), make_engine(url)
    app = create_app()
    app.state.response_cache.ttl_s = 0  # every answer rendered, none replayed

    def sessions() -> Iterator[Session]:  # ordinary request sessions, bound to the engine
        with Session(server) as s:
            yield s

    app.dependency_overrides[get_session] = sessions
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=1)
    at = NOW + timedelta(hours=1)
    try:
        w = watched(server, watch)
        full = _render_compare(app, REQ, at)
        assert full is not None and b'"rate":"370"' in full
        on_loop = _render_compare(app, REQ, at, on_loop=True, fast=True)
        if watch or server.dialect.name == "sqlite":
            assert on_loop == full
        else:  # PostgreSQL without the watch: the version is a query, so the thread pool
            assert on_loop is None

        seen = w.changes
        with session_scope(writer) as s:
            store_quotes(s, [quote_in("372", NOW + timedelta(minutes=5))])
        if watch and server.dialect.name == "postgresql":
            wait_for_change(server, seen)
        # A new version: not held yet (and on PostgreSQL not known before a read), so the
        # event loop does not answer; the thread pool's answer shows the new quote.
        assert _render_compare(app, REQ, at, on_loop=True, fast=True) is None
        after = _render_compare(app, REQ, at, fast=True)
        assert after is not None and b'"rate":"372"' in after
        assert after == _render_compare(app, REQ, at)
        if watch or server.dialect.name == "sqlite":
            assert _render_compare(app, REQ, at, on_loop=True, fast=True) == after
    finally:
        server.dispose()
        writer.dispose()
