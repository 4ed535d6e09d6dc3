"""The collector process killed (SIGKILL) mid-run, while fetching from a slow host and while
its transaction holds written rows: nothing partial stays, the run is on record, the API
keeps serving the last good data, and the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.storage.models import CollectorRun, ReferenceRate
from scrapers.runner import run_source
from tests.collectors.conftest import NOW, client_on
from tests.collectors.test_faults import DAB_PATH, dab_page
from tests.replay import ReplayServer

SCRIPT = r"""
import sys, time
import scrapers.runner as runner
from api.storage.db import get_engine

if sys.argv[1] == "store":
    original = runner.store_rate_batch

    def slow(session, rates, now):
        outcomes = original(session, rates, now)
        session.flush()  # the rows are written inside the open transaction...
        print("MIDWAY", len(rates), flush=True)
        time.sleep(60)  # ...and the process is killed before it commits
        return outcomes

    runner.store_rate_batch = slow
print("START", flush=True)
runner.run_source(get_engine(), "dab")
print("DONE", flush=True)
"""


def start(mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy(),
    )


def wait_for(condition: object, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the collector subprocess")


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL


def dab_days(engine: Engine) -> dict[date, int]:
    with Session(engine) as session:
        rows = session.exec(select(ReferenceRate).where(ReferenceRate.source == "dab")).all()
    days: dict[date, int] = {}
    for r in rows:
        days[r.as_of] = days.get(r.as_of, 0) + 1
    return days


def runs(engine: Engine) -> list[CollectorRun]:
    with Session(engine) as session:
        stmt = select(CollectorRun).where(CollectorRun.source == "dab")
        return list(session.exec(stmt.order_by(col(CollectorRun.id))))


def test_killed_collector_leaves_nothing_partial(
    scratch_engine: Engine, replay: ReplayServer
) -> None:
    last_good = {date(2026, 5, 18): 20}
    assert dab_days(scratch_engine) == last_good

    # 1. Killed while waiting for a slow host.
    replay.add(DAB_PATH, dab_page(), delay_s=30)
    fetching = start("fetch")
    wait_for(lambda: replay.hits(DAB_PATH) >= 1)
    kill(fetching)
    assert dab_days(scratch_engine) == last_good
    assert [r.status for r in runs(scratch_engine)] == ["running"]

    # 2. Killed inside the storing transaction, after its rows were written.
    replay.add(DAB_PATH, dab_page())
    storing = start("store")
    assert storing.stdout is not None
    wait_for(lambda: storing.stdout is not None and "MIDWAY" in storing.stdout.readline())
    kill(storing)
    assert dab_days(scratch_engine) == last_good  # the 20 written rows were never committed

    # The API still serves the last good data, marked stale.
    with client_on(scratch_engine) as client:
        body = client.get("/api/v1/rates", params={"base": "USD", "quote": "AFN"}).json()
    dab = [r for r in body["rates"] if r["source"] == "dab"]
    assert {(r["as_of"], r["rate"], r["stale"]) for r in dab} == {("2026-05-18", "63.9767", False)}

    # 3. The next run works, and records what happened to the killed ones.
    run = run_source(scratch_engine, "dab", now=NOW)
    assert (run.status, run.rows_stored, run.rows_duplicate) == ("ok", 20, 0)
    assert dab_days(scratch_engine) == {date(2026, 5, 18): 20, date(2026, 5, 19): 20}
    history = runs(scratch_engine)
    assert [r.status for r in history] == ["failed", "failed", "ok"]
    assert all(r.error and r.error.startswith("abandoned") for r in history[:2])
