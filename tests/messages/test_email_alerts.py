"""Email alerts from the /alerts page (no JavaScript), on SQLite and PostgreSQL: a real
SMTP server on loopback (aiosmtpd) receives the confirmation, its link is followed (double
opt-in), only then does the alert fire on a live price; the unsubscribe link in the alert
deletes the address and its alerts."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.services.alerts import check_alerts
from api.services.delivery import deliver_batch
from api.settings import get_settings
from api.storage.db import session_scope
from api.storage.message_models import MsgAlert, MsgContact, MsgOutbox
from scrapers.twilio import TwilioGateway
from tests.messages.conftest import PUBLIC, app_at, store_live

ADDRESS = "amina@example.org"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("REMIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REMIT_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("REMIT_SMTP_STARTTLS", "false")
    monkeypatch.setenv("REMIT_PUBLIC_BASE_URL", PUBLIC)
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    get_settings.cache_clear()


def follow(client: TestClient, message: Message, label: str) -> str:
    """Open the link after `label` in an email, then press the page's one button."""
    body = str(message.get_payload(decode=True), "utf-8")
    url = re.search(re.escape(label) + r" (\S+)", body)
    assert url is not None, body
    path = url.group(1).removeprefix(PUBLIC)
    page = client.get(path)
    assert page.status_code == 200 and "<button" in page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text)
    assert token is not None
    done = client.post(path.split("?")[0], data={"t": token.group(1)})
    assert done.status_code == 200
    return done.text


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def test_email_alert_double_opt_in_fires_once_and_unsubscribes(
    demo_db: tuple[str, Engine], smtp: Inbox, demo_now: datetime
) -> None:
    _, engine = demo_db
    now = demo_now + timedelta(hours=1)

    async def clock() -> datetime:
        return now

    app = app_at(clock)
    settings = get_settings()
    with TestClient(app) as client:
        page = client.get("/alerts?lang=bn")
        assert page.status_code == 200 and "সতর্কতা চালু করুন" in page.text
        assert "<script" not in page.text.split("<main")[1]

        bad = client.post(
            "/alerts",
            data={"email": "nope", "route": "SA-PK", "amount": "750", "threshold": "56000"},
        )
        assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
        bad = client.post(
            "/alerts",
            data={"email": ADDRESS, "route": "SA-PK", "amount": "x", "threshold": "56000"},
        )
        assert bad.status_code == 422
        assert count(engine, MsgContact) == 0

        ok = client.post(
            "/alerts",
            data={"email": ADDRESS, "route": "SA-PK", "amount": "750", "threshold": "56000"},
        )
        assert ok.status_code == 200 and "Check your email" in ok.text
        assert deliver_batch(engine, settings, "w", TwilioGateway, lambda: now).sent == 1
        (confirm,) = smtp.messages
        assert confirm["To"] == ADDRESS and confirm["Subject"] == "Confirm your price alert"

        store_live(engine, "SA-PK", "750", "SAR", "75", "PKR", now - timedelta(minutes=5))
        with session_scope(engine) as s:
            assert check_alerts(s, now).fired == 0  # not confirmed yet

        assert "Your alert is on" in follow(client, confirm, "Confirm:")
        with session_scope(engine) as s:
            assert check_alerts(s, now).fired == 1
        with session_scope(engine) as s:
            assert check_alerts(s, now + timedelta(hours=2)).fired == 0
        assert deliver_batch(engine, settings, "w", TwilioGateway, lambda: now).sent == 1
        alert = smtp.messages[1]
        assert alert["Subject"] == "Wise: 56,250 PKR"
        assert "750 SAR delivers 56,250 PKR" in str(alert.get_payload(decode=True), "utf-8")

        assert "Deleted" in follow(client, alert, "To stop and delete your address:")
        for table in (MsgContact, MsgAlert, MsgOutbox):
            assert count(engine, table) == 0
        again = client.post("/alerts/unsubscribe", data={"t": "1.forged"})
        assert again.status_code == 404
