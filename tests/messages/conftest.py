"""A database with committed data for the message tests whose delivery workers, like the
real ones, open their own sessions (the shared `session` fixture is rolled back)."""

from __future__ import annotations

import os
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


def _fresh(engine: Engine, tmp_path: Path, name: str) -> str:
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    # One name per test worker, dropped and made again by the next test (as the collectors'
    # scratch databases are).
    return _pg_create(f"remit_{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")


@pytest.fixture
def empty_db(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Engine]]:
    """A committed database with the schema and nothing else; REMIT_DATABASE_URL points at it."""
    url = _fresh(engine, tmp_path, "msgs_empty")
    eng = make_engine(url)
    upgrade(eng)
    monkeypatch.setenv("REMIT_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url, eng
    eng.dispose()
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def demo_db(empty_db: tuple[str, Engine], demo_now: datetime) -> tuple[str, Engine]:
    """`empty_db` with the demo data (sample quotes on every corridor) loaded at `demo_now`."""
    url, eng = empty_db
    with session_scope(eng) as s:
        load_demo(s, demo_now, sample_on_real_corridors=True)
    return url, eng
