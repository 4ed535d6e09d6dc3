"""A PostgreSQL outage under load (issue 13, item 3): while the cluster is stopped every
answer is a 503 with Retry-After (JSON for the API, a translated HTML page for pages),
/readyz is 503, the log gains one line when the database goes away and one when it is
back, and the service recovers without a restart.

The cluster stopped is one this test creates for itself on a free port (and drops), so it
never stops the PostgreSQL that other tests use. REMIT_OUTAGE_PG_CLUSTER=main (with
REMIT_OUTAGE_PG_PORT, default 5432) runs it against an existing cluster instead: `.ci/run`
does that in its own pytest run, after the rest of the suite."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.deploy.servers import (
    as_postgres,
    free_port,
    pg_version,
    remit,
    remit_env,
    serve,
    unavailable,
    wait_until,
)

pytestmark = pytest.mark.postgres

API = ["/readyz", "/api/v1/corridors", "/api/v1/compare?from=GB&to=PK&amount=200"]
PAGES = ["/", "/compare?from=GB&to=PK&amount=200", "/compare?from=GB&to=PK&amount=200&lang=ur"]
UR_TITLE = "سروس تھوڑی دیر کے لیے دستیاب نہیں ہے"


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def ctl(self, action: str) -> None:
        args = ["pg_ctlcluster", self.version, self.name, action]
        if action == "stop":
            args += ["-m", "fast"]
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    def ensure_running(self) -> None:
        status = ["pg_ctlcluster", self.version, self.name, "status"]
        if subprocess.run(status, capture_output=True, check=False).returncode != 0:
            self.ctl("start")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    version = pg_version()
    if version is None or os.geteuid() != 0:
        unavailable("the outage test needs root and PostgreSQL's pg_ctlcluster")
    assert version is not None
    given = os.environ.get("REMIT_OUTAGE_PG_CLUSTER")
    if given:
        yield Cluster(version, given, int(os.environ.get("REMIT_OUTAGE_PG_PORT", "5432")))
        return
    name, port = "remit_outage", free_port()
    subprocess.run(["pg_dropcluster", version, name, "--stop"], capture_output=True, check=False)
    subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    made = Cluster(version, name, port)
    try:
        made.ctl("start")
        as_postgres("CREATE ROLE remit LOGIN PASSWORD 'remit' CREATEDB;", port)
        yield made
    finally:
        subprocess.run(["pg_dropcluster", version, name, "--stop"], capture_output=True)


@dataclass
class Answer:
    phase: str  # when the request was sent and answered (else "between")
    path: str
    status: int
    headers: httpx.Headers
    body: str


class Load:
    """Threads requesting every path in a loop, recording each answer with the phase."""

    def __init__(self, base: str, paths: list[str], threads: int = 4) -> None:
        self.base, self.paths = base, paths
        self.phase = "before"
        self.answers: list[Answer] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def _run(self, n: int) -> None:
        # A new connection per request: no keep-alive race between client and server.
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=self.base, timeout=30, limits=limits) as client:
            i = n
            while not self._stop.is_set():
                path = self.paths[i % len(self.paths)]
                i += 1
                phase = self.phase
                try:
                    r = client.get(path)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{phase} {path}: {exc!r}")
                    continue
                if self.phase != phase:  # in flight across a change: judged by neither side
                    phase = "between"
                self.answers.append(Answer(phase, path, r.status_code, r.headers, r.text[:4000]))

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def during(self, phase: str) -> list[Answer]:
        return [a for a in self.answers if a.phase == phase]


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
def test_postgresql_outage_under_load_is_503_then_recovers(
    cluster: Cluster, tmp_path: Path
) -> None:
    db = f"remit_outage_{os.getpid()}"
    as_postgres(
        f'DROP DATABASE IF EXISTS "{db}"; CREATE DATABASE "{db}" OWNER remit;', cluster.port
    )
    env = remit_env(f"postgresql+psycopg://remit:remit@127.0.0.1:{cluster.port}/{db}")
    remit(["demo"], env)
    log = tmp_path / "serve.log"
    try:
        with serve(env, log) as base, Load(base, [*API, *PAGES, "/healthz"]) as load:
            wait_until(lambda: len(load.during("before")) >= 20, 60, "load before the outage")
            load.phase = "stopping"
            cluster.ctl("stop")
            load.phase = "down"
            wait_until(lambda: len(load.during("down")) >= 60, 60, "load during the outage")
            load.phase = "restarting"
            cluster.ctl("start")
            wait_until(
                lambda: httpx.get(base + "/readyz").status_code == 200, 60, "/readyz back to 200"
            )
            load.phase = "after"
            wait_until(lambda: len(load.during("after")) >= 40, 60, "load after the outage")
            # The recovery is logged once it has held for a second (db.SETTLE_S).
            wait_until(lambda: "database reachable again" in log.read_text(), 30, "recovery logged")
    finally:
        cluster.ensure_running()  # whatever happened, leave the cluster running
        as_postgres(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE);', cluster.port)

    assert load.failures == []
    assert {a.status for a in load.answers} <= {200, 503}, sorted(
        {(a.phase, a.path, a.status) for a in load.answers if a.status not in (200, 503)}
    )
    assert {a.status for a in load.during("before")} == {200}, [
        (a.path, a.status, a.body[:200]) for a in load.during("before") if a.status != 200
    ]
    assert {a.status for a in load.during("after")} == {200}, [  # recovered, no restart
        (a.path, a.status, a.body[:200]) for a in load.during("after") if a.status != 200
    ]

    down = load.during("down")
    for path in [*API, *PAGES]:
        assert any(a.path == path and a.status == 503 for a in down), path
    assert all(a.status == 200 for a in down if a.path == "/healthz")  # the process is up
    for a in down:
        if a.status != 503:
            continue
        assert a.headers["retry-after"].isdigit(), a.path
        if a.path in API:
            assert a.headers["content-type"] == "application/json", a.path
        else:
            assert a.headers["content-type"].startswith("text/html"), a.path
            assert "<html" in a.body and "{" not in a.body[:1]
            if "lang=ur" in a.path:
                assert UR_TITLE in a.body
            else:
                assert "The service is briefly unavailable" in a.body
    readyz = next(a for a in down if a.path == "/readyz" and a.status == 503)
    assert '"database":"unreachable"' in readyz.body

    text = log.read_text()
    assert text.count("database unreachable") == 1, text[-3000:]
    assert text.count("database reachable again") == 1, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
