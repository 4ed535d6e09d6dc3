"""A feed import commits in batches (issue 23): a reader's compare request is answered while
the import holds a batch's write transaction open, and an import killed (SIGKILL) between
batches is on record as unfinished; importing the same file again finishes it without a
duplicate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

import api.services.ingest as ingest
from api.services.ingest import FEED_RUN_SOURCE, FeedReport, import_feed
from api.storage.models import CollectorRun, Quote
from tests.collectors.conftest import NOW, client_on

HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)
ROWS = 40
BATCH = 10
WAIT_S = 60  # a safety bound on waiting for the other thread, never asserted on


def feed(rows: int = ROWS) -> bytes:
    """`rows` prices of one service captured a minute apart in the hour before NOW."""
    lines = [
        "western-union,GB,PK,GBP,PKR,120,2.99,372.10,0,cash,card,minutes,false,"
        + (NOW - timedelta(minutes=1 + i)).isoformat()
        for i in range(rows)
    ]
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def feed_quotes(engine: Engine) -> int:
    with Session(engine) as session:
        stmt = select(func.count()).select_from(Quote).where(Quote.source == "feed")
        return session.exec(stmt).one()


def feed_runs(engine: Engine) -> list[CollectorRun]:
    with Session(engine) as session:
        stmt = select(CollectorRun).where(CollectorRun.source == FEED_RUN_SOURCE)
        return list(session.exec(stmt.order_by(col(CollectorRun.id))))


def test_a_reader_is_answered_while_an_import_holds_a_batch_open(
    scratch_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    holding, reader_done = threading.Event(), threading.Event()
    events: list[str] = []
    original = ingest.store_quotes
    calls = 0

    def store_and_hold(session: Session, quotes: Any) -> Any:
        nonlocal calls
        results = original(session, quotes)
        calls += 1
        if calls == 2:  # batch 1 is committed; batch 2 is written, its transaction open
            holding.set()
            if not reader_done.wait(WAIT_S):
                events.append("reader never answered while the batch was open")
        return results

    monkeypatch.setattr(ingest, "store_quotes", store_and_hold)
    reports: list[FeedReport] = []

    def run_import() -> None:
        with Session(scratch_engine) as session:
            reports.append(
                import_feed(session, feed(), filename="big.csv", now=NOW, batch_size=BATCH)
            )
        events.append("import finished")

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        assert holding.wait(WAIT_S), "the import never reached its second batch"
        with client_on(scratch_engine) as client:
            response = client.get(
                "/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "120"}
            )
        assert response.status_code == 200, response.text
        # The reader sees what the committed batch stored, not the open one.
        assert feed_quotes(scratch_engine) == BATCH
        [running] = feed_runs(scratch_engine)
        assert (running.status, running.rows_stored) == ("running", BATCH)
        events.append("reader answered")
    finally:
        reader_done.set()
        importer.join(WAIT_S)
    assert events == ["reader answered", "import finished"]
    [report] = reports
    assert (report.stored, report.duplicates, report.rejected) == (ROWS, 0, [])
    assert feed_quotes(scratch_engine) == ROWS
    [done] = feed_runs(scratch_engine)
    assert (done.status, done.rows_stored, done.rows_rejected) == ("ok", ROWS, 0)


SCRIPT = r"""
import sys, time
from datetime import datetime
import api.services.ingest as ingest
from api.storage.db import get_engine, session_scope

original = ingest.store_quotes
calls = 0

def store_then_die(session, quotes):
    global calls
    results = original(session, quotes)
    session.flush()
    calls += 1
    if calls == 2:  # batch 1 committed, batch 2 written but not committed
        print("MIDWAY", flush=True)
        time.sleep(60)
    return results

ingest.store_quotes = store_then_die
with open(sys.argv[1], "rb") as f:
    content = f.read()
with session_scope(get_engine()) as session:
    ingest.import_feed(
        session, content, filename="big.csv", now=datetime.fromisoformat(sys.argv[2]),
        batch_size=int(sys.argv[3]),
    )
print("DONE", flush=True)
"""


def test_an_import_killed_between_batches_is_unfinished_and_a_rerun_finishes_it(
    scratch_engine: Engine, tmp_path: Any
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(feed())
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(path), NOW.isoformat(), str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "MIDWAY"
    process.send_signal(signal.SIGKILL)
    process.wait(WAIT_S)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    # Only the committed batch is stored, and the import does not look finished.
    assert feed_quotes(scratch_engine) == BATCH
    [killed] = feed_runs(scratch_engine)
    assert (killed.status, killed.rows_stored, killed.finished_at) == ("running", BATCH, None)

    # The same file again: the killed run is marked failed, the rest is stored once.
    with Session(scratch_engine) as session:
        report = import_feed(session, path.read_bytes(), filename="big.csv", now=NOW)
    assert (report.stored, report.duplicates, report.rejected) == (ROWS - BATCH, BATCH, [])
    assert any("died before finishing" in w for w in report.warnings)
    assert feed_quotes(scratch_engine) == ROWS
    abandoned, finished = feed_runs(scratch_engine)
    assert abandoned.status == "failed" and abandoned.error is not None
    assert f"after committing {BATCH} rows" in abandoned.error
    assert (finished.status, finished.rows_stored, finished.rows_duplicate) == (
        "ok",
        ROWS - BATCH,
        BATCH,
    )

    # And once more: nothing new.
    with Session(scratch_engine) as session:
        again = import_feed(session, path.read_bytes(), filename="big.csv", now=NOW)
    assert (again.stored, again.duplicates, again.warnings) == (0, ROWS, [])
    assert feed_quotes(scratch_engine) == ROWS
