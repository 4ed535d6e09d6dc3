"""Real `remit serve` processes on loopback ports for the deployment tests (outage, two
workers sharing Redis), and the PostgreSQL / Redis servers they use."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIRE_POSTGRES = os.environ.get("REMIT_REQUIRE_POSTGRES") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(check: object, timeout_s: float, what: str) -> None:
    """Poll ``check()`` (bounded) until it is true."""
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout_s} s")


def remit_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(
        {
            "REMIT_DATABASE_URL": database_url,
            "REMIT_COMPARE_CACHE_S": "0",
            "REMIT_RATE_LIMIT_PER_MINUTE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def remit(args: list[str], env: Mapping[str, str], timeout_s: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "remit.cli", *args],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@contextmanager
def serve(env: Mapping[str, str], log: Path, *more: str) -> Iterator[str]:
    """`remit serve --no-scheduler [more…]` on a free loopback port; yields its base URL."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "remit.cli.main",
                "serve",
                "--port",
                str(port),
                "--no-scheduler",
                *more,
            ],
            cwd=REPO,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: proc.poll() is None and httpx.get(url + "/healthz").status_code == 200,
            60,
            f"remit serve on {url} (log {log})",
        )
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def unavailable(reason: str) -> None:
    """Skip, or fail under REMIT_REQUIRE_POSTGRES=1 (CI), when a service cannot run here."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"REMIT_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pg_version() -> str | None:
    root = Path("/etc/postgresql")
    if not root.is_dir() or shutil.which("pg_ctlcluster") is None:
        return None
    versions = sorted((p.name for p in root.iterdir() if p.name[:1].isdigit()), key=float)
    return versions[-1] if versions else None


def as_postgres(sql: str, port: int) -> None:
    subprocess.run(
        ["su", "postgres", "-c", f"psql -v ON_ERROR_STOP=1 -q -p {port}"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
