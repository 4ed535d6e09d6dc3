"""A database with committed data for the message tests whose delivery workers, like the
real ones, open their own sessions (the shared `session` fixture is rolled back)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from api.http.deps import get_now
from api.settings import get_settings
from api.storage.db import get_engine, make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.models import Quote
from api.storage.quotes import QuoteIn, store_quote
from remit.app import create_app
from scrapers.demo import load_demo
from tests.collectors.conftest import _pg_create
from tests.conftest import PG_ADMIN_URL, _pg_template, _run_lock
from tests.messages.fake_twilio import SID, TOKEN

PUBLIC = "https://remit.example"


def store_live(
    engine: Engine,
    corridor: str,
    amount: str,
    currency: str,
    rate: str,
    receive: str,
    when: datetime,
) -> Quote:
    """A collected live price (fee 0, Wise, bank, same day), committed."""
    with session_scope(engine) as s:
        stored = store_quote(
            s,
            QuoteIn(
                provider="wise",
                corridor=corridor,
                send_amount=Decimal(amount),
                send_currency=currency,
                fee=Decimal(0),
                rate=Decimal(rate),
                receive_currency=receive,
                payout_method="bank",
                speed="same_day",
                collected_at=when,
                source="messages-test",
            ),
        )
    assert stored.quote is not None, stored.problems
    return stored.quote


def app_at(when: Callable[[], Awaitable[datetime]]) -> FastAPI:
    """The app (real sessions on REMIT_DATABASE_URL) with its clock at `when`."""
    app = create_app()
    app.dependency_overrides[get_now] = when
    return app


def gateway_env(monkeypatch: pytest.MonkeyPatch, twilio_url: str) -> dict[str, str]:
    values = {
        "REMIT_TWILIO_BASE_URL": twilio_url,
        "REMIT_TWILIO_ACCOUNT_SID": SID,
        "REMIT_TWILIO_AUTH_TOKEN": TOKEN,
        "REMIT_TWILIO_SMS_FROM": "+15005550006",
        "REMIT_TWILIO_WHATSAPP_FROM": "+15005550006",
        "REMIT_PUBLIC_BASE_URL": PUBLIC,
        "REMIT_MESSAGE_BACKOFF_BASE_S": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return values


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _copy(engine: Engine, run_dir: Path, template: str, where: Path, name: str) -> str:
    """A committed copy of `template` (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
    PostgreSQL, one name per test worker, dropped and made again by the next test)."""
    if engine.dialect.name == "sqlite":
        target = where / f"{name}.sqlite3"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    with _run_lock(run_dir, f"{name}-postgres"):  # no copy while the template is built
        return _pg_create(f"remit_{name}_{_worker()}", template.rsplit("/", 1)[1])


def _template(engine: Engine, run_dir: Path, name: str, demo_now: datetime | None) -> str:
    """Built once per backend and run (shared by the test processes; the run's PostgreSQL
    databases are dropped when it ends, tests/conftest.py): the schema (the migrations are
    the slow part), and the demo data (real material and sample rates) at `demo_now` when
    given."""
    backend = engine.dialect.name
    done = run_dir / f"{name}-{backend}.done"
    if backend == "sqlite":
        url = f"sqlite:///{run_dir / f'{name}.sqlite3'}"
    else:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{_pg_template()}_{name}"
    with _run_lock(run_dir, f"{name}-{backend}"):
        if not done.exists():
            if backend == "sqlite":
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            else:
                _pg_create(url.rsplit("/", 1)[1])
            eng = make_engine(url)
            upgrade(eng)
            if demo_now is not None:
                with session_scope(eng) as s:
                    load_demo(s, demo_now, sample_on_real_corridors=True)
            eng.dispose()
            done.touch()
    return url


@pytest.fixture(scope="session")
def empty_template(engine: Engine, run_dir: Path) -> str:
    return _template(engine, run_dir, "msgs_empty", None)


@pytest.fixture(scope="session")
def demo_template(engine: Engine, run_dir: Path, demo_now: datetime) -> str:
    return _template(engine, run_dir, "msgs_demo", demo_now)


def _committed(
    engine: Engine,
    run_dir: Path,
    template: str,
    tmp_path: Path,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, Engine]]:
    url = _copy(engine, run_dir, template, tmp_path, name)
    eng = make_engine(url)
    monkeypatch.setenv("REMIT_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url, eng
    eng.dispose()
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def empty_db(
    engine: Engine,
    run_dir: Path,
    empty_template: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, Engine]]:
    """A committed database with the schema and nothing else; REMIT_DATABASE_URL points at it."""
    yield from _committed(engine, run_dir, empty_template, tmp_path, "msgs_empty", monkeypatch)


@pytest.fixture
def demo_db(
    engine: Engine,
    run_dir: Path,
    demo_template: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, Engine]]:
    """Like `empty_db`, with the demo data (sample quotes on every corridor) loaded at
    `demo_now`."""
    yield from _committed(engine, run_dir, demo_template, tmp_path, "msgs_demo", monkeypatch)
