"""Two `remit serve` workers on one PostgreSQL database and one Redis share one rate limit
(issue 13, item 7): a client that spreads its requests over both gets no more than the
limit. Redis here is a redis-server this test starts on a free loopback port; without
redis-server the test skips, unless REMIT_REQUIRE_REDIS=1 (CI), where that is a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import drop_database
from tests.deploy.servers import free_port, remit_env, serve, unavailable, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PG_ADMIN_URL = os.environ.get(
    "REMIT_TEST_POSTGRES_URL", "postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres"
)
LIMIT = 10


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REMIT_REQUIRE_REDIS") == "1":
            pytest.fail("REMIT_REQUIRE_REDIS=1 but redis-server is not installed", pytrace=False)
        pytest.skip("redis-server not installed (set REMIT_REQUIRE_REDIS=1 to fail)")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        wait_until(lambda: client.ping(), 30, "redis-server")
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture
def database_url() -> Iterator[str]:
    db = f"remit_workers_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            drop_database(conn, db)
            conn.execute(text(f'CREATE DATABASE "{db}"'))
    except OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL not reachable ({exc.orig.__class__.__name__})")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"
    finally:
        with admin.connect() as conn:
            drop_database(conn, db)
        admin.dispose()


def test_two_workers_share_one_limit_through_redis(
    redis_url: str, database_url: str, tmp_path: Path
) -> None:
    env = remit_env(database_url, REMIT_REDIS_URL=redis_url, REMIT_RATE_LIMIT_PER_MINUTE=str(LIMIT))
    with (
        serve(env, tmp_path / "a.log") as a,
        serve(env, tmp_path / "b.log") as b,
    ):
        codes: list[tuple[str, int]] = []
        for n in range(LIMIT + 2):
            base = a if n % 2 == 0 else b
            r = httpx.get(base + "/api/v1/corridors")
            codes.append(("a" if base == a else "b", r.status_code))
        # Each worker saw only 6 requests (under the limit of 10 on its own), yet the 11th
        # and 12th, one on each worker, are refused: the counter is shared.
        assert [c for _, c in codes[:LIMIT]] == [200] * LIMIT
        assert codes[LIMIT:] == [("a", 429), ("b", 429)]
        refused = httpx.get(b + "/")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0

        # A key in the URL: refused, and the access log shows it redacted.
        r = httpx.get(a + "/api/v1/admin/collectors?api_key=remit_do_not_log_me")
        assert r.status_code in (400, 429)
    for name in ("a.log", "b.log"):
        log = (tmp_path / name).read_text()
        assert "remit_do_not_log_me" not in log
        assert "Traceback" not in log
    assert "api_key=REDACTED" in (tmp_path / "a.log").read_text()


def test_without_redis_reachable_the_limit_fails_open_with_one_log_line(
    database_url: str, tmp_path: Path
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = remit_env(database_url, REMIT_REDIS_URL=dead, REMIT_RATE_LIMIT_PER_MINUTE="1")
    with serve(env, tmp_path / "serve.log") as base:
        assert [httpx.get(base + "/api/v1/corridors").status_code for _ in range(3)] == [200] * 3
    log = (tmp_path / "serve.log").read_text()
    assert log.count("rate limit not enforced: Redis unreachable") == 1
    assert "Traceback" not in log


@pytest.mark.parametrize("given_dir", [True, False], ids=["given-dir", "default-dir"])
def test_workers_on_one_port_report_the_requests_of_all(
    database_url: str, tmp_path: Path, given_dir: bool
) -> None:
    """`remit serve --workers 2`: both workers answer on one port, and whichever one answers
    a scrape reports the requests counted by both (prometheus-client multiprocess mode), in
    PROMETHEUS_MULTIPROC_DIR when given (emptied of an earlier run's counts first), else in
    a temporary directory of its own."""
    key = "k" * 40
    extra = {"REMIT_ADMIN_API_KEY": key, "REMIT_RATE_LIMIT_PER_MINUTE": "0"}
    stale = tmp_path / "metrics" / "counter_999999.db"
    if given_dir:
        stale.parent.mkdir()
        stale.write_bytes(b"left from an earlier run")
        extra["PROMETHEUS_MULTIPROC_DIR"] = str(stale.parent)
    env = remit_env(database_url, **extra)
    if not given_dir:
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    sent = 60
    with serve(env, log, "--workers", "2") as base:
        said = re.search(r"metrics of all workers are shared through (\S+)", log.read_text())
        assert said is not None, log.read_text()[-2000:]
        shared = Path(said.group(1))
        assert shared == stale.parent if given_dir else shared.name.startswith("remit-metrics-")
        assert not stale.exists()  # an earlier run's counts are not added
        for _ in range(sent):  # a new connection each: the kernel spreads them over both
            assert httpx.get(base + "/api/v1/corridors").status_code == 200
        writers = {f.stem.rsplit("_", 1)[1] for f in shared.glob("counter_*.db")}
        assert len(writers) == 2, writers  # both workers counted requests
        line = re.compile(
            r'^remit_http_requests_total\{method="GET",route="/api/v1/corridors",'
            r'status="200"\} (\S+)$',
            re.M,
        )
        for _ in range(6):  # scrapes land on either worker
            body = httpx.get(base + "/metrics", headers={"X-API-Key": key}).text
            found = line.search(body)
            assert found is not None, body[:2000]
            assert float(found.group(1)) == sent
            assert "remit_collector_runs" in body  # the stored figures are there too
    assert "Traceback" not in log.read_text()
