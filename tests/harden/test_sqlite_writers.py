"""Writers never stall readers on SQLite (issue 23, item 2): a widget view that counts
itself needs no write lock (counted in memory, flushed in one short transaction), and a
request that cannot get a connection gets a 503 with Retry-After instead of a 30 s wait.
A real SQLite file whose write lock another connection holds, as a long import does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.http.deps import get_now
from api.settings import get_settings
from api.storage import orgs
from api.storage.db import get_session, make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.models import WidgetViewDay
from api.storage.viewcount import VIEWS
from remit.app import create_app
from scrapers.demo import load_demo
from tests.web.test_widget import add


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("writers") / "remit.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as s:
        load_demo(s, datetime.now().astimezone())
    engine.dispose()
    return path


@pytest.fixture
def engine(sqlite_file: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{sqlite_file}")
    yield eng
    eng.dispose()
    VIEWS.clear()


def app_on(engine: Engine) -> TestClient:
    app = create_app()

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            yield s

    app.dependency_overrides[get_session] = session
    app.dependency_overrides[get_now] = lambda: datetime.now().astimezone()
    return TestClient(app)


def test_a_counted_widget_view_does_not_wait_for_a_writer(
    engine: Engine, sqlite_file: Path
) -> None:
    with Session(engine) as s:
        org = add(s, "counted-writers", count_views=True, default_from="GB", default_to="PK")
        org_id = org.id
    with closing(sqlite3.connect(sqlite_file, timeout=0)) as writer, app_on(engine) as client:
        writer.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
        writer.execute("UPDATE corridor SET code = code")
        answers = [client.get("/widget", params={"org": "counted-writers"}) for _ in range(3)]
        assert [r.status_code for r in answers] == [200] * 3
        with Session(engine) as s:
            assert orgs.flush_views(s) == 0  # the writer still holds the lock: kept for later
        writer.rollback()
    with Session(engine) as s:
        assert orgs.flush_views(s) == 3
        rows = s.exec(select(WidgetViewDay).where(WidgetViewDay.organisation_id == org_id)).all()
        assert sum(r.views for r in rows) == 3


def test_no_connection_within_the_pool_timeout_is_a_503_with_retry_after(
    engine: Engine,
) -> None:
    assert get_settings().db_pool_timeout_s == 1.0
    held: list[Any] = []
    try:
        while True:  # take every connection the pool gives
            conn = engine.connect()
            conn.execute(text("SELECT 1"))
            held.append(conn)
            if len(held) > 100:  # pragma: no cover - the pool is bounded
                raise AssertionError("the SQLite pool is unbounded")
    except Exception as exc:  # the pool's own timeout
        assert "QueuePool limit" in str(exc), exc
    try:
        with app_on(engine) as client:
            r = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "120"})
            assert r.status_code == 503
            assert int(r.headers["Retry-After"]) > 0
    finally:
        for conn in held:
            conn.close()
