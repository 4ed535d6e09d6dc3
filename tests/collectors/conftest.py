"""Fixtures for the collector tests: a loopback replay server standing in for every source
host (settings point at it through the REMIT_* environment, the one way used here), the
recorded responses served at their real paths, and a scratch database for tests that need
committed data (CLI, subprocesses)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlmodel import Session

from api.http.deps import get_now
from api.settings import get_settings
from api.storage.db import get_engine, get_session, make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.reference import load_reference
from scrapers.demo import load_recorded_rates
from scrapers.sources import SOURCES
from scrapers.sources.tcmb import path as tcmb_path
from tests.conftest import drop_database
from tests.recorded import RECORDED
from tests.replay import ReplayServer

FIXTURES = RECORDED
NOW = datetime(2026, 5, 24, 9, 30, tzinfo=UTC)  # when the DAB page was recorded

#: Tiny retry/backoff settings so fault tests stay fast.
FAST_HTTP = {
    "REMIT_HTTP_TIMEOUT_S": "10",
    "REMIT_HTTP_MAX_RETRIES": "2",
    "REMIT_HTTP_BACKOFF_BASE_S": "0.01",
    "REMIT_HTTP_MIN_INTERVAL_S": "0",
    "REMIT_HTTP_MAX_RETRY_AFTER_S": "3",
    "REMIT_HTTP_PER_HOST_CONCURRENCY": "4",
    "REMIT_TCMB_API_KEY": "test-evds-key",
}


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


@dataclass(frozen=True)
class Recorded:
    """A recorded response and the real path it is served at."""

    path: str
    file: str

    @property
    def content(self) -> bytes:
        return fixture_bytes(self.file)


CBI_WORKBOOK_PATH = "/static/uploads/up/file-177909880482668.xlsx"  # the link labelled "gold"


def recorded(now: datetime = NOW) -> dict[str, list[Recorded]]:
    """Each source's recorded responses at the paths the live endpoints use."""
    return {
        "sbp": [Recorded("/assets/document/BFER_Daily.xlsx", "sbp/BFER_Daily.xlsx")],
        "dab": [Recorded("/exchange-rates", "dab/exchange-rates-2026-05-18.html")],
        "cbi": [
            Recorded("/page/144", "cbi/page-144.html"),
            Recorded(CBI_WORKBOOK_PATH, "cbi/rates-file.xlsx"),
        ],
        "ecb": [Recorded("/service/data/EXR/D..EUR.SP00.A", "ecb/exr-daily.csv")],
        "imf": [Recorded("/external/np/fin/data/rms_mth.aspx", "imf/rms_mth-2026-03-REP.tsv")],
        "tcmb": [
            Recorded(tcmb_path(now.date() - timedelta(days=14), now.date()), "tcmb/evds.json")
        ],
        "cbr": [Recorded("/scripts/XML_daily.asp", "cbr/XML_daily.xml")],
        "wise": [Recorded("/v4/comparisons", "wise/comparison-gbp-eur-10000.json")],
    }


def serve_recorded(server: ReplayServer, now: datetime = NOW) -> None:
    for responses in recorded(now).values():
        for r in responses:
            server.add(r.path, r.content)


def point_settings_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in SOURCES:
        monkeypatch.setenv(f"REMIT_{name.upper()}_BASE_URL", url)
    for key, value in FAST_HTTP.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    """A replay server with every recorded response, and the settings pointing at it."""
    with ReplayServer() as server:
        serve_recorded(server)
        point_settings_at(monkeypatch, server.url)
        yield server
    get_settings.cache_clear()


@pytest.fixture
def conn(session: Session) -> Connection:
    """The test's connection: runs bound to it commit into savepoints rolled back after."""
    return session.connection()


# -- a scratch database with committed data (CLI and subprocess tests) -------------------------

PG_ADMIN_URL = os.environ.get(
    "REMIT_TEST_POSTGRES_URL", "postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres"
)


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_create(name: str, template: str | None = None) -> str:
    admin = _admin()
    try:
        with admin.connect() as c:
            drop_database(c, name)
            suffix = f' TEMPLATE "{template}"' if template else ""
            c.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def scratch_template(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Built once per backend: schema, reference data and the recorded central-bank rates
    (the last good data), nothing else."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('scratch') / 'template.sqlite3'}"
    else:
        url = _pg_create(f"remit_scratch_tpl_{_worker()}")
    eng = make_engine(url)
    upgrade(eng)
    with session_scope(eng) as s:
        load_reference(s)
        load_recorded_rates(s, NOW - timedelta(days=1))
    eng.dispose()
    return url


@pytest.fixture
def scratch_url(engine: Engine, scratch_template: str, tmp_path: Path) -> str:
    """A fresh copy of the scratch template, for tests that need committed data."""
    if engine.dialect.name == "sqlite":
        target = tmp_path / "scratch.sqlite3"
        shutil.copyfile(scratch_template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    template = scratch_template.rsplit("/", 1)[1]
    return _pg_create(f"remit_scratch_{_worker()}", template)


@pytest.fixture
def scratch_env(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """REMIT_DATABASE_URL pointing at the scratch database (for the CLI's own engine)."""
    monkeypatch.setenv("REMIT_DATABASE_URL", scratch_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield scratch_url
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def scratch_engine(scratch_env: str) -> Iterator[Engine]:
    """An engine on the scratch database."""
    engine = make_engine(scratch_env)
    yield engine
    engine.dispose()


@contextmanager
def client_on(engine: Engine) -> Iterator[TestClient]:
    """The whole app reading `engine` at NOW (a reader beside a subprocess or thread)."""
    from remit.app import create_app

    app = create_app()

    def scratch_session() -> Iterator[Session]:
        with Session(engine) as s:
            yield s

    app.dependency_overrides[get_session] = scratch_session
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as client:
        yield client


def today() -> date:
    return NOW.date()
