"""A delivery worker killed with SIGKILL while the gateway is answering loses no message
and sends none twice (PostgreSQL, real subprocesses, the loopback Twilio)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from api.settings import get_settings
from api.storage import messages as store
from api.storage.db import session_scope
from api.storage.message_models import MsgOutbox
from api.storage.types import utcnow
from tests.messages.conftest import gateway_env
from tests.messages.fake_twilio import FakeTwilio

NUMBER = "+8801712345678"
WORKER = "from remit.cli.main import app; app()"


@pytest.fixture
def held_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    with FakeTwilio(hold_at=3) as fake:
        gateway_env(monkeypatch, fake.url)
        monkeypatch.setenv("REMIT_MESSAGE_CLAIM_LEASE_S", "1")
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, "messages", "deliver", "--poll", "0.2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )


def test_kill_9_mid_delivery_loses_nothing_and_sends_nothing_twice(
    empty_db: tuple[str, Engine], held_twilio: FakeTwilio
) -> None:
    _, engine = empty_db
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers (and this test) need PostgreSQL; SQLite runs one")
    now = utcnow() - timedelta(minutes=1)
    with session_scope(engine) as s:
        contact = store.save_contact(s, "sms", NUMBER, "bn", now, confirmed=True)
        assert contact.id is not None
        for i in range(6):
            store.enqueue(s, contact.id, "alert", f"message {i}", now)

    first = worker()
    try:
        # The gateway has stored the third message and holds its answer: kill the worker.
        assert held_twilio.arrived.wait(120), first.stdout.read() if first.stdout else ""
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
        if first.stdout is not None:
            first.stdout.close()
    held_twilio.release.set()
    assert first.returncode == -signal.SIGKILL
    assert held_twilio.bodies() == ["message 0", "message 1", "message 2"]
    with session_scope(engine) as s:
        statuses = [r.status for r in s.execute(select(MsgOutbox).order_by(MsgOutbox.id)).scalars()]
    assert statuses == ["sent", "sent"] + ["sending"] * 4  # claimed in one batch, in doubt

    second = worker("--until-empty")
    out, _ = second.communicate(timeout=180)
    assert second.returncode == 0, out
    assert "sent: 3, found already sent: 1" in out

    assert sorted(held_twilio.bodies()) == [f"message {i}" for i in range(6)]  # each once
    sids = {str(m["body"]): str(m["sid"]) for m in held_twilio.messages}
    with session_scope(engine) as s:
        rows = s.execute(select(MsgOutbox).order_by(MsgOutbox.id)).scalars().all()
    assert [r.status for r in rows] == ["sent"] * 6
    assert {r.body: r.gateway_ref for r in rows} == sids
