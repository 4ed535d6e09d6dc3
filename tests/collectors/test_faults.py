"""Faults against the replay server. After each: nothing partial stored, the run recorded
with its error, and the API still serving the last good data (marked stale)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, delete, func
from sqlmodel import Session, col, select

from api.settings import get_settings
from api.storage.models import CollectorRun, Quote, RawPayload, ReferenceRate
from scrapers.runner import run_source
from tests.collectors.conftest import CBI_WORKBOOK_PATH, NOW, fixture_bytes
from tests.collectors.test_sources import add_gb_es
from tests.replay import ReplayServer, Reply

DAB_PATH = "/exchange-rates"
DAB = fixture_bytes("dab/exchange-rates-2026-05-18.html")
USD_CELLS = (b">64.0767<", b">63.8767<", b">64.0267<", b">63.9267<")


def dab_page(day: str = "2026-05-19", usd_factor: int | None = None) -> bytes:
    """The recorded page as if published on another day (optionally with USD scaled)."""
    page = DAB.replace(b'value="2026-05-18"', f'value="{day}"'.encode())
    if usd_factor is not None:
        for cell in USD_CELLS:
            value = Decimal(cell[1:-1].decode()) * usd_factor
            page = page.replace(cell, f">{value}<".encode(), 1)
    return page


@dataclass(frozen=True)
class Snapshot:
    rates: int
    quotes: int
    payloads: int
    runs: int


def snapshot(session: Session) -> Snapshot:
    def count(model: type) -> int:
        return int(session.exec(select(func.count()).select_from(model)).one())

    return Snapshot(count(ReferenceRate), count(Quote), count(RawPayload), count(CollectorRun))


def assert_last_good_dab_data_served(client: TestClient) -> None:
    body = client.get("/api/v1/rates", params={"base": "USD", "quote": "AFN"}).json()
    dab = [r for r in body["rates"] if r["source"] == "dab"]
    assert len(dab) == 2
    assert all((r["as_of"], r["rate"], r["stale"]) == ("2026-05-18", "63.9767", True) for r in dab)


def assert_failed_and_nothing_stored(
    session: Session, run: CollectorRun, before: Snapshot, error: str
) -> None:
    assert run.status == "failed"
    assert run.error is not None and error in run.error, run.error
    assert (run.rows_stored, run.finished_at is not None) == (0, True)
    after = snapshot(session)
    assert after == Snapshot(before.rates, before.quotes, before.payloads, before.runs + 1)
    recorded = session.get(CollectorRun, run.id)
    assert recorded is not None and recorded.status == "failed" and recorded.error == run.error


def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMIT_HTTP_TIMEOUT_S", "0.3")
    monkeypatch.setenv("REMIT_HTTP_MAX_RETRIES", "1")
    get_settings.cache_clear()


FAULTS: dict[str, tuple[Callable[[ReplayServer], None], str]] = {
    "timeout": (lambda s: s.add(DAB_PATH, dab_page(), delay_s=3.0), "timed out"),
    "429 with Retry-After, every time": (
        lambda s: s.add(DAB_PATH, b"slow down", status=429, headers={"Retry-After": "0"}),
        "HTTP 429",
    ),
    "500s": (lambda s: s.add(DAB_PATH, b"oops", status=500), "HTTP 500"),
    "connection cut mid-body": (
        lambda s: s.add(DAB_PATH, dab_page(), fault="truncate"),
        "connection error",
    ),
    "connection dropped": (lambda s: s.add(DAB_PATH, dab_page(), fault="drop"), "connection"),
    "truncated document": (
        lambda s: s.add(DAB_PATH, dab_page()[: len(DAB) // 2]),
        "body truncated",
    ),
    "malformed body": (
        lambda s: s.add(DAB_PATH, dab_page(), fault="malformed"),
        "unexpected response",
    ),
    "changed page layout": (
        lambda s: s.add(DAB_PATH, dab_page().replace(b"Cash (Sell)", b"Cash Selling Rate")),
        "unexpected column 'cash selling rate'",
    ),
    "holiday page is not confused with a broken one": (
        lambda s: s.add(DAB_PATH, b"<html><body><h2>Nothing</h2></body></html>"),
        "no table under the 'Exchange Rates' heading",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_stores_nothing_records_the_run_and_keeps_serving(
    fault: str,
    session: Session,
    conn: Connection,
    client: TestClient,
    replay: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup, error = FAULTS[fault]
    setup(replay)
    short_timeout(monkeypatch)
    before = snapshot(session)

    run = run_source(conn, "dab", now=NOW)

    assert_failed_and_nothing_stored(session, run, before, error)
    assert_last_good_dab_data_served(client)


def test_429_retry_after_is_honoured_then_the_run_succeeds(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    replay.script(DAB_PATH, [Reply(b"busy", 429, {"Retry-After": "1"}), Reply(dab_page())])
    started = time.monotonic()
    run = run_source(conn, "dab", now=NOW)
    assert (run.status, run.rows_stored) == ("ok", 20)
    assert time.monotonic() - started >= 1.0
    assert replay.hits(DAB_PATH) == 2


def test_500s_are_retried(session: Session, conn: Connection, replay: ReplayServer) -> None:
    replay.script(DAB_PATH, [500, 502, Reply(dab_page())])
    run = run_source(conn, "dab", now=NOW)
    assert (run.status, run.rows_stored, replay.hits(DAB_PATH)) == ("ok", 20, 3)


def test_hard_timeout_stops_a_hung_run(
    session: Session, conn: Connection, client: TestClient, replay: ReplayServer
) -> None:
    replay.add(DAB_PATH, dab_page(), delay_s=5.0)
    before = snapshot(session)
    started = time.monotonic()
    run = run_source(conn, "dab", now=NOW, timeout_s=0.5)
    assert time.monotonic() - started < 2.0
    assert_failed_and_nothing_stored(session, run, before, "hard timeout")
    assert_last_good_dab_data_served(client)


def test_second_request_failing_stores_nothing_of_the_first(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    replay.add(CBI_WORKBOOK_PATH, b"gone", status=503)
    session.execute(delete(ReferenceRate).where(col(ReferenceRate.source) == "cbi"))
    before = snapshot(session)
    run = run_source(conn, "cbi", now=NOW)
    assert_failed_and_nothing_stored(session, run, before, "HTTP 503")
    assert replay.hits("/page/144") == 1


def test_one_failed_wise_request_fails_the_whole_run(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    add_gb_es(session, ladder="10000 20000")
    replay.add("/v4/comparisons?sourceCurrency=GBP&targetCurrency=EUR&sendAmount=20000", b"", 500)
    before = snapshot(session)
    run = run_source(conn, "wise", corridors=["GB-ES"], now=NOW)
    assert_failed_and_nothing_stored(session, run, before, "HTTP 500")


def test_missing_api_key_is_a_recorded_configuration_error(
    session: Session, conn: Connection, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REMIT_TCMB_API_KEY")
    get_settings.cache_clear()
    before = snapshot(session)
    run = run_source(conn, "tcmb", now=NOW)
    assert_failed_and_nothing_stored(session, run, before, "REMIT_TCMB_API_KEY")


# -- absurd values: rejected and logged, the rest stored (partial) ----------------------------


def test_tenfold_rate_is_rejected_and_the_rest_stored(
    session: Session,
    conn: Connection,
    client: TestClient,
    replay: ReplayServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    replay.add(DAB_PATH, dab_page(usd_factor=10))

    run = run_source(conn, "dab", now=NOW)

    assert (run.status, run.rows_stored, run.rows_rejected) == ("partial", 18, 2)
    assert run.error is not None and "USD/AFN cash official 2026-05-19 rate 639.7670" in run.error
    assert "more than 3x away from the previous dab rate" in run.error
    assert "rejected USD/AFN transfer" in caplog.text
    assert_last_good_dab_data_served(client)  # USD/AFN: still the good rate of the 18th
    body = client.get("/api/v1/rates", params={"base": "EUR", "quote": "AFN"}).json()
    assert {r["as_of"] for r in body["rates"] if r["source"] == "dab"} == {"2026-05-19"}


def test_inverted_rate_is_rejected(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    xml = fixture_bytes("cbr/XML_daily.xml")
    xml = xml.replace(b'Date="25.04.2026"', b'Date="27.04.2026"')
    xml = xml.replace(b"<Value>75,5273</Value>", b"<Value>0,01324</Value>")
    replay.add("/scripts/XML_daily.asp", xml)

    run = run_source(conn, "cbr", now=NOW)

    assert (run.status, run.rows_rejected, run.rows_stored) == ("partial", 1, 53)
    assert run.error is not None and "USD/RUB official 2026-04-27 rate 0.01324" in run.error
    stored = session.exec(
        select(ReferenceRate).where(ReferenceRate.source == "cbr", ReferenceRate.base == "USD")
    ).all()
    assert [r.rate for r in stored] == [Decimal("75.5273")]


def test_new_series_is_checked_against_another_source(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    """TCMB's EUR/TRY never stored before: a 10x EUR rate is caught against the ECB's."""
    session.execute(delete(ReferenceRate).where(col(ReferenceRate.source) == "tcmb"))
    document = json.loads(fixture_bytes("tcmb/evds.json"))
    for item in document["items"]:
        for key in ("TP_DK_EUR_A_YTL", "TP_DK_EUR_S_YTL"):
            if item[key] is not None:
                item[key] = str(Decimal(item[key]) * 10)
    replay.add(_tcmb_path(), json.dumps(document).encode())

    run = run_source(conn, "tcmb", now=NOW)

    assert run.status == "partial" and run.rows_rejected == 14, run.error
    assert run.error is not None and "more than 3x away from ecb EUR/TRY" in run.error
    assert not session.exec(
        select(ReferenceRate).where(ReferenceRate.source == "tcmb", ReferenceRate.base == "EUR")
    ).all()


def _tcmb_path() -> str:
    from datetime import timedelta

    from scrapers.sources.tcmb import path

    return path(NOW.date() - timedelta(days=14), NOW.date())


def test_absurd_wise_quote_is_rejected(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    add_gb_es(session)
    document = json.loads(fixture_bytes("wise/comparison-gbp-eur-10000.json"))
    barclays = document["providers"][1]["quotes"][0]
    barclays["rate"] = 11.2792426  # 10x, markup unchanged: its implied mid is 10x too
    replay.add("/v4/comparisons", json.dumps(document).encode())

    run = run_source(conn, "wise", corridors=["GB-ES"], now=NOW)

    assert (run.status, run.rows_stored, run.rows_rejected) == ("partial", 1, 1)
    assert run.error is not None and "barclays GB-ES 10000 GBP->EUR" in run.error
    assert "implausible against the reference rate" in run.error
    assert [q.rate for q in session.exec(select(Quote).where(Quote.corridor_code == "GB-ES"))] == [
        Decimal("1.15989")
    ]
