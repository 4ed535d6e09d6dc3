"""The scheduler: jobs defined in code, and one active scheduler elected through the
database (PostgreSQL advisory lock / SQLite lock row), with a standby taking over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.settings import Settings, get_settings
from api.storage.db import make_engine
from api.storage.migrate import upgrade
from api.storage.models import CollectorRun, SchedulerLock
from api.storage.types import utcnow
from scrapers import scheduler as scheduler_module
from scrapers.scheduler import (
    AdvisoryLock,
    RowLock,
    SchedulerService,
    make_lock,
    misfire_grace_s,
)
from scrapers.sources import SOURCES, Source
from tests.replay import ReplayServer


@pytest.fixture
def scratch(scratch_env: str) -> Iterator[Engine]:
    engine = make_engine(scratch_env)
    yield engine
    engine.dispose()


def test_jobs_are_defined_in_code_with_explicit_policies(scratch: Engine) -> None:
    now = utcnow()
    with Session(scratch) as session:  # dab ran ten minutes ago; the others never ran
        session.add(CollectorRun(source="dab", started_at=now - timedelta(minutes=10)))
        session.commit()
    settings = Settings(tcmb_api_key="configured")
    service = SchedulerService(scratch, settings=settings, first_run_delay_s=5)

    jobs = {job.id: job for job in service.build(now).get_jobs()}

    assert set(jobs) == {f"collect-{name}" for name in SOURCES}
    for name, source in SOURCES.items():
        job = jobs[f"collect-{name}"]
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.misfire_grace_time == misfire_grace_s(source) > 0
        assert job.trigger.interval == source.interval
        assert job.args == (name,)
    assert jobs["collect-dab"].trigger.start_date == now - timedelta(minutes=10) + timedelta(
        hours=3
    )
    assert jobs["collect-wise"].trigger.start_date == now + timedelta(seconds=5)  # first source
    assert jobs["collect-sbp"].trigger.start_date == now + timedelta(seconds=10)  # staggered
    assert SOURCES["wise"].interval < SOURCES["imf"].interval  # each source its own interval


def test_sources_without_their_configuration_are_not_scheduled(scratch: Engine) -> None:
    service = SchedulerService(scratch, settings=Settings(tcmb_api_key=None))
    assert "tcmb" not in {s.name for s in service.sources}
    assert "collect-tcmb" not in {job.id for job in service.build().get_jobs()}


def test_a_failing_job_does_not_kill_the_scheduler(scratch: Engine) -> None:
    calls: list[str] = []

    def run(engine: Engine, source: Source, settings: object) -> object:
        calls.append(source.name)
        raise RuntimeError("boom")

    service = SchedulerService(scratch, run=run)
    service._job("dab")
    assert calls == ["dab"]


# -- the lock ----------------------------------------------------------------------------------


def test_only_one_holder_and_takeover_when_the_holder_dies(scratch: Engine) -> None:
    first = make_lock(scratch, stale_after_s=0.3)
    second = make_lock(scratch, stale_after_s=0.3)
    expected = AdvisoryLock if scratch.dialect.name == "postgresql" else RowLock
    assert isinstance(first, expected)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_held() and first.try_acquire()
        if isinstance(first, AdvisoryLock):
            first._drop()  # its connection dies: PostgreSQL frees the lock at once
        else:
            time.sleep(0.4)  # no heartbeat: stale
        assert second.try_acquire()
        assert not first.still_held()
        assert not first.try_acquire()
        second.release()
        assert first.try_acquire()
    finally:
        first.release()
        second.release()


def test_row_lock_is_taken_over_at_once_from_a_dead_process(tmp_path: Path) -> None:
    # The lock row is the SQLite mechanism (PostgreSQL uses an advisory lock, tested above).
    scratch = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    upgrade(scratch)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Session(scratch) as session:
        holder = f"{socket.gethostname()}:{dead.pid}:deadbeef"
        session.add(SchedulerLock(name="scheduler", holder=holder, heartbeat_at=utcnow()))
        session.commit()
    lock = RowLock(scratch, stale_after_s=3600)
    assert lock.try_acquire()
    lock.release()
    scratch.dispose()


# -- two scheduler processes ---------------------------------------------------------------

SCHEDULER_ARGS = ("--heartbeat", "0.2", "--stale-after", "30", "--first-run-delay", "3600")


class Process:
    """A `remit scheduler` subprocess whose log lines are collected as they come."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "remit.cli", "scheduler", *SCHEDULER_ARGS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.append(line)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_for(self, text: str, timeout_s: float = 20.0) -> None:
        wait_until(lambda: self.saw(text), timeout_s, f"{text!r} in {self.lines!r}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        code = self.popen.wait(15)
        self._reader.join(5)
        if self.popen.stderr is not None:
            self.popen.stderr.close()
        return code


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_standby_scheduler_takes_over_when_the_active_one_is_killed(
    scratch: Engine, replay: ReplayServer
) -> None:
    active = Process()
    standby: Process | None = None
    try:
        active.wait_for("scheduler active")
        standby = Process()
        standby.wait_for("scheduler standby")
        assert not standby.saw("scheduler active")

        assert active.stop(signal.SIGKILL) == -signal.SIGKILL
        standby.wait_for("scheduler active", timeout_s=15)
        if scratch.dialect.name == "sqlite":
            with Session(scratch) as session:
                row = session.exec(select(SchedulerLock)).one()
            assert f":{standby.popen.pid}:" in row.holder

        assert standby.stop(signal.SIGTERM) == 0
        assert standby.saw("scheduler stopped")
        assert replay.requests == []  # no job was due: nothing fetched
    finally:
        active.stop(signal.SIGKILL)
        if standby is not None:
            standby.stop(signal.SIGKILL)


def test_in_process_scheduler(scratch: Engine, replay: ReplayServer) -> None:
    service = scheduler_module.start_in_process()
    try:
        assert service is not None
        assert scheduler_module.start_in_process() is service  # idempotent
        wait_until(service.active.is_set, 10, "the in-process scheduler to become active")
        assert service.scheduler is not None and len(service.scheduler.get_jobs()) == len(SOURCES)
    finally:
        if service is not None:
            service.stop()
        scheduler_module._in_process = None
    assert not service.active.is_set()


def test_in_process_scheduler_can_be_switched_off(
    scratch: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_RUN_SCHEDULER_IN_PROCESS", "false")
    get_settings.cache_clear()
    assert scheduler_module.start_in_process() is None
