"""The message webhooks on SQLite and PostgreSQL: Twilio's signed form, the JSON webhook,
every language, HELP / LANG / STOP, unreadable messages, rate limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from api.domain.smstext import segments
from api.settings import get_settings
from api.storage.message_models import FeedEntry, MsgAlert, MsgContact, MsgOutbox

TOKEN = "0123456789abcdef0123456789abcdef"
BASE = "https://remit.example"
NUMBER = "+923001234567"


@pytest.fixture()
def signed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REMIT_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("REMIT_PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def twilio_post(
    client: TestClient, body: str, sender: str = NUMBER, *, sign: bool = True, token: str = TOKEN
) -> object:
    form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM" + "a" * 32}
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            BASE + "/api/v1/messages/twilio", form
        )
    return client.post("/api/v1/messages/twilio", data=form, headers=headers)


def ask(client: TestClient, text: str, sender: str = NUMBER) -> dict[str, object]:
    r = client.post("/api/v1/messages", json={"from": sender, "text": text, "channel": "sms"})
    assert r.status_code == 200, r.text
    return r.json()


def test_signed_urdu_question_gets_a_two_segment_twiml_answer(
    client: TestClient, signed: None
) -> None:
    r = twilio_post(client, "۷۵۰ ریال پاکستان")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    text = r.text.split("<Message>")[1].split("</Message>")[0]
    assert text.startswith("750 SAR: ملے گا PKR") and "PKR" in text
    assert text.count("\n") == 4  # the amount, three offers, the link
    assert text.endswith("\nremit.example/c/SA-PK/750/ur")
    assert "نمونہ" in text  # the demo's quotes are sample prices, and say so
    assert segments(text).count <= 2


def test_wrong_or_missing_signature_is_refused(client: TestClient, signed: None) -> None:
    assert twilio_post(client, "750 SAR PK", token="f" * 32).status_code == 403
    assert twilio_post(client, "750 SAR PK", sign=False).status_code == 403


def test_production_refuses_unsigned_messages_without_a_token(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_ENV", "production")
    monkeypatch.setenv("REMIT_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("REMIT_PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()
    try:
        assert twilio_post(client, "750 SAR PK", sign=False).status_code == 403
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("text", "lang", "route", "word"),
    [
        ("750 SAR PK", "en", "SA-PK", "SA-PK, family gets PKR"),
        ("send 200 pounds to Bangladesh", "en", "GB-BD", "family gets"),
        ("۷۵۰ ریال پاکستان", "ur", "SA-PK", "ملے گا PKR"),
        ("১০০০ দিরহাম বাংলাদেশ", "bn", "AE-BD", "পাবে BDT"),
        ("200 يورو العراق", "ar", "DE-IQ", "يصل IQD"),
        ("۲۰۰ یورو افغانستان کمک", "fa-AF", "DE-AF", "می‌رسد AFN"),
        ("۲۰۰ یورو افغانستان ته ولېږئ", "ps", "DE-AF", "رسیږي AFN"),
    ],
)
def test_every_language_is_answered_in_it_within_two_segments(
    client: TestClient, text: str, lang: str, route: str, word: str
) -> None:
    got = ask(client, text)
    assert got["lang"] == lang
    reply = str(got["reply"])
    assert f"/c/{route}/" in reply and word in reply
    assert got["segments"] == segments(reply).count <= 2
    src, dst = route.split("-")
    offered = client.get(f"/api/v1/compare?from={src}&to={dst}&amount={text_amount(text)}").json()
    available = len([q for q in offered["quotes"] if not q["stale"]]) + len(
        offered["survey_quotes"]
    )
    assert reply.count("\n") == min(3, available) + 1  # the amount, the top three, the link


def text_amount(text: str) -> str:
    from api.domain.msgparse import normalise

    return "".join(c for c in normalise(text) if c.isdigit())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("HELP", "en"),
        ("مدد", "ur"),
        ("کمک", "fa-AF"),
        ("مرسته", "ps"),
        ("সাহায্য", "bn"),
        ("مساعدة", "ar"),
    ],
)
def test_help_in_every_language(client: TestClient, text: str, lang: str) -> None:
    got = ask(client, text)
    assert got["lang"] == lang and "ALERT" in str(got["reply"]) and "STOP" in str(got["reply"])
    assert int(got["segments"]) <= 2  # type: ignore[call-overload]


def test_unreadable_message_gets_a_short_example(client: TestClient) -> None:
    got = ask(client, "hello there")
    assert got["reply"] and "750 SAR PK" in str(got["reply"]) and got["segments"] == 1
    got = ask(client, "سلام")
    assert "۷۵۰" in str(got["reply"])


def test_bad_sender_is_a_clear_422(client: TestClient) -> None:
    r = client.post("/api/v1/messages", json={"from": "not-a-number", "text": "750 SAR PK"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "from"]
    r = client.post("/api/v1/messages/twilio", data={"Body": "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "From"]


def _count(session: Session, table: type) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_alert_lang_and_stop_leave_nothing_behind(client: TestClient, session: Session) -> None:
    got = ask(client, "ALERT 750 SAR PK 56000")
    assert "56,000 PKR" in str(got["reply"]) and "STOP" in str(got["reply"])
    assert _count(session, MsgContact) == 1 and _count(session, MsgAlert) == 1
    stored = session.execute(select(MsgContact)).scalar_one()
    assert NUMBER.encode() not in stored.address_enc and NUMBER not in stored.lookup
    got = ask(client, "LANG ur")
    assert got["lang"] == "ur" and "اردو" in str(got["reply"])
    got = ask(client, "HELP")  # Latin letters, but the number chose Urdu
    assert got["lang"] == "ur"
    got = ask(client, "STOP")
    assert got["lang"] == "ur" and "مٹا" in str(got["reply"])
    for table in (MsgContact, MsgAlert, MsgOutbox):
        assert _count(session, table) == 0


def test_abusive_sender_is_ignored(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_MESSAGE_RATE_PER_MINUTE", "3")
    get_settings.cache_clear()
    try:
        replies = [ask(client, "750 SAR PK", "+923009999999")["reply"] for _ in range(5)]
        assert [r is not None for r in replies] == [True, True, True, False, False]
        assert ask(client, "750 SAR PK", "+923008888888")["reply"] is not None  # others not
    finally:
        get_settings.cache_clear()


def test_feed_is_atom_without_personal_data(client: TestClient, session: Session) -> None:
    r = client.get("/feeds/SA-PK.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in r.text
    assert client.get("/feeds/XX-YY.atom").status_code == 404
    assert _count(session, FeedEntry) == 0


def test_metrics_show_only_totals(client: TestClient, session: Session) -> None:
    from api.storage.apikeys import create_key
    from api.storage.types import utcnow

    ask(client, "ALERT 750 SAR PK 56000")
    ask(client, "ALERT 1000 AED BD 33000", "+8801712345678")
    _, key = create_key(
        session, "prom", utcnow(), secret=get_settings().secret_key, scopes=["read"]
    )
    text = client.get("/metrics", headers={"X-API-Key": key}).text
    assert 'remit_message_contacts{channel="sms"} 2.0' in text
    assert "remit_message_alerts 2.0" in text
    assert 'remit_message_outbox{status="pending"} 0.0' in text
    assert (
        "+92" not in text and "+880" not in text and "SA-PK" not in text.split("remit_message")[1]
    )


def test_unsafe_production_messaging_settings_are_refused() -> None:
    from pydantic import ValidationError

    from api.settings import Settings

    safe = {"env": "production", "secret_key": "s" * 40, "public_base_url": BASE}
    Settings(**safe, twilio_auth_token=TOKEN, smtp_host="smtp.example.org")
    Settings(env="production", secret_key="s" * 40)  # no messaging: no address needed
    for bad, field in [
        ({"public_base_url": None, "twilio_auth_token": TOKEN}, "REMIT_PUBLIC_BASE_URL"),
        (
            {"public_base_url": "http://remit.example", "smtp_host": "localhost"},
            "REMIT_PUBLIC_BASE_URL",
        ),
        ({"twilio_auth_token": "short"}, "REMIT_TWILIO_AUTH_TOKEN"),
        ({"smtp_host": "smtp.example.org", "smtp_starttls": False}, "REMIT_SMTP_STARTTLS"),
        (
            {"smtp_host": "localhost", "smtp_starttls": False, "smtp_password": "x"},
            "REMIT_SMTP_PASSWORD",
        ),
        ({"twilio_account_sid": "AC1", "twilio_base_url": "http://x"}, "REMIT_TWILIO_BASE_URL"),
    ]:
        with pytest.raises(ValidationError, match=field):
            Settings(**{**safe, **bad})
    Settings(env="development", twilio_auth_token="short")  # only production refuses
