"""The whole loop, on SQLite and PostgreSQL, with committed data as in production: a signed
Twilio webhook in Urdu asks SA->PK 750 and gets a two-segment answer; an alert set by
message fires exactly once when a collected live quote crosses its threshold (never on
sample prices), the loopback gateway receives it, it re-arms after 12 hours; STOP leaves
nothing of the number in any table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from twilio.request_validator import RequestValidator

from api.domain.smstext import segments
from api.services.alerts import check_alerts
from api.services.delivery import deliver_batch
from api.settings import get_settings
from api.storage.db import session_scope
from api.storage.message_models import MsgOutbox
from api.storage.personal import lookup_hash
from scrapers.twilio import TwilioGateway
from tests.messages.conftest import PUBLIC, app_at, gateway_env, store_live
from tests.messages.fake_twilio import TOKEN, FakeTwilio

NUMBER = "+923001234567"
FIVE_MIN = timedelta(minutes=5)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    async def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        gateway_env(monkeypatch, fake.url)
        yield fake
    get_settings.cache_clear()


def say(client: TestClient, body: str) -> str:
    form = {"From": NUMBER, "To": "+15005550006", "Body": body, "MessageSid": "SM" + "1" * 32}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/api/v1/messages/twilio", form)
    r = client.post("/api/v1/messages/twilio", data=form, headers={"X-Twilio-Signature": signature})
    assert r.status_code == 200, r.text
    return r.text.split("<Message>")[1].split("</Message>")[0]


def rows_mentioning(engine: Engine, *needles: str) -> list[str]:
    """Every stored row (in any table) whose text holds one of `needles`."""
    found = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                text = repr(tuple(row))
                if any(n in text for n in needles):
                    found.append(f"{table.name}: {text[:80]}")
    return found


def test_message_question_alert_delivery_and_stop(
    demo_db: tuple[str, Engine], twilio: FakeTwilio, demo_now: datetime
) -> None:
    _, engine = demo_db
    clock = Clock(demo_now + timedelta(hours=1))
    app = app_at(clock)
    settings = get_settings()
    with TestClient(app) as client:
        answer = say(client, "۷۵۰ ریال پاکستان")
        assert answer.startswith("750 SAR: ملے گا PKR")
        assert segments(answer).count == 2 and answer.count("\n") == 4

        assert "56,000 PKR" in say(client, "ALERT 750 SAR PK 56000")
        assert "1,000 PKR" in say(client, "ALERT 750 SAR PK 1000")  # sample prices beat it

        # Only sample prices so far: nothing fires, however low the threshold.
        with session_scope(engine) as s:
            assert check_alerts(s, clock.now).fired == 0

        clock.now += timedelta(hours=1)
        below = store_live(engine, "SA-PK", "750", "SAR", "74", "PKR", clock.now - FIVE_MIN)
        assert below.received_amount == Decimal("55500")
        with session_scope(engine) as s:
            report = check_alerts(s, clock.now)
        assert report.fired == 1  # the 1000 alert: 55,500 < 56,000 for the other

        clock.now += timedelta(hours=1)
        store_live(engine, "SA-PK", "750", "SAR", "75", "PKR", clock.now - FIVE_MIN)  # 56,250
        with session_scope(engine) as s:
            assert check_alerts(s, clock.now).fired == 1  # the 56,000 alert, once
        with session_scope(engine) as s:
            assert check_alerts(s, clock.now + timedelta(hours=1)).fired == 0  # not twice

        got = deliver_batch(engine, settings, "test-worker", TwilioGateway, lambda: clock.now)
        assert (got.sent, got.failed) == (2, 0)
        bodies = twilio.bodies()
        assert len(bodies) == 2
        assert all(b.startswith("Wise: 750 SAR delivers ") and "STOP" in b for b in bodies)
        assert sorted(b.split()[4] for b in bodies) == ["55,500", "56,250"]
        assert all("remit.example/c/SA-PK/750" in b for b in bodies)
        assert all(m["to"] == NUMBER for m in twilio.messages)
        with session_scope(engine) as s:
            sent = s.execute(select(MsgOutbox)).scalars().all()
            assert {r.status for r in sent} == {"sent"}
            assert {r.gateway_ref for r in sent} == {str(m["sid"]) for m in twilio.messages}
            assert all(NUMBER not in r.body for r in sent)

        # 12 hours later the live price (still within its 48 h window) fires again.
        with session_scope(engine) as s:
            assert check_alerts(s, clock.now + timedelta(hours=12)).fired == 2

        assert NUMBER.encode() not in b"".join(
            str(r).encode() for r in rows_mentioning(engine, NUMBER)
        )
        assert rows_mentioning(engine, lookup_hash("sms", NUMBER))  # the contact is stored
        assert "deleted" in say(client, "STOP")
        assert rows_mentioning(engine, NUMBER, lookup_hash("sms", NUMBER)) == []
        with session_scope(engine) as s:
            for table in ("msg_contact", "msg_alert", "msg_outbox"):
                count = s.execute(select(SQLModel.metadata.tables[table]).limit(1)).first()
                assert count is None, table


def test_whatsapp_alert_goes_back_by_whatsapp(
    demo_db: tuple[str, Engine], twilio: FakeTwilio, demo_now: datetime
) -> None:
    _, engine = demo_db
    clock = Clock(demo_now + timedelta(hours=1))
    app = app_at(clock)
    form = {
        "From": "whatsapp:+8801712345678",
        "To": "whatsapp:+15005550006",
        "Body": "ALERT ১০০০ দিরহাম বাংলাদেশ ৩০০০০",
        "MessageSid": "SM" + "2" * 32,
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/api/v1/messages/twilio", form)
    with TestClient(app) as client:
        r = client.post(
            "/api/v1/messages/twilio", data=form, headers={"X-Twilio-Signature": signature}
        )
    assert r.status_code == 200 and "30,000 BDT" in r.text and "সতর্কতা" in r.text
    store_live(engine, "AE-BD", "1000", "AED", "33", "BDT", clock.now - FIVE_MIN)
    with session_scope(engine) as s:
        assert check_alerts(s, clock.now).fired == 1
    got = deliver_batch(engine, get_settings(), "w", TwilioGateway, lambda: clock.now)
    assert got.sent == 1
    (sent,) = twilio.messages
    assert sent["to"] == "whatsapp:+8801712345678" and sent["from"] == "whatsapp:+15005550006"
    assert str(sent["body"]).startswith("Wise: 1000 AED-এ 33,000 BDT")
