"""Feed rows that lie about time or shape (issue 23, item 7).

A row's captured_at ages its price (a provider's stale file shows as stale), a capture time
outside the plausible window is refused naming the field, dates that leave the years 1-9999
in UTC are a 4xx (they were a 500), and a row with 60,000 unknown columns is read once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.ingestion.formats.feed import MAX_UNKNOWN_WARNINGS, parse_feed
from api.services.ingest import import_feed
from api.settings import get_settings
from api.storage.apikeys import create_key
from api.storage.models import Quote
from api.storage.types import utcnow
from tests.collectors.test_admin_api import ENTRY

HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)


def row(captured_at: str) -> str:
    # A service the demo data does not offer, so the feed's row is the one compare shows.
    service = "home,wallet,over_5_days"
    return f"western-union,GB,PK,GBP,PKR,120,2.99,372.10,0,{service},false,{captured_at}"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_quotes(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Quote).where(Quote.source == "feed")).one()


def test_a_stale_feed_shows_as_stale_with_its_own_age(
    client: TestClient, session: Session, demo_now: datetime
) -> None:
    captured = (demo_now - timedelta(days=3)).replace(microsecond=0)
    report = import_feed(
        session, f"{HEADER}\n{row(iso(captured))}\n".encode(), filename="f.csv", now=utcnow()
    )
    assert report.stored == 1, report.rejected
    body = client.get("/api/v1/compare?from=GB&to=PK&amount=120").json()
    [offer] = [q for q in body["quotes"] if q["source"] == "feed"]
    assert offer["stale"] is True
    assert offer["age_hours"] == 72
    assert offer["collected_at"].startswith(iso(captured)[:19])


@pytest.mark.parametrize(
    ("captured_at", "reason"),
    [
        ("1970-01-01T00:00:00Z", "days before now"),
        ("2999-01-01T00:00:00Z", "in the future"),
        ("0001-01-01T00:00:00+05:00", "outside the range of dates"),
        ("9999-12-31T23:59:59-05:00", "outside the range of dates"),
    ],
)
def test_a_capture_time_outside_the_window_is_refused_naming_the_field(
    session: Session, captured_at: str, reason: str
) -> None:
    before = feed_quotes(session)
    report = import_feed(
        session, f"{HEADER}\n{row(captured_at)}\n".encode(), filename="f.csv", now=utcnow()
    )
    assert [(r.line, r.field) for r in report.rejected] == [(2, "captured_at")]
    assert reason in report.rejected[0].reason
    assert feed_quotes(session) == before


@pytest.mark.parametrize(
    "captured_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1970-01-01T00:00Z"]
)
def test_feed_and_quote_endpoints_answer_a_4xx_for_impossible_dates(
    client: TestClient, session: Session, captured_at: str
) -> None:
    _, plain = create_key(
        session, "t", utcnow(), secret=get_settings().secret_key, scopes=["ingest"]
    )
    headers = {"X-API-Key": plain}
    feed = client.post(
        "/api/v1/admin/feeds?filename=f.csv",
        content=f"{HEADER}\n{row(captured_at)}\n".encode(),
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert feed.status_code < 500, feed.text
    assert [r["field"] for r in feed.json()["rejected"]] == ["captured_at"]
    entry = ENTRY | {"captured_at": captured_at}
    quote = client.post("/api/v1/admin/quotes", json=entry, headers=headers)
    assert quote.status_code == 422, quote.text
    assert [d["loc"] for d in quote.json()["detail"]] == [["body", "captured_at"]]


def test_sixty_thousand_unknown_columns_are_named_a_few_at_a_time() -> None:
    extra = [f"x{i}" for i in range(60_000)]
    values = row(iso(utcnow() - timedelta(hours=1))).split(",")
    content = ",".join([HEADER, *extra]) + "\n" + ",".join(values + ["v"] * len(extra)) + "\n"
    result = parse_feed(content.encode(), filename="wide.csv")
    assert len(result.rows) == 1
    assert len(result.unknown_fields) == 60_000
    assert result.warnings[0] == "unknown field 'x0' ignored"
    assert len(result.warnings) == MAX_UNKNOWN_WARNINGS + 1
    more = 60_000 - MAX_UNKNOWN_WARNINGS
    assert result.warnings[-1] == f"and {more} more unknown field(s) ignored"
