"""Admin API: API keys (hash only, 401 without), collector status, feed upload, mystery
shopping entry."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlmodel import Session, select

from api.settings import get_settings
from api.storage.apikeys import create_key
from api.storage.models import ApiKey, Quote
from api.storage.types import utcnow
from scrapers.runner import run_source
from tests.collectors.conftest import NOW
from tests.collectors.test_faults import DAB_PATH, dab_page
from tests.replay import ReplayServer

HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)
# Capture times follow the machine's clock (a feed row must be a recent price, issue 23).
CAPTURED = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
WHEN = CAPTURED.strftime("%Y-%m-%dT%H:%M:%SZ")
GOOD = f"western-union,GB,PK,GBP,PKR,120,2.99,372.10,0,cash,card,minutes,false,{WHEN}"
TENFOLD = f"western-union,GB,PK,GBP,PKR,300,2.99,3721,0,cash,card,minutes,false,{WHEN}"


def make_key(session: Session, *scopes: str, expires_at: datetime | None = None) -> dict[str, str]:
    secret = get_settings().secret_key
    _, plain = create_key(
        session, "tests", NOW, secret=secret, scopes=scopes, expires_at=expires_at
    )
    return {"X-API-Key": plain}


@pytest.fixture
def key(session: Session) -> dict[str, str]:
    return make_key(session, "read", "ingest")


ADMIN = [
    ("GET", "/api/v1/admin/collectors"),
    ("POST", "/api/v1/admin/feeds"),
    ("POST", "/api/v1/admin/quotes"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN)
@pytest.mark.parametrize("header", [None, "wrong-key", "", "x" * 1000])
def test_admin_routes_need_a_valid_key(
    client: TestClient, key: dict[str, str], method: str, path: str, header: str | None
) -> None:
    headers = {} if header is None else {"X-API-Key": header}
    response = client.request(method, path, headers=headers, content=b"{}")
    assert response.status_code == 401
    assert response.json()["detail"] in ("missing X-API-Key header", "invalid API key")


def test_only_the_keyed_hash_is_stored(session: Session, key: dict[str, str]) -> None:
    [row] = session.exec(select(ApiKey).where(ApiKey.name == "tests")).all()
    plain = key["X-API-Key"]
    assert plain not in row.key_hash and len(row.key_hash) == 64
    # Not the unkeyed SHA-256: a stolen table alone cannot test guessed keys.
    assert row.key_hash != hashlib.sha256(plain.encode()).hexdigest()
    assert (
        row.key_hash
        == hmac.new(get_settings().secret_key.encode(), plain.encode(), hashlib.sha256).hexdigest()
    )


@pytest.mark.parametrize(
    ("scopes", "method", "path", "allowed"),
    [
        (("read",), "GET", "/api/v1/admin/collectors", True),
        (("read",), "POST", "/api/v1/admin/feeds", False),
        (("read",), "POST", "/api/v1/admin/quotes", False),
        (("ingest",), "GET", "/api/v1/admin/collectors", False),
        (("ingest",), "POST", "/api/v1/admin/feeds", True),
        (("ingest",), "POST", "/api/v1/admin/quotes", True),
        (("orgs",), "GET", "/api/v1/admin/collectors", False),
        (("orgs",), "POST", "/api/v1/admin/feeds", False),
        (("orgs",), "GET", "/api/v1/admin/orgs", True),
        (("read", "ingest"), "GET", "/api/v1/admin/orgs", False),
    ],
)
def test_a_key_may_do_only_what_its_scopes_allow(
    client: TestClient,
    session: Session,
    scopes: tuple[str, ...],
    method: str,
    path: str,
    allowed: bool,
) -> None:
    headers = make_key(session, *scopes) | {"Content-Type": "application/json"}
    response = client.request(method, path, headers=headers, content=b"[]")
    if allowed:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403
        assert "scope" in response.json()["detail"]


def test_an_expired_key_is_refused(client: TestClient, session: Session) -> None:
    # A key's expiry is checked against the clock, not the demo data's load time.
    now = utcnow()
    past = make_key(session, "read", expires_at=now - timedelta(seconds=1))
    future = make_key(session, "read", expires_at=now + timedelta(days=1))
    assert client.get("/api/v1/admin/collectors", headers=past).status_code == 401
    assert client.get("/api/v1/admin/collectors", headers=future).status_code == 200


@pytest.mark.parametrize("param", ["api_key", "key", "X-API-Key", "token"])
def test_a_key_in_the_query_string_is_refused(
    client: TestClient, key: dict[str, str], param: str
) -> None:
    response = client.get("/api/v1/admin/collectors", params={param: key["X-API-Key"]})
    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", param.lower()] and "header" in error["msg"]
    # Even together with a valid header: the key is already in a URL, so it is refused.
    response = client.get("/api/v1/admin/collectors", params={param: "x"}, headers=key)
    assert response.status_code == 400


def test_revoked_key_is_refused(client: TestClient, session: Session, key: dict[str, str]) -> None:
    row = session.exec(select(ApiKey).where(ApiKey.name == "tests")).one()
    row.revoked = True
    session.add(row)
    session.flush()
    assert client.get("/api/v1/admin/collectors", headers=key).status_code == 401


def test_bootstrap_key_from_settings(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_ADMIN_API_KEY", "bootstrap-secret-for-tests")
    get_settings.cache_clear()
    try:
        headers = {"X-API-Key": "bootstrap-secret-for-tests"}
        assert client.get("/api/v1/admin/collectors", headers=headers).status_code == 200
    finally:
        get_settings.cache_clear()


def test_collector_status_shows_last_runs_and_data_age(
    client: TestClient, conn: Connection, key: dict[str, str], replay: ReplayServer
) -> None:
    replay.add(DAB_PATH, dab_page())
    run_source(conn, "dab", now=NOW)
    replay.add(DAB_PATH, b"", status=500)
    run_source(conn, "dab", now=NOW)

    body = client.get("/api/v1/admin/collectors", headers=key).json()

    by_source = {c["source"]: c for c in body["collectors"]}
    assert set(by_source) == {"wise", "sbp", "dab", "cbi", "ecb", "imf", "tcmb", "cbr"}
    dab = by_source["dab"]
    assert dab["last_run"]["status"] == "failed" and "HTTP 500" in dab["last_run"]["error"]
    assert [r["status"] for r in dab["recent_runs"][:2]] == ["failed", "ok"]
    assert dab["recent_runs"][1]["rows_stored"] == 20
    assert dab["last_good_at"] is not None and dab["data_age_hours"] is not None
    assert dab["interval_minutes"] == 180 and dab["kind"] == "rates"
    assert by_source["wise"]["kind"] == "quotes"


# -- feeds ----------------------------------------------------------------------------------------


def test_feed_upload_csv_body(client: TestClient, session: Session, key: dict[str, str]) -> None:
    feed = f"{HEADER}\n{GOOD}\n{TENFOLD}\n".encode()
    response = client.post(
        "/api/v1/admin/feeds",
        content=feed,
        headers={**key, "Content-Type": "text/csv"},
        params={"filename": "acme.csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["format"], report["rows"], report["stored"], report["rejected_rows"]) == (
        "csv",
        2,
        1,
        1,
    )
    [rejected] = report["rejected"]
    assert (rejected["line"], rejected["field"]) == (3, "rate")
    assert "implausible" in rejected["reason"]
    stored = session.exec(select(Quote).where(Quote.source == "feed")).all()
    assert [q.rate for q in stored] == [Decimal("372.10")]
    assert stored[0].payload_hash == report["payload_sha256"]


def test_feed_upload_json_multipart(client: TestClient, key: dict[str, str]) -> None:
    rows = [dict(zip(HEADER.split(","), GOOD.split(","), strict=True))]
    rows[0]["promotional"] = False  # type: ignore[assignment]
    response = client.post(
        "/api/v1/admin/feeds",
        headers=key,
        files={"file": ("acme.json", json.dumps(rows).encode(), "application/json")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["filename"], report["format"], report["stored"]) == ("acme.json", "json", 1)

    again = client.post(
        "/api/v1/admin/feeds",
        headers=key,
        files={"file": ("acme.json", json.dumps(rows).encode(), "application/json")},
    ).json()
    assert (again["stored"], again["duplicates"], again["accepted"]) == (0, 1, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "feed is empty"),
        (b"\xff\xfe\x00\x01", "not UTF-8"),
        (b"provider,from\nx,GB\n", "missing required column"),
    ],
)
def test_feed_upload_bad_file_is_a_422_naming_the_file(
    client: TestClient, key: dict[str, str], content: bytes, message: str
) -> None:
    response = client.post(
        "/api/v1/admin/feeds", content=content, headers={**key, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", "file"] and message in detail["msg"]


def test_feed_upload_multipart_without_file(client: TestClient, key: dict[str, str]) -> None:
    response = client.post("/api/v1/admin/feeds", headers=key, files={"other": ("x", b"y")})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


# -- mystery shopping ------------------------------------------------------------------------------

ENTRY = {
    "provider": "western-union",
    "from": "GB",
    "to": "PK",
    "send_currency": "GBP",
    "receive_currency": "PKR",
    "send_amount": "120",
    "fee": "4.90",
    "rate": "365.20",
    "payout_method": "cash",
    "payin_method": "cash",
    "speed": "minutes",
    "captured_at": (CAPTURED + timedelta(hours=1)).strftime("%Y-%m-%dT%H:15:00+01:00"),
}


def test_mystery_quote_is_stored_and_priced(client: TestClient, key: dict[str, str]) -> None:
    response = client.post("/api/v1/admin/quotes", json=ENTRY, headers=key)
    assert response.status_code == 201, response.text
    body = response.json()
    quote = body["quote"]
    assert body["outcome"] == "stored"
    assert (quote["source"], quote["corridor"], quote["rate"], quote["fee"]) == (
        "mystery",
        "GB-PK",
        "365.20",
        "4.90",
    )
    assert quote["source_captured_at"].startswith(CAPTURED.strftime("%Y-%m-%dT%H:15:00"))
    margin = Decimal(quote["fx_margin_pct"])
    mid = Decimal(quote["mid_rate"])
    assert margin == (mid - Decimal("365.20")) / mid * 100

    again = client.post("/api/v1/admin/quotes", json=ENTRY, headers=key)
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate", "quote": None}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rate": "3652.0"}, "rate"),  # 10x
        ({"rate": "0.0027"}, "rate"),  # inverted
        ({"to": "XX"}, "to"),
        ({"from": "ZZ"}, "from"),
        ({"provider": "nobody-we-know"}, "provider"),
        ({"receive_currency": "USD"}, "receive_currency"),
        ({"send_amount": "-1"}, "send_amount"),
        ({"speed": "soon"}, "speed"),
        ({"captured_at": "2026-05-20T09:15:00"}, "captured_at"),
        ({"unexpected": "x"}, "unexpected"),
    ],
)
def test_mystery_quote_rejections_name_the_field(
    client: TestClient, key: dict[str, str], change: dict[str, str], field: str
) -> None:
    response = client.post("/api/v1/admin/quotes", json={**ENTRY, **change}, headers=key)
    assert response.status_code == 422, response.text
    assert field in {d["loc"][-1] for d in response.json()["detail"]}
